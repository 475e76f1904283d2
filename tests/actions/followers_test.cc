// "Add Followers" / "Remove Followers" (followers, remove_followers,
// src/actions/internal/followers.cc) with the whole engine: specific partners, or the partners a
// dotted path leads to (Dynamic), collected across the records and (un)subscribed on all of them;
// what saving refuses; archived partners.
#include <algorithm>

#include <gtest/gtest.h>

#include "actions/actions.h"
#include "common/errors.h"
#include "domain/domain.h"
#include "mail/thread.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::actions {
namespace {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using domain::Op;

class FollowersTest : public test::EngineTest {
 protected:
  FollowersTest() {
    orm::Env e = su();
    partner_model_ = e.ref("base.model_res_partner").id();
    north_ = e["res.partner"].create(Json{{"name", "North Co"}, {"is_company", true}}).id();
    south_ = e["res.partner"].create(Json{{"name", "South Co"}, {"is_company", true}}).id();
    anna_ = e["res.partner"].create(Json{{"name", "Anna"}, {"parent_id", north_}}).id();
    bob_ = e["res.partner"].create(Json{{"name", "Bob"}, {"parent_id", south_}}).id();
    carl_ = e["res.partner"].create(Json{{"name", "Carl"}, {"parent_id", north_}}).id();
    Id user = e["res.users"].create(Json{{"name", "Ulla"}, {"login", "ulla"}}).id();
    ulla_ = e["res.users"].browse({user}).get("partner_id").as_int();
    // Ulla, a user, is a contact of North Co too.
    e["res.partner"].browse({ulla_}).write(Json{{"parent_id", north_}});
    e.commit();
  }

  Id action(const char* type, Json extra) {
    orm::Env e = su();
    Json vals{{"name", "Followers"}, {"model_id", partner_model_}, {"state", type}};
    vals.update(extra);
    Id id = e["ir.actions.server"].create(vals).id();
    e.commit();
    return id;
  }

  void run_on(Id action, const IdList& records) {
    orm::Env e = env().sudo().with_context(
        Json{{"active_model", "res.partner"}, {"active_ids", records}, {"active_id", records[0]}});
    run(e["ir.actions.server"].browse({action}));
    e.commit();
  }

  IdList followers(Id record) {
    orm::Env e = su();
    IdList out;
    for (const Json& f :
         e["mail.followers"]
             .search(Domain::conjoin(Domain::term("res_model", Op::kEq, "res.partner"),
                                     Domain::term("res_id", Op::kEq, record)))
             .read({"partner_id"}))
      out.push_back(f["partner_id"][0].get<Id>());
    std::sort(out.begin(), out.end());
    return out;
  }

  static IdList sorted(IdList ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  Id partner_model_ = 0, north_ = 0, south_ = 0, anna_ = 0, bob_ = 0, carl_ = 0, ulla_ = 0;
};

TEST_F(FollowersTest, SpecificPartnersFollowEveryRecordWithTheDefaultSubtypesThenAreRemoved) {
  Json partners = Json::array({Json::array({6, 0, Json::array({anna_, bob_})})});
  run_on(action("followers", Json{{"partner_ids", partners}}), {north_, south_});
  EXPECT_EQ(followers(north_), sorted({anna_, bob_}));
  EXPECT_EQ(followers(south_), sorted({anna_, bob_}));
  {
    orm::Env e = su();
    orm::RecordSet f = e["mail.followers"].search(Domain::term("partner_id", Op::kEq, anna_));
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f.browse({f.ids().front()}).get("subtype_ids").as_ids(),
              IdList{e.ref("mail.mt_comment").id()});
  }
  Json just_bob = Json::array({Json::array({6, 0, Json::array({bob_})})});
  run_on(action("remove_followers", Json{{"partner_ids", just_bob}}), {north_, south_});
  EXPECT_EQ(followers(north_), IdList{anna_});
  EXPECT_EQ(followers(south_), IdList{anna_});
}

TEST_F(FollowersTest, NoPartnerChangesNothing) {
  run_on(action("followers", Json::object()), {north_});
  EXPECT_TRUE(followers(north_).empty());
}

TEST_F(FollowersTest, ADynamicPathCollectsThePartnersOfAllTheRecords) {
  // Anna's company is North, Bob's South: both companies follow both contacts.
  run_on(action("followers",
                Json{{"followers_type", "generic"}, {"followers_partner_field_name", "parent_id"}}),
         {anna_, bob_});
  EXPECT_EQ(followers(anna_), sorted({north_, south_}));
  EXPECT_EQ(followers(bob_), sorted({north_, south_}));
  run_on(action("remove_followers",
                Json{{"followers_type", "generic"}, {"followers_partner_field_name", "parent_id"}}),
         {anna_});
  EXPECT_EQ(followers(anna_), IdList{south_});
  EXPECT_EQ(followers(bob_), sorted({north_, south_}));
}

TEST_F(FollowersTest, AnX2manyPathFansOut) {
  // Through the contacts' users back to their partners: only Ulla has a user.
  Id through_users =
      action("followers", Json{{"followers_type", "generic"},
                               {"followers_partner_field_name", "child_ids.user_ids.partner_id"}});
  run_on(through_users, {north_, south_});
  EXPECT_EQ(followers(north_), IdList{ulla_});
  EXPECT_EQ(followers(south_), IdList{ulla_});
  // All the contacts of the company.
  run_on(action("followers",
                Json{{"followers_type", "generic"}, {"followers_partner_field_name", "child_ids"}}),
         {north_});
  EXPECT_EQ(followers(north_), sorted({anna_, carl_, ulla_}));
  // Up then down: Bob's company's contacts, Bob himself.
  run_on(action("followers", Json{{"followers_type", "generic"},
                                  {"followers_partner_field_name", "parent_id.child_ids"}}),
         {bob_});
  EXPECT_EQ(followers(bob_), IdList{bob_});
}

TEST_F(FollowersTest, WithoutAPathTheFirstPartnerFieldOfTheModelIsUsed) {
  // Odoo: partner_id, else the first field (by name) related to res.partner; a contact has no
  // partner_id, its first partner field is child_ids.
  run_on(action("followers", Json{{"followers_type", "generic"}}), {north_});
  EXPECT_EQ(followers(north_), sorted({anna_, carl_, ulla_}));
}

TEST_F(FollowersTest, APathThatDoesNotEndOnPartnersIsRefusedAtSave) {
  orm::Env e = su();
  auto create = [&](const char* type, const char* path) {
    e["ir.actions.server"].create(Json{{"name", "Bad path"},
                                       {"model_id", partner_model_},
                                       {"state", type},
                                       {"followers_type", "generic"},
                                       {"followers_partner_field_name", path}});
  };
  // Odoo's warning, with the fields' labels.
  EXPECT_THROW_MSG(create("followers", "user_ids"), common::ValidationError,
                   "The field 'Users' is not a partner field.");
  EXPECT_THROW_MSG(create("remove_followers", "parent_id.user_ids"), common::ValidationError,
                   "The field 'Related Company > Users' is not a partner field.");
  EXPECT_THROW_MSG(create("followers", "name"), common::ValidationError, "name");
  EXPECT_THROW_MSG(create("followers", "no_such_field"), common::ValidationError, "no_such_field");
  // Not a mail thread.
  EXPECT_THROW_MSG(
      e["ir.actions.server"].create(Json{{"name", "Currencies"},
                                         {"model_id", e.ref("base.model_res_currency").id()},
                                         {"state", "followers"}}),
      common::ValidationError, "mail thread");
  // Writing the path of a saved action checks it too.
  Id good = e["ir.actions.server"]
                .create(Json{{"name", "Good path"},
                             {"model_id", partner_model_},
                             {"state", "followers"},
                             {"followers_type", "generic"},
                             {"followers_partner_field_name", "parent_id"}})
                .id();
  EXPECT_THROW_MSG(e["ir.actions.server"].browse({good}).write(
                       Json{{"followers_partner_field_name", "user_ids"}}),
                   common::ValidationError, "is not a partner field");
}

TEST_F(FollowersTest, ArchivedPartnersAreNotSubscribedAndAListHidesThem) {
  {
    orm::Env e = su();
    mail::message_subscribe(e["res.partner"].browse({south_}), {bob_});
    mail::message_subscribe(e["res.partner"].browse({bob_}), {south_});
    e["res.partner"].browse({anna_, bob_}).write(Json{{"active", false}});
    e.commit();
  }
  Json both = Json::array({Json::array({6, 0, Json::array({anna_, carl_})})});
  run_on(action("followers", Json{{"partner_ids", both}}), {north_});
  EXPECT_EQ(followers(north_), IdList{carl_});
  // An archived company reached by a path is left out as well.
  {
    orm::Env e = su();
    e["res.partner"].browse({north_, south_}).write(Json{{"active", false}});
    e.commit();
  }
  run_on(action("followers",
                Json{{"followers_type", "generic"}, {"followers_partner_field_name", "parent_id"}}),
         {carl_});
  EXPECT_TRUE(followers(carl_).empty());
  // As in Odoo, a list of partners (partner_ids) does not show archived ones: removing an
  // archived follower named there removes nothing...
  Json bob = Json::array({Json::array({6, 0, Json::array({bob_})})});
  run_on(action("remove_followers", Json{{"partner_ids", bob}}), {south_});
  EXPECT_EQ(followers(south_), IdList{bob_});
  // ... but a many2one path reaches them: Bob's archived company stops following him.
  run_on(action("remove_followers",
                Json{{"followers_type", "generic"}, {"followers_partner_field_name", "parent_id"}}),
         {bob_});
  EXPECT_TRUE(followers(bob_).empty());
}

}  // namespace
}  // namespace autorules::actions
