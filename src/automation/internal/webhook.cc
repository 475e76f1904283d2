// Receiving webhooks (docs/automation.md, "On webhook"): the on_webhook rule whose secret matches
// runs its actions on the record its getter finds in the payload.
#include "automation/internal/webhook.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "automation/automation.h"
#include "automation/internal/engine.h"
#include "common/errors.h"
#include "common/text.h"
#include "orm/base/users.h"
#include "orm/crypto.h"
#include "orm/logging.h"
#include "orm/recordset.h"
#include "orm/write_group.h"
#include "script/sandbox.h"

namespace autorules::automation {

using common::Json;

namespace {

constexpr const char* kDefaultGetter =
    "model.env[payload.get('_model')].browse(int(payload.get('_id')))";

// A "Webhook Log" row when the rule logs its calls; it survives a failed call. A failure is
// also written to the server's log whatever the rule says, so that an administrator can see why a
// sender got a 500 without having turned logging on first.
void log_call(const orm::Env& env, const internal::Rule& rule, const char* level,
              const std::string& message) {
  if (std::string_view(level) == "ERROR")
    spdlog::warn("webhook of rule #{} ({}): {}", rule.id, rule.name, message);
  if (rule.log_calls) {
    orm::log_after_end(env, {"Webhook Log", level, message,
                             fmt::format("base_automation({})", rule.id), "webhook"});
  }
}

// Odoo's default record getter done without Python, for the payloads most senders make:
// `_model` the rule's own model and `_id` an integer or its decimal digits as text. nullopt for
// anything else, which Python evaluates as before (its other shapes, and its errors, as Odoo's).
// Another `_model` ends the same way whoever evaluates it (no record of the rule's model), so
// it is left to Python too.
std::optional<orm::RecordSet> default_getter_natively(const orm::Env& env,
                                                      const internal::Rule& rule,
                                                      const Json& payload) {
  if (!rule.record_getter.empty() && common::trim(rule.record_getter) != kDefaultGetter)
    return std::nullopt;
  if (!payload.is_object())
    return std::nullopt;
  auto model = payload.find("_model");
  auto id = payload.find("_id");
  if (model == payload.end() || id == payload.end() || !model->is_string() ||
      model->get_ref<const std::string&>() != rule.model)
    return std::nullopt;
  std::int64_t value = 0;
  if (id->is_number_unsigned()) {
    if (id->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      return std::nullopt;
    value = static_cast<std::int64_t>(id->get<std::uint64_t>());
  } else if (id->is_number_integer()) {
    value = id->get<std::int64_t>();
  } else if (id->is_string()) {
    const std::string& text = id->get_ref<const std::string&>();
    if (text.empty() || text.size() > 18 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    value = std::stoll(text);
  } else {
    return std::nullopt;
  }
  return env[rule.model].browse({value});
}

const Json kOk = {{"status", "ok"}};
const Json kError = {{"status", "error"}};

// The call in `env`'s transaction (committed when the rule ran; rolled back otherwise).
WebhookResponse receive_in(const orm::Env& txn, std::string_view uuid, const Json& payload) {
  orm::Env env = txn.with_user(orm::kSuperuserId).sudo();
  const internal::Engine& engine = internal::Engine::of(env.runtime());
  // Every active webhook rule's secret is compared, whatever the first match: an unknown uuid
  // costs the same as a known one.
  auto rules = engine.cache().get(env);
  const internal::Rule* found = nullptr;
  for (const auto& [_, model_rules] : rules->by_model) {
    for (const internal::Rule& r : model_rules.rules) {
      if (r.trigger == internal::Trigger::kOnWebhook &&
          orm::constant_time_equal(r.webhook_uuid, uuid) && !found)
        found = &r;
    }
  }
  if (!found || uuid.empty())
    return {404, kError};
  const internal::Rule& rule = *found;
  log_call(env, rule, "INFO",
           fmt::format("Webhook #{} triggered with payload {}", rule.id,
                       payload.dump(-1, ' ', false, Json::error_handler_t::replace)));
  orm::RecordSet records = env[rule.model].browse({});
  try {
    if (auto native = default_getter_natively(env, rule, payload)) {
      records = *native;
    } else {
      script::Context ctx(env);
      ctx.model = rule.model;
      ctx.values["payload"] = payload;
      records = script::eval_records(
          rule.record_getter.empty() ? kDefaultGetter : rule.record_getter, ctx);
    }
  } catch (const common::ConflictError&) {
    throw;  // the database is busy (another process): the whole call is tried again
  } catch (const std::exception& e) {
    log_call(env, rule, "ERROR",
             fmt::format("Webhook #{} could not be triggered because the record_getter "
                         "failed:\n{}",
                         rule.id, e.what()));
    return {500, kError};
  }
  try {
    records = records.name() == rule.model ? records.exists() : env[rule.model].browse({});
    if (records.empty())
      throw common::ValidationError("No record to run the automation on was found.");
  } catch (const common::ConflictError&) {
    throw;
  } catch (const std::exception& e) {
    log_call(env, rule, "ERROR",
             fmt::format("Webhook #{} could not be triggered because no record to run it on was "
                         "found.",
                         rule.id));
    return {500, kError};
  }
  try {
    engine.run_unfiltered(env.with_context_update(Json{{"__webhook_payload", payload}}), rule,
                          records.ids());
    env.commit();
  } catch (const common::ConflictError&) {
    throw;
  } catch (const std::exception& e) {
    log_call(env, rule, "ERROR",
             fmt::format("Webhook #{} failed with error:\n{}", rule.id, e.what()));
    return {500, kError};  // the transaction rolls back: nothing but the log rows is kept
  }
  return {200, kOk};
}

}  // namespace

WebhookResponse receive_webhook(orm::Runtime& runtime, std::string_view uuid, const Json& payload) {
  // Calls to webhooks share their transactions with other writes (group commit).
  Json r = orm::run_write(runtime, [&](const orm::Env& txn) -> Json {
    WebhookResponse w = receive_in(txn, uuid, payload);
    return Json{{"status", w.status}, {"body", std::move(w.body)}};
  });
  return WebhookResponse{r["status"].get<int>(), std::move(r["body"])};
}

namespace internal {

// The URLs of webhook rules, from web.base.url read once for all of them.
std::vector<common::Value> compute_urls(const orm::RecordSet& rules) {
  const orm::Env su = rules.env().sudo().with_context_update(Json{{"active_test", false}});
  std::unordered_map<common::Id, std::string> url_of;
  std::optional<std::string> base;
  for (const Json& r :
       su["base.automation"].browse(rules.ids()).read({"trigger", "webhook_uuid"})) {
    if (!r["trigger"].is_string() || !r["webhook_uuid"].is_string() ||
        parse_trigger(r["trigger"].get<std::string>()) != Trigger::kOnWebhook)
      continue;
    if (!base) {
      base = orm::get_param(su, "web.base.url").value_or("http://127.0.0.1:8069");
      while (!base->empty() && base->back() == '/')
        base->pop_back();
    }
    url_of[r["id"].get<common::Id>()] = *base + "/web/hook/" + r["webhook_uuid"].get<std::string>();
  }
  std::vector<common::Value> out;
  out.reserve(rules.size());
  for (common::Id id : rules.ids()) {
    auto it = url_of.find(id);
    if (it == url_of.end())
      out.emplace_back();
    else
      out.emplace_back(it->second);
  }
  return out;
}

void register_webhook_methods(orm::Runtime& runtime) {
  runtime.add_native_compute("base.automation", "url", compute_urls);
  runtime.add_method(
      "base.automation", "action_rotate_webhook_uuid",
      orm::Method{.fn = [](const orm::RecordSet& rules, const Json&) {
        rules.check_access(orm::RecordSet::Operation::kWrite);
        rules.ensure_exist();
        for (common::Id id : rules.ids()) {
          rules.sudo().browse({id}).write(Json{{"webhook_uuid", common::random_uuid4()}});
        }
        return Json(true);
      }});
}

}  // namespace internal

}  // namespace autorules::automation
