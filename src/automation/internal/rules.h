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

#include "common/value.h"
#include "orm/env.h"

namespace autorules::automation::internal {

struct Rule {
  common::Id id = 0;
  std::string name;
  std::string model;
  std::string trigger;
  std::optional<std::string> pre_domain;   // filter_pre_domain, when set ('[]' counts as set)
  std::optional<std::string> post_domain;  // filter_domain
  std::set<std::string> watched;           // trigger_field_ids (empty: any field)
  std::set<std::string> onchange_fields;   // on_change_field_ids
  std::vector<common::Id> actions;         // action_server_ids by sequence, name, id

  bool on_create() const;
  bool on_write() const;
  bool on_unlink() const { return trigger == "on_unlink"; }
  bool on_change() const { return trigger == "on_change"; }
};

struct RuleSet {
  std::int64_t automation_generation = -1;
  std::int64_t schema_generation = -1;
  std::map<std::string, std::vector<Rule>> by_model;  // each in creation order

  const std::vector<Rule>* rules_of(const std::string& model) const {
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
  std::shared_ptr<const RuleSet> get(const orm::Env& env);

 private:
  std::mutex mutex_;
  std::shared_ptr<const RuleSet> rules_;  // GUARDED_BY(mutex_)
};

}  // namespace autorules::automation::internal
