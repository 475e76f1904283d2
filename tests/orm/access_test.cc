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

}  // namespace
}  // namespace autorules::orm::test
