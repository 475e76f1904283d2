#include "orm/methods.h"

#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(OrmTest, MethodsBindNamedParametersLikeOdoo) {
  Env e = env();
  Json ids = call_method(e, "res.partner", "create", nullptr,
                         Json{{"vals_list", Json::array({{{"name", "A"}}, {{"name", "B"}}})}});
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(call_method(e, "res.partner", "write", ids, Json{{"vals", {{"city", "X"}}}}), true);
  Json rows = call_method(e, "res.partner", "search_read", nullptr,
                          Json{{"domain", Json::array({Json::array({"city", "=", "X"})})},
                               {"fields", Json::array({"name"})},
                               {"order", "name desc"}});
  EXPECT_EQ(rows[0]["name"], "B");
  EXPECT_EQ(call_method(e, "res.partner", "search_count", nullptr,
                        Json{{"domain", "[('city', '=', 'X')]"}}),
            2);
}

TEST_F(OrmTest, ReadWithoutClassicLoadGivesBareIds) {
  Env e = env();
  Id parent = e["res.partner"].create(Json{{"name", "Parent Co"}, {"is_company", true}}).id();
  Json ids =
      call_method(e, "res.partner", "create", nullptr,
                  Json{{"vals_list", Json::array({{{"name", "Kid"}, {"parent_id", parent}}})}});
  Json classic = call_method(e, "res.partner", "read", ids, Json{{"fields", {"parent_id"}}});
  EXPECT_EQ(classic[0]["parent_id"], Json::array({parent, "Parent Co"}));
  for (const Json& load : {Json(nullptr), Json(false), Json("")}) {
    Json bare = call_method(e, "res.partner", "read", ids,
                            Json{{"fields", {"parent_id", "name"}}, {"load", load}});
    EXPECT_EQ(bare[0]["parent_id"], parent) << load;
    EXPECT_EQ(bare[0]["name"], "Kid");
    Json rows = call_method(e, "res.partner", "search_read", nullptr,
                            Json{{"domain", Json::array({Json::array({"id", "in", ids})})},
                                 {"fields", {"parent_id"}},
                                 {"load", load}});
    EXPECT_EQ(rows[0]["parent_id"], parent);
  }
}

TEST_F(OrmTest, AccessQuestionsAreAnsweredAsOdoos) {
  Id marc = make_internal_user();
  Env e = env(marc);
  EXPECT_EQ(
      call_method(e, "res.partner", "check_access_rights", nullptr, Json{{"operation", "read"}}),
      true);
  EXPECT_EQ(call_method(e, "ir.cron", "check_access_rights", nullptr,
                        Json{{"operation", "read"}, {"raise_exception", false}}),
            false);
  EXPECT_THROW_MSG(
      call_method(e, "ir.cron", "check_access_rights", nullptr, Json{{"operation", "read"}}),
      common::AccessError, "");
  EXPECT_EQ(call_method(e, "ir.cron", "has_access", Json::array(), Json{{"operation", "write"}}),
            false);
  EXPECT_EQ(
      call_method(e, "res.partner", "has_access", Json::array(), Json{{"operation", "create"}}),
      true);
  EXPECT_EQ(
      call_method(e, "res.partner", "check_access", Json::array(), Json{{"operation", "read"}}),
      nullptr);
  EXPECT_THROW_MSG(
      call_method(e, "ir.cron", "check_access", Json::array(), Json{{"operation", "unlink"}}),
      common::AccessError, "");
  EXPECT_THROW_MSG(
      call_method(e, "res.partner", "has_access", Json::array(), Json{{"operation", "delete"}}),
      common::ValueError, "Invalid access mode 'delete'");
  // has_group, for the caller or another user.
  EXPECT_EQ(call_method(e, "res.users", "has_group", Json::array({marc}),
                        Json{{"group_ext_id", "base.group_user"}}),
            true);
  EXPECT_EQ(call_method(e, "res.users", "has_group", Json::array({marc}),
                        Json{{"group_ext_id", "base.group_system"}}),
            false);
  EXPECT_EQ(call_method(e, "res.users", "has_group", Json::array({kAdminId}),
                        Json{{"group_ext_id", "base.group_system"}}),
            true);
  EXPECT_EQ(call_method(e, "res.users", "has_group", Json::array(),
                        Json{{"group_ext_id", "base.group_system"}}),
            false);
  EXPECT_THROW_MSG(call_method(e, "res.users", "has_group", Json::array({marc}),
                               Json{{"group_ext_id", "group_user"}}),
                   common::ValueError, "fully qualified");
}

TEST_F(OrmTest, MethodBindingErrorsAreUnprocessable) {
  Env e = env();
  EXPECT_THROW_MSG(
      call_method(e, "res.partner", "search", nullptr, Json{{"domian", Json::array()}}),
      common::UnprocessableError, "unexpected keyword argument 'domian'");
  EXPECT_THROW_MSG(call_method(e, "res.partner", "create", nullptr, Json::object()),
                   common::UnprocessableError,
                   "missing 1 required positional argument: 'vals_list'");
  EXPECT_THROW_MSG(
      call_method(e, "res.partner", "create", Json::array({1}), Json{{"vals_list", Json::array()}}),
      common::UnprocessableError, "cannot call res.partner.create with ids");
  EXPECT_THROW_MSG(call_method(e, "res.partner", "frobnicate", nullptr, Json::object()),
                   common::NotFoundError, "frobnicate");
  EXPECT_THROW(call_method(e, "res.partner", "_private", nullptr, Json::object()),
               common::NotFoundError);
  EXPECT_THROW(call_method(e, "res.partner", "read", Json("1"), Json::object()),
               common::UnprocessableError);
  EXPECT_THROW(call_method(e, "res.partner", "search", nullptr,
                           Json{{"domain", Json::array()}, {"limit", "ten"}}),
               common::UnprocessableError);
  EXPECT_THROW(call_method(e, "res.partner", "search", nullptr,
                           Json{{"domain", Json::array({Json::array({"name", "~", "x"})})}}),
               common::ValueError);
}

TEST_F(OrmTest, ReadOnlyMethodsAreKnown) {
  EXPECT_TRUE(is_readonly_method(*runtime_, "res.partner", "search_read"));
  EXPECT_TRUE(is_readonly_method(*runtime_, "res.partner", "fields_get"));
  EXPECT_FALSE(is_readonly_method(*runtime_, "res.partner", "write"));
  EXPECT_FALSE(is_readonly_method(*runtime_, "res.partner", "unknown"));
}

}  // namespace
}  // namespace autorules::orm::test
