#include "automation/internal/time_rules.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/ir_model_rows.h"
#include "orm/logging.h"
#include "orm/xmlid.h"
#include "store/database.h"
#include "store/schema_sync.h"

namespace autorules::automation::internal {

using common::DateTime;
using common::Id;
using common::IdList;
using common::Json;
using common::Value;

namespace {

std::string text_of(const Value& v) {
  return v.is_string() ? v.as_string() : std::string();
}

// `t` moved by `n` delay units (months by calendar, clamped to the month's end).
DateTime shift(DateTime t, std::int64_t n, DelayUnit unit) {
  if (unit == DelayUnit::kMonth)
    return common::add_months(t, n);
  return common::add_seconds(t, n * minutes_per(unit) * 60);
}

Id field_id(const orm::Env& env, const std::string& model, const std::string& field) {
  Value p[] = {Value(model), Value(field)};
  Value id = env.cr().scalar(
      "SELECT \"id\" FROM \"ir_model_fields\" WHERE \"model\" = ? AND \"name\" = ?", p);
  return id.is_int() ? id.as_int() : 0;
}

// The ERROR row of a record that failed; it survives whatever happens to the check's transaction.
void log_failure(const orm::Env& env, const Rule& rule, Id record, const std::string& error) {
  orm::log_after_end(
      env, {"autorules.automation", "ERROR", fmt::format("{}({},): {}", rule.model, record, error),
            fmt::format("base_automation({})", rule.id), rule.name});
}

void log_warning(const orm::Env& env, const Rule& rule, const std::string& message) {
  orm::log_after_end(env, {"autorules.automation", "WARNING", message,
                           fmt::format("base_automation({})", rule.id), rule.name});
}

}  // namespace

void normalize_delay(const orm::RecordSet& rules, Json& vals) {
  auto range = vals.find("trg_date_range");
  if (range == vals.end() || !range->is_number_integer() || range->get<std::int64_t>() >= 0)
    return;
  std::string mode;
  if (auto m = vals.find("trg_date_range_mode"); m != vals.end() && m->is_string())
    mode = m->get<std::string>();
  else if (!rules.empty())
    mode = text_of(rules.sudo().browse({rules.ids()[0]}).get("trg_date_range_mode"));
  vals["trg_date_range"] = -range->get<std::int64_t>();
  vals["trg_date_range_mode"] = mode == "before" ? "after" : "before";
}

Json configure_time(const orm::Env& env, const orm::RecordSet& rule, const Json& written) {
  Json out = Json::object();
  Trigger trigger = parse_trigger(text_of(rule.get("trigger")));
  std::string model = text_of(rule.get("model_name"));
  bool trigger_changed =
      written.contains("trigger") || written.contains("model_id") || written.contains("model_name");
  if (!is_time_trigger(trigger)) {
    if (trigger_changed && !written.contains("trg_date_range_type") &&
        rule.get("trg_date_range_type").is_string()) {
      out["trg_date_range_type"] = false;
    }
    return out;
  }
  if (trigger_changed && !written.contains("trg_date_id") &&
      (trigger == Trigger::kOnTimeCreated || trigger == Trigger::kOnTimeUpdated)) {
    Id f = field_id(env, model, trigger == Trigger::kOnTimeCreated ? "create_date" : "write_date");
    if (f)
      out["trg_date_id"] = f;
  }
  if (!rule.get("trg_date_range_type").is_string() && !written.contains("trg_date_range_type"))
    out["trg_date_range_type"] = "hour";
  // No accidental backfill (docs/automation.md, "On time triggers"): the window starts now.
  bool active = rule.get("active").is_bool() && rule.get("active").as_bool();
  if (active && !rule.get("last_run").is_datetime() && !written.contains("last_run"))
    out["last_run"] = common::format_datetime(env.now());
  return out;
}

void check_time(const orm::Env& env, const orm::RecordSet& rule) {
  Trigger trigger = parse_trigger(text_of(rule.get("trigger")));
  if (!is_time_trigger(trigger))
    return;
  std::string model = text_of(rule.get("model_name"));
  Value date_id = rule.get("trg_date_id");
  // Saved without its trigger date, as Odoo saves it: the check job skips it, with a warning in
  // the rule's log, until it has one.
  if (!date_id.is_int())
    return;
  orm::RecordSet field = env.sudo()["ir.model.fields"].browse({date_id.as_int()});
  std::string owner = text_of(field.get("model"));
  std::string type = text_of(field.get("ttype"));
  std::string name = text_of(field.get("name"));
  if (owner != model) {
    throw common::ValidationError(
        fmt::format("The trigger date '{}' of rule '{}' is not a field of its model '{}'", name,
                    text_of(rule.get("name")), model));
  }
  if (type != "date" && type != "datetime") {
    throw common::ValidationError(
        fmt::format("The trigger date '{}' of rule '{}' must be a date or datetime field, not {}",
                    name, text_of(rule.get("name")), type));
  }
  Value range = rule.get("trg_date_range");
  if (range.is_int() && range.as_int() < 0)
    throw common::ValidationError("The delay of a time-based rule must be positive or zero.");
  // The check's query needs an index on the date field.
  const schema::Model* m = env.registry().find(model);
  const schema::Field* f = m ? m->field(name) : nullptr;
  if (f && f->has_column() && !f->index)
    store::set_index(env.cr(), *m, *f, true);
}

void ensure_check_job(const orm::Env& env) {
  auto job = orm::ensure_xmlid_record(
      env, "base_automation", "ir_cron_data_base_automation_check", "ir.cron",
      Json{{"name", "Automation Rules: check and execute"},
           {"model_id", orm::ir_model_id(env, "base.automation").value_or(0)},
           {"method", "_cron_process_time_based_actions"},
           {"user_id", orm::kSuperuserId},
           {"interval_number", 4},
           {"interval_type", "hours"},
           {"active", false},
           {"priority", 5}});
  if (job.created)
    sync_check_job(env.sudo());
}

void sync_check_job(const orm::Env& env) {
  orm::Env su = env.sudo();
  std::optional<orm::RecordSet> found = su.find_ref(kCheckJobXmlid);
  if (!found)
    return;  // not created yet (initialize creates it)
  const orm::RecordSet& job = *found;
  bool any = false;
  std::int64_t least = 0;  // smallest non-zero delay in minutes (Odoo 19 drops zero delays)
  su.cr().query(
      "SELECT \"trg_date_range\", \"trg_date_range_type\" FROM \"base_automation\" WHERE "
      "\"active\" = 1 AND \"trigger\" IN ('on_time', 'on_time_created', 'on_time_updated')",
      {}, [&](const store::RowView& r) {
        any = true;
        std::int64_t minutes =
            std::llabs(r.is_null(0) ? 0 : r.int64(0)) *
            minutes_per(r.is_null(1) ? DelayUnit::kNone : parse_delay_unit(r.text(1)));
        if (minutes > 0 && (least == 0 || minutes < least))
          least = minutes;
      });
  std::int64_t interval = least ? std::clamp<std::int64_t>(least / 10, 1, 240) : 240;
  Json vals = {{"active", any}};
  if (!any) {
    vals["interval_number"] = 4;
    vals["interval_type"] = "hours";
  } else if (interval % 60 == 0) {
    vals["interval_number"] = interval / 60;
    vals["interval_type"] = "hours";
  } else {
    vals["interval_number"] = interval;
    vals["interval_type"] = "minutes";
  }
  Json row = job.with_env(su.with_context(Json{{"active_test", false}}))
                 .read({"active", "interval_number", "interval_type"})[0];
  if (row["active"] != vals["active"] || row["interval_number"] != vals["interval_number"] ||
      row["interval_type"] != vals["interval_type"]) {
    job.write(vals);
  }
}

std::int64_t check_time_rules(const Engine& engine, const orm::Env& env) {
  orm::Env su = env.sudo();
  auto rules = engine.cache().get(su);
  std::vector<const Rule*> time_rules;
  for (const auto& [_, model_rules] : rules->by_model) {
    for (const Rule& r : model_rules.rules) {
      if (r.on_time())
        time_rules.push_back(&r);
    }
  }
  std::sort(time_rules.begin(), time_rules.end(),
            [](const Rule* a, const Rule* b) { return a->id < b->id; });
  std::int64_t processed = 0;
  DateTime now = su.now();
  for (const Rule* rule : time_rules) {
    const schema::Model* model = su.registry().find(rule->model);
    const schema::Field* field = model ? model->field(rule->date_field) : nullptr;
    if (rule->date_field.empty()) {
      log_warning(su, *rule,
                  fmt::format("Missing date trigger field in automation rule '{}': it is skipped",
                              rule->name));
      continue;
    }
    if (!field ||
        (field->type != schema::FieldType::kDate && field->type != schema::FieldType::kDatetime)) {
      log_warning(su, *rule,
                  fmt::format("The trigger date '{}' of rule '{}' is not a date or datetime field "
                              "of '{}' any more; the rule is skipped",
                              rule->date_field, rule->name, rule->model));
      continue;
    }
    Value last = su.cr().scalar("SELECT \"last_run\" FROM \"base_automation\" WHERE \"id\" = ?",
                                std::vector<Value>{Value(rule->id)});
    DateTime last_run = last.is_string()
                            ? common::parse_datetime(last.as_string()).value_or(DateTime{})
                            : DateTime{};
    // The window (docs/automation.md, "On time triggers"): "after" fires when date + delay is in
    // [last_run, now), "before" when date - delay is.
    std::int64_t n = rule->delay_mode == DelayMode::kBefore ? rule->delay : -rule->delay;
    DateTime lower = shift(last_run, n, rule->delay_unit);
    DateTime upper = shift(now, n, rule->delay_unit);
    domain::Domain window;
    if (field->type == schema::FieldType::kDatetime) {
      window = domain::Domain::conjoin(
          domain::Domain::term(field->name, domain::Op::kGe, common::format_datetime(lower)),
          domain::Domain::term(field->name, domain::Op::kLt, common::format_datetime(upper)));
    } else {
      window = domain::Domain::conjoin(
          domain::Domain::term(field->name, domain::Op::kGt,
                               common::format_date(common::date_of(lower))),
          domain::Domain::term(field->name, domain::Op::kLe,
                               common::format_date(common::date_of(upper))));
    }
    IdList due;
    try {
      domain::Domain d =
          rule->post_domain ? domain::Domain::conjoin(window, rule->post_domain->get(su)) : window;
      due = su[rule->model].search(d, orm::SearchOptions{.order = "id"}).ids();
    } catch (const common::Error& e) {
      log_warning(su, *rule, fmt::format("The rule '{}' was skipped: {}", rule->name, e.what()));
      continue;
    }
    // All due records at once, action-major as Odoo processes them, in one savepoint; when that
    // fails, again record by record, each in its own savepoint, so that only the failing records
    // are rolled back. Re-running is safe: everything the first attempt did was in the
    // database and was rolled back.
    bool batch_ok = false;
    if (due.size() > 1) {
      store::Savepoint batch(su.cr());
      try {
        engine.run_unfiltered(env, *rule, due);
        batch.release();
        batch_ok = true;
        processed += static_cast<std::int64_t>(due.size());
      } catch (const std::exception&) {
        // rolled back by `batch`'s destructor; isolated below
      }
    }
    if (!batch_ok) {
      for (Id id : due) {
        store::Savepoint savepoint(su.cr());
        try {
          engine.run_unfiltered(env, *rule, {id});
          savepoint.release();
          ++processed;
        } catch (const std::exception& e) {
          // Rolled back alone (the savepoint's destructor), logged and counted.
          ++engine.counters().time_rule_failures;
          log_failure(su, *rule, id, e.what());
        }
      }
    }
    su["base.automation"]
        .browse({rule->id})
        .with_env(su.with_context_update(Json{{"__automation_configuring", true}}))
        .write(Json{{"last_run", common::format_datetime(now)}});
  }
  return processed;
}

}  // namespace autorules::automation::internal
