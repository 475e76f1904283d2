// The server's own address, web.base.url (src/api/base_url.h): set at start, learnt from an
// administrator's request, never over a person's value or a frozen one.
#include "api/base_url.h"

#include <gtest/gtest.h>

#include "api/json2.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "test_support/engine_fixture.h"

namespace autorules::api {
namespace {

class BaseUrlTest : public test::EngineTest {
 protected:
  std::optional<std::string> base_url() {
    orm::Env e = su();
    return orm::get_param(e, "web.base.url");
  }
  void set(const std::string& key, const std::string& value) {
    orm::Env e = su();
    orm::set_param(e, key, value);
    e.commit();
  }
  // A JSON-2 call of `key`'s user with that Host header.
  int call_with_host(const std::string& key, const std::string& host) {
    return handle_json2(*runtime_, "res.partner", "search_count", "bearer " + key,
                        R"({"domain": []})", host)
        .status;
  }
  // A key of a new internal user who is not an administrator.
  std::string user_key() {
    orm::Env e = su();
    common::Id uid = e["res.users"].create(common::Json{{"name", "Ulla"}, {"login", "ulla"}}).id();
    std::string key = orm::generate_key(e, uid, "test", "rpc");
    e.commit();
    return key;
  }
};

TEST_F(BaseUrlTest, AHostHeaderGivesAnAddressOnlyWhenItIsAHostAndAPort) {
  EXPECT_EQ(base_url_of_host("hooks.example.com"), "http://hooks.example.com");
  EXPECT_EQ(base_url_of_host("hooks.example.com:8443"), "http://hooks.example.com:8443");
  EXPECT_EQ(base_url_of_host("203.0.113.7:8069"), "http://203.0.113.7:8069");
  EXPECT_EQ(base_url_of_host("[2001:db8::1]:8069"), "http://[2001:db8::1]:8069");
  for (const char* bad : {"", "a b", "evil.com/path", "evil.com@x", "x:0", "x:65536", "x:80a", "x:",
                          "[::1", "[::1]x", "[zz::1]", "host\r\nX: y", "ex\"ample", ":8069"}) {
    EXPECT_EQ(base_url_of_host(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(base_url_of_host(std::string(300, 'a')), std::nullopt);
}

TEST_F(BaseUrlTest, TheStartSetsTheListeningAddressThenAnAdministratorsRequestTellsTheRealOne) {
  init_base_url(*runtime_, "0.0.0.0", 9123);
  EXPECT_EQ(base_url(), "http://127.0.0.1:9123");
  EXPECT_TRUE(learning_base_url(*runtime_));
  std::string admin = admin_key();
  // Another user's request, or the machine's own address, tell nothing.
  ASSERT_EQ(call_with_host(user_key(), "intruder.example.com"), 200);
  ASSERT_EQ(call_with_host(admin, "localhost:9123"), 200);
  EXPECT_EQ(base_url(), "http://127.0.0.1:9123");
  // A failed call tells nothing either.
  EXPECT_EQ(handle_json2(*runtime_, "res.partner", "no_such_method", "bearer " + admin, "{}",
                         "failed.example.com")
                .status,
            404);
  EXPECT_EQ(base_url(), "http://127.0.0.1:9123");
  ASSERT_EQ(call_with_host(admin, "autorules.example.com:9123"), 200);
  EXPECT_EQ(base_url(), "http://autorules.example.com:9123");
  EXPECT_FALSE(learning_base_url(*runtime_));
  // Learnt once: later requests, and a restart, keep it.
  ASSERT_EQ(call_with_host(admin, "other.example.com"), 200);
  init_base_url(*runtime_, "127.0.0.1", 8069);
  EXPECT_EQ(base_url(), "http://autorules.example.com:9123");
  EXPECT_FALSE(learning_base_url(*runtime_));
}

TEST_F(BaseUrlTest, APersonsValueAndAFrozenOneAreKept) {
  set("web.base.url", "https://erp.example.com");
  init_base_url(*runtime_, "127.0.0.1", 9000);
  EXPECT_EQ(base_url(), "https://erp.example.com");
  EXPECT_FALSE(learning_base_url(*runtime_));

  set("web.base.url", "http://localhost:8069");
  set("web.base.url.freeze", "True");
  init_base_url(*runtime_, "127.0.0.1", 9000);
  EXPECT_EQ(base_url(), "http://localhost:8069");
  EXPECT_FALSE(learning_base_url(*runtime_));

  // Frozen after the start: the first request finds it so and stops learning.
  set("web.base.url.freeze", "False");
  init_base_url(*runtime_, "::1", 9000);
  EXPECT_EQ(base_url(), "http://[::1]:9000");
  set("web.base.url.freeze", "1");
  ASSERT_EQ(call_with_host(admin_key(), "erp.example.com"), 200);
  EXPECT_EQ(base_url(), "http://[::1]:9000");
  EXPECT_FALSE(learning_base_url(*runtime_));
}

TEST_F(BaseUrlTest, WebhookUrlsFollowTheAddress) {
  orm::Env e = su();
  common::Id rule =
      e["base.automation"]
          .create(common::Json{
              {"name", "Hook"}, {"model_name", "res.partner"}, {"trigger", "on_webhook"}})
          .id();
  orm::set_param(e, "web.base.url", "http://first.example.com/");
  std::string uuid = e["base.automation"].browse({rule}).get("webhook_uuid").as_string();
  EXPECT_EQ(e["base.automation"].browse({rule}).read({"url"})[0]["url"],
            "http://first.example.com/web/hook/" + uuid);
  orm::set_param(e, "web.base.url", "https://second.example.com");
  EXPECT_EQ(e["base.automation"].browse({rule}).read({"url"})[0]["url"],
            "https://second.example.com/web/hook/" + uuid);
  e["base.automation"].browse({rule}).write(common::Json{{"trigger", "on_create"}});
  EXPECT_EQ(e["base.automation"].browse({rule}).read({"url"})[0]["url"], false);
}

}  // namespace
}  // namespace autorules::api
