#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(OrmTest, InternalUsersWorkWithBusinessRecordsButNotConfiguration) {
  Id marc = make_internal_user();
  Env e = env(marc);
  RecordSet p = e["res.partner"].create(Json{{"name", "By Marc"}});
  p.write(Json{{"email", "m@x.y"}});
  EXPECT_NO_THROW(e["ir.model"].search_count(Domain()));  // configuration is readable
  EXPECT_THROW_MSG(e["ir.model"].create(Json{{"name", "T"}, {"model", "x_t"}}), common::AccessError,
                   "not allowed to create 'Models' (ir.model)");
  EXPECT_THROW(e["ir.model.fields"].search(Domain()).browse({1}).write(Json{{"help", "x"}}),
               common::AccessError);
  EXPECT_THROW(e["ir.config_parameter"].search_count(Domain()), common::AccessError);
  EXPECT_THROW(e["res.users"].browse({kAdminId}).write(Json{{"name", "Evil"}}),
               common::AccessError);
  p.unlink();
}

TEST_F(OrmTest, PortalUsersCannotTouchBusinessRecords) {
  Env s = su();
  Id portal = s.ref("base.group_portal").id();
  Id uid = s["res.users"]
               .create(Json{{"name", "Portal"},
                            {"login", "portal"},
                            {"groups_id", Json::array({Json::array({6, 0, {portal}})})}})
               .id();
  EXPECT_EQ(s["res.users"].browse({uid}).read({"share"})[0]["share"], true);
  s.commit();
  Env e = env(uid);
  EXPECT_THROW(e["res.partner"].search_count(Domain()), common::AccessError);
}

TEST_F(OrmTest, AdministratorsAndSuperuserModeMayDoEverything) {
  Id marc = make_internal_user();
  {
    Env e = env();
    EXPECT_TRUE(e.is_system());
    EXPECT_NO_THROW(e["ir.config_parameter"].search_count(Domain()));
  }
  Env as_marc = env(marc);
  EXPECT_FALSE(as_marc.is_system());
  EXPECT_NO_THROW(as_marc.sudo()["ir.config_parameter"].search_count(Domain()));
}

TEST_F(OrmTest, SystemOnlyFieldsAreHiddenFromInternalUsers) {
  Id marc = make_internal_user();
  Id action = 0;
  {
    Env s = env();
    Id model = s["ir.model"].search(Domain::term("model", domain::Op::kEq, "res.partner")).id();
    action = s["ir.actions.server"]
                 .create(Json{{"name", "Secretive"},
                              {"model_id", model},
                              {"state", "code"},
                              {"code", "x = 1  # token abc"}})
                 .id();
    EXPECT_EQ(s["ir.actions.server"].browse({action}).read({"code"})[0]["code"],
              "x = 1  # token abc");
    s.commit();
  }
  // The actions layer computes `warning`; it is not installed on this ORM-only runtime.
  runtime_->add_native_compute("ir.actions.server", "warning", [](const RecordSet& records) {
    return std::vector<Value>(records.size());
  });
  Env e = env(marc);
  RecordSet a = e["ir.actions.server"].browse({action});
  EXPECT_FALSE(a.read({})[0].contains("code"));
  EXPECT_FALSE(a.fields_get().contains("code"));
  EXPECT_THROW_MSG(a.read({"code"}), common::AccessError, "'code'");
  EXPECT_THROW(e["ir.actions.server"].search(Domain::term("code", domain::Op::kIlike, "token")),
               common::AccessError);
  EXPECT_THROW(e["ir.actions.server"].search(Domain(), SearchOptions{0, std::nullopt, "code"}),
               common::AccessError);
  EXPECT_THROW(a.filtered_domain(Domain::term("code", domain::Op::kIlike, "token")),
               common::AccessError);
  EXPECT_NO_THROW(a.sudo().read({"code"}));
}

TEST_F(OrmTest, ADomainCannotCrossIntoAModelTheUserCannotRead) {
  Id marc = make_internal_user();
  Env e = env(marc);
  EXPECT_THROW(e["res.users"].search(Domain::term("api_key_ids.name", domain::Op::kNe, false)),
               common::AccessError);
  EXPECT_THROW(e["res.partner"].search_count(
                   Domain::term("user_ids.api_key_ids.name", domain::Op::kNe, false)),
               common::AccessError);
  EXPECT_NO_THROW(e["res.partner"].search_count(
      Domain::term("user_ids.login", domain::Op::kEq, "admin")));  // res.users is readable
  EXPECT_NO_THROW(
      e.sudo()["res.users"].search(Domain::term("api_key_ids.name", domain::Op::kNe, false)));
}

}  // namespace
}  // namespace autorules::orm::test
