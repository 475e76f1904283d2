#include "orm/base/users.h"

#include "common/errors.h"
#include "orm/methods.h"
#include "orm/orm_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(OrmTest, BaseDataMatchesOdoo) {
  Env e = env();
  EXPECT_EQ(e.ref("base.user_root").id(), kSuperuserId);
  EXPECT_EQ(e.ref("base.user_admin").id(), kAdminId);
  EXPECT_TRUE(e.has_group("base.group_system"));
  EXPECT_TRUE(e.has_group("base.group_user"));  // implied by Settings
  EXPECT_EQ(e["res.currency"].search_count(parse("[('name', 'in', ['USD', 'EUR'])]")), 2);
  EXPECT_TRUE(get_param(e, "web.base.url"));
}

TEST_F(OrmTest, ApiKeysAuthenticateExpireAndRevoke) {
  std::string key, expiring;
  Id marc = make_internal_user();
  {
    Env e = env();
    key = call_method(e, "res.users.apikeys", "generate", nullptr, Json{{"name", "script"}})
              .get<std::string>();
    expiring =
        call_method(
            e, "res.users.apikeys", "generate", nullptr,
            Json{{"name", "short"}, {"expiration_date", "2026-01-15 11:00:00"}, {"user_id", marc}})
            .get<std::string>();
    e.commit();
  }
  EXPECT_EQ(key.size(), 40u);
  EXPECT_EQ(authenticate_key(*runtime_, key), kAdminId);
  EXPECT_EQ(authenticate_key(*runtime_, expiring), marc);
  std::string wrong = key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(authenticate_key(*runtime_, wrong));
  EXPECT_FALSE(authenticate_key(*runtime_, "short"));
  clock_.advance(3600);
  EXPECT_FALSE(authenticate_key(*runtime_, expiring));  // expired
  {
    Env e = env();
    RecordSet mine = e["res.users.apikeys"].search(parse("[('name', '=', 'script')]"));
    call_method(e, "res.users.apikeys", "revoke", Json(mine.ids()), Json::object());
    e.commit();
  }
  EXPECT_FALSE(authenticate_key(*runtime_, key));
}

TEST_F(OrmTest, KeysAreStoredHashedOnly) {
  Env e = env();
  std::string key = generate_key(e, kAdminId, "k", "rpc");
  Value stored =
      e.cr().scalar("SELECT \"key\" FROM \"res_users_apikeys\" ORDER BY \"id\" DESC LIMIT 1");
  EXPECT_NE(stored.as_string(), key);
  EXPECT_EQ(stored.as_string().size(), 64u);
}

TEST_F(OrmTest, UsersMayOnlyManageTheirOwnKeys) {
  Id marc = make_internal_user();
  Id other = make_internal_user("other");
  Env e = env(marc);
  // Not an administrator: the key must expire, within 90 days (internal users' api_key_duration).
  const std::string in_a_month = common::format_datetime(common::add_seconds(e.now(), 30 * 86400));
  const std::string in_a_year = common::format_datetime(common::add_seconds(e.now(), 365 * 86400));
  EXPECT_NO_THROW(call_method(e, "res.users.apikeys", "generate", nullptr,
                              Json{{"name", "mine"}, {"expiration_date", in_a_month}}));
  EXPECT_THROW_MSG(
      call_method(e, "res.users.apikeys", "generate", nullptr, Json{{"name", "forever"}}),
      common::ValidationError, "must have an expiration date");
  EXPECT_THROW_MSG(call_method(e, "res.users.apikeys", "generate", nullptr,
                               Json{{"name", "long"}, {"expiration_date", in_a_year}}),
                   common::ValidationError, "cannot exceed 90 days");
  EXPECT_THROW(call_method(e, "res.users.apikeys", "generate", nullptr,
                           Json{{"name", "theirs"}, {"user_id", other}}),
               common::AccessError);
  EXPECT_THROW(call_method(e, "res.users.apikeys", "generate", nullptr,
                           Json{{"name", "past"}, {"expiration_date", "2020-01-01 00:00:00"}}),
               common::ValidationError);
}

TEST_F(OrmTest, LoginsAreUniqueAndUsersGetAPartner) {
  Env e = su();
  RecordSet u =
      e["res.users"].create(Json{{"name", "Mitchell"}, {"login", "mitchell@example.com"}});
  Json row = u.read({"partner_id", "share"})[0];
  EXPECT_EQ(row["partner_id"][1], "Mitchell");
  EXPECT_EQ(row["share"], false);
  EXPECT_THROW_MSG(e["res.users"].create(Json{{"name", "M2"}, {"login", "mitchell@example.com"}}),
                   common::ValidationError, "same login");
}

TEST_F(OrmTest, ConfigParametersGetAndSet) {
  Env e = env();
  call_method(e, "ir.config_parameter", "set_param", nullptr, Json{{"key", "a.b"}, {"value", "1"}});
  EXPECT_EQ(call_method(e, "ir.config_parameter", "get_param", nullptr, Json{{"key", "a.b"}}), "1");
  EXPECT_EQ(call_method(e, "ir.config_parameter", "get_param", nullptr,
                        Json{{"key", "zz"}, {"default", "d"}}),
            "d");
  call_method(e, "ir.config_parameter", "set_param", nullptr,
              Json{{"key", "a.b"}, {"value", false}});
  EXPECT_EQ(call_method(e, "ir.config_parameter", "get_param", nullptr, Json{{"key", "a.b"}}),
            false);
  EXPECT_THROW(e["ir.config_parameter"].create(Json{{"key", "web.base.url"}, {"value", "x"}}),
               common::ValidationError);
}

}  // namespace
}  // namespace autorules::orm::test
