// Queuing messages (in the caller's transaction: a rollback sends nothing) and the backoff.
#include <map>
#include <regex>

#include "common/errors.h"
#include "outbox_fixture.h"

namespace autorules::outbox::test {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DoublesFromTheBaseUpToTheCap) {
  Options o;
  o.retry_base = 10s;
  o.retry_cap = 3600s;
  std::vector<std::chrono::milliseconds> expected{10s,  20s,   40s,   80s,   160s,  320s,
                                                  640s, 1280s, 2560s, 3600s, 3600s, 3600s};
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(backoff(o, static_cast<int>(i + 1)), expected[i]) << "attempt " << i + 1;
  EXPECT_EQ(backoff(o, 1000), 3600s);  // no overflow far past the cap
}

TEST(Backoff, ACapBetweenTwoPowersIsReachedExactly) {
  Options o;
  o.retry_base = 1500ms;
  o.retry_cap = 5s;
  EXPECT_EQ(backoff(o, 1), 1500ms);
  EXPECT_EQ(backoff(o, 2), 3000ms);
  EXPECT_EQ(backoff(o, 3), 5000ms);
  EXPECT_EQ(backoff(o, 4), 5000ms);
}

TEST(Backoff, TheDefaultsAreTenSecondsAndOneHour) {
  Options o;
  EXPECT_EQ(backoff(o, 1), 10s);
  EXPECT_EQ(backoff(o, 2), 20s);
  EXPECT_EQ(backoff(o, 30), 1h);
}

using EnqueueTest = OutboxTest;

bool is_uuid4(const std::string& s) {
  static const std::regex re(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(s, re);
}

TEST_F(EnqueueTest, ACommittedMessageIsPendingWithAFreshKeyAndIsDueNow) {
  Message m = webhook(R"({"a": 1})");
  m.headers = Json{{"X-Token", "t1"}};
  Id id = queue(m);
  Id other = queue(webhook(R"({"b": 2})"));
  Json row = message(id);
  EXPECT_EQ(str(row["state"]), "pending");
  EXPECT_EQ(row["attempts"], 0);
  EXPECT_EQ(row["next_attempt"], "2026-01-15 10:00:00");
  EXPECT_EQ(row["next_attempt"], now_text());
  EXPECT_EQ(row["kind"], "webhook");
  EXPECT_EQ(row["url"], receiver_.url());
  EXPECT_EQ(row["body"], R"({"a": 1})");
  EXPECT_EQ(Json::parse(row["headers"].get<std::string>()), (Json{{"X-Token", "t1"}}));
  EXPECT_EQ(row["res_model"], "res.partner");
  EXPECT_EQ(row["res_id"], 3);
  EXPECT_EQ(row["delivered_at"], false);
  ASSERT_TRUE(row["idempotency_key"].is_string());
  std::string key = row["idempotency_key"];
  EXPECT_TRUE(is_uuid4(key)) << key;
  std::string other_key = message(other)["idempotency_key"];
  EXPECT_TRUE(is_uuid4(other_key)) << other_key;
  EXPECT_NE(key, other_key);
  EXPECT_TRUE(attempts(id).empty());
}

TEST_F(EnqueueTest, TheSigningSecretIsStoredButNeverReadable) {
  Message m = webhook("{}");
  m.signing_secret = "whsec_c2VjcmV0";
  Id id = queue(m);
  orm::Env e = su();
  EXPECT_EQ(e.cr().scalar("SELECT \"signing_secret\" FROM \"outbox_message\" WHERE \"id\" = ?",
                          std::vector<Value>{Value(id)}),
            Value("whsec_c2VjcmV0"));
  Json read = reader()["outbox.message"].browse({id}).read({});
  ASSERT_EQ(read.size(), 1u);
  EXPECT_FALSE(read[0].contains("signing_secret")) << read.dump();
}

TEST_F(EnqueueTest, AnyUserCanQueueButOnlyAdministratorsReadTheOutbox) {
  // A webhook action runs as the user whose write triggered it.
  Id uid = make_internal_user();
  Id id = 0;
  {
    orm::Env e = env(uid);
    id = enqueue(e, webhook(R"({"by": "marc"})"));
    e.commit();
  }
  EXPECT_EQ(str(message(id)["state"]), "pending");
  EXPECT_THROW(reader(uid)["outbox.message"].browse({id}).read({"body"}), common::AccessError);
  EXPECT_EQ(reader()["outbox.message"].browse({id}).read({"body"})[0]["body"], R"({"by": "marc"})");
}

TEST_F(EnqueueTest, ARolledBackMessageLeavesNoRowAndIsNeverSent) {
  start();
  {
    orm::Env e = env();
    enqueue(e, webhook(R"({"rolled": "back"})", "/rolled-back"));
    e.rollback();
  }
  {
    orm::Env e = env();
    enqueue(e, webhook(R"({"dropped": true})", "/dropped"));
    // destroyed without commit: rolled back as well
  }
  EXPECT_EQ(reader().sudo()["outbox.message"].search_count(domain::Domain()), 0);
  // A message committed afterwards is delivered; it is the only thing the receiver ever sees.
  Id id = queue(webhook(R"({"committed": true})", "/committed"));
  Json row = wait_state(id, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered");
  EXPECT_EQ(reader().sudo()["outbox.message"].search_count(domain::Domain()), 1);
  EXPECT_EQ(reader().sudo()["outbox.attempt"].search_count(domain::Domain()), 1);
  auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/committed");
  EXPECT_EQ(got[0].body, R"({"committed": true})");
}

}  // namespace
}  // namespace autorules::outbox::test

namespace autorules::outbox::test {
namespace {

// The outbox's lookups use partial indexes holding only the messages still to deliver; the full
// (state, …) indexes of earlier versions are dropped at start-up.
TEST_F(EnqueueTest, TheOutboxIndexesHoldOnlyMessagesStillToDeliver) {
  auto indexes = [&] {
    std::map<std::string, std::string> out;
    orm::Env e = reader();
    e.cr().query(
        "SELECT \"name\", \"sql\" FROM \"sqlite_master\" WHERE \"type\" = 'index' AND "
        "\"tbl_name\" = 'outbox_message' AND \"sql\" IS NOT NULL",
        {}, [&](const store::RowView& r) { out[std::string(r.text(0))] = std::string(r.text(1)); });
    return out;
  };
  auto now = indexes();
  ASSERT_TRUE(now.count("outbox_message__pending_index"));
  EXPECT_NE(now["outbox_message__pending_index"].find("WHERE \"state\" = 'pending'"),
            std::string::npos);
  ASSERT_TRUE(now.count("outbox_message__sending_index"));
  ASSERT_TRUE(now.count("outbox_message__stopped_index"));
  EXPECT_FALSE(now.count("outbox_message__state_index"));

  {  // a database made by an earlier version
    orm::Env e = su();
    e.cr().execute_script(
        "CREATE INDEX \"outbox_message__state_next_attempt_index\" ON \"outbox_message\" "
        "(\"state\", \"next_attempt\")");
    e.commit();
  }
  runtime_ = std::make_unique<orm::Runtime>(
      store::Database::open("sqlite:" + dir_.path("outbox.db")), clock_);
  runtime_->set_modules_path(AUTORULES_SOURCE_DIR "/modules");
  install(*runtime_);
  runtime_->initialize();
  EXPECT_FALSE(indexes().count("outbox_message__state_next_attempt_index"));
}

}  // namespace
}  // namespace autorules::outbox::test
