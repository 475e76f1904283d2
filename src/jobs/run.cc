// Running ir.cron jobs: the lease that keeps a job from running twice at once, the run itself,
// and the next call.
#include <atomic>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/errors.h"
#include "jobs/internal/schedule.h"
#include "jobs/jobs.h"
#include "orm/env.h"
#include "orm/logging.h"
#include "orm/recordset.h"
#include "script/sandbox.h"

namespace autorules::jobs {

using common::DateTime;
using common::Id;
using common::Json;
using common::Value;

namespace {

// How long a claimed job stays claimed when its process dies without releasing it.
constexpr std::int64_t kLeaseSeconds = 3600;

// Who holds a lease: this host, this process and this runtime (Runtime::component), so that two
// runtimes of one process on one database never take each other's claims for their own.
struct Owner {
  std::string id = [] {
    static std::atomic<int> runtimes{0};
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return fmt::format("{}:{}:{}", host, getpid(), runtimes++);
  }();
};

const std::string& owner(const orm::Runtime& runtime) {
  return runtime.component<Owner>().id;
}

void ensure_lease_table(store::Connection& cr) {
  cr.execute(
      "CREATE TABLE IF NOT EXISTS \"autorules_cron_lease\" (\"job_id\" INTEGER PRIMARY KEY, "
      "\"owner\" TEXT NOT NULL, \"until\" TEXT NOT NULL)");
}

// Claims the job's lease in a short transaction of its own: true when this process holds it.
bool claim(orm::Runtime& runtime, Id job) {
  orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite);
  store::Connection& cr = env.cr();
  ensure_lease_table(cr);
  DateTime now = env.now();
  std::string until = common::format_datetime(common::add_seconds(now, kLeaseSeconds));
  std::string now_text = common::format_datetime(now);
  cr.execute(
      "INSERT INTO \"autorules_cron_lease\" (\"job_id\", \"owner\", \"until\") VALUES (?, ?, ?) "
      "ON CONFLICT (\"job_id\") DO UPDATE SET \"owner\" = excluded.\"owner\", \"until\" = "
      "excluded.\"until\" WHERE \"autorules_cron_lease\".\"until\" < ?",
      std::vector<Value>{Value(job), Value(owner(runtime)), Value(until), Value(now_text)});
  Value holder = cr.scalar("SELECT \"owner\" FROM \"autorules_cron_lease\" WHERE \"job_id\" = ?",
                           std::vector<Value>{Value(job)});
  env.commit();
  return holder.is_string() && holder.as_string() == owner(runtime);
}

void release(orm::Runtime& runtime, Id job) {
  orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite);
  env.cr().execute("DELETE FROM \"autorules_cron_lease\" WHERE \"job_id\" = ? AND \"owner\" = ?",
                   std::vector<Value>{Value(job), Value(owner(runtime))});
  env.commit();
}

// An ERROR row in ir.logging for a failed job (after the failed transaction, in its own).
void log_failure(orm::Runtime& runtime, Id job, const std::string& name,
                 const std::string& message) {
  try {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
    orm::log_after_end(env,
                       {"autorules.cron", "ERROR", message, fmt::format("ir.cron({})", job), name});
  } catch (const std::exception&) {
    // The log is best effort; the job's failure is also in the server's log.
  }
  spdlog::error("scheduled job '{}' #{} failed: {}", name, job, message);
}

// The job's fields (a read of its columns and the model's name).
struct Job {
  std::string name, model, code, method, interval_type;
  Id uid = orm::kSuperuserId;
  std::int64_t interval_number = 1;
  DateTime nextcall;
};

Job load(const orm::Env& su, Id job, DateTime now) {
  orm::RecordSet cron = su["ir.cron"].browse({job});
  auto row = cron.row();
  auto text = [&](const char* f) {
    auto it = row.find(f);
    return it != row.end() && it->second.is_string() ? it->second.as_string() : std::string();
  };
  Job j;
  j.name = text("name");
  j.code = text("code");
  j.method = text("method");
  j.interval_type = text("interval_type");
  Value model = cron.get("model_name");
  j.model = model.is_string() ? model.as_string() : "";
  if (row["user_id"].is_int())
    j.uid = row["user_id"].as_int();
  if (row["interval_number"].is_int())
    j.interval_number = row["interval_number"].as_int();
  j.nextcall = row["nextcall"].is_datetime() ? row["nextcall"].as_datetime() : now;
  return j;
}

}  // namespace

namespace internal {

void run_in(const orm::Env& caller, Id id, bool manual) {
  orm::Env su = caller.sudo();
  DateTime now = su.now();
  Job job = load(su, id, now);
  orm::Env env = su.with_user(job.uid);
  if (!job.method.empty()) {
    const orm::Method* m = su.runtime().method(job.model, job.method);
    if (!m) {
      throw common::UserError(
          fmt::format("The method '{}' does not exist on the model '{}'", job.method, job.model));
    }
    m->fn(env[job.model], Json::object());
  } else if (job.code.find_first_not_of(" \t\r\n") != std::string::npos) {
    script::Context ctx(env);
    ctx.model = job.model;
    ctx.log_func = job.name;
    ctx.log_line = std::to_string(id);
    script::exec(job.code, ctx);
  }
  Json vals = {{"lastcall", common::format_datetime(now)}};
  if (!manual) {
    vals["nextcall"] = common::format_datetime(
        internal::next_call(job.nextcall, job.interval_number, job.interval_type, now));
  }
  su["ir.cron"].browse({id}).write(vals);
}

bool held_elsewhere(const orm::Env& env, Id job) {
  store::Connection& cr = env.cr();
  ensure_lease_table(cr);
  Value holder = cr.scalar(
      "SELECT \"owner\" FROM \"autorules_cron_lease\" WHERE \"job_id\" = ? AND \"until\" >= ?",
      std::vector<Value>{Value(job), Value(common::format_datetime(env.now()))});
  return holder.is_string() && holder.as_string() != owner(env.runtime());
}

}  // namespace internal

namespace {

// Runs the job in a write transaction of its own (see internal::run_in).
void execute(orm::Runtime& runtime, Id id, bool manual) {
  orm::Env su = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
  internal::run_in(su, id, manual);
  su.commit();
}

// After a failed scheduled run the next call still moves forward, so that a broken job does
// not run in a loop.
void reschedule(orm::Runtime& runtime, Id id) {
  orm::Env su = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
  DateTime now = su.now();
  Job job = load(su, id, now);
  su["ir.cron"].browse({id}).write(
      Json{{"nextcall", common::format_datetime(internal::next_call(
                            job.nextcall, job.interval_number, job.interval_type, now))}});
  su.commit();
}

}  // namespace

bool run_job(orm::Runtime& runtime, Id job, bool manual) {
  if (!claim(runtime, job))
    return false;
  std::string name;
  try {
    {
      orm::Env su = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead).sudo();
      Value n = su["ir.cron"].browse({job}).get("name");
      name = n.is_string() ? n.as_string() : "";
    }
    execute(runtime, job, manual);
  } catch (const std::exception& e) {
    log_failure(runtime, job, name, e.what());
    if (!manual)
      reschedule(runtime, job);
    release(runtime, job);
    throw;
  }
  release(runtime, job);
  return true;
}

RunReport run_due(orm::Runtime& runtime) {
  RunReport report;
  std::vector<Id> due;
  {
    orm::Env su = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead).sudo();
    domain::Domain d =
        domain::Domain::term("nextcall", domain::Op::kLe, Json(common::format_datetime(su.now())));
    due = su["ir.cron"].search(d, orm::SearchOptions{.order = "priority, nextcall, id"}).ids();
  }
  for (Id job : due) {
    try {
      if (run_job(runtime, job, false))
        ++report.ran;
      else
        ++report.skipped;
    } catch (const std::exception&) {
      ++report.failed;
    }
  }
  return report;
}

std::optional<DateTime> next_due(orm::Runtime& runtime) {
  orm::Env su = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead).sudo();
  orm::RecordSet first =
      su["ir.cron"].search(domain::Domain(), orm::SearchOptions{.limit = 1, .order = "nextcall"});
  if (first.empty())
    return std::nullopt;
  Value v = first.get("nextcall");
  if (!v.is_datetime())
    return std::nullopt;
  return v.as_datetime();
}

}  // namespace autorules::jobs
