// Retention: delivered messages older than outbox.retention_days (30 by default) are deleted with
// their attempts, oldest first and in bounded batches, by an hourly job; failed and dead ones stay.
#include "common/errors.h"
#include "orm/base/users.h"
#include "orm/model_hooks.h"
#include "outbox_fixture.h"

namespace autorules::outbox::test {
namespace {

class RetentionTest : public OutboxTest {
 protected:
  // A message in `state`, delivered (or failed) `days_ago`, with one attempt row.
  Id make(const std::string& state, int days_ago) {
    orm::Env e = su();
    Id id = enqueue(e, webhook("{}"));
    std::string when =
        common::format_datetime(common::add_seconds(clock_.now(), -days_ago * 86'400LL));
    e.cr().execute(
        "UPDATE \"outbox_message\" SET \"state\" = ?, \"delivered_at\" = ?, \"attempts\" = 1 "
        "WHERE \"id\" = ?",
        std::vector<Value>{Value(state), state == "delivered" ? Value(when) : Value(), Value(id)});
    e.cr().execute(
        "INSERT INTO \"outbox_attempt\" (\"message_id\", \"number\", \"started_at\", \"status\", "
        "\"outcome\") VALUES (?, 1, ?, 200, ?)",
        std::vector<Value>{Value(id), Value(when), Value(state)});
    e.commit();
    return id;
  }

  // What the job does: its method, as the scheduler calls it.
  std::int64_t run_job() {
    orm::Env e = su();
    const orm::Method* m = runtime_->method("outbox.message", "_gc_delivered_messages");
    EXPECT_NE(m, nullptr);
    Json n = m->fn(e["outbox.message"], Json::object());
    e.commit();
    return n.get<std::int64_t>();
  }

  bool exists(Id id) {
    return reader().sudo()["outbox.message"].search_count(term("id", domain::Op::kEq, id)) == 1;
  }
  std::int64_t attempt_rows(Id id) {
    return reader().sudo()["outbox.attempt"].search_count(term("message_id", domain::Op::kEq, id));
  }

  void set_days(const std::string& value) {
    orm::Env e = su();
    orm::set_param(e, "outbox.retention_days", value);
    e.commit();
  }
};

TEST_F(RetentionTest, DeliveredMessagesOlderThan30DaysGoWithTheirAttempts) {
  Id old_delivered = make("delivered", 31);
  Id recent = make("delivered", 29);
  Id old_failed = make("failed", 90);
  Id old_dead = make("dead", 90);
  EXPECT_EQ(run_job(), 1);
  EXPECT_FALSE(exists(old_delivered));
  EXPECT_EQ(attempt_rows(old_delivered), 0);
  EXPECT_TRUE(exists(recent));
  EXPECT_EQ(attempt_rows(recent), 1);
  EXPECT_TRUE(exists(old_failed));  // someone has to look at these
  EXPECT_TRUE(exists(old_dead));
  EXPECT_EQ(run_job(), 0);
}

TEST_F(RetentionTest, TheParameterSetsTheDaysAndZeroKeepsEverything) {
  Id ten = make("delivered", 10);
  set_days("0");
  EXPECT_EQ(run_job(), 0);
  EXPECT_TRUE(exists(ten));
  set_days("7");
  EXPECT_EQ(run_job(), 1);
  EXPECT_FALSE(exists(ten));

  Id kept = make("delivered", 100);
  set_days("a week");
  EXPECT_THROW_MSG(run_job(), common::UserError,
                   "outbox.retention_days must be a whole number of days, not 'a week'");
  EXPECT_TRUE(exists(kept));
}

TEST_F(RetentionTest, ARunDeletesAtMost20000OldestFirst) {
  Id newest_old = 0;
  {
    orm::Env e = su();
    e.cr().execute_script(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20010) "
        "INSERT INTO \"outbox_message\" (\"url\", \"idempotency_key\", \"state\", "
        "\"delivered_at\") SELECT 'http://127.0.0.1/', 'k' || i, 'delivered', "
        "'2025-01-01 00:00:00' FROM n");
    e.commit();
    newest_old = make("delivered", 60);
  }
  EXPECT_EQ(run_job(), 20'000);
  EXPECT_TRUE(exists(newest_old));  // the oldest went first
  EXPECT_EQ(run_job(), 11);
  EXPECT_FALSE(exists(newest_old));
}

TEST_F(RetentionTest, TheHourlyJobIsThere) {
  orm::Env e = reader().sudo();
  orm::RecordSet job = e.ref("outbox.ir_cron_outbox_delete_delivered");
  Json row = job.read({"name", "method", "interval_number", "interval_type", "active"})[0];
  EXPECT_EQ(row["name"], "Outbox: delete old delivered messages");
  EXPECT_EQ(row["method"], "_gc_delivered_messages");
  EXPECT_EQ(row["interval_number"], 1);
  EXPECT_EQ(row["interval_type"], "hours");
  EXPECT_EQ(row["active"], true);
}

}  // namespace
}  // namespace autorules::outbox::test
