// The hand-over (outbox/internal/inbox.h): a message queued while a dispatcher of the process runs
// is written already claimed and sent at its commit, with no claim; the row stays the truth.
#include "outbox_fixture.h"
#include "store/database.h"

namespace autorules::outbox::test {
namespace {

using HandOffTest = OutboxTest;

TEST_F(HandOffTest, AMessageQueuedWhileADispatcherRunsIsWrittenClaimedAndSentAtTheCommit) {
  receiver_.script({{200, std::chrono::seconds(3)}});  // holds the request until released
  start();
  orm::Env e = env();
  Id id = enqueue(e, webhook(R"({"n": 1})"));
  // Inside the transaction: already claimed, for one attempt's time (5 s) and 30 s.
  Json row = e.sudo()["outbox.message"].browse({id}).read({"state", "lease_until"})[0];
  EXPECT_EQ(str(row["state"]), "sending");
  EXPECT_EQ(row["lease_until"], "2026-01-15 10:00:35");
  EXPECT_EQ(receiver_.count(), 0u);  // nothing before the commit
  e.commit();

  ASSERT_TRUE(receiver_.wait_for_requests(1));
  receiver_.release();
  row = wait_state(id, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered");
  EXPECT_EQ(row["lease_until"], false);
  EXPECT_EQ(attempts(id).size(), 1u);
}

TEST_F(HandOffTest, AMessageRolledBackWithItsSavepointIsNotSent) {
  start();
  orm::Env e = env();
  Id gone = 0;
  {
    store::Savepoint savepoint(e.cr());
    gone = enqueue(e, webhook(R"({"n": "rolled back"})"));
  }  // rolled back: the row is gone, its hand-over stays registered
  Id kept = enqueue(e, webhook(R"({"n": "kept"})"));
  e.commit();

  Json row = wait_state(kept, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 1u);  // once, even if the kept message took the rolled-back one's id
  EXPECT_EQ(got[0].body, R"({"n": "kept"})");
  if (gone != kept) {
    EXPECT_EQ(reader().sudo()["outbox.message"].search_count(term("id", domain::Op::kEq, gone)), 0);
  }
}

TEST_F(HandOffTest,
       ARolledBackTransactionGivesItsSlotsBackAndAFullDispatcherLeavesMessagesPending) {
  Options o = fast();
  o.max_in_flight = 2;
  receiver_.script({{200, std::chrono::seconds(3)}, {200, std::chrono::seconds(3)}});
  start(o);
  for (int i = 0; i < 3; ++i) {
    orm::Env e = env();
    enqueue(e, webhook(R"({"rolled": "back"})"));
    enqueue(e, webhook(R"({"rolled": "back"})"));
    e.rollback();
  }
  orm::Env e = env();
  Id a = enqueue(e, webhook(R"({"n": "a"})"));
  Id b = enqueue(e, webhook(R"({"n": "b"})"));
  Id c = enqueue(e, webhook(R"({"n": "c"})"));
  auto state = [&](Id id) {
    return str(e.sudo()["outbox.message"].browse({id}).read({"state"})[0]["state"]);
  };
  EXPECT_EQ(state(a), "sending");  // the rolled-back transactions' slots are free again
  EXPECT_EQ(state(b), "sending");
  EXPECT_EQ(state(c), "pending");  // two slots: the third is claimed later, as usual
  e.commit();

  ASSERT_TRUE(receiver_.wait_for_requests(2));
  receiver_.release();
  for (Id id : {a, b, c})
    EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered") << id;
  EXPECT_EQ(receiver_.count(), 3u);
}

TEST_F(HandOffTest, AMessageWhoseDispatcherStoppedBeforeTheCommitGoesBackToPending) {
  start();
  orm::Env e = env();
  Id id = enqueue(e, webhook(R"({"n": 1})"));
  EXPECT_EQ(str(e.sudo()["outbox.message"].browse({id}).read({"state"})[0]["state"]), "sending");
  dispatcher_.reset();  // stopped while the transaction is open
  e.commit();

  Json row = message(id);
  EXPECT_EQ(str(row["state"]), "pending");  // not left waiting for its lease
  EXPECT_EQ(row["lease_until"], false);
  EXPECT_EQ(receiver_.count(), 0u);

  start();  // the next dispatcher claims it
  row = wait_state(id, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered");
  EXPECT_EQ(receiver_.count(), 1u);
}

}  // namespace
}  // namespace autorules::outbox::test
