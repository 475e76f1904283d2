// The compiled rules: what the engine needs of each active rule, by model, built from the
// database once per ("automation", "schema") generation pair.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "automation/internal/trigger.h"
#include "common/mutex.h"
#include "common/value.h"
#include "domain/domain.h"
#include "orm/env.h"

namespace autorules::automation::internal {

// A rule's domain: its text, and its parsed form when it holds no Python expression (parsed
// once when the rules are loaded; a domain with expressions is evaluated at each use).
struct RuleDomain {
  std::string text;
  std::optional<domain::Domain> literal;
  common::Json literal_json;  // literal's JSON form (null when there is no literal)

  explicit RuleDomain(std::string text);
  domain::Domain get(const orm::Env& env) const;
  common::Json json(const orm::Env& env) const;
};

struct Rule {
  common::Id id = 0;
  std::string name;
  std::string model;
  Trigger trigger = Trigger::kUnknown;
  std::optional<RuleDomain> pre_domain;   // filter_pre_domain, when set ('[]' counts as set)
  std::optional<RuleDomain> post_domain;  // filter_domain
  std::set<std::string> watched;          // trigger_field_ids (empty: any field)
  std::set<std::string> onchange_fields;  // on_change_field_ids
  std::vector<common::Id> actions;        // action_server_ids by sequence, name, id
  // Time triggers: the date field (trg_date_id's name), the delay and its unit and mode.
  std::string date_field;
  std::int64_t delay = 0;
  DelayUnit delay_unit = DelayUnit::kNone;
  DelayMode delay_mode = DelayMode::kAfter;
  // Webhooks: the secret, the record getter (a Python expression) and whether calls are logged.
  std::string webhook_uuid;
  std::string record_getter;
  bool log_calls = false;

  bool on_create() const { return fires_on_create(trigger); }
  bool on_write() const { return fires_on_write(trigger); }
  bool on_unlink() const { return trigger == Trigger::kOnUnlink; }
  bool on_change() const { return trigger == Trigger::kOnChange; }
  bool on_time() const { return is_time_trigger(trigger); }
};

// The active rules of one model, indexed by what they react to, so that an operation looks only
// at the rules that could fire (positions into `rules`, each list in creation order).
struct ModelRules {
  std::vector<Rule> rules;  // creation order
  std::vector<size_t> on_create, on_unlink, on_change;
  std::vector<size_t> on_message_received, on_message_sent;
  std::vector<size_t> on_write_any;                              // writes of any field
  std::map<std::string, std::vector<size_t>> on_write_by_field;  // watched field → rules

  // Fills the lists from `rules`.
  void index();
  // Whether a write of `fields` could fire a rule.
  bool any_write_rule(const std::vector<std::string>& fields) const;
  // The rules a write of `fields` could fire, in creation order.
  std::vector<const Rule*> write_rules(const std::vector<std::string>& fields) const;
  std::vector<const Rule*> of(const std::vector<size_t>& positions) const;
};

struct RuleSet {
  std::int64_t automation_generation = -1;
  std::int64_t schema_generation = -1;
  std::map<std::string, ModelRules> by_model;

  const ModelRules* rules_of(const std::string& model) const {
    auto it = by_model.find(model);
    return it == by_model.end() ? nullptr : &it->second;
  }
};

// Reads the active rules with `env`'s connection (plain SQL: the engine must not observe its
// own loading).
std::shared_ptr<const RuleSet> load_rules(const orm::Env& env);

// The rules for `env`'s transaction: the shared set while it matches the generations the
// transaction sees, else a rebuilt one (shared only when the transaction did not change rules).
class RuleCache {
 public:
  std::shared_ptr<const RuleSet> get(const orm::Env& env) EXCLUDES(mutex_);

 private:
  common::Mutex mutex_;
  std::shared_ptr<const RuleSet> rules_ GUARDED_BY(mutex_);
};

}  // namespace autorules::automation::internal
