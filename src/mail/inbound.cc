#include "mail/inbound.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/text.h"
#include "domain/domain.h"
#include "mail/html_sanitize.h"
#include "mail/internal/address.h"
#include "mail/internal/html_limits.h"
#include "mail/internal/values.h"
#include "mail/mime.h"
#include "mail/thread.h"
#include "orm/recordset.h"
#include "script/sandbox.h"

namespace autorules::mail {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using domain::Domain;
using domain::Op;
using internal::id_of;
using internal::text_of;

namespace {

std::string parameter(const orm::Env& env, const char* key) {
  orm::RecordSet found = env["ir.config_parameter"].search(Domain::term("key", Op::kEq, key),
                                                           orm::SearchOptions{.limit = 1});
  return found.empty() ? std::string() : text_of(found.get("value"));
}

std::int64_t int_parameter(const orm::Env& env, const char* key, std::int64_t def) {
  std::string v = parameter(env, key);
  try {
    return v.empty() ? def : std::stoll(v);
  } catch (const std::exception&) {
    return def;
  }
}

// The mail.message with this Message-Id, or an empty recordset.
orm::RecordSet message_with_id(const orm::Env& env, const std::string& message_id) {
  if (message_id.empty())
    return env["mail.message"].browse({});
  return env["mail.message"].search(Domain::term("message_id", Op::kEq, message_id),
                                    orm::SearchOptions{.limit = 1, .order = "id desc"});
}

// The message this one answers: In-Reply-To, else the newest of the last 32 References.
orm::RecordSet parent_of(const orm::Env& env, const ParsedEmail& mail) {
  orm::RecordSet found = message_with_id(env, mail.in_reply_to);
  if (!found.empty())
    return found;
  size_t n = mail.references.size();
  for (size_t i = 0; i < std::min<size_t>(n, 32); ++i) {
    found = message_with_id(env, mail.references[n - 1 - i]);
    if (!found.empty())
      return found;
  }
  return found;
}

// Whether a mail says it was sent by a program, not a person (RFC 3834 and the usual headers).
bool is_automatic(const ParsedEmail& mail) {
  std::string auto_submitted = common::utf8_lower(mail.auto_submitted);
  if (!auto_submitted.empty() && auto_submitted.rfind("no", 0) != 0)
    return true;
  auto header = [&](const char* name) {
    auto it = mail.headers.find(name);
    return it == mail.headers.end() ? std::string() : common::utf8_lower(it->second);
  };
  std::string precedence = header("Precedence");
  return precedence == "bulk" || precedence == "junk" || precedence == "list" ||
         !header("X-Autoreply").empty() || !header("X-Autorespond").empty();
}

// The chatter body of an incoming mail: its HTML part sanitized (sanitize_html: no script, no
// handler, no javascript: link) when it has one the sanitizer takes (a reasonable size, no tag
// with too many attributes), else its text, escaped, line breaks kept.
std::string body_of(const ParsedEmail& mail) {
  constexpr std::size_t kMaxHtml = 1u << 20;
  if (!mail.body_html.empty() && mail.body_html.size() <= kMaxHtml &&
      internal::max_attributes_per_tag(mail.body_html) <= internal::kMaxAttributesPerTag) {
    std::string html = sanitize_html(mail.body_html);
    if (!html.empty())
      return html;
  }
  std::string text = mail.body_html.empty() ? mail.body_text : html_to_text(mail.body_html);
  // Escaped, text grows up to six times: kept well under what an html field takes (4 MiB).
  text = common::truncate_utf8(text, 1u << 19);
  std::string out = "<p>";
  for (char c : common::html_escape(text)) {
    if (c == '\n')
      out += "<br/>";
    else
      out += c;
  }
  return out + "</p>";
}

std::string join_addresses(const std::vector<Address>& list) {
  std::string out;
  for (const Address& a : list)
    out += (out.empty() ? "" : ",") + a.email;
  return out;
}

struct Route {
  std::optional<orm::RecordSet> record;  // where to post (none: to be created)
  std::string model;                     // the alias's model, when creating
  Json defaults = Json::object();
  Id parent_id = 0;
  bool parent_internal = false;
};

// The alias among the recipients, as a route; nullopt when none matches.
std::optional<Route> alias_route(const orm::Env& env, const ParsedEmail& mail) {
  std::string domain = common::utf8_lower(parameter(env, "mail.catchall.domain"));
  std::vector<Address> recipients = mail.to;
  recipients.insert(recipients.end(), mail.cc.begin(), mail.cc.end());
  recipients.insert(recipients.end(), mail.delivered_to.begin(), mail.delivered_to.end());
  for (const Address& r : recipients) {
    std::string address = common::utf8_lower(r.email);
    size_t at = address.rfind('@');
    if (at == std::string::npos || at == 0)
      continue;
    if (!domain.empty() && address.substr(at + 1) != domain)
      continue;
    orm::RecordSet alias = env["mail.alias"].search(
        Domain::term("alias_name", Op::kEqIlike, domain::like_literal(address.substr(0, at))),
        orm::SearchOptions{.limit = 1, .order = "id"});
    if (alias.empty())
      continue;
    std::unordered_map<std::string, Value> a = alias.row();
    Id model_id = a["alias_model_id"].is_int() ? a["alias_model_id"].as_int() : 0;
    std::string model = text_of(env["ir.model"].browse({model_id}).get("model"));
    const schema::Model* m = env.registry().find(model);
    if (!m || !is_thread(*m)) {
      alias.write(Json{{"alias_status", "invalid"}});
      continue;
    }
    Route route;
    route.model = model;
    Id thread = a["alias_force_thread_id"].is_int() ? a["alias_force_thread_id"].as_int() : 0;
    if (thread) {
      orm::RecordSet forced = env[model].browse({thread}).exists();
      if (!forced.empty())
        route.record = forced;
    }
    std::string defaults = text_of(a["alias_defaults"]);
    if (!defaults.empty() && defaults != "{}") {
      try {
        route.defaults = script::eval(defaults, script::Context(env));
      } catch (const common::Error& e) {
        spdlog::warn("mail alias '{}': its default values do not evaluate: {}",
                     text_of(a["alias_name"]), e.what());
        alias.write(Json{{"alias_status", "invalid"}});
        continue;
      }
      if (!route.defaults.is_object()) {
        alias.write(Json{{"alias_status", "invalid"}});
        continue;
      }
    }
    alias.write(Json{{"alias_status", "valid"}});
    return route;
  }
  return std::nullopt;
}

}  // namespace

std::string_view inbound_kind_text(InboundResult::Kind kind) {
  switch (kind) {
    case InboundResult::Kind::kPosted:
      return "posted";
    case InboundResult::Kind::kDuplicate:
      return "duplicate";
    case InboundResult::Kind::kBounce:
      return "bounce";
    case InboundResult::Kind::kLoop:
      return "loop";
    case InboundResult::Kind::kNoRoute:
      return "no_route";
  }
  return "no_route";
}

InboundResult process_inbound(const orm::Env& caller, std::string_view bytes) {
  return process_inbound(caller, parse_mime(bytes));
}

InboundResult process_inbound(const orm::Env& caller, const ParsedEmail& mail) {
  const orm::Env env = caller.sudo().with_context_update(
      Json{{"mail_create_nosubscribe", true}, {"mail_create_nolog", true}});
  InboundResult result;

  // Already known (delivered twice, or one of ours coming back): taken, not posted again.
  std::vector<std::string> own_ids{mail.message_id};
  if (auto it = mail.headers.find("X-Odoo-Message-Id"); it != mail.headers.end())
    own_ids.push_back(it->second);
  for (const std::string& id : own_ids) {
    orm::RecordSet known = message_with_id(env, id);
    if (!known.empty()) {
      result.kind = InboundResult::Kind::kDuplicate;
      result.model = text_of(known.get("model"));
      result.res_id = known.get("res_id").is_int() ? known.get("res_id").as_int() : 0;
      result.message_id = known.id();
      return result;
    }
  }

  // A delivery report: the notification of the reported message bounced.
  if (mail.is_bounce) {
    result.kind = InboundResult::Kind::kBounce;
    orm::RecordSet original = message_with_id(env, mail.bounced_message_id);
    if (!original.empty() && !mail.bounced_recipient.empty()) {
      orm::RecordSet partners = env["res.partner"].search(
          Domain::term("email", Op::kEqIlike, domain::like_literal(mail.bounced_recipient)));
      env["mail.notification"]
          .search(Domain::conjoin(Domain::term("mail_message_id", Op::kEq, original.id()),
                                  Domain::term("res_partner_id", Op::kIn, partners.ids())))
          .write(Json{{"notification_status", "bounce"},
                      {"failure_type", "mail_bounce"},
                      {"failure_reason", fmt::format("Bounced: {}", mail.bounced_recipient)}});
      result.model = text_of(original.get("model"));
      result.res_id = original.get("res_id").is_int() ? original.get("res_id").as_int() : 0;
    }
    return result;
  }

  // Route: a reply to a known message, else an alias.
  Route route;
  orm::RecordSet parent = parent_of(env, mail);
  std::string parent_model = parent.empty() ? "" : text_of(parent.get("model"));
  Id parent_res =
      parent.empty() || !parent.get("res_id").is_int() ? 0 : parent.get("res_id").as_int();
  const schema::Model* pm = parent_model.empty() ? nullptr : env.registry().find(parent_model);
  if (pm && is_thread(*pm) && !env[parent_model].browse({parent_res}).exists().empty()) {
    route.record = env[parent_model].browse({parent_res});
    route.parent_id = parent.id();
    Value subtype = parent.get("subtype_id");
    route.parent_internal =
        subtype.is_int() &&
        env["mail.message.subtype"].browse({subtype.as_int()}).get("internal").truthy();
  } else if (std::optional<Route> alias = alias_route(env, mail)) {
    route = std::move(*alias);
  } else {
    result.kind = InboundResult::Kind::kNoRoute;
    result.detail = fmt::format(
        "No possible route found for incoming message from {} to {} (Message-Id {}): it answers "
        "no known message and no alias matches its recipients",
        mail.from.email, join_addresses(mail.to), mail.message_id);
    return result;
  }

  std::string from_address = internal::normalized_email(mail.from.email);
  // A sender that posts too fast on one record is a loop (an auto-responder answering ours).
  if (route.record && !from_address.empty()) {
    std::int64_t minutes = int_parameter(env, "mail.gateway.loop.minutes", 120);
    std::int64_t threshold = int_parameter(env, "mail.gateway.loop.threshold", 20);
    common::DateTime since = common::add_seconds(env.now(), -minutes * 60);
    std::int64_t recent = env["mail.message"].search_count(Domain::conjoin(
        Domain::conjoin(Domain::term("model", Op::kEq, route.record->name()),
                        Domain::term("res_id", Op::kEq, route.record->id())),
        Domain::conjoin(Domain::term("email_from", Op::kIlike, domain::like_literal(from_address)),
                        Domain::term("date", Op::kGe, common::format_datetime(since)))));
    if (recent >= threshold) {
      result.kind = InboundResult::Kind::kLoop;
      result.model = route.record->name();
      result.res_id = route.record->id();
      result.detail =
          fmt::format("{} posted {} messages on {} #{} in {} minutes: refused as a mail loop",
                      from_address, recent, route.record->name(), route.record->id(), minutes);
      return result;
    }
  }

  // A new record for an alias: its defaults, the subject as its name.
  if (!route.record) {
    Json vals = route.defaults;
    const schema::Model& m = env.registry().get(route.model);
    if (!m.rec_name().empty() && !vals.contains(m.rec_name()))
      vals[m.rec_name()] = mail.subject.empty() ? "(no subject)" : mail.subject;
    route.record = env[route.model].create(vals);
  }

  Post post;
  post.message_type = "email";
  post.subtype_xmlid = route.parent_internal ? "mail.mt_note" : "mail.mt_comment";
  post.subject = mail.subject;
  post.body = body_of(mail);
  post.body_is_html = true;
  post.email_from = internal::format_address(mail.from.name, mail.from.email);
  post.message_id = mail.message_id;
  post.parent_id = route.parent_id;
  post.incoming_email_to = join_addresses(mail.to);
  post.incoming_email_cc = join_addresses(mail.cc);
  for (const Attachment& a : mail.attachments) {
    post.attachment_ids.push_back(env["ir.attachment"]
                                      .create(Json{{"name", a.filename},
                                                   {"mimetype", a.content_type},
                                                   {"datas", common::base64_encode(a.data)},
                                                   {"file_size", a.data.size()},
                                                   {"res_model", route.record->name()},
                                                   {"res_id", route.record->id()}})
                                      .id());
  }
  orm::Env post_env = env;
  if (is_automatic(mail))
    post_env = env.with_context_update(Json{{kNoTriggerContextKey, true}});
  result.message_id = message_post(route.record->with_env(post_env), post);
  result.kind = InboundResult::Kind::kPosted;
  result.model = route.record->name();
  result.res_id = route.record->id();
  return result;
}

}  // namespace autorules::mail
