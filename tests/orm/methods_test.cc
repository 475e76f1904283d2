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
