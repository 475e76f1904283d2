#include "api/json2.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/server.h"
#include "common/clock.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/runtime.h"
#include "store/database.h"
#include "test_support/engine_fixture.h"

namespace autorules::api {
namespace {

using common::Json;

class Json2Test : public test::EngineTest {
 protected:
  Response call(const std::string& model, const std::string& method, const std::string& body,
                const std::string& auth = "") {
    return handle_json2(*runtime_, model, method, auth.empty() ? "bearer " + key_ : auth, body);
  }
  static Json parse(const Response& r) { return Json::parse(r.body); }

  std::string key_ = admin_key();
};

TEST_F(Json2Test, SuccessReturnsTheMethodsResult) {
  Response r = call("res.partner", "create", R"({"vals_list": [{"name": "A"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json ids = parse(r);
  ASSERT_EQ(ids.size(), 1u);
  r = call("res.partner", "read", fmt::format(R"({{"ids": {}, "fields": ["name"]}})", ids.dump()));
  EXPECT_EQ(parse(r)[0]["name"], "A");
}

TEST_F(Json2Test, ErrorsAreOdoosErrorObjectWithTheirStatus) {
  struct Case {
    std::string model, method, body, auth;
    int status;
    std::string name;
  } cases[] = {
      {"res.partner", "search", R"({"domain": []})", "bearer 0123456789abcdef0123", 401,
       "odoo.exceptions.AccessDenied"},
      {"res.partner", "search", R"({"domain": []})", "Basic abc", 401,
       "odoo.exceptions.AccessDenied"},
      {"res.nothing", "search", R"({"domain": []})", "", 404, "werkzeug.exceptions.NotFound"},
      {"res.partner", "fly", R"({})", "", 404, "werkzeug.exceptions.NotFound"},
      {"res.partner", "read", R"({"ids": [999999]})", "", 404, "odoo.exceptions.MissingError"},
      {"res.partner", "search", "not json", "", 400, "werkzeug.exceptions.BadRequest"},
      {"res.partner", "search", "[1, 2]", "", 422, "werkzeug.exceptions.UnprocessableEntity"},
      {"res.partner", "search", R"({"domian": []})", "", 422,
       "werkzeug.exceptions.UnprocessableEntity"},
      {"res.partner", "search", R"({"domain": [["x", "=", 1]]})", "", 422, "builtins.ValueError"},
      {"res.partner", "create", R"({"vals_list": [{"email": "x"}]})", "", 422,
       "odoo.exceptions.ValidationError"},
      {"res.partner", "search", R"({"domain": [], "context": 5})", "", 422,
       "werkzeug.exceptions.UnprocessableEntity"},
  };
  for (const Case& c : cases) {
    Response r = call(c.model, c.method, c.body, c.auth);
    EXPECT_EQ(r.status, c.status) << c.model << "/" << c.method << " " << c.body << ": " << r.body;
    Json err = parse(r);
    EXPECT_EQ(err["name"], c.name) << r.body;
    for (const char* k : {"message", "arguments", "context", "debug"}) {
      EXPECT_TRUE(err.contains(k)) << k;
    }
  }
}

TEST_F(Json2Test, AFailedCallChangesNothing) {
  Response r = call("res.partner", "create", R"({"vals_list": [{"name": "ok"}, {"name": 5}]})");
  EXPECT_EQ(r.status, 422);
  r = call("res.partner", "search_count", R"({"domain": [["name", "=", "ok"]]})");
  EXPECT_EQ(parse(r), 0);
}

TEST_F(Json2Test, ContextReachesTheMethod) {
  call("res.partner", "create", R"({"vals_list": [{"name": "old", "active": false}]})");
  Response r = call("res.partner", "search_count",
                    R"({"domain": [["name", "=", "old"]], "context": {"active_test": false}})");
  EXPECT_EQ(parse(r), 1);
}

TEST(ParseSizeTest, ReadsUnits) {
  EXPECT_EQ(parse_size("16M"), 16u << 20);
  EXPECT_EQ(parse_size("512k"), 512u << 10);
  EXPECT_EQ(parse_size("1000"), 1000u);
  EXPECT_FALSE(parse_size("lots"));
  EXPECT_FALSE(parse_size("12Q"));
  EXPECT_FALSE(parse_size(""));
}

TEST(StatusTest, EveryErrorKindHasAStatus) {
  EXPECT_EQ(status_of(common::ErrorKind::kValidation), 422);
  EXPECT_EQ(status_of(common::ErrorKind::kAccess), 403);
  EXPECT_EQ(status_of(common::ErrorKind::kMissing), 404);
  EXPECT_EQ(status_of(common::ErrorKind::kAccessDenied), 401);
  EXPECT_EQ(status_of(common::ErrorKind::kBadRequest), 400);
  EXPECT_EQ(status_of(common::ErrorKind::kTooLarge), 413);
  EXPECT_EQ(status_of(common::ErrorKind::kInternal), 500);
}

}  // namespace
}  // namespace autorules::api
