#include "actions/internal/ai_update.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/datetime.h"
#include "common/errors.h"
#include "common/text.h"
#include "domain/domain.h"
#include "mail/template.h"
#include "orm/logging.h"
#include "orm/recordset.h"
#include "outbox/outbox.h"
#include "store/database.h"

namespace autorules::actions::internal {

using common::Id;
using common::Json;
using common::Value;
using schema::FieldType;

namespace {

// The runtime's settings (Runtime::component); set before serving, then only read.
struct SettingsHolder {
  AiSettings settings;
};

// More allowed records than a prompt should list: the domain must narrow them.
constexpr int64_t kMaxAllowedRecords = 200;
constexpr size_t kMaxPrompt = 64 * 1024;
constexpr size_t kMaxTextValue = 64 * 1024;

bool supported(FieldType t) {
  switch (t) {
    case FieldType::kChar:
    case FieldType::kText:
    case FieldType::kHtml:
    case FieldType::kInteger:
    case FieldType::kFloat:
    case FieldType::kMonetary:
    case FieldType::kBoolean:
    case FieldType::kDate:
    case FieldType::kDatetime:
    case FieldType::kSelection:
    case FieldType::kMany2one:
      return true;
    default:
      return false;
  }
}

// The values a selection or many2one may take, as [[key or id, label], ...]; null for other types.
Json allowed_values(const Run& run, const orm::RecordSet& targets, const schema::Field& f) {
  if (f.type == FieldType::kSelection) {
    Json out = Json::array();
    for (const schema::SelectionOption& o : f.selection)
      out.push_back(Json::array({o.value, o.label}));
    return out;
  }
  if (f.type != FieldType::kMany2one)
    return nullptr;
  std::string text = common::trim(internal::text(run, "ai_domain"));
  domain::Domain d = text.empty() ? domain::Domain() : orm::parse_domain(run.env, text);
  orm::RecordSet found =
      targets.env()[f.relation].search(d, orm::SearchOptions{.limit = kMaxAllowedRecords + 1});
  if (static_cast<int64_t>(found.size()) > kMaxAllowedRecords) {
    throw common::UserError(fmt::format(
        "The action '{}' (Update with AI) offers more than {} records of '{}' to choose from: "
        "narrow them with its domain (ai_domain)",
        internal::text(run, "name"), kMaxAllowedRecords, f.relation));
  }
  Json out = Json::array();
  std::vector<std::string> names = found.display_names();
  for (size_t i = 0; i < found.ids().size(); ++i)
    out.push_back(Json::array({found.ids()[i], names[i]}));
  return out;
}

Json keys_of(const Json& allowed) {
  Json keys = Json::array();
  if (allowed.is_array()) {
    for (const Json& a : allowed)
      keys.push_back(a[0]);
  }
  return keys;
}

std::string type_words(const schema::Field& f) {
  switch (f.type) {
    case FieldType::kInteger:
      return "a whole number";
    case FieldType::kFloat:
    case FieldType::kMonetary:
      return "a number";
    case FieldType::kBoolean:
      return "true or false";
    case FieldType::kDate:
      return "a date, YYYY-MM-DD";
    case FieldType::kDatetime:
      return "a date and time in UTC, YYYY-MM-DD HH:MM:SS";
    case FieldType::kSelection:
    case FieldType::kMany2one:
      return "one of the allowed values below, by its key";
    case FieldType::kHtml:
      return "text (HTML allowed)";
    default:
      return "text";
  }
}

constexpr const char* kSystemPrompt =
    "You fill one field of a business record. Answer with a JSON object {\"value\": ...} as the "
    "schema says, and nothing else. Use null when no value fits.";

}  // namespace

void set_ai_settings(orm::Runtime& runtime, AiSettings settings) {
  runtime.component<SettingsHolder>().settings = std::move(settings);
}

const AiSettings& ai_settings(const orm::Runtime& runtime) {
  return runtime.component<SettingsHolder>().settings;
}

std::optional<std::string> ai_update_problem(const orm::Runtime& runtime,
                                             const std::string& action_name,
                                             const std::string& prompt,
                                             const schema::Field& target) {
  const AiSettings& s = ai_settings(runtime);
  if (s.url.empty() || s.model.empty()) {
    return fmt::format(
        "The action '{}' (Update with AI) needs a language model: start the server with "
        "--ai-url and --ai-model (AUTORULES_AI_URL, AUTORULES_AI_MODEL)",
        action_name);
  }
  if (common::trim(prompt).empty())
    return fmt::format("The action '{}' (Update with AI) needs a prompt (ai_prompt)", action_name);
  if (!supported(target.type)) {
    return fmt::format(
        "The action '{}' (Update with AI) cannot fill the field '{}' ({}): "
        "text, numbers, booleans, dates, selections and many2one fields only",
        action_name, target.string, schema::type_key(target.type));
  }
  return std::nullopt;
}

Json ai_answer_schema(const schema::Field& f, const Json& allowed) {
  Json value;
  switch (f.type) {
    case FieldType::kInteger:
      value = Json{{"type", Json::array({"integer", "null"})}};
      break;
    case FieldType::kFloat:
    case FieldType::kMonetary:
      value = Json{{"type", Json::array({"number", "null"})}};
      break;
    case FieldType::kBoolean:
      value = Json{{"type", Json::array({"boolean", "null"})}};
      break;
    case FieldType::kSelection: {
      Json keys = keys_of(allowed);
      keys.push_back(nullptr);
      value = Json{{"type", Json::array({"string", "null"})}, {"enum", keys}};
      break;
    }
    case FieldType::kMany2one: {
      Json keys = keys_of(allowed);
      keys.push_back(nullptr);
      value = Json{{"type", Json::array({"integer", "null"})}, {"enum", keys}};
      break;
    }
    default:
      value = Json{{"type", Json::array({"string", "null"})}};
  }
  return Json{{"type", "object"},
              {"properties", Json{{"value", value}}},
              {"required", Json::array({"value"})},
              {"additionalProperties", false}};
}

std::optional<std::string> ai_value_problem(const schema::Field& f, const Json& allowed,
                                            const Json& value) {
  if (value.is_null())
    return std::nullopt;
  auto one_of = [&](const Json& v) {
    for (const Json& a : allowed) {
      if (a.is_array() && !a.empty() && a[0] == v)
        return true;
    }
    return false;
  };
  switch (f.type) {
    case FieldType::kInteger:
      if (!value.is_number_integer())
        return "not a whole number";
      return std::nullopt;
    case FieldType::kFloat:
    case FieldType::kMonetary:
      if (!value.is_number() || !std::isfinite(value.get<double>()))
        return "not a number";
      return std::nullopt;
    case FieldType::kBoolean:
      if (!value.is_boolean())
        return "not true or false";
      return std::nullopt;
    case FieldType::kDate:
      if (!value.is_string() || !common::parse_date(value.get<std::string>()))
        return "not a date (YYYY-MM-DD)";
      return std::nullopt;
    case FieldType::kDatetime:
      if (!value.is_string() || !common::parse_datetime(value.get<std::string>()))
        return "not a date and time (YYYY-MM-DD HH:MM:SS)";
      return std::nullopt;
    case FieldType::kSelection:
    case FieldType::kMany2one:
      if (!one_of(value))
        return "not one of the allowed values";
      return std::nullopt;
    default:
      if (!value.is_string())
        return "not text";
      if (value.get<std::string>().size() > kMaxTextValue)
        return "longer than 64 KiB";
      return std::nullopt;
  }
}

AiAnswer ai_answer(std::string_view completion) {
  AiAnswer out;
  common::JsonParse body = common::try_parse_json(completion, 32);
  if (body.status != common::JsonParse::kOk || !body.value.is_object()) {
    out.error = "the model's answer is not a chat completion (not JSON)";
    return out;
  }
  const Json& j = body.value;
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
      !j["choices"][0].is_object() || !j["choices"][0].contains("message") ||
      !j["choices"][0]["message"].is_object()) {
    out.error = "the model's answer has no message (choices[0].message)";
    return out;
  }
  const Json& message = j["choices"][0]["message"];
  if (message.contains("refusal") && message["refusal"].is_string()) {
    out.error =
        "the model refused: " + common::truncate_utf8(message["refusal"].get<std::string>(), 1024);
    return out;
  }
  if (!message.contains("content") || !message["content"].is_string()) {
    out.error = "the model's message has no text content";
    return out;
  }
  common::JsonParse content = common::try_parse_json(message["content"].get<std::string>(), 32);
  if (content.status != common::JsonParse::kOk || !content.value.is_object() ||
      !content.value.contains("value")) {
    out.error = "the model did not answer with {\"value\": ...}: " +
                common::truncate_utf8(message["content"].get<std::string>(), 200);
    return out;
  }
  out.value = content.value["value"];
  return out;
}

void queue_ai_updates(const Run& run, const orm::RecordSet& targets, const schema::Field& target) {
  const AiSettings& s = ai_settings(run.env.runtime());
  const std::string name = text(run, "name");
  const std::string prompt = text(run, "ai_prompt");
  if (std::optional<std::string> why = ai_update_problem(run.env.runtime(), name, prompt, target))
    throw common::UserError(*why);
  const Json allowed = allowed_values(run, targets, target);
  const Json schema = ai_answer_schema(target, allowed);
  std::string choices;
  if (allowed.is_array()) {
    choices = "\n\nAllowed values (key: label):";
    for (const Json& a : allowed)
      choices += fmt::format("\n- {}: {}", a[0].is_string() ? a[0].get<std::string>() : a[0].dump(),
                             a[1].is_string() ? a[1].get<std::string>() : a[1].dump());
  }
  std::string base = s.url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  orm::Env su = run.env.sudo();
  for (Id id : targets.ids()) {
    orm::RecordSet record = targets.browse({id});
    std::string rendered = common::truncate_utf8(
        mail::render_inline(prompt, record,
                            fmt::format("{} (ir.actions.server {})", name, run.action.id())),
        kMaxPrompt);
    std::string user = fmt::format(
        "{}\n\nThe field to fill: \"{}\" ({}) of this {} record; "
        "answer with {}.{}",
        rendered, target.string, target.name, targets.name(), type_words(target), choices);
    Json body{{"model", s.model},
              {"messages", Json::array({Json{{"role", "system"}, {"content", kSystemPrompt}},
                                        Json{{"role", "user"}, {"content", user}}})},
              {"response_format",
               Json{{"type", "json_schema"},
                    {"json_schema",
                     Json{{"name", "field_value"}, {"strict", true}, {"schema", schema}}}}},
              {"temperature", 0}};
    Id request =
        su["ai.update"]
            .create(Json{{"action_id", run.action.id()},
                         {"model", targets.name()},
                         {"res_id", id},
                         {"field_name", target.name},
                         {"user_id", run.env.uid()},
                         {"prompt", user},
                         {"allowed", allowed.is_null() ? Json(false) : Json(allowed.dump())}})
            .id();
    outbox::Message m;
    m.kind = "ai";
    m.name = common::truncate_utf8(fmt::format("AI: {} of {} #{}", target.name, targets.name(), id),
                                   200);
    m.url = base + "/chat/completions";
    m.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    m.res_model = "ai.update";
    m.res_id = request;
    if (!s.key.empty())
      m.authorization = "Bearer " + s.key;
    m.timeout = s.timeout;
    outbox::enqueue(run.env, m);
  }
}

namespace {

// Logs why an update wrote nothing, where rule runs are logged (Logs, Rule runs).
void log_refusal(const orm::Env& env, const orm::RecordSet& request, const std::string& why) {
  Value action = request.get("action_id");
  orm::log_after_end(env, orm::LogRow{.name = "autorules.ai",
                                      .level = "WARNING",
                                      .message = "Update with AI wrote nothing: " + why,
                                      .path = fmt::format("ir_actions_server({})",
                                                          action.is_int() ? action.as_int() : 0),
                                      .func = "ai_update"});
}

void finish(const orm::Env& env, const outbox::OutcomeEvent& ev) {
  if (ev.res_model != "ai.update" || !ev.res_id)
    return;
  orm::RecordSet request = env["ai.update"].browse({ev.res_id}).exists();
  if (request.empty() || request.get("state").as_string() != "queued")
    return;
  auto fail = [&](const std::string& state, const std::string& why) {
    request.write(Json{{"state", state}, {"error", common::truncate_utf8(why, 4096)}});
    log_refusal(env, request, why);
  };
  if (ev.outcome == outbox::Outcome::kRetry) {
    request.write(Json{{"error", common::truncate_utf8(ev.error, 4096)}});
    return;
  }
  if (ev.outcome != outbox::Outcome::kDelivered) {
    fail("failed", "the model could not be reached: " + ev.error);
    return;
  }
  AiAnswer answer = ai_answer(ev.response);
  request.write(Json{{"answer", common::truncate_utf8(ev.response, 65536)}});
  if (!answer.value) {
    fail("refused", answer.error);
    return;
  }
  const std::string model = request.get("model").as_string();
  const std::string field_name = request.get("field_name").as_string();
  const schema::Model* m = env.registry().find(model);
  const schema::Field* f = m ? m->field(field_name) : nullptr;
  if (!f) {
    fail("failed", fmt::format("the field '{}' of '{}' no longer exists", field_name, model));
    return;
  }
  Value allowed_text = request.get("allowed");
  Json allowed =
      allowed_text.is_string() ? Json::parse(allowed_text.as_string(), nullptr, false) : Json();
  if (std::optional<std::string> why = ai_value_problem(*f, allowed, *answer.value)) {
    fail("refused", fmt::format("the model's answer {} is {}",
                                common::truncate_utf8(answer.value->dump(), 200), *why));
    return;
  }
  if (answer.value->is_null()) {
    fail("refused", "the model gave no value (null)");
    return;
  }
  Value uid = request.get("user_id");
  orm::Env as = env.with_user(uid.is_int() ? uid.as_int() : orm::kSuperuserId).sudo();
  orm::RecordSet record = as[model].browse({request.get("res_id").as_int()}).exists();
  if (record.empty()) {
    fail("skipped", "the record was deleted before the answer arrived");
    return;
  }
  const Json value = *answer.value;  // HTML is made safe by the write, as any HTML written
  store::Savepoint savepoint(env.cr());
  try {
    record.write(Json{{field_name, value}});
    savepoint.release();
  } catch (const common::Error& e) {
    if (e.kind() == common::ErrorKind::kConflict)
      throw;
    savepoint.rollback();
    fail("failed", fmt::format("writing the answer failed: {}", e.what()));
    return;
  }
  request.write(Json{{"state", "done"}, {"error", false}, {"value", value.dump()}});
}

}  // namespace

void follow_ai_updates(orm::Runtime& runtime) {
  outbox::on_outcome(runtime, "ai", finish);
}

}  // namespace autorules::actions::internal
