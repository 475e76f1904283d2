#include "mail/whatsapp.h"

#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/json.h"
#include "common/text.h"
#include "domain/domain.h"
#include "mail/internal/message_state.h"
#include "mail/internal/phone_recipient.h"
#include "mail/internal/whatsapp_api.h"
#include "mail/phone_number.h"
#include "mail/template.h"
#include "mail/thread.h"
#include "orm/crypto.h"
#include "orm/env.h"
#include "outbox/outbox.h"
#include "store/connection.h"

namespace autorules::mail {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using domain::Domain;
using domain::Op;

namespace {

// More placeholders than a template has ({{1}} ... {{n}}): Meta allows far fewer.
constexpr int kMaxPlaceholders = 100;
constexpr size_t kMaxChallenge = 256;
// Meta caps a text message at 4,096 characters; a longer one is cut, not refused.
constexpr size_t kMaxIncomingText = 65536;

// The number in "{{n}}" at `at` (the position of its "{{"), or 0.
int placeholder_at(std::string_view text, size_t at, size_t& end) {
  size_t i = at + 2;
  int n = 0;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 3) {
    n = n * 10 + (text[i] - '0');
    ++i;
    ++digits;
  }
  if (!digits || i + 1 >= text.size() || text[i] != '}' || text[i + 1] != '}')
    return 0;
  end = i + 2;
  return n;
}

// The highest {{n}} of a template's body (0: none).
int highest_placeholder(std::string_view body) {
  int most = 0;
  size_t end = 0;
  for (size_t at = body.find("{{"); at != std::string_view::npos; at = body.find("{{", at + 2)) {
    int n = placeholder_at(body, at, end);
    if (n > most && n <= kMaxPlaceholders)
      most = n;
  }
  return most;
}

// The body with each {{n}} replaced by values[n - 1].
std::string fill(std::string_view body, const std::vector<std::string>& values) {
  std::string out;
  size_t from = 0, end = 0;
  for (size_t at = body.find("{{"); at != std::string_view::npos; at = body.find("{{", at + 2)) {
    int n = placeholder_at(body, at, end);
    if (n < 1 || static_cast<size_t>(n) > values.size())
      continue;
    out.append(body.substr(from, at - from));
    out += values[static_cast<size_t>(n) - 1];
    from = end;
    at = end - 2;
  }
  out.append(body.substr(from));
  return out;
}

// A whatsapp.message's outbound states in the order they are reached; a report never moves one
// back. A failure is final, as a cancellation.
int state_rank(std::string_view state) {
  if (state == "outgoing")
    return 0;
  if (state == "sent")
    return 1;
  if (state == "delivered")
    return 2;
  if (state == "read")
    return 3;
  return 4;
}

void follow_whatsapp_delivery(orm::Runtime& runtime) {
  outbox::on_outcome(runtime, "whatsapp", [](const orm::Env& env, const outbox::OutcomeEvent& ev) {
    if (ev.res_model != "whatsapp.message" || !ev.res_id)
      return;
    std::optional<std::string> state = internal::message_state(env, "whatsapp_message", ev.res_id);
    if (!state)
      return;
    orm::RecordSet msg = env["whatsapp.message"].browse({ev.res_id});
    switch (ev.outcome) {
      case outbox::Outcome::kDelivered: {
        // A status update may have come first: it wins.
        Json vals = Json::object();
        std::string uid = internal::whatsapp_message_id(ev.response);
        if (!uid.empty())
          vals["msg_uid"] = uid;
        if (state_rank(*state) < state_rank("sent"))
          vals["state"] = "sent";
        if (!vals.empty())
          msg.write(vals);
        break;
      }
      case outbox::Outcome::kRetry:
        msg.write(Json{{"failure_reason", common::truncate_utf8(ev.error, 1024)}});
        break;
      case outbox::Outcome::kFailed:
      case outbox::Outcome::kDead: {
        if (state_rank(*state) >= state_rank("delivered"))
          break;
        internal::WhatsappFailure f = internal::whatsapp_failure(ev.status, ev.error, ev.response);
        msg.write(Json{{"state", "error"}, {"failure_type", f.type}, {"failure_reason", f.reason}});
        break;
      }
    }
  });
}

// The account a template sends with: its own when active, else the first active one.
std::optional<internal::WhatsappAccount> account_for(const orm::Env& su, Id wanted) {
  std::vector<internal::WhatsappAccount> accounts = internal::active_whatsapp_accounts(su);
  for (internal::WhatsappAccount& a : accounts) {
    if (a.id == wanted)
      return std::move(a);
  }
  if (wanted || accounts.empty())
    return std::nullopt;  // its own account is archived: not another one behind its back
  return std::move(accounts.front());
}

struct Variable {
  std::string field_type, field_name, demo_value;
};

// The template's body variables by their number ({{1}} is 1).
std::map<int, Variable> variables_of(const orm::RecordSet& tmpl) {
  std::map<int, Variable> out;
  orm::RecordSet vars = tmpl.env()["whatsapp.template.variable"].search(
      Domain::conjoin(Domain::term("wa_template_id", Op::kEq, tmpl.id()),
                      Domain::term("line_type", Op::kEq, "body")));
  for (const Json& v : vars.read({"name", "field_type", "field_name", "demo_value"})) {
    std::string name = v["name"].is_string() ? v["name"].get<std::string>() : "";
    size_t end = 0;
    int n = name.starts_with("{{") ? placeholder_at(name, 0, end) : 0;
    if (n < 1 || end != name.size())
      continue;
    auto text = [&](const char* f) {
      return v[f].is_string() ? v[f].get<std::string>() : std::string();
    };
    out[n] = Variable{text("field_type"), text("field_name"), text("demo_value")};
  }
  return out;
}

// The contact an answer comes from: the contact of the message it answers when the numbers match.
Id author_of(const orm::RecordSet& parent, const std::string& number) {
  if (parent.empty())
    return 0;
  Value to = parent.get("mobile_number");
  Value partner = parent.get("partner_id");
  if (to.is_string() && to.as_string() == number && partner.is_int())
    return partner.as_int();
  return 0;
}

// Posts an incoming message on the record of the message it answers; its id (0: not posted).
Id post_incoming(const orm::Env& env, const orm::RecordSet& parent,
                 const internal::WhatsappIncoming& in, const std::string& number) {
  if (parent.empty())
    return 0;
  Value model = parent.get("model");
  Value res_id = parent.get("res_id");
  if (!model.is_string() || !res_id.is_int())
    return 0;
  const schema::Model* m = env.registry().find(model.as_string());
  if (!m || !is_thread(*m))
    return 0;
  orm::RecordSet record = env[model.as_string()].browse({res_id.as_int()}).exists();
  if (record.empty())
    return 0;
  Post post;
  post.body = in.text.empty() ? fmt::format("({} message)", common::truncate_utf8(in.type, 32))
                              : common::truncate_utf8(in.text, kMaxIncomingText);
  post.message_type = "whatsapp_message";
  post.subtype_xmlid = "mail.mt_comment";
  post.author_id = author_of(parent, number);
  if (!post.author_id) {
    post.email_from = common::truncate_utf8(
        in.profile_name.empty() ? number : fmt::format("{} ({})", in.profile_name, number), 200);
  }
  return message_post(record, post);
}

}  // namespace

IdList send_whatsapp_template(const orm::RecordSet& tmpl, const orm::RecordSet& records) {
  IdList created;
  if (records.empty())
    return created;
  orm::RecordSet t = tmpl.sudo().exists();
  if (t.size() != 1)
    throw common::ValueError("Sending WhatsApp needs one existing WhatsApp template");
  auto text = [&](const char* f) {
    Value v = t.get(f);
    return v.is_string() ? v.as_string() : std::string();
  };
  std::string model = text("model");
  if (model != records.name()) {
    throw common::ValueError(fmt::format("The WhatsApp template {} is for '{}', not '{}'", t.id(),
                                         model, records.name()));
  }
  const std::string body = text("body");
  const std::string name = text("template_name");
  const std::string lang = text("lang_code");
  const std::string phone_field = text("phone_field");
  const std::string label = fmt::format("{} (whatsapp.template {})", text("name"), t.id());
  Value wanted = t.get("wa_account_id");
  const orm::Env& env = records.env();
  orm::Env su = env.sudo();
  std::optional<internal::WhatsappAccount> account =
      account_for(su, wanted.is_int() ? wanted.as_int() : 0);
  std::optional<std::string> account_problem =
      account ? internal::whatsapp_account_problem(*account)
              : std::optional<std::string>(
                    "No WhatsApp account: add an active one (Messaging), or activate the "
                    "template's");
  const std::map<int, Variable> variables = variables_of(t);
  const int count = highest_placeholder(body);
  const bool thread = is_thread(records.model());
  for (Id rid : records.ids()) {
    orm::RecordSet record = records.browse({rid});
    std::vector<std::string> values;
    std::string missing;
    for (int n = 1; n <= count; ++n) {
      auto it = variables.find(n);
      std::string value;
      if (it != variables.end()) {
        value = it->second.field_type == "field"
                    ? internal::path_text(record.sudo(), it->second.field_name)
                    : render_inline(it->second.demo_value, record, label);
      }
      value = internal::whatsapp_parameter(value);
      if (value.empty() && missing.empty())
        missing = fmt::format("{{{{{}}}}}", n);
      values.push_back(std::move(value));
    }
    const std::string shown = fill(body, values);
    Id message_id = 0;
    if (thread) {
      Post post;
      post.body = shown;
      post.message_type = "whatsapp_message";
      post.subtype_xmlid = "mail.mt_note";
      message_id = message_post(record, post);
    }
    internal::PhoneRecipient to = internal::phone_recipient(record.sudo(), phone_field);
    std::optional<std::string> e164 = to_e164(to.number, to.country);
    Json vals{
        {"mobile_number", e164 ? *e164 : common::truncate_utf8(to.number, kMaxPhoneNumberLength)},
        {"message_type", "outbound"},
        {"body", shown},
        {"partner_id", to.partner_id ? Json(to.partner_id) : Json(false)},
        {"model", records.name()},
        {"res_id", rid},
        {"mail_message_id", message_id ? Json(message_id) : Json(false)},
        {"wa_template_id", t.id()},
        {"wa_account_id", account ? Json(account->id) : Json(false)}};
    auto error = [&](const char* type, std::string reason) {
      vals["state"] = "error";
      vals["failure_type"] = type;
      vals["failure_reason"] = std::move(reason);
    };
    if (std::optional<std::string> why = internal::number_problem(to, e164)) {
      error("phone_invalid", std::move(*why));
    } else if (!missing.empty()) {
      error("template", fmt::format("The variable {} of the template has no value", missing));
    } else if (account_problem) {
      error("account", *account_problem);
    }
    orm::RecordSet msg = su["whatsapp.message"].create(vals);
    created.push_back(msg.id());
    if (vals.contains("state"))
      continue;
    outbox::Message out = internal::whatsapp_request(*account, *e164, name, lang, values);
    out.res_model = "whatsapp.message";
    out.res_id = msg.id();
    Id queued = outbox::enqueue(env, out);
    msg.write(Json{{"outbox_message_id", queued}});
  }
  return created;
}

std::optional<std::string> verify_whatsapp_webhook(orm::Runtime& runtime, const std::string& mode,
                                                   const std::string& token,
                                                   const std::string& challenge) {
  if (mode != "subscribe" || token.empty() || challenge.empty() || challenge.size() > kMaxChallenge)
    return std::nullopt;
  for (char c : challenge) {
    // Echoed back: Meta's challenges are numbers; letters, digits, '-', '_' and '.' are allowed.
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (!letter && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.')
      return std::nullopt;
  }
  orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
  for (const internal::WhatsappAccount& a : internal::active_whatsapp_accounts(env)) {
    if (!a.verify_token.empty() && orm::constant_time_equal(a.verify_token, token))
      return challenge;
  }
  return std::nullopt;
}

int apply_whatsapp_webhook(orm::Runtime& runtime, const std::string& body,
                           const std::string& signature) {
  return common::retry_on_conflict([&]() -> int {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    std::optional<internal::WhatsappAccount> by;
    if (signature.starts_with("sha256=")) {
      for (internal::WhatsappAccount& a : internal::active_whatsapp_accounts(env)) {
        if (!a.app_secret.empty() &&
            orm::constant_time_equal(internal::whatsapp_signature(a.app_secret, body), signature)) {
          by = std::move(a);
          break;
        }
      }
    }
    if (!by)
      return 403;
    std::optional<internal::WhatsappEvents> events = internal::parse_whatsapp_webhook(body);
    if (!events)
      return 400;
    auto ours = [&](const std::string& field, const std::string& value,
                    const char* type) -> orm::RecordSet {
      return env["whatsapp.message"].search(
          Domain::conjoin(Domain::conjoin(Domain::term(field, Op::kEq, value),
                                          Domain::term("wa_account_id", Op::kEq, by->id)),
                          Domain::term("message_type", Op::kEq, type)),
          orm::SearchOptions{.limit = 1, .order = "id desc"});
    };
    for (const internal::WhatsappStatus& st : events->statuses) {
      if (st.phone_number_id != by->phone_uid || st.id.size() > 256)
        continue;
      orm::RecordSet msg = ours("msg_uid", st.id, "outbound");
      if (msg.empty())
        continue;
      std::string now = msg.get("state").is_string() ? msg.get("state").as_string() : "";
      std::string to = st.status == "sent"        ? "sent"
                       : st.status == "delivered" ? "delivered"
                       : st.status == "read"      ? "read"
                       : st.status == "failed"    ? "error"
                                                  : "";
      if (to.empty() || state_rank(to) <= state_rank(now))
        continue;
      if (to == "error" && state_rank(now) >= state_rank("delivered"))
        continue;
      Json vals{{"state", to}};
      if (to == "error") {
        vals["failure_type"] = internal::whatsapp_error_type(st.error_code);
        vals["failure_reason"] = common::truncate_utf8(
            fmt::format("Meta: {}{}", st.error_title.empty() ? "failed" : st.error_title,
                        st.error_code ? fmt::format(" (error {})", st.error_code) : ""),
            1024);
      }
      msg.write(vals);
    }
    for (const internal::WhatsappIncoming& in : events->messages) {
      if (in.phone_number_id != by->phone_uid || in.id.size() > 256 || in.from.size() > 32)
        continue;
      if (!ours("msg_uid", in.id, "inbound").empty())
        continue;  // Meta delivers a webhook call at least once: this one was taken before
      const std::string number = "+" + in.from;
      orm::RecordSet parent = in.context_id.empty() || in.context_id.size() > 256
                                  ? env["whatsapp.message"].browse({})
                                  : ours("msg_uid", in.context_id, "outbound");
      if (parent.empty())
        parent = ours("mobile_number", number, "outbound");  // the last one sent to them
      Id posted = post_incoming(env, parent, in, number);
      Json vals{{"mobile_number", common::truncate_utf8(number, 64)},
                {"message_type", "inbound"},
                {"state", "received"},
                {"msg_uid", in.id},
                {"body", common::truncate_utf8(in.text, kMaxIncomingText)},
                {"wa_account_id", by->id},
                {"parent_id", parent.empty() ? Json(false) : Json(parent.id())},
                {"mail_message_id", posted ? Json(posted) : Json(false)}};
      if (!parent.empty()) {
        vals["model"] = parent.get("model").is_string() ? parent.get("model").as_string() : "";
        vals["res_id"] = parent.get("res_id").is_int() ? parent.get("res_id").as_int() : 0;
        if (Id author = author_of(parent, number))
          vals["partner_id"] = author;
      } else {
        spdlog::info("whatsapp: a message from {} answers none of ours: kept, not posted", number);
      }
      env["whatsapp.message"].create(vals);
    }
    env.commit();
    return 200;
  });
}

void install_whatsapp(orm::Runtime& runtime) {
  runtime.set_access("whatsapp.template", orm::ModelAccess::kConfiguration);
  runtime.set_access("whatsapp.template.variable", orm::ModelAccess::kConfiguration);
  for (const char* m : {"whatsapp.message", "whatsapp.account"})
    runtime.set_access(m, orm::ModelAccess::kAdminOnly);
  follow_whatsapp_delivery(runtime);
}

}  // namespace autorules::mail
