#include "mail/sms.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/json.h"
#include "common/text.h"
#include "domain/domain.h"
#include "mail/internal/message_state.h"
#include "mail/internal/phone_recipient.h"
#include "mail/internal/sms_provider.h"
#include "mail/phone_number.h"
#include "mail/template.h"
#include "mail/thread.h"
#include "orm/base/users.h"
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

// An sms.sms's states in the order they are reached; a report never moves one back.
int state_rank(std::string_view state) {
  if (state == "outgoing")
    return 0;
  if (state == "sent")
    return 1;
  return 2;  // delivered, error, canceled: final
}

void follow_sms_delivery(orm::Runtime& runtime) {
  outbox::on_outcome(runtime, "sms", [](const orm::Env& env, const outbox::OutcomeEvent& ev) {
    if (ev.res_model != "sms.sms" || !ev.res_id)
      return;
    std::optional<std::string> found = internal::message_state(env, "sms_sms", ev.res_id);
    if (!found)
      return;
    const std::string& state = *found;
    orm::RecordSet sms = env["sms.sms"].browse({ev.res_id});
    switch (ev.outcome) {
      case outbox::Outcome::kDelivered: {
        // A delivery report may have come first (the provider calls back at once): it wins.
        Json vals = Json::object();
        std::string id = internal::sms_message_id(ev.response);
        if (!id.empty())
          vals["provider_message_id"] = id;
        if (state_rank(state) < state_rank("sent"))
          vals["state"] = "sent";  // failure_reason keeps why earlier attempts failed
        if (!vals.empty())
          sms.write(vals);
        break;
      }
      case outbox::Outcome::kRetry:
        sms.write(Json{{"failure_reason", common::truncate_utf8(ev.error, 1024)}});
        break;
      case outbox::Outcome::kFailed:
      case outbox::Outcome::kDead: {
        if (state_rank(state) >= 2)
          break;
        internal::SmsFailure f = internal::sms_failure(ev.status, ev.error, ev.response);
        sms.write(Json{{"state", "error"}, {"failure_type", f.type}, {"failure_reason", f.reason}});
        break;
      }
    }
  });
}

// The state a Twilio MessageStatus leads to ("" for one that says nothing new).
std::string state_of_twilio(std::string_view status) {
  if (status == "delivered" || status == "read")
    return "delivered";
  if (status == "undelivered" || status == "failed")
    return "error";
  if (status == "accepted" || status == "queued" || status == "sending" || status == "sent" ||
      status == "scheduled")
    return "sent";
  if (status == "canceled")
    return "canceled";
  return {};
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& params,
                         std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name)
      return &v;
  }
  return nullptr;
}

}  // namespace

std::optional<SmsMethod> parse_sms_method(std::string_view text) {
  if (text == "sms")
    return SmsMethod::kSms;
  if (text == "comment")
    return SmsMethod::kComment;
  if (text == "note")
    return SmsMethod::kNote;
  return std::nullopt;
}

std::string sms_status_path(Id provider_id) {
  return fmt::format("/sms/twilio/status/{}", provider_id);
}

std::string sms_status_url(const orm::Env& env, Id provider_id, std::string_view uuid) {
  std::string base = orm::get_param(env.sudo(), "web.base.url").value_or("http://127.0.0.1:8069");
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return fmt::format("{}{}?ref={}", base, sms_status_path(provider_id), uuid);
}

IdList send_sms_template(const orm::RecordSet& tmpl, const orm::RecordSet& records,
                         SmsMethod method) {
  IdList created;
  if (records.empty())
    return created;
  orm::RecordSet t = tmpl.sudo().exists();
  if (t.size() != 1)
    throw common::ValueError("Sending SMS needs one existing SMS template");
  std::string model = t.get("model").is_string() ? t.get("model").as_string() : "";
  if (model != records.name()) {
    throw common::ValueError(
        fmt::format("The SMS template {} is for '{}', not '{}'", t.id(), model, records.name()));
  }
  std::string source = t.get("body").is_string() ? t.get("body").as_string() : "";
  std::string name = t.get("name").is_string() ? t.get("name").as_string() : "";
  std::string label = fmt::format("{} (sms.template {})", name, t.id());
  const orm::Env& env = records.env();
  orm::Env su = env.sudo();
  const bool thread = is_thread(records.model());
  std::optional<internal::SmsProvider> provider;
  std::optional<std::string> provider_problem;
  if (method != SmsMethod::kNote) {
    provider = internal::active_sms_provider(su);
    provider_problem =
        provider ? internal::sms_provider_problem(*provider)
                 : std::optional<std::string>("No SMS provider: add an active one (SMS Providers)");
  }
  for (Id rid : records.ids()) {
    orm::RecordSet record = records.browse({rid});
    std::string body = render_inline(source, record, label);
    if (method == SmsMethod::kNote) {
      if (thread) {
        Post post;
        post.body = body;
        post.message_type = "comment";
        post.subtype_xmlid = "mail.mt_note";
        message_post(record, post);
      }
      continue;
    }
    Id message_id = 0;
    if (method == SmsMethod::kComment && thread) {
      Post post;
      post.body = body;
      post.message_type = "sms";
      post.subtype_xmlid = "mail.mt_note";
      message_id = message_post(record, post);
    }
    internal::PhoneRecipient to = internal::phone_recipient(record.sudo());
    std::optional<std::string> e164 = to_e164(to.number, to.country);
    std::string uuid = common::random_uuid4();
    Json vals{{"uuid", uuid},
              {"number", e164 ? *e164 : common::truncate_utf8(to.number, kMaxPhoneNumberLength)},
              {"body", body},
              {"partner_id", to.partner_id ? Json(to.partner_id) : Json(false)},
              {"model", records.name()},
              {"res_id", rid},
              {"mail_message_id", message_id ? Json(message_id) : Json(false)},
              {"provider_id", provider ? Json(provider->id) : Json(false)}};
    auto error = [&](const char* type, std::string reason) {
      vals["state"] = "error";
      vals["failure_type"] = type;
      vals["failure_reason"] = std::move(reason);
    };
    if (std::optional<std::string> why = internal::number_problem(to, e164)) {
      error(to.number.empty() ? "sms_number_missing" : "sms_number_format", std::move(*why));
    } else if (common::utf8_length(body) > kMaxSmsLength) {
      error("sms_server", fmt::format("The text is longer than {} characters", kMaxSmsLength));
    } else if (common::trim(body).empty()) {
      error("sms_server", "The text is empty");
    } else if (provider_problem) {
      error("sms_provider_missing", *provider_problem);
    }
    orm::RecordSet sms = su["sms.sms"].create(vals);
    created.push_back(sms.id());
    if (vals.contains("state"))
      continue;
    outbox::Message out = internal::sms_request(
        *provider, *e164, body, uuid,
        provider->kind == "twilio" ? sms_status_url(env, provider->id, uuid) : std::string());
    out.res_model = "sms.sms";
    out.res_id = sms.id();
    Id queued = outbox::enqueue(env, out);
    sms.write(Json{{"outbox_message_id", queued}});
  }
  return created;
}

int apply_twilio_status(orm::Runtime& runtime, const SmsStatusReport& report) {
  return common::retry_on_conflict([&]() -> int {
    orm::Env env = orm::Env::begin(runtime, 0, store::Access::kWrite).sudo();
    std::optional<internal::SmsProvider> provider = internal::sms_provider(env, report.provider_id);
    if (!provider || provider->kind != "twilio")
      return 404;
    bool signed_ok = false;
    if (!report.signature.empty() && !provider->auth_token.empty()) {
      std::vector<std::string> urls = report.urls;
      std::string base = orm::get_param(env, "web.base.url").value_or("");
      while (!base.empty() && base.back() == '/')
        base.pop_back();
      if (!base.empty())
        urls.insert(urls.begin(), base + report.target);
      for (const std::string& url : urls) {
        std::string expected = internal::twilio_signature(provider->auth_token, url, report.form);
        if (orm::constant_time_equal(expected, report.signature)) {
          signed_ok = true;
          break;
        }
      }
    }
    if (!signed_ok)
      return 403;
    const std::string* sid = param(report.form, "MessageSid");
    const std::string* status = param(report.form, "MessageStatus");
    if (!sid || !status || sid->empty() || sid->size() > 128)
      return 400;
    orm::RecordSet sms = env["sms.sms"].browse({});
    if (const std::string* ref = param(report.query, "ref"); ref && !ref->empty()) {
      sms = env["sms.sms"].search(Domain::conjoin(
          Domain::term("uuid", Op::kEq, *ref), Domain::term("provider_id", Op::kEq, provider->id)));
    }
    if (sms.empty())
      sms = env["sms.sms"].search(
          Domain::conjoin(Domain::term("provider_message_id", Op::kEq, *sid),
                          Domain::term("provider_id", Op::kEq, provider->id)));
    if (sms.size() != 1)
      return 204;  // not one of ours (or no longer kept): nothing to do
    std::string to = state_of_twilio(*status);
    std::string now = sms.get("state").is_string() ? sms.get("state").as_string() : "";
    Json vals = Json::object();
    Value known = sms.get("provider_message_id");
    if (!known.is_string() || known.as_string().empty())
      vals["provider_message_id"] = *sid;
    if (!to.empty() && state_rank(to) > state_rank(now)) {
      vals["state"] = to;
      if (to == "error") {
        const std::string* code = param(report.form, "ErrorCode");
        std::string c = code ? common::truncate_utf8(*code, 16) : std::string();
        vals["failure_type"] = internal::twilio_error_type(c);
        vals["failure_reason"] = fmt::format("Twilio: {}{}", common::truncate_utf8(*status, 32),
                                             c.empty() ? "" : " (error " + c + ")");
      }
    }
    if (!vals.empty())
      sms.write(vals);
    env.commit();
    return 204;
  });
}

void install_sms(orm::Runtime& runtime) {
  runtime.set_access("sms.template", orm::ModelAccess::kConfiguration);
  for (const char* m : {"sms.sms", "sms.provider"})
    runtime.set_access(m, orm::ModelAccess::kAdminOnly);
  follow_sms_delivery(runtime);
}

}  // namespace autorules::mail
