// Run statistics (run_stats.cc): each rule's runs and failures counted where they happen, moved
// into base.automation.stat by flush_run_stats, and read back by run_stats() with the counts not
// moved yet; "today" in the caller's time zone; old hours removed; administrators only.
#include <string>

#include <gtest/gtest.h>

#include "automation/automation.h"
#include "common/errors.h"
#include "orm/env.h"
#include "orm/methods.h"
#include "orm/recordset.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::automation {
namespace {

using common::Id;
using common::Json;

class RunStatsTest : public test::EngineTest {
 protected:
  // A rule on new contacts: it stamps their job position, and fails on those named "Bad...".
  RunStatsTest() {
    orm::Env e = env();
    rule_ =
        e["base.automation"]
            .create(Json{
                {"name", "Stamp"},
                {"model_name", "res.partner"},
                {"trigger", "on_create"},
                {"action_server_ids",
                 Json::array({Json::array({0, 0,
                                           Json{{"name", "Stamp"},
                                                {"state", "code"},
                                                {"code",
                                                 "if record.name.startswith('Bad'):\n"
                                                 "    raise UserError('bad name: ' + record.name)\n"
                                                 "record.write({'function': 'stamped'})"}}})})}})
            .id();
    e.commit();
  }

  // Creates a contact; false when the rule refused it.
  bool create(const std::string& name) {
    orm::Env e = env();
    try {
      e["res.partner"].create(Json{{"name", name}});
      e.commit();
      return true;
    } catch (const common::Error&) {
      return false;
    }
  }

  Json stats(const Json& params = Json::object(), Id uid = orm::kAdminId) {
    orm::Env e = reader(uid);
    Json rows = orm::call_method(e, "base.automation", "run_stats", Json::array({rule_}), params);
    EXPECT_EQ(rows.size(), 1u);
    return rows[0];
  }

  std::int64_t stored_rows() {
    return reader()["base.automation.stat"].search_count(domain::Domain());
  }

  Id rule_ = 0;
};

TEST_F(RunStatsTest, RunsAndFailuresAreCountedThenMovedToTheDatabase) {
  Json none = stats();
  EXPECT_EQ(none["runs"], 0);
  EXPECT_EQ(none["failures"], 0);
  EXPECT_EQ(none["last_run"], false);

  ASSERT_TRUE(create("Ann"));
  ASSERT_TRUE(create("Bob"));
  clock_.advance(60);
  ASSERT_FALSE(create("Bad Carl"));
  // Counted in memory: nothing is written in the callers' transactions.
  EXPECT_EQ(stored_rows(), 0);
  Json counted = stats();
  EXPECT_EQ(counted["runs"], 3);
  EXPECT_EQ(counted["failures"], 1);
  EXPECT_EQ(counted["last_run"], "2026-01-15 10:01:00");
  EXPECT_EQ(counted["last_failure"], "2026-01-15 10:01:00");
  EXPECT_EQ(counted["last_error"], "bad name: Bad Carl");

  flush_run_stats(*runtime_);
  EXPECT_EQ(stored_rows(), 1);  // one rule, one hour
  EXPECT_EQ(stats(), counted);
  // A second flush with nothing new changes nothing; new runs add to the hour's row.
  flush_run_stats(*runtime_);
  ASSERT_TRUE(create("Dan"));
  flush_run_stats(*runtime_);
  EXPECT_EQ(stored_rows(), 1);
  EXPECT_EQ(stats()["runs"], 4);
  EXPECT_EQ(stats()["failures"], 1);
}

TEST_F(RunStatsTest, TodayStartsAtMidnightInTheCallersTimeZone) {
  ASSERT_TRUE(create("Ann"));  // 2026-01-15 10:00 UTC
  flush_run_stats(*runtime_);
  clock_.advance(14 * 3600);  // 2026-01-16 00:00 UTC, 01:00 in Brussels, 19:00 in New York
  ASSERT_FALSE(create("Bad Bob"));
  EXPECT_EQ(stats()["runs"], 1);  // UTC: Ann ran yesterday
  EXPECT_EQ(stats()["failures"], 1);
  orm::Env e = reader().with_context_update(Json{{"tz", "America/New_York"}});
  Json ny =
      orm::call_method(e, "base.automation", "run_stats", Json::array({rule_}), Json::object());
  EXPECT_EQ(ny[0]["runs"], 2);  // both on the 15th, New York time
  // An explicit start, and the last run whatever the day.
  Json since = stats(Json{{"since", "2026-01-15 09:00:00"}});
  EXPECT_EQ(since["runs"], 2);
  EXPECT_EQ(since["last_run"], "2026-01-16 00:00:00");
  EXPECT_EQ(stats(Json{{"since", "2026-01-16 01:00:00"}})["runs"], 0);
  for (const Json& bad : {Json("yesterday"), Json(12), Json(std::string(100, '2'))}) {
    EXPECT_THROW_MSG(stats(Json{{"since", bad}}), common::UnprocessableError, "since");
  }
}

TEST_F(RunStatsTest, OldHoursAndDeletedRulesGo) {
  ASSERT_TRUE(create("Ann"));
  flush_run_stats(*runtime_);
  clock_.advance(32 * 24 * 3600);
  ASSERT_TRUE(create("Bob"));
  flush_run_stats(*runtime_);
  EXPECT_EQ(stored_rows(), 1);  // the hour of 32 days ago is gone
  Json now = stats();
  EXPECT_EQ(now["runs"], 1);
  EXPECT_EQ(now["last_run"], "2026-02-16 10:00:00");

  // Counts of a rule deleted before they were moved are dropped with it; the flush goes on.
  ASSERT_TRUE(create("Cleo"));
  {
    orm::Env e = env();
    e["base.automation"].browse({rule_}).unlink();
    e.commit();
  }
  flush_run_stats(*runtime_);
  EXPECT_EQ(stored_rows(), 0);
  // Asked for, a deleted rule is missing, as it is to read: not a rule that never ran.
  EXPECT_THROW(stats(), common::MissingError);
}

TEST_F(RunStatsTest, ALongFailureMessageIsCut) {
  {
    orm::Env e = env();
    e["ir.actions.server"]
        .search(domain::Domain::from_text("[('name', '=', 'Stamp')]"))
        .write(Json{{"code", "raise UserError('x' * 100000)"}});
    e.commit();
  }
  ASSERT_FALSE(create("Ann"));
  flush_run_stats(*runtime_);
  std::string error = stats()["last_error"].get<std::string>();
  EXPECT_LT(error.size(), 2100u);  // 2,000 bytes and how many more there were
  EXPECT_NE(error.find("more bytes"), std::string::npos) << error;
}

TEST_F(RunStatsTest, OnlyAdministratorsReadThem) {
  Id marc;
  {
    orm::Env e = su();
    marc = e["res.users"].create(Json{{"name", "Marc"}, {"login", "marc"}}).id();
    e.commit();
  }
  orm::Env e = reader(marc);
  EXPECT_THROW(
      orm::call_method(e, "base.automation", "run_stats", Json::array({rule_}), Json::object()),
      common::AccessError);
  EXPECT_THROW(e["base.automation.stat"].search_count(domain::Domain()), common::AccessError);
}

}  // namespace
}  // namespace autorules::automation
