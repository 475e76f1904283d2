// Odoo's RPC services (src/api/rpc.h): the database by name, login with an API key, positional
// arguments bound to each method's parameters as Odoo's signatures.
#include "api/rpc.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::api {
namespace {

using common::Json;

class RpcTest : public test::EngineTest {
 protected:
  Json object(const std::string& method, const Json& args, const Json& kwargs = Json::object()) {
    return dispatch_rpc(*runtime_, "object", "execute_kw",
                        Json::array({db_, 2, key_, "res.partner", method, args, kwargs}));
  }
  std::string db_ = database_name(*runtime_);
  std::string key_ = admin_key();
};

TEST_F(RpcTest, TheDatabaseIsNamedByItsFileAndAnotherNameIsRefused) {
  EXPECT_EQ(db_, "engine");
  EXPECT_EQ(dispatch_rpc(*runtime_, "db", "list", Json::array()), Json::array({"engine"}));
  EXPECT_THROW_MSG(
      dispatch_rpc(*runtime_, "common", "login", Json::array({"other", "admin", key_})),
      common::UserError, "database \"other\" does not exist");
}

TEST_F(RpcTest, LoginTakesTheUsersOwnKey) {
  EXPECT_EQ(dispatch_rpc(*runtime_, "common", "login", Json::array({db_, "admin", key_})), 2);
  EXPECT_EQ(dispatch_rpc(*runtime_, "common", "authenticate",
                         Json::array({db_, "admin", key_, Json::object()})),
            2);
  EXPECT_EQ(dispatch_rpc(*runtime_, "common", "login", Json::array({db_, "nobody", key_})), false);
  EXPECT_EQ(dispatch_rpc(*runtime_, "common", "login", Json::array({db_, "admin", "x"})), false);
}

TEST_F(RpcTest, PositionalArgumentsFollowOdoosSignatures) {
  Json ids =
      object("create", Json::array({Json::array({Json{{"name", "B"}}, Json{{"name", "A"}}})}));
  ASSERT_EQ(ids.size(), 2u);
  Json one = object("create", Json::array({Json{{"name", "C"}}}));
  EXPECT_TRUE(one.is_number_integer());
  // search(domain, offset, limit, order)
  Json domain = Json::array({Json::array({"id", "in", Json::array({ids[0], ids[1], one})})});
  EXPECT_EQ(object("search", Json::array({domain, 1, 1, "name"})), Json::array({ids[0]}));
  EXPECT_EQ(object("search", Json::array({domain}), Json{{"order", "name"}, {"limit", 1}}),
            Json::array({ids[1]}));
  // read(ids, fields); a single id for ids
  EXPECT_EQ(object("read", Json::array({one, Json::array({"name"})})),
            Json::parse(R"([{"id": )" + one.dump() + R"(, "name": "C"}])"));
  // write(ids, vals)
  EXPECT_EQ(object("write", Json::array({Json::array({one}), Json{{"name", "D"}}})), true);
  EXPECT_THROW_MSG(object("search", Json::array({domain}), Json{{"domain", domain}}),
                   common::UnprocessableError, "multiple values for argument 'domain'");
  EXPECT_THROW_MSG(object("search_count", Json::array({domain, 1, 2})), common::UnprocessableError,
                   "positional arguments");
  // The context of kwargs reaches the call, without the server's own keys.
  EXPECT_EQ(object("search_count", Json::array({Json::array({Json::array({"name", "=", "D"})})}),
                   Json{{"context", {{"active_test", false}, {"__internal", 1}}}}),
            1);
}

TEST_F(RpcTest, ObjectCallsNeedTheKeyOfTheirUid) {
  EXPECT_THROW_MSG(dispatch_rpc(*runtime_, "object", "execute_kw",
                                Json::array({db_, 1, key_, "res.partner", "search",
                                             Json::array({Json::array()})})),
                   common::AccessDenied, "Access Denied");
  EXPECT_THROW_MSG(
      dispatch_rpc(*runtime_, "object", "execute",
                   Json::array({db_, 2, "wrong", "res.partner", "search", Json::array()})),
      common::AccessDenied, "Access Denied");
  EXPECT_THROW_MSG(dispatch_rpc(*runtime_, "db", "drop", Json::array({"admin", db_})),
                   common::AccessDenied, "Access Denied");
  EXPECT_THROW_MSG(dispatch_rpc(*runtime_, "other", "x", Json::array()), common::NotFoundError,
                   "service");
}

}  // namespace
}  // namespace autorules::api
