// Running ir.cron jobs: due jobs run once and move on, failures are logged and rescheduled, a
// job held by another process is left alone, "Run manually", and the scheduler thread.
#include <chrono>
#include <thread>

#include "jobs/jobs.h"
#include "orm/methods.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::jobs {
namespace {

using common::Id;
using common::Json;
using common::Value;
using domain::Domain;

class JobsTest : public test::EngineTest {
 protected:
  // The tests count the runs of their own jobs: the built-in ones (the outbox's clean-up, the
  // time-based rules' check) are archived.
  JobsTest() {
    orm::Env e = su();
    e["ir.cron"].search(Domain()).write(Json{{"active", false}});
    e.commit();
  }

  // A job that creates a partner named `name` each time it runs.
  Id make_job(const std::string& name, const std::string& nextcall, std::string code = "") {
    orm::Env e = su();
    Id model = e["ir.model"].search(Domain::term("model", domain::Op::kEq, "res.partner")).id();
    if (code.empty())
      code = "env['res.partner'].create({'name': '" + name + "'})";
    Id id = e["ir.cron"]
                .create(Json{{"name", name},
                             {"model_id", model},
                             {"code", code},
                             {"interval_number", 1},
                             {"interval_type", "hours"},
                             {"nextcall", nextcall}})
                .id();
    e.commit();
    return id;
  }

  std::int64_t partners(const std::string& name) {
    return reader()["res.partner"].search_count(Domain::term("name", domain::Op::kEq, name));
  }

  Json job(Id id, std::vector<std::string> fields) {
    return reader().with_context(Json{{"active_test", false}})["ir.cron"].browse({id}).read(
        fields)[0];
  }
};

TEST_F(JobsTest, ADueJobRunsOnceAndItsNextCallMovesPastNow) {
  Id due = make_job("due", "2026-01-15 09:30:00");
  Id later = make_job("later", "2026-01-15 10:30:00");
  RunReport r = run_due(*runtime_);
  EXPECT_EQ(r.ran, 1);
  EXPECT_EQ(partners("due"), 1);
  EXPECT_EQ(partners("later"), 0);
  Json row = job(due, {"lastcall", "nextcall"});
  EXPECT_EQ(row["lastcall"], "2026-01-15 10:00:00");
  EXPECT_EQ(row["nextcall"], "2026-01-15 10:30:00");
  EXPECT_EQ(run_due(*runtime_).ran, 0);  // nothing due twice
  clock_.advance(3600);
  EXPECT_EQ(run_due(*runtime_).ran, 2);
  EXPECT_EQ(partners("due"), 2);
  EXPECT_EQ(partners("later"), 1);
  EXPECT_EQ(job(later, {"nextcall"})["nextcall"], "2026-01-15 11:30:00");
}

TEST_F(JobsTest, AFailingJobIsRolledBackLoggedAndRescheduledAndOthersStillRun) {
  Id bad = make_job("bad", "2026-01-15 09:00:00",
                    "env['res.partner'].create({'name': 'half done'})\nraise UserError('broken')");
  make_job("fine", "2026-01-15 09:00:00");
  RunReport r = run_due(*runtime_);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.ran, 1);
  EXPECT_EQ(partners("half done"), 0);
  EXPECT_EQ(partners("fine"), 1);
  EXPECT_EQ(job(bad, {"nextcall"})["nextcall"], "2026-01-15 11:00:00");  // strictly after now
  orm::Env e = reader();
  EXPECT_EQ(e.sudo()["ir.logging"].search_count(
                Domain::from_text("[('level', '=', 'ERROR'), ('path', '=', 'ir.cron(" +
                                  std::to_string(bad) + ")'), ('message', 'like', 'broken')]")),
            1);
}

TEST_F(JobsTest, AJobAnotherProcessHoldsIsLeftAloneUntilItsLeaseExpires) {
  Id id = make_job("held", "2026-01-15 09:00:00");
  {
    orm::Env e = su();
    e.cr().execute(
        "CREATE TABLE IF NOT EXISTS \"autorules_cron_lease\" (\"job_id\" INTEGER PRIMARY KEY, "
        "\"owner\" TEXT NOT NULL, \"until\" TEXT NOT NULL)");
    e.cr().execute(
        "INSERT INTO \"autorules_cron_lease\" VALUES (?, 'elsewhere:1:0', '2026-01-15 10:30:00')",
        std::vector<Value>{Value(id)});
    e.commit();
  }
  RunReport r = run_due(*runtime_);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(partners("held"), 0);
  {
    orm::Env e = env();
    EXPECT_THROW_MSG(
        orm::call_method(e, "ir.cron", "method_direct_trigger", Json::array({id}), Json::object()),
        common::UserError, "currently being executed");
  }
  clock_.advance(3600);  // the other process died: its lease expired
  EXPECT_EQ(run_due(*runtime_).ran, 1);
  EXPECT_EQ(partners("held"), 1);
}

TEST_F(JobsTest, RunManuallyRunsNowInTheCallAndKeepsTheNextCall) {
  Id id = make_job("manual", "2026-01-20 00:00:00");
  {
    orm::Env e = env();
    EXPECT_EQ(
        orm::call_method(e, "ir.cron", "method_direct_trigger", Json::array({id}), Json::object()),
        true);
    e.commit();
  }
  EXPECT_EQ(partners("manual"), 1);
  Json row = job(id, {"lastcall", "nextcall"});
  EXPECT_EQ(row["lastcall"], "2026-01-15 10:00:00");
  EXPECT_EQ(row["nextcall"], "2026-01-20 00:00:00");
  Id bad = make_job("bad manual", "2026-01-20 00:00:00", "raise UserError('no way')");
  orm::Env e = env();
  EXPECT_THROW_MSG(
      orm::call_method(e, "ir.cron", "method_direct_trigger", Json::array({bad}), Json::object()),
      common::UserError, "no way");
}

TEST_F(JobsTest, BadJobsAreRefusedAtSave) {
  orm::Env e = su();
  Id model = e["ir.model"].search(Domain::term("model", domain::Op::kEq, "res.partner")).id();
  EXPECT_THROW_MSG(
      e["ir.cron"].create(
          Json{{"name", "x"}, {"model_id", model}, {"code", "x = = 1"}, {"interval_number", 1}}),
      common::ValidationError, "SyntaxError");
  EXPECT_THROW_MSG(
      e["ir.cron"].create(Json{{"name", "x"}, {"model_id", model}, {"interval_number", 0}}),
      common::ValidationError, "strictly positive");
  EXPECT_THROW_MSG(
      e["ir.cron"].create(Json{{"name", "x"}, {"model_id", model}, {"interval_type", "years"}}),
      common::Error, "interval_type");
}

// Waits up to 10 s for `ok`.
template <class F>
bool eventually(F ok) {
  for (int i = 0; i < 200; ++i) {
    if (ok())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(JobsTest, TheSchedulerRunsDueJobsAndIsWokenWhenANewJobIsDue) {
  make_job("at start", "2026-01-15 09:00:00");
  // A long poll: only the wake-up on save can make the second job run quickly.
  Scheduler scheduler(*runtime_, std::chrono::seconds(60));
  scheduler.start();
  EXPECT_TRUE(eventually([&] { return partners("at start") == 1; }));
  make_job("created later", "2026-01-15 10:00:00");
  EXPECT_TRUE(eventually([&] { return partners("created later") == 1; }));
  scheduler.stop();
  EXPECT_EQ(partners("at start"), 1);
}

TEST_F(JobsTest, TheSchedulerRunsAJobWhenItsTimeComes) {
  make_job("hourly", "2026-01-15 10:00:02");
  Scheduler scheduler(*runtime_, std::chrono::milliseconds(100));
  scheduler.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(partners("hourly"), 0);
  clock_.advance(5);
  EXPECT_TRUE(eventually([&] { return partners("hourly") == 1; }));
}

}  // namespace
}  // namespace autorules::jobs
