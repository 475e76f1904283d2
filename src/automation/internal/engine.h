// The ORM observer that runs automation rules (docs/automation.md, "Conditions, order and
// chaining").
#pragma once

#include <atomic>
#include <cstdint>

#include "automation/internal/rules.h"
#include "orm/observer.h"

namespace autorules::automation::internal {

class Engine;
// The process's engine (created on first use, never freed).
Engine& engine();

// Rule runs (a rule's actions run on a set of records, from any trigger) and those that raised,
// since the process started (for /metrics).
std::atomic<std::int64_t>& rule_runs();
std::atomic<std::int64_t>& rule_failures();

class Engine final : public orm::Observer {
 public:
  bool watches(const orm::Env& env, const schema::Model& model, orm::Event event,
               const std::vector<std::string>& fields) const override;
  void after_create(const orm::Env& env, const orm::RecordSet& records) override;
  std::any before_write(const orm::Env& env, const orm::RecordSet& records,
                        const std::vector<std::string>& fields, orm::WriteOrigin origin) override;
  void after_write(const orm::Env& env, const orm::RecordSet& records,
                   const std::vector<std::string>& fields, const orm::OldValues& old_values,
                   orm::WriteOrigin origin, std::any& state) override;
  void before_unlink(const orm::Env& env, const orm::RecordSet& records) override;

  // "On UI change" rules, for RecordSet::onchange.
  void on_change(const orm::RecordSet& records, const common::Json& form,
                 const std::vector<std::string>& changed, common::Json& result) const;

  // Runs a rule's actions on `ids` with no filter and no old values, as time triggers and
  // webhooks do.
  void run_unfiltered(const orm::Env& env, const Rule& rule, const common::IdList& ids) const;

  RuleCache& cache() const { return cache_; }

 private:
  mutable RuleCache cache_;
};

}  // namespace autorules::automation::internal
