// "Create Activity" (next_activity, src/actions/internal/next_activity.cc) with the whole engine:
// type, summary (else the type's), note, the deadline from today in the user's time zone, the
// user specific or through a dotted path (the first of many), the defaults when no user is
// found, and what saving refuses.
#include <gtest/gtest.h>

#include "actions/actions.h"
#include "common/errors.h"
#include "domain/domain.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::actions {
namespace {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using domain::Op;

class NextActivityTest : public test::EngineFixture<> {
 protected:
  // 23:30 UTC on the last day of January: already February 1st in Tokyo.
  NextActivityTest() : EngineFixture("2026-01-31 23:30:00") {
    orm::Env e = su();
    partner_model_ = e.ref("base.model_res_partner").id();
    type_ = e["mail.activity.type"]
                .create(Json{{"name", "Call back"}, {"summary", "Call the customer"}})
                .id();
    ulla_ = e["res.users"].create(Json{{"name", "Ulla"}, {"login", "ulla"}}).id();
    vic_ = e["res.users"].create(Json{{"name", "Vic"}, {"login", "vic"}}).id();
    company_ = e["res.partner"].create(Json{{"name", "North Co"}, {"is_company", true}}).id();
    // Ulla's and Vic's partners are contacts of North Co: its user_ids path finds none, its
    // child_ids.user_ids finds both.
    for (Id u : {ulla_, vic_}) {
      Id p = e["res.users"].browse({u}).get("partner_id").as_int();
      e["res.partner"].browse({p}).write(Json{{"parent_id", company_}});
    }
    ulla_partner_ = e["res.users"].browse({ulla_}).get("partner_id").as_int();
    lonely_ = e["res.partner"].create(Json{{"name", "Lonely"}}).id();
    e.commit();
  }

  Id action(Json extra) {
    orm::Env e = su();
    Json vals{{"name", "Plan a call"},
              {"model_id", partner_model_},
              {"state", "next_activity"},
              {"activity_type_id", type_}};
    vals.update(extra);
    Id id = e["ir.actions.server"].create(vals).id();
    e.commit();
    return id;
  }

  void run_on(Id action, const IdList& records, Id uid = orm::kAdminId) {
    orm::Env e = env(uid).sudo().with_context(
        Json{{"active_model", "res.partner"}, {"active_ids", records}, {"active_id", records[0]}});
    run(e["ir.actions.server"].browse({action}));
    e.commit();
  }

  void set_tz(Id user, const char* tz) {
    orm::Env e = su();
    e["res.users"].browse({user}).write(Json{{"tz", tz}});
    e.commit();
  }

  // The activities of a record, oldest first.
  Json activities(Id record) {
    orm::Env e = su();
    return e["mail.activity"]
        .search(Domain::conjoin(Domain::term("res_model", Op::kEq, "res.partner"),
                                Domain::term("res_id", Op::kEq, record)),
                orm::SearchOptions{.order = "id"})
        .read({"activity_type_id", "summary", "note", "date_deadline", "user_id", "automated"});
  }

  Id user_of(const Json& activity) { return activity["user_id"][0].get<Id>(); }

  Id partner_model_ = 0, type_ = 0, ulla_ = 0, vic_ = 0, company_ = 0, ulla_partner_ = 0,
     lonely_ = 0;
};

TEST_F(NextActivityTest, OneActivityPerRecordWithTheTypesSummaryAndTheNote) {
  run_on(
      action(Json{{"activity_note", "<p>Ask about the renewal</p>"}, {"activity_user_id", ulla_}}),
      {company_, lonely_});
  for (Id record : {company_, lonely_}) {
    Json a = activities(record);
    ASSERT_EQ(a.size(), 1u) << record;
    EXPECT_EQ(a[0]["activity_type_id"][0].get<Id>(), type_);
    EXPECT_EQ(a[0]["summary"], "Call the customer");
    EXPECT_NE(a[0]["note"].get<std::string>().find("Ask about the renewal"), std::string::npos);
    EXPECT_EQ(user_of(a[0]), ulla_);
    EXPECT_TRUE(a[0]["automated"].get<bool>());
  }
  // A title of its own wins over the type's.
  run_on(action(Json{{"activity_summary", "Renewal call"}}), {lonely_});
  EXPECT_EQ(activities(lonely_)[1]["summary"], "Renewal call");
}

TEST_F(NextActivityTest, TheDeadlineCountsFromTodayInTheUsersTimeZone) {
  set_tz(orm::kAdminId, "Asia/Tokyo");  // today is 2026-02-01 there, 2026-01-31 in UTC
  run_on(action(Json{{"activity_date_deadline_range", 3}}), {lonely_});
  run_on(action(Json{{"activity_date_deadline_range", 2},
                     {"activity_date_deadline_range_type", "weeks"}}),
         {lonely_});
  run_on(action(Json{{"activity_date_deadline_range", 1},
                     {"activity_date_deadline_range_type", "months"}}),
         {lonely_});
  Json a = activities(lonely_);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0]["date_deadline"], "2026-02-04");
  EXPECT_EQ(a[1]["date_deadline"], "2026-02-15");
  EXPECT_EQ(a[2]["date_deadline"], "2026-03-01");
  // In UTC, one month from January 31st is the end of February.
  set_tz(orm::kAdminId, "UTC");
  run_on(action(Json{{"activity_date_deadline_range", 1},
                     {"activity_date_deadline_range_type", "months"}}),
         {lonely_});
  EXPECT_EQ(activities(lonely_)[3]["date_deadline"], "2026-02-28");
}

TEST_F(NextActivityTest, ADynamicUserComesFromAPathOnTheRecordTheFirstOfMany) {
  // Ulla's contact: its own user.
  run_on(action(Json{{"activity_user_type", "generic"}, {"activity_user_field_name", "user_ids"}}),
         {ulla_partner_});
  Json a = activities(ulla_partner_);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(user_of(a[0]), ulla_);
  // The company's contacts' users: two of them, the first is taken.
  run_on(action(Json{{"activity_user_type", "generic"},
                     {"activity_user_field_name", "child_ids.user_ids"}}),
         {company_});
  a = activities(company_);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(user_of(a[0]) == ulla_ || user_of(a[0]) == vic_) << a.dump();
}

TEST_F(NextActivityTest, WithoutAUserTheTypesDefaultUserElseTheCurrentUser) {
  Id dynamic =
      action(Json{{"activity_user_type", "generic"}, {"activity_user_field_name", "user_ids"}});
  run_on(dynamic, {lonely_}, orm::kAdminId);
  Json a = activities(lonely_);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(user_of(a[0]), orm::kAdminId);
  {
    orm::Env e = su();
    e["mail.activity.type"].browse({type_}).write(Json{{"default_user_id", vic_}});
    e.commit();
  }
  run_on(dynamic, {lonely_}, orm::kAdminId);
  EXPECT_EQ(user_of(activities(lonely_)[1]), vic_);
  // A specific action without a user likewise.
  run_on(action(Json::object()), {lonely_}, orm::kAdminId);
  EXPECT_EQ(user_of(activities(lonely_)[2]), vic_);
}

TEST_F(NextActivityTest, AUserFoundOnAnEarlierRecordIsKeptForALaterOneWithoutAsInOdoo) {
  // Records in this order: Ulla's contact (a user), then Lonely (none).
  run_on(action(Json{{"activity_user_type", "generic"}, {"activity_user_field_name", "user_ids"}}),
         {ulla_partner_, lonely_});
  Json a = activities(lonely_);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(user_of(a[0]), ulla_);
}

TEST_F(NextActivityTest, WithoutAPathTheFirstUserFieldOfTheModelIsUsed) {
  // A contact has no user_id: Odoo takes the first field by name to users, "Created by".
  Id created = 0;
  {
    orm::Env e = env(vic_).sudo();
    created = e["res.partner"].create(Json{{"name", "Created by Vic"}}).id();
    ASSERT_EQ(e["res.partner"].browse({created}).get("create_uid").as_int(), vic_);
    e.commit();
  }
  run_on(action(Json{{"activity_user_type", "generic"}, {"activity_user_field_name", ""}}),
         {created});
  Json a = activities(created);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(user_of(a[0]), vic_);
}

TEST_F(NextActivityTest, SavingRefusesWhatCouldNotRun) {
  orm::Env e = su();
  auto create = [&](Json extra) {
    Json vals{{"name", "Bad"},
              {"model_id", partner_model_},
              {"state", "next_activity"},
              {"activity_type_id", type_}};
    vals.update(extra);
    e["ir.actions.server"].create(vals);
  };
  EXPECT_THROW_MSG(create(Json{{"activity_type_id", false}}), common::ValidationError,
                   "needs an activity type");
  EXPECT_THROW_MSG(create(Json{{"activity_date_deadline_range", -1}}), common::ValidationError,
                   "The 'Due Date In' value can't be negative.");
  EXPECT_THROW_MSG(
      create(Json{{"activity_user_type", "generic"}, {"activity_user_field_name", "parent_id"}}),
      common::ValidationError, "The field 'Related Company' is not a user field.");
  EXPECT_THROW_MSG(create(Json{{"activity_user_type", "generic"},
                               {"activity_user_field_name", "user_ids.partner_id"}}),
                   common::ValidationError,
                   "The field 'Users > Related Partner' is not a user field.");
  EXPECT_THROW_MSG(create(Json{{"model_id", e.ref("base.model_res_currency").id()}}),
                   common::ValidationError, "mail thread");
}

}  // namespace
}  // namespace autorules::actions
