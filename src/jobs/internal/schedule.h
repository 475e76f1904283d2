// Internal to jobs/: when a job runs next, and waking the schedulers of this process.
#pragma once

#include <cstdint>
#include <string>

#include "common/datetime.h"
#include "common/value.h"
#include "orm/env.h"
#include "orm/runtime.h"

namespace autorules::jobs::internal {

// The first moment after `now` reached from `from` in whole intervals (`number` `unit`s:
// minutes, hours, days, weeks or months — months by calendar, clamped to the month's end).
// Missed runs are skipped, not caught up. `from` after `now` is returned as is.
common::DateTime next_call(common::DateTime from, std::int64_t number, const std::string& unit,
                           common::DateTime now);

// Runs job `id`'s work in `env`'s transaction, as the job's user, then sets lastcall and (not
// manual) the next call. Throws what the job raised.
void run_in(const orm::Env& env, common::Id id, bool manual);

// Whether another process holds the job's lease now.
bool held_elsewhere(const orm::Env& env, common::Id job);

// Wakes every running Scheduler of `runtime` (a job was created or its nextcall changed).
void wake_schedulers(const orm::Runtime& runtime);

}  // namespace autorules::jobs::internal
