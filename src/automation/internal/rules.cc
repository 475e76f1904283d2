#include "automation/internal/rules.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/recordset.h"

namespace autorules::automation::internal {

using common::Id;
using common::Value;

namespace {

std::optional<RuleDomain> domain_text(const store::RowView& r, int col) {
  if (r.is_null(col))
    return std::nullopt;
  std::string text(r.text(col));
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  return RuleDomain(std::move(text));
}

}  // namespace

RuleDomain::RuleDomain(std::string t) : text(std::move(t)) {
  try {
    literal = domain::Domain::from_text(text);
    literal_json = literal->to_json();
  } catch (const common::Error&) {
    // Expressions (evaluated at each use), or a domain that broke after it was saved (its
    // error is raised at use, naming the rule).
  }
}

domain::Domain RuleDomain::get(const orm::Env& env) const {
  return literal ? *literal : orm::parse_domain(env, text);
}

common::Json RuleDomain::json(const orm::Env& env) const {
  return literal ? literal_json : get(env).to_json();
}

std::shared_ptr<const RuleSet> load_rules(const orm::Env& env) {
  auto set = std::make_shared<RuleSet>();
  set->automation_generation = env.generation("automation");
  set->schema_generation = env.generation("schema");
  store::Connection& cr = env.cr();
  std::vector<Rule> rules;
  std::unordered_map<Id, size_t> index;
  cr.query(
      "SELECT a.\"id\", a.\"name\", a.\"model_name\", a.\"trigger\", a.\"filter_pre_domain\", "
      "a.\"filter_domain\", f.\"name\", a.\"trg_date_range\", a.\"trg_date_range_type\", "
      "a.\"trg_date_range_mode\", a.\"webhook_uuid\", a.\"record_getter\", "
      "a.\"log_webhook_calls\" "
      "FROM \"base_automation\" AS a LEFT JOIN \"ir_model_fields\" AS f ON f.\"id\" = "
      "a.\"trg_date_id\" WHERE a.\"active\" = 1 ORDER BY a.\"id\"",
      {}, [&](const store::RowView& r) {
        Rule rule;
        rule.id = r.int64(0);
        rule.name = std::string(r.text(1));
        rule.model = std::string(r.text(2));
        rule.trigger = parse_trigger(r.text(3));
        rule.pre_domain = domain_text(r, 4);
        rule.post_domain = domain_text(r, 5);
        if (!r.is_null(6))
          rule.date_field = std::string(r.text(6));
        if (!r.is_null(7))
          rule.delay = r.int64(7);
        if (!r.is_null(8))
          rule.delay_unit = parse_delay_unit(r.text(8));
        if (!r.is_null(9))
          rule.delay_mode = parse_delay_mode(r.text(9));
        if (!r.is_null(10))
          rule.webhook_uuid = std::string(r.text(10));
        if (!r.is_null(11))
          rule.record_getter = std::string(r.text(11));
        rule.log_calls = !r.is_null(12) && r.int64(12) != 0;
        index[rule.id] = rules.size();
        rules.push_back(std::move(rule));
      });
  if (!rules.empty()) {
    // Each row (rule id, value) gives one active rule a value: `add` puts it in place.
    auto per_rule = [&](const char* sql, auto add) {
      cr.query(sql, {}, [&](const store::RowView& r) {
        if (auto it = index.find(r.int64(0)); it != index.end())
          add(rules[it->second], r);
      });
    };
    per_rule(
        "SELECT r.\"base_automation_id\", f.\"name\" FROM \"base_automation_ir_model_fields_rel\" "
        "AS r JOIN \"ir_model_fields\" AS f ON f.\"id\" = r.\"ir_model_fields_id\"",
        [](Rule& rule, const store::RowView& r) { rule.watched.insert(std::string(r.text(1))); });
    per_rule(
        "SELECT r.\"action_id\", f.\"name\" FROM \"base_automation_onchange_fields_rel\" AS r "
        "JOIN \"ir_model_fields\" AS f ON f.\"id\" = r.\"field_id\"",
        [](Rule& rule, const store::RowView& r) {
          rule.onchange_fields.insert(std::string(r.text(1)));
        });
    per_rule(
        "SELECT \"base_automation_id\", \"id\" FROM \"ir_actions_server\" "
        "WHERE \"base_automation_id\" IS NOT NULL ORDER BY \"sequence\", \"name\", \"id\"",
        [](Rule& rule, const store::RowView& r) { rule.actions.push_back(r.int64(1)); });
  }
  for (Rule& rule : rules)
    set->by_model[rule.model].rules.push_back(std::move(rule));
  for (auto& [_, model_rules] : set->by_model)
    model_rules.index();
  return set;
}

void ModelRules::index() {
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    if (rule.on_create())
      on_create.push_back(i);
    if (rule.on_unlink())
      on_unlink.push_back(i);
    if (rule.on_change())
      on_change.push_back(i);
    if (rule.trigger == Trigger::kOnMessageReceived)
      on_message_received.push_back(i);
    if (rule.trigger == Trigger::kOnMessageSent)
      on_message_sent.push_back(i);
    if (!rule.on_write())
      continue;
    // A watched field fires only when written: a rule is found through its fields.
    if (rule.watched.empty())
      on_write_any.push_back(i);
    for (const std::string& f : rule.watched)
      on_write_by_field[f].push_back(i);
  }
}

bool ModelRules::any_write_rule(const std::vector<std::string>& fields) const {
  if (!on_write_any.empty())
    return true;
  return std::any_of(fields.begin(), fields.end(),
                     [&](const std::string& f) { return on_write_by_field.count(f) > 0; });
}

std::vector<const Rule*> ModelRules::write_rules(const std::vector<std::string>& fields) const {
  std::vector<size_t> positions = on_write_any;
  for (const std::string& f : fields) {
    auto it = on_write_by_field.find(f);
    if (it != on_write_by_field.end())
      positions.insert(positions.end(), it->second.begin(), it->second.end());
  }
  std::sort(positions.begin(), positions.end());
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  return of(positions);
}

std::vector<const Rule*> ModelRules::of(const std::vector<size_t>& positions) const {
  std::vector<const Rule*> out;
  out.reserve(positions.size());
  for (size_t i : positions)
    out.push_back(&rules[i]);
  return out;
}

std::shared_ptr<const RuleSet> RuleCache::get(const orm::Env& env) {
  std::int64_t automation = env.generation("automation");
  std::int64_t schema = env.generation("schema");
  bool own_changes = env.bumped_generation("automation") || env.bumped_generation("schema");
  if (!own_changes) {
    common::MutexLock lock(mutex_);
    if (rules_ && rules_->automation_generation == automation &&
        rules_->schema_generation == schema) {
      return rules_;
    }
  }
  std::shared_ptr<const RuleSet> fresh = load_rules(env);
  if (!own_changes) {
    common::MutexLock lock(mutex_);
    rules_ = fresh;
  }
  return fresh;
}

}  // namespace autorules::automation::internal
