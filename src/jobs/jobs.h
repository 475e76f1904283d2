// The scheduler of ir.cron jobs (docs/automation.md, "Scheduled jobs"): a job whose `nextcall`
// has passed runs once — its Python `code` or its `method` — as its user, in its own write
// transaction; then `lastcall` = now and `nextcall` moves forward by whole intervals past now
// (missed runs are not caught up, as in Odoo). A job never runs twice at the same time, also
// with several processes on one database: a lease row (autorules_cron_lease) is claimed in a
// short transaction before the job runs and released after it.
#pragma once

#include <chrono>
#include <memory>

#include "common/value.h"
#include "orm/runtime.h"

namespace autorules::jobs {

// Registers ir.cron's behaviour: method_direct_trigger ("Run manually"), validation, and the
// wake-up of a running Scheduler when a job's nextcall moves. Call before Runtime::initialize().
void install(orm::Runtime& runtime);

struct RunReport {
  int ran = 0;      // jobs run to completion
  int failed = 0;   // jobs whose run raised (rolled back, logged, rescheduled)
  int skipped = 0;  // due jobs another process holds
};

// Runs every due active job once, by priority then nextcall.
RunReport run_due(orm::Runtime& runtime);

// Runs one job now whatever its nextcall (the manual trigger): claims its lease, runs it as its
// user, sets lastcall. Throws what the job raised (after logging it). Returns false when another
// process is running it.
bool run_job(orm::Runtime& runtime, common::Id job, bool manual);

// The earliest nextcall of an active job, if any.
std::optional<common::DateTime> next_due(orm::Runtime& runtime);

// The scheduler thread of `serve`: runs due jobs, then sleeps until the next nextcall or
// `poll`, whichever is first; woken early when a job is created or its nextcall changes.
class Scheduler {
 public:
  Scheduler(orm::Runtime& runtime, std::chrono::milliseconds poll);
  ~Scheduler();  // stops and joins
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  void stop();
  void wake();  // run due jobs now and look at the nextcalls again

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autorules::jobs
