// The automation engine (SPEC §3, reference §1–§2): automation rules (base.automation) fire on
// the ORM's create, write (the caller's and recomputations) and unlink, with Odoo's semantics —
// rules in creation order, pre-filter on old values, post-filter on new ones, watched fields,
// action-major execution, the per-operation "done" map that allows chains and cuts cycles.
// Rules are compiled into an index by model, rebuilt when a rule, an action or the schema
// changes (generation counters), so a change is seen by the next call in every process.
#pragma once

#include "orm/runtime.h"

namespace autorules::automation {

// Registers the engine as an observer of the ORM and base.automation's behaviour (its
// automatic configuration, constraints and messages). Call before Runtime::initialize().
void install(orm::Runtime& runtime);

// Records whose time-based rule failed (rolled back alone and logged) since the process started.
std::int64_t time_rule_failures();

}  // namespace autorules::automation
