// Time-based triggers (docs/automation.md, "On time triggers"): saving time rules (their date
// field, the negative-delay flip, no accidental backfill), the "check and execute" job's interval
// and active flag, and the check itself.
#pragma once

#include <atomic>
#include <cstdint>

#include "automation/internal/engine.h"
#include "common/json.h"
#include "orm/recordset.h"

namespace autorules::automation::internal {

inline constexpr const char* kCheckJobXmlid = "base_automation.ir_cron_data_base_automation_check";

// Before a rule is saved: a negative trg_date_range becomes positive and flips the mode.
void normalize_delay(const orm::RecordSet& rules, common::Json& vals);

// After a rule is saved (automatic configuration, superuser): on_time_created/_updated take
// create_date/write_date; an active time rule with an empty last_run gets now (unless the
// caller wrote last_run).
common::Json configure_time(const orm::Env& env, const orm::RecordSet& rule,
                            const common::Json& written);

// A time rule's date field, when it has one, must be a date or datetime field of its model
// (ValidationError). A rule without one is saved, as Odoo saves it, and so is a rule whose field
// was deleted later: the check skips them with a warning.
void check_time(const orm::Env& env, const orm::RecordSet& rule);

// The check job's interval and active flag from the active time rules.
void sync_check_job(const orm::Env& env);

// Creates the check job (inactive, 4 hours) when it does not exist yet.
void ensure_check_job(const orm::Env& env);

// One pass of the check: every active time rule's due records (one indexed query each), each
// processed in its own savepoint; a failing record is rolled back alone, logged and counted
// (the engine's time_rule_failures);
// then last_run = now. Returns the number of records processed.
std::int64_t check_time_rules(const Engine& engine, const orm::Env& env);

}  // namespace autorules::automation::internal
