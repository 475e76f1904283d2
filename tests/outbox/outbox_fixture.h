// A fresh database with the outbox installed, on the manual clock of OrmTest, a receiver on
// 127.0.0.1 and a dispatcher the test starts. The dispatcher is stopped before the receiver and
// the runtime go away. Waiting for the dispatcher polls the database (a fresh read transaction
// each time) until a deadline; nothing asserts on timings.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "orm_fixture.h"
#include "outbox/outbox.h"
#include "receiver.h"

namespace autorules::outbox::test {

using common::Id;
using common::Json;
using common::Value;

class OutboxTest : public orm::test::OrmTest {
 protected:
  OutboxTest() {
    runtime_ = std::make_unique<orm::Runtime>(
        store::Database::open("sqlite:" + dir_.path("outbox.db")), clock_);
    runtime_->set_modules_path(AUTORULES_SOURCE_DIR "/modules");
    install(*runtime_);
    runtime_->initialize();
  }

  // Retries after 1 s, 2 s, 4 s … of the manual clock; a generous timeout for one attempt.
  static Options fast() {
    Options o;
    o.retry_base = std::chrono::seconds(1);
    o.retry_cap = std::chrono::seconds(3600);
    o.max_attempts = 8;
    o.timeout = std::chrono::seconds(5);
    return o;
  }

  void start(Options options = fast()) {
    dispatcher_ = std::make_unique<Dispatcher>(*runtime_, options);
    dispatcher_->start();
  }

  Message webhook(const std::string& body, const std::string& path = "/hook") const {
    Message m;
    m.name = "test " + path;
    m.url = receiver_.url(path);
    m.body = body;
    m.res_model = "res.partner";
    m.res_id = 3;
    return m;
  }

  // Enqueues `m` in a transaction of its own and commits it.
  Id queue(const Message& m) {
    orm::Env e = env();
    Id id = enqueue(e, m);
    e.commit();
    return id;
  }

  // Sets one column of a queued message's row as it is, past enqueue()'s checks (a row changed
  // through the API or by hand), and commits.
  void set_column(Id id, const std::string& column, const std::string& value) {
    orm::Env e = su();
    e.cr().execute(fmt::format("UPDATE \"outbox_message\" SET \"{}\" = ? WHERE \"id\" = ?", column),
                   std::vector<Value>{Value(value), Value(id)});
    e.commit();
  }

  Json message(Id id) {
    return reader().sudo()["outbox.message"].browse({id}).read(
        {"state", "attempts", "idempotency_key", "next_attempt", "lease_until", "last_status",
         "last_error", "delivered_at", "url", "body", "headers", "res_model", "res_id", "kind",
         "name"})[0];
  }

  // The message's attempts in the order they were made.
  Json attempts(Id id) {
    orm::SearchOptions o;
    o.order = "id asc";
    return reader().sudo()["outbox.attempt"].search_read(
        term("message_id", domain::Op::kEq, id),
        {"number", "started_at", "duration_ms", "status", "error", "outcome"}, o);
  }

  // Polls the message until `done` holds (or a few seconds have passed); returns the last row.
  Json wait_for(Id id, const std::function<bool(const Json&)>& done,
                std::chrono::milliseconds within = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + within;
    Json row = message(id);
    while (!done(row) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      row = message(id);
    }
    return row;
  }

  Json wait_state(Id id, const std::string& state, int attempts) {
    return wait_for(
        id, [&](const Json& r) { return r["state"] == state && r["attempts"] == attempts; });
  }

  // Waits for the message's first attempt to end without an answer (a time-out, a refused
  // connection) and checks it: pending again, one attempt logged as a retry with status 0 and an
  // error, which is also the message's last_error. Returns the message's row.
  Json expect_first_attempt_unanswered(Id id) {
    Json row = wait_state(id, "pending", 1);
    EXPECT_EQ(row["attempts"], 1) << row.dump();
    Json log = attempts(id);
    EXPECT_EQ(log.size(), 1u) << log.dump();
    if (log.size() != 1)
      return row;
    EXPECT_EQ(str(log[0]["outcome"]), "retry");
    EXPECT_EQ(log[0]["status"], 0);
    EXPECT_TRUE(log[0]["error"].is_string() && !log[0]["error"].get<std::string>().empty())
        << log.dump();
    EXPECT_EQ(row["last_error"], log[0]["error"]);
    return row;
  }

  // Moves the manual clock to the message's next attempt and wakes the dispatcher.
  void advance_to_next_attempt(Id id) {
    Json row = message(id);
    ASSERT_TRUE(row["next_attempt"].is_string()) << row.dump();
    auto at = common::parse_datetime(row["next_attempt"].get<std::string>());
    ASSERT_TRUE(at.has_value());
    ASSERT_GE(at->seconds, clock_.now().seconds);
    clock_.set(*at);
    dispatcher_->wake();
  }

  // A JSON value as text, for readable failure messages: strings as they are, others dumped.
  static std::string str(const Json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

  std::string now_text() const { return common::format_datetime(clock_.now()); }

  Receiver receiver_;
  std::unique_ptr<Dispatcher> dispatcher_;  // destroyed (stopped) first
};

}  // namespace autorules::outbox::test
