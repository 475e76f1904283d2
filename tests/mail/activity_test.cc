// Activities: scheduling, the state against the assigned user's today, marking done, chaining
// (src/mail/activity.h).
#include "mail/activity.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"
#include "mail/thread.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail {
namespace {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using domain::Op;

class ActivityTest : public test::EngineTest {
 protected:
  // 2026-01-15 12:00 UTC: already the 16th in Auckland (UTC+13).
  ActivityTest() : EngineFixture("2026-01-15 12:00:00") {
    orm::Env e = su();
    e["res.partner"]
        .browse({e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int()})
        .write(Json{{"email", "admin@example.com"}});
    kiwi_ = e["res.users"]
                .create(Json{{"name", "Kiri"}, {"login", "kiri"}, {"tz", "Pacific/Auckland"}})
                .id();
    record_ = e["res.partner"].create(Json{{"name", "Acme"}}).id();
    kiri_ = e["res.users"].browse({kiwi_}).get("partner_id").as_int();
    e.commit();
  }

  std::string state(orm::Env& e, Id activity) {
    return e.with_context_update(Json{{"active_test", false}})["mail.activity"]
        .browse({activity})
        .get("state")
        .as_string();
  }

  Id kiwi_ = 0, record_ = 0, kiri_ = 0;
};

TEST_F(ActivityTest, AScheduledActivityIsDueTodayForItsUserByDefault) {
  orm::Env e = env();
  IdList ids = activity_schedule(e["res.partner"].browse({record_}), ActivityValues{});
  ASSERT_EQ(ids.size(), 1u);
  Json a = e["mail.activity"].browse(ids).read(
      {"activity_type_id", "date_deadline", "user_id", "res_model", "res_name", "automated"})[0];
  EXPECT_EQ(a["activity_type_id"][0].get<Id>(), e.ref("mail.mail_activity_data_todo").id());
  EXPECT_EQ(a["date_deadline"], "2026-01-15");
  EXPECT_EQ(a["user_id"][0].get<Id>(), orm::kAdminId);
  EXPECT_EQ(a["res_name"], "Acme");
  EXPECT_TRUE(a["automated"].get<bool>());
  EXPECT_EQ(state(e, ids[0]), "today");
  EXPECT_EQ(e["res.partner"].browse({record_}).get("activity_ids").as_ids(), ids);
}

TEST_F(ActivityTest, TheStateUsesTheAssignedUsersTimeZone) {
  orm::Env e = env();
  ActivityValues v;
  v.date_deadline = common::make_date(2026, 1, 16);
  Id mine = activity_schedule(e["res.partner"].browse({record_}), v).front();
  v.user_id = kiwi_;
  Id theirs = activity_schedule(e["res.partner"].browse({record_}), v).front();
  EXPECT_EQ(state(e, mine), "planned");
  EXPECT_EQ(state(e, theirs), "today");
  // Without a deadline, it is due today for the one who schedules it (Odoo's context_today):
  // already yesterday where Kiri is.
  v.date_deadline.reset();
  Id kiwi_today = activity_schedule(e["res.partner"].browse({record_}), v).front();
  EXPECT_EQ(e["mail.activity"].browse({kiwi_today}).get("date_deadline").as_date(),
            common::make_date(2026, 1, 15));
  EXPECT_EQ(state(e, kiwi_today), "overdue");
  // The context's tz wins over the user's.
  Id in_auckland =
      activity_schedule(
          e.with_context_update(common::Json{{"tz", "Pacific/Auckland"}})["res.partner"].browse(
              {record_}),
          v)
          .front();
  EXPECT_EQ(e["mail.activity"].browse({in_auckland}).get("date_deadline").as_date(),
            common::make_date(2026, 1, 16));
  e.commit();
  clock_.advance(3 * 86400);
  orm::Env later = env();
  EXPECT_EQ(state(later, mine), "overdue");
}

TEST_F(ActivityTest, AssigningSomeoneElseSubscribesAndTellsThem) {
  orm::Env e = env();
  ActivityValues v;
  v.user_id = kiwi_;
  v.summary = "Call back";
  activity_schedule(e["res.partner"].browse({record_}), v);
  Id kiri = kiri_;
  orm::RecordSet f = e["mail.followers"].search(Domain::conjoin(
      Domain::term("res_id", Op::kEq, record_), Domain::term("partner_id", Op::kEq, kiri)));
  EXPECT_EQ(f.size(), 1u);
  orm::RecordSet told = e["mail.message"].search(
      Domain::conjoin(Domain::term("message_type", Op::kEq, "user_notification"),
                      Domain::term("partner_ids", Op::kIn, IdList{kiri})));
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told.get("subject").as_string(), "Acme: Call back assigned to you");
}

TEST_F(ActivityTest, DoneActivitiesPostOnTheChatterAndAreArchived) {
  orm::Env e = env();
  ActivityValues v;
  v.act_type_xmlid = "mail.mail_activity_data_call";
  v.summary = "Discuss <price>";
  Id id = activity_schedule(e["res.partner"].browse({record_}), v).front();
  Id mid = action_feedback(e["mail.activity"].browse({id}), "Agreed");
  ASSERT_GT(mid, 0);
  Json m = e["mail.message"].browse({mid}).read(
      {"body", "subtype_id", "message_type", "mail_activity_type_id", "model", "res_id"})[0];
  EXPECT_EQ(m["subtype_id"][0].get<Id>(), e.ref("mail.mt_activities").id());
  EXPECT_EQ(m["message_type"], "notification");
  EXPECT_EQ(m["mail_activity_type_id"][0].get<Id>(), e.ref("mail.mail_activity_data_call").id());
  EXPECT_NE(m["body"].get<std::string>().find("Discuss &lt;price&gt;"), std::string::npos);
  EXPECT_NE(m["body"].get<std::string>().find("Agreed"), std::string::npos);
  EXPECT_EQ(state(e, id), "done");
  EXPECT_EQ(e["mail.activity"].search_count(Domain::term("res_id", Op::kEq, record_)), 0);
  // Done twice: nothing more.
  EXPECT_EQ(action_feedback(e["mail.activity"].browse({id}), ""), 0);
}

TEST_F(ActivityTest, ATriggeringTypeSchedulesItsNextActivity) {
  orm::Env e = env();
  Id next = e.ref("mail.mail_activity_data_todo").id();
  Id call = e.ref("mail.mail_activity_data_call").id();
  e["mail.activity.type"].browse({call}).write(
      Json{{"chaining_type", "trigger"}, {"triggered_next_type_id", next}});
  ActivityValues v;
  v.activity_type_id = call;
  Id id = activity_schedule(e["res.partner"].browse({record_}), v).front();
  action_feedback(e["mail.activity"].browse({id}), "");
  orm::RecordSet open = e["mail.activity"].search(Domain::term("res_id", Op::kEq, record_));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open.get("activity_type_id").as_int(), next);
  // To-Do's delay: 5 days from today.
  EXPECT_EQ(open.get("date_deadline").as_date(), common::make_date(2026, 1, 20));
}

TEST_F(ActivityTest, ActivitiesOnlyLiveOnMailThreads) {
  orm::Env e = env();
  Id eur = e["res.currency"].search(Domain()).ids().front();
  EXPECT_THROW_MSG(activity_schedule(e["res.currency"].browse({eur}), ActivityValues{}),
                   common::ValueError, "not a mail thread");
  EXPECT_THROW_MSG(
      e["mail.activity"].create(Json{{"res_model", "res.partner"}, {"res_id", 999999}}),
      common::ValueError, "no record");
}

}  // namespace
}  // namespace autorules::mail
