// The automation engine (docs/automation.md): automation rules (base.automation) fire on
// the ORM's create, write (the caller's and recomputations) and unlink, with Odoo's semantics —
// rules in creation order, pre-filter on old values, post-filter on new ones, watched fields,
// action-major execution, the per-operation "done" map that allows chains and cuts cycles.
// Rules are compiled into an index by model, rebuilt when a rule, an action or the schema
// changes (generation counters), so a change is seen by the next call in every process.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/json.h"
#include "orm/runtime.h"

namespace autorules::automation {

// Registers the engine as an observer of the ORM and base.automation's behaviour (its
// automatic configuration, constraints and messages). Call before Runtime::initialize().
void install(orm::Runtime& runtime);

// An incoming webhook's answer: the HTTP status and the JSON body.
struct WebhookResponse {
  int status = 200;
  common::Json body;
};

// Runs the active on_webhook rule whose secret is `uuid` on the record(s) its record_getter finds
// in `payload` (docs/automation.md, "On webhook"): 200 {"status": "ok"}; 404 {"status": "error"}
// for an unknown secret; 500 {"status": "error"} when the getter fails or finds nothing, or an
// action fails, and then nothing is kept but the log rows (when the rule logs its calls).
WebhookResponse receive_webhook(orm::Runtime& runtime, std::string_view uuid,
                                const common::Json& payload);

// What the engine of `runtime` counted since install() (for /metrics).
struct RuleCounts {
  // Each time a rule's actions ran on a set of records, from any trigger (create, write, unlink,
  // UI change, time, webhook), and those runs that raised.
  std::int64_t runs = 0;
  std::int64_t failures = 0;
  // Records whose time-based rule failed (rolled back alone and logged).
  std::int64_t time_failures = 0;
};
RuleCounts rule_counts(const orm::Runtime& runtime);

// Moves the rules' run counts kept in memory into base.automation.stat (docs/automation.md,
// "Run statistics"), in a transaction of its own; counts it could not write stay for the next
// call. The scheduler calls it after each pass and when it stops; a command that runs rules and
// exits calls it before exiting.
void flush_run_stats(orm::Runtime& runtime);

}  // namespace autorules::automation
