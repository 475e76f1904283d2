// The recorder on its own (src/outbox/internal/recorder.h): attempts handed to it are written in
// one transaction with their messages' next states and the outcome handlers' writes; what the
// database refuses is kept and written once it can, never twice; a stop records what is left and
// gives up at its deadline when the database still refuses.
#include "outbox/internal/recorder.h"

#include "outbox_fixture.h"

namespace autorules::outbox::test {
namespace {

using namespace std::chrono_literals;
using internal::FinishedAttempt;
using internal::Recorder;

class RecorderTest : public OutboxTest {
 protected:
  // A message queued while no dispatcher runs: pending, never claimed.
  Id queued(const std::string& path) { return queue(webhook("{}", path)); }

  FinishedAttempt attempt(Id id, Outcome outcome, long status, const std::string& error = "") {
    FinishedAttempt a;
    a.message_id = id;
    a.number = 1;
    a.kind = "webhook";
    a.res_model = "res.partner";
    a.res_id = 3;
    a.url = receiver_.url("/x");
    a.started = clock_.now();
    a.ms = 12.5;
    a.status = status;
    a.error = error;
    a.outcome = outcome;
    a.response = R"({"ok": true})";
    return a;
  }

  // The database refuses attempt rows while the flag table has a row.
  void refuse_attempts(bool on) {
    orm::Env e = su();
    if (on) {
      e.cr().execute_script(
          "CREATE TABLE IF NOT EXISTS \"refuse_attempts\" (\"x\" INTEGER); "
          "INSERT INTO \"refuse_attempts\" VALUES (1); "
          "CREATE TRIGGER IF NOT EXISTS \"refuse_attempts_trigger\" BEFORE INSERT ON "
          "\"outbox_attempt\" WHEN EXISTS (SELECT 1 FROM \"refuse_attempts\") BEGIN "
          "SELECT RAISE(ABORT, 'refused'); END");
    } else {
      e.cr().execute_script("DELETE FROM \"refuse_attempts\"");
    }
    e.commit();
  }
};

TEST_F(RecorderTest, WritesEachAttemptAndWhatComesNextForItsMessage) {
  Id ok = queued("/ok"), busy = queued("/busy"), gone = queued("/gone");
  std::vector<OutcomeEvent> events;  // written by the recorder's thread, read after it stops
  on_outcome(*runtime_, "webhook", [&](const orm::Env& env, const OutcomeEvent& e) {
    events.push_back(e);
    // The attempt is already written, in this very transaction.
    std::vector<Value> params{Value(e.message_id)};
    Value written =
        env.cr().scalar("SELECT COUNT(*) FROM \"outbox_attempt\" WHERE \"message_id\" = ?", params);
    EXPECT_EQ(written.as_int(), 1);
  });
  Recorder recorder(*runtime_, fast());
  recorder.start();
  std::vector<FinishedAttempt> batch;
  batch.push_back(attempt(ok, Outcome::kDelivered, 200));
  batch.push_back(attempt(busy, Outcome::kRetry, 503, "HTTP 503"));
  batch.push_back(attempt(gone, Outcome::kFailed, 404, "HTTP 404 (not retried)"));
  recorder.add(std::move(batch), false);
  recorder.stop(std::chrono::steady_clock::now() + 5s);

  Json row = message(ok);
  EXPECT_EQ(str(row["state"]), "delivered");
  EXPECT_EQ(row["attempts"], 1);
  EXPECT_EQ(row["last_status"], 200);
  EXPECT_EQ(row["delivered_at"], now_text());
  row = message(busy);
  EXPECT_EQ(str(row["state"]), "pending");
  EXPECT_EQ(row["attempts"], 1);
  EXPECT_EQ(row["last_error"], "HTTP 503");
  EXPECT_EQ(row["next_attempt"], "2026-01-15 10:00:01");  // fast(): retried after 1 s
  row = message(gone);
  EXPECT_EQ(str(row["state"]), "failed");
  EXPECT_EQ(row["last_status"], 404);
  Json log = attempts(busy);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["number"], 1);
  EXPECT_EQ(log[0]["status"], 503);
  EXPECT_EQ(str(log[0]["outcome"]), "retry");
  EXPECT_EQ(log[0]["error"], "HTTP 503");

  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].message_id, ok);
  EXPECT_EQ(events[0].response, R"({"ok": true})");
  EXPECT_EQ(events[1].outcome, Outcome::kRetry);
  EXPECT_EQ(events[2].status, 404);

  std::unordered_map<Id, int> recorded = recorder.recorded();
  EXPECT_EQ(recorded, (std::unordered_map<Id, int>{{ok, 1}, {busy, 1}, {gone, 1}}));
  EXPECT_TRUE(recorder.recorded().empty());  // each told once
  DeliveryCounts counts = delivery_counts(*runtime_);
  EXPECT_EQ(counts.delivered, 1u);
  EXPECT_EQ(counts.retried, 1u);
  EXPECT_EQ(counts.failed, 1u);
}

TEST_F(RecorderTest, WhatTheDatabaseRefusesIsKeptAndWrittenOnceItCanNeverTwice) {
  refuse_attempts(true);
  Id id = queued("/later");
  Recorder recorder(*runtime_, fast());
  recorder.start();
  std::vector<FinishedAttempt> batch;
  batch.push_back(attempt(id, Outcome::kDelivered, 200));
  recorder.add(std::move(batch), true);
  std::this_thread::sleep_for(300ms);  // a few refused recordings
  EXPECT_TRUE(attempts(id).empty());
  EXPECT_EQ(str(message(id)["state"]), "pending");
  EXPECT_TRUE(recorder.recorded().empty());  // its message stays the dispatcher's

  refuse_attempts(false);
  Json row = wait_for(
      id, [](const Json& r) { return r["state"] == "delivered"; }, 10s);
  EXPECT_EQ(str(row["state"]), "delivered");
  recorder.stop(std::chrono::steady_clock::now() + 5s);
  EXPECT_EQ(attempts(id).size(), 1u);
  EXPECT_EQ(recorder.recorded(), (std::unordered_map<Id, int>{{id, 1}}));
}

TEST_F(RecorderTest, AStopRecordsWhatIsLeftAndGivesUpAtItsDeadline) {
  Id kept = queued("/kept");
  {
    // Handed over just before the stop, batched (not at once): the stop records it all the same.
    Recorder recorder(*runtime_, fast());
    recorder.start();
    std::vector<FinishedAttempt> batch;
    batch.push_back(attempt(kept, Outcome::kDelivered, 200));
    recorder.add(std::move(batch), false);
    recorder.stop(std::chrono::steady_clock::now() + 5s);
  }
  EXPECT_EQ(str(message(kept)["state"]), "delivered");

  refuse_attempts(true);
  Id lost = queued("/lost");
  Recorder recorder(*runtime_, fast());
  recorder.start();
  std::vector<FinishedAttempt> batch;
  batch.push_back(attempt(lost, Outcome::kDelivered, 200));
  recorder.add(std::move(batch), false);
  // The database still refuses at the deadline: the stop returns, nothing half-written (the
  // message's lease, once it expires, sends it again).
  recorder.stop(std::chrono::steady_clock::now() + 200ms);
  EXPECT_TRUE(attempts(lost).empty());
  EXPECT_EQ(str(message(lost)["state"]), "pending");
  EXPECT_TRUE(recorder.recorded().empty());
}

TEST_F(RecorderTest, LaterAttemptsOfOneMessageAreToldByTheirLastNumber) {
  Id id = queued("/again");
  Recorder recorder(*runtime_, fast());
  recorder.start();
  std::vector<FinishedAttempt> first;
  first.push_back(attempt(id, Outcome::kRetry, 500, "HTTP 500"));
  recorder.add(std::move(first), true);
  wait_for(id, [](const Json& r) { return r["attempts"] == 1; });
  std::vector<FinishedAttempt> second;
  second.push_back(attempt(id, Outcome::kDelivered, 200));
  second.back().number = 2;
  recorder.add(std::move(second), true);
  recorder.stop(std::chrono::steady_clock::now() + 5s);
  Json row = message(id);
  EXPECT_EQ(str(row["state"]), "delivered");
  EXPECT_EQ(row["attempts"], 2);
  EXPECT_EQ(attempts(id).size(), 2u);
  EXPECT_EQ(recorder.recorded(), (std::unordered_map<Id, int>{{id, 2}}));
}

}  // namespace
}  // namespace autorules::outbox::test
