// The ORM observer that runs automation rules (docs/automation.md, "Conditions, order and
// chaining").
#pragma once

#include <atomic>
#include <cstdint>

#include "automation/internal/rules.h"
#include "automation/internal/run_stats.h"
#include "orm/observer.h"
#include "orm/runtime.h"

namespace autorules::automation::internal {

// What an engine counted since its runtime started (for /metrics).
struct Counters {
  // Rule runs: a rule's actions run on a set of records, from any trigger; and those that raised.
  std::atomic<std::int64_t> rule_runs{0};
  std::atomic<std::int64_t> rule_failures{0};
  // Records whose time-based rule failed (rolled back alone and logged).
  std::atomic<std::int64_t> time_rule_failures{0};
  // The same runs and failures per rule and hour, for the rules list.
  RunStats stats;
};

// One per runtime (Runtime::component), registered as its observer by install(). Thread-safe:
// the rule cache and the counters are shared by every transaction of the runtime.
class Engine final : public orm::Observer {
 public:
  static Engine& of(const orm::Runtime& runtime) { return runtime.component<Engine>(); }

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

  // The email triggers (docs/automation.md, "On incoming / outgoing message"), after a message
  // was posted on `record`: nothing inside a rule's run, for an internal message or subtype, or
  // for a notification; else the rules "on incoming message" (no author, or a share author) or
  // "on outgoing message" (an employee author) whose before-update domain the record satisfies.
  void on_message(const orm::RecordSet& record, common::Id message_id) const;

  // Runs a rule's actions on `ids` with no filter and no old values, as time triggers and
  // webhooks do.
  void run_unfiltered(const orm::Env& env, const Rule& rule, const common::IdList& ids) const;

  RuleCache& cache() const { return cache_; }
  Counters& counters() const { return counters_; }

 private:
  mutable RuleCache cache_;
  mutable Counters counters_;
};

}  // namespace autorules::automation::internal
