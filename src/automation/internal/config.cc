// base.automation's behaviour as a record: model_name mirrors model_id (and may be written),
// the "X is set" triggers configure their watched field and domains, the constraints are checked
// on save (docs/automation.md, "Triggers"), and every change bumps the "automation" generation
// so that the rule index is rebuilt for the very next call, in every process.
#include <algorithm>

#include <fmt/format.h>

#include "actions/actions.h"
#include "automation/automation.h"
#include "automation/internal/engine.h"
#include "automation/internal/time_rules.h"
#include "automation/internal/trigger.h"
#include "automation/internal/webhook.h"
#include "common/errors.h"
#include "domain/resolve.h"
#include "mail/thread.h"
#include "orm/recordset.h"

namespace autorules::automation {

using common::Id;
using common::IdList;
using common::Json;
using common::ValidationError;
using common::Value;
using internal::parse_trigger;
using internal::Trigger;

namespace {

Id model_id_of(const orm::Env& env, const std::string& model) {
  Value p[] = {Value(model)};
  Value id = env.cr().scalar("SELECT \"id\" FROM \"ir_model\" WHERE \"model\" = ?", p);
  if (!id.is_int())
    throw ValidationError(fmt::format("Unknown model '{}'", model));
  return id.as_int();
}

// The conventional fields of the "X is set" triggers: the names looked for, in order, and the
// types the field may have (a user field must point to res.users).
struct ConventionalField {
  Trigger trigger;
  std::initializer_list<const char*> names;
  std::initializer_list<schema::FieldType> types;
};

const ConventionalField kConventionalFields[] = {
    {Trigger::kOnStageSet, {"stage_id", "x_studio_stage_id"}, {schema::FieldType::kMany2one}},
    {Trigger::kOnTagSet, {"tag_ids", "x_studio_tag_ids"}, {schema::FieldType::kMany2many}},
    {Trigger::kOnPrioritySet, {"priority", "x_studio_priority"}, {schema::FieldType::kSelection}},
    {Trigger::kOnStateSet, {"state", "x_studio_state"}, {schema::FieldType::kSelection}},
    {Trigger::kOnUserSet,
     {"user_id", "user_ids", "x_studio_user_id", "x_studio_user_ids"},
     {schema::FieldType::kMany2one, schema::FieldType::kMany2many}},
    {Trigger::kOnArchive, {"active", "x_active"}, {schema::FieldType::kBoolean}},
    {Trigger::kOnUnarchive, {"active", "x_active"}, {schema::FieldType::kBoolean}},
};

// The conventional field an "X is set" trigger watches on `m`, or nullptr.
const schema::Field* conventional_field(const schema::Model& m, Trigger trigger) {
  for (const ConventionalField& c : kConventionalFields) {
    if (c.trigger != trigger)
      continue;
    for (const char* name : c.names) {
      const schema::Field* f = m.field(name);
      if (!f || std::find(c.types.begin(), c.types.end(), f->type) == c.types.end())
        continue;
      if (trigger == Trigger::kOnUserSet && f->relation != "res.users")
        continue;
      return f;
    }
  }
  return nullptr;
}

Id field_id_of(const orm::Env& env, const std::string& model, const std::string& field) {
  Value p[] = {Value(model), Value(field)};
  Value id = env.cr().scalar(
      "SELECT \"id\" FROM \"ir_model_fields\" WHERE \"model\" = ? AND \"name\" = ?", p);
  return id.is_int() ? id.as_int() : 0;
}

// The values the automatic configuration sets, given the rule's current values and what the
// caller wrote (a value the caller gave is never overridden).
Json configure(const orm::Env& env, const orm::RecordSet& rule, const Json& written) {
  Json out = Json::object();
  Trigger trigger =
      parse_trigger(rule.get("trigger").is_string() ? rule.get("trigger").as_string() : "");
  std::string model = rule.get("model_name").is_string() ? rule.get("model_name").as_string() : "";
  const schema::Model* m = env.registry().find(model);
  bool trigger_changed =
      written.contains("trigger") || written.contains("model_id") || written.contains("model_name");
  if (!m)
    return out;
  if (is_set_trigger(trigger)) {
    const schema::Field* f = conventional_field(*m, trigger);
    if (!f) {
      throw ValidationError(fmt::format(
          "The trigger '{}' needs a field of the conventional name and type on '{}' (see the "
          "documentation: e.g. stage_id, tag_ids, priority, state, user_id, active)",
          trigger_name(trigger), model));
    }
    if (trigger_changed && !written.contains("trigger_field_ids")) {
      out["trigger_field_ids"] =
          Json::array({Json::array({6, 0, Json::array({field_id_of(env, model, f->name)})})});
    }
    std::string domain;
    std::string pre;
    Value ref = rule.get("trg_field_ref");
    Id ref_id = ref.is_int() ? ref.as_int() : 0;
    if (trigger == Trigger::kOnStateSet || trigger == Trigger::kOnPrioritySet) {
      Value sel = rule.get("trg_selection_field_id");
      if (sel.is_int()) {
        std::string key =
            env.sudo()["ir.model.fields.selection"].browse({sel.as_int()}).get("value").as_string();
        domain = fmt::format("[('{}', '=', '{}')]", f->name, key);
      }
    } else if (trigger == Trigger::kOnStageSet) {
      if (ref_id)
        domain = fmt::format("[('{}', '=', {})]", f->name, ref_id);
    } else if (trigger == Trigger::kOnTagSet) {
      if (ref_id) {
        domain = fmt::format("[('{}', 'in', [{}])]", f->name, ref_id);
        pre = fmt::format("[('{}', 'not in', [{}])]", f->name, ref_id);
      }
    } else if (trigger == Trigger::kOnUserSet) {
      domain = fmt::format("[('{}', '!=', False)]", f->name);
    } else if (trigger == Trigger::kOnArchive) {
      domain = fmt::format("[('{}', '=', False)]", f->name);
    } else if (trigger == Trigger::kOnUnarchive) {
      domain = fmt::format("[('{}', '=', True)]", f->name);
    }
    bool inputs_changed = trigger_changed || written.contains("trg_selection_field_id") ||
                          written.contains("trg_field_ref");
    if (inputs_changed && !written.contains("filter_domain")) {
      out["filter_domain"] = domain.empty() ? Json(false) : Json(domain);
    }
    if (inputs_changed && trigger == Trigger::kOnTagSet && !written.contains("filter_pre_domain")) {
      out["filter_pre_domain"] = pre.empty() ? Json(false) : Json(pre);
    }
    if (f->is_relational())
      out["trg_field_ref_model_name"] = f->relation;
  }
  if (trigger_changed && trigger != Trigger::kOnTagSet && !written.contains("filter_pre_domain") &&
      is_set_trigger(trigger)) {
    out["filter_pre_domain"] = false;
  }
  if (trigger_changed && trigger != Trigger::kOnChange &&
      !written.contains("on_change_field_ids")) {
    Value current = rule.get("on_change_field_ids");
    if (current.is_ids() && !current.as_ids().empty())
      out["on_change_field_ids"] = Json::array({Json::array({5})});
  }
  return out;
}

// The constraints and checks of what the rule refers to, with Odoo's messages.
void check(const orm::Env& env, const orm::RecordSet& rule) {
  Trigger trigger = parse_trigger(rule.get("trigger").as_string());
  std::string model = rule.get("model_name").as_string();
  const schema::Model* m = env.registry().find(model);
  if (!m)
    throw ValidationError(fmt::format("Unknown model '{}'", model));
  if (is_mail_trigger(trigger) && !m->is_mail_thread()) {
    throw ValidationError(
        fmt::format("Mail event can not be configured on model {}. Only models with discussion "
                    "feature can be used.",
                    model));
  }
  Id model_id = rule.get("model_id").as_int();
  orm::RecordSet actions = rule.related("action_server_ids");
  std::vector<std::string> wrong;
  for (Id a : actions.ids()) {
    orm::RecordSet action = actions.browse({a});
    if (action.get("model_id").as_int() != model_id)
      wrong.push_back(action.display_names()[0]);
    std::string state = action.get("state").as_string();
    if (trigger == Trigger::kOnChange && state != "code") {
      throw ValidationError("The \"On UI change\" trigger can only run \"Execute Code\" actions.");
    }
    if (trigger == Trigger::kOnUnlink &&
        (state == "mail_post" || state == "followers" || state == "next_activity")) {
      throw ValidationError(
          "Email, follower or activity actions are not supported with the \"On deletion\" "
          "trigger.");
    }
  }
  if (!wrong.empty()) {
    std::string names;
    for (const auto& n : wrong)
      names += (names.empty() ? "" : ", ") + n;
    throw ValidationError(
        fmt::format("Target model of actions {} are different from rule model.", names));
  }
  for (const char* name : {"trigger_field_ids", "on_change_field_ids"}) {
    Value ids = rule.get(name);
    for (Id fid : ids.as_ids()) {
      Value owner = env.sudo()["ir.model.fields"].browse({fid}).get("model");
      if (!owner.is_string() || owner.as_string() != model) {
        throw ValidationError(
            fmt::format("The watched fields of a rule must be fields of its model '{}'", model));
      }
    }
  }
  for (const char* name : {"filter_pre_domain", "filter_domain"}) {
    Value text = rule.get(name);
    if (!text.is_string() || text.as_string().find_first_not_of(" \t\r\n") == std::string::npos)
      continue;
    try {
      domain::Domain d = orm::parse_domain(env, text.as_string());
      domain::resolve(d, *m, env.registry());
    } catch (const common::Error& e) {
      throw ValidationError(fmt::format("Invalid domain in '{}': {}", name, e.what()));
    }
  }
}

// A rule may not hold an action that could not run (saved before actions were checked, in an
// older database): it would fail every operation it fires on. Odoo 19's message, then why.
void check_actions_can_run(const orm::RecordSet& rule) {
  orm::RecordSet actions = rule.related("action_server_ids");
  std::string names;
  std::string reasons;
  for (Id a : actions.ids()) {
    orm::RecordSet action = actions.browse({a});
    if (auto why = actions::cannot_run(action)) {
      names += (names.empty() ? "" : ", ") + action.display_names()[0];
      reasons += "\n\n" + *why;
    }
  }
  if (!names.empty())
    throw ValidationError(
        fmt::format("Following child actions have warnings: {}{}", names, reasons));
}

class RuleHooks final : public orm::ModelHooks {
 public:
  void before_create(const orm::Env& env, const std::string& model, Json& vals) override {
    sync_model(env, vals);
    internal::normalize_delay(env[model].browse({}), vals);
  }
  void before_write(const orm::RecordSet& records, Json& vals) override {
    sync_model(records.env(), vals);
    internal::normalize_delay(records, vals);
  }
  void after_create(const orm::RecordSet& records, const Json& vals_list) override {
    records.env().bump_generation("automation");
    internal::sync_check_job(records.env());
    size_t i = 0;
    for (Id id : records.ids()) {
      const Json& vals =
          vals_list.is_array() && i < vals_list.size() ? vals_list[i] : Json::object();
      Json written = vals;
      written["trigger"] = true;  // a new rule: its configuration is computed
      settle(records.browse({id}), written);
      ++i;
    }
  }
  void after_write(const orm::RecordSet& records, const Json& vals) override {
    // last_run alone (the time check's progress) changes nothing the rule index holds.
    if (vals.size() == 1 && vals.contains("last_run"))
      return;
    records.env().bump_generation("automation");
    if (records.env().context().value("__automation_configuring", false))
      return;
    for (Id id : records.ids())
      settle(records.browse({id}), vals);
    for (const char* key :
         {"active", "trigger", "trg_date_range", "trg_date_range_type", "model_id", "model_name"}) {
      if (vals.contains(key)) {
        internal::sync_check_job(records.env());
        break;
      }
    }
  }
  void after_unlink(const orm::Env& env, const std::string&, const IdList&) override {
    env.bump_generation("automation");
    internal::sync_check_job(env);
  }

 private:
  static void sync_model(const orm::Env& env, Json& vals) {
    auto name = vals.find("model_name");
    auto id = vals.find("model_id");
    if (name != vals.end() && name->is_string() && (id == vals.end() || !id->is_number_integer())) {
      vals["model_id"] = model_id_of(env, name->get<std::string>());
    } else if (id != vals.end() && id->is_number_integer()) {
      Value p[] = {Value(id->get<Id>())};
      Value model = env.cr().scalar("SELECT \"model\" FROM \"ir_model\" WHERE \"id\" = ?", p);
      if (!model.is_string())
        throw ValidationError(fmt::format("Unknown model id {}", id->get<Id>()));
      vals["model_name"] = model.as_string();
    }
  }
  // Automatic configuration, then the constraints.
  static void settle(const orm::RecordSet& rule, const Json& written) {
    orm::RecordSet su = rule.sudo().with_env(
        rule.env().sudo().with_context_update(Json{{"__automation_configuring", true}}));
    Json config = configure(rule.env(), su, written);
    config.update(internal::configure_time(rule.env(), su, written));
    if (!config.empty())
      su.write(config);
    check(rule.env(), su);
    if (written.contains("trigger") || written.contains("action_server_ids"))
      check_actions_can_run(su);
    internal::check_time(rule.env(), su);
  }
};

// Actions created under a rule take its model and the automation usage; any change to actions
// changes what rules do.
class ActionHooks final : public orm::ModelHooks {
 public:
  void before_create(const orm::Env& env, const std::string&, Json& vals) override {
    auto rule = vals.find("base_automation_id");
    if (rule == vals.end() || !rule->is_number_integer())
      return;
    vals["usage"] = "base_automation";
    if (!vals.contains("model_id")) {
      Value p[] = {Value(rule->get<Id>())};
      Value model =
          env.cr().scalar("SELECT \"model_id\" FROM \"base_automation\" WHERE \"id\" = ?", p);
      if (model.is_int())
        vals["model_id"] = model.as_int();
    }
  }
  void after_create(const orm::RecordSet& records, const Json&) override {
    records.env().bump_generation("automation");
  }
  void after_write(const orm::RecordSet& records, const Json&) override {
    records.env().bump_generation("automation");
  }
  void after_unlink(const orm::Env& env, const std::string&, const IdList&) override {
    env.bump_generation("automation");
  }
};

// run_stats' `since`: the UTC datetime given, else the start of today in the context's time
// zone (UTC when it has none the system knows).
common::DateTime stats_since(const orm::Env& env, const Json& params) {
  if (auto it = params.find("since"); it != params.end() && !it->is_null() && *it != false) {
    std::optional<common::DateTime> since =
        it->is_string() && it->get_ref<const std::string&>().size() <= 32
            ? common::parse_datetime(it->get<std::string>())
            : std::nullopt;
    if (!since)
      throw common::UnprocessableError("since: a UTC datetime, as \"YYYY-MM-DD HH:MM:SS\"");
    return *since;
  }
  std::string tz;
  if (auto it = env.context().find("tz"); it != env.context().end() && it->is_string() &&
                                          it->get_ref<const std::string&>().size() <= 64)
    tz = it->get<std::string>();
  common::DateTime now = env.now();
  if (!tz.empty()) {
    if (auto day = common::local_date(now, tz)) {
      if (auto start = common::from_local(common::midnight(*day), tz))
        return *start;
    }
  }
  return common::midnight(common::date_of(now));
}

}  // namespace

RuleCounts rule_counts(const orm::Runtime& runtime) {
  const internal::Counters& c = internal::Engine::of(runtime).counters();
  return {c.rule_runs.load(), c.rule_failures.load(), c.time_rule_failures.load()};
}

void install(orm::Runtime& runtime) {
  internal::Engine* engine = &internal::Engine::of(runtime);
  runtime.add_observer(engine);
  runtime.add_onchange_handler([engine](const orm::RecordSet& records, const Json& form,
                                        const std::vector<std::string>& changed, Json& result) {
    engine->on_change(records, form, changed, result);
  });
  mail::add_post_listener(runtime, [engine](const orm::RecordSet& record, Id message_id) {
    engine->on_message(record, message_id);
  });
  runtime.add_hooks("base.automation", std::make_shared<RuleHooks>());
  runtime.add_hooks("ir.actions.server", std::make_shared<ActionHooks>());
  // The time-based rules' check, run by the "check and execute" job (private: not callable
  // through JSON-2; the scheduler calls it).
  runtime.add_method("base.automation", "_cron_process_time_based_actions",
                     orm::Method{.fn =
                                     [engine](const orm::RecordSet& rs, const Json&) {
                                       return Json(internal::check_time_rules(*engine, rs.env()));
                                     },
                                 .model_level = true});
  runtime.add_initializer([](const orm::Env& env) { internal::ensure_check_job(env); });
  internal::register_webhook_methods(runtime);
  // Run statistics (run_stats.h): for administrators, as the logs are.
  runtime.set_access("base.automation.stat", orm::ModelAccess::kAdminOnly);
  runtime.add_method("base.automation", "run_stats",
                     orm::Method{.fn =
                                     [engine](const orm::RecordSet& rs, const Json& p) {
                                       return internal::read_run_stats(rs, engine->counters().stats,
                                                                       stats_since(rs.env(), p));
                                     },
                                 .params = {"since"},
                                 .readonly = true});
}

void flush_run_stats(orm::Runtime& runtime) {
  internal::Engine::of(runtime).counters().stats.flush(runtime);
}

}  // namespace autorules::automation
