// Logging in with a password (src/orm/base/login.h): the hash written for a password, logins and
// checks by uid, API keys standing for the password, the cooldown per source address, the
// remembered checks and what forgets them, Odoo's hashes renewed, the rules, change_password.
#include "orm/base/login.h"

#include "common/errors.h"
#include "orm/base/users.h"
#include "orm/methods.h"
#include "orm/orm_fixture.h"
#include "orm/password.h"

namespace autorules::orm::test {
namespace {

constexpr const char* kOdooHash =  // passlib's pbkdf2_sha512 of "correct horse", 1000 rounds
    "$pbkdf2-sha512$1000$MDEyMzQ1Njc4OWFiY2RlZg$OM0FAoIqCVK1sWtxDiffVlBejtLa.ks4TP71JiecwuSZCG8iLbn"
    "lIEPOMoVX.i2B2wkSxjQ8CRGR9OkNGuIPMQ";

class LoginTest : public OrmTest {
 protected:
  Id user_with_password(const std::string& login, const std::string& password) {
    Env e = su();
    Id uid = e["res.users"]
                 .create(Json{{"name", "User " + login}, {"login", login}, {"password", password}})
                 .id();
    e.commit();
    return uid;
  }
  std::string key_of(Id uid) {
    Env e = su();
    std::string key = generate_key(e, uid, "script", "rpc");
    e.commit();
    return key;
  }
  std::string stored_hash(Id uid) {
    Env e = reader();
    Value p[] = {Value(uid)};
    Value v = e.cr().scalar("SELECT \"password\" FROM \"res_users\" WHERE \"id\" = ?", p);
    return v.is_string() ? v.as_string() : "";
  }
  std::optional<Id> login(const std::string& name, const std::string& password,
                          const std::string& source = "192.0.2.1", bool keys = true) {
    return login_with_password(*runtime_, name, password, LoginAttempt{source, keys});
  }
};

TEST_F(LoginTest, APasswordIsStoredHashedAndNeverRead) {
  Id uid = user_with_password("ana", "open sesame");
  std::string hash = stored_hash(uid);
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_EQ(hash.find("open sesame"), std::string::npos);
  Env e = env();
  Json row = e["res.users"].browse({uid}).read({})[0];
  EXPECT_FALSE(row.contains("password")) << row.dump();
  EXPECT_THROW(e["res.users"].browse({uid}).read({"password"}), common::Error);
  EXPECT_THROW(e["res.users"].search(parse("[('password', '=', 'open sesame')]")), common::Error);
  // A copy of the user does not take the password along.
  Id copy = e["res.users"].browse({uid}).copy(Json{{"login", "ana2"}}).id();
  e.commit();
  EXPECT_EQ(stored_hash(copy), "");
}

TEST_F(LoginTest, LoginNeedsTheRightPasswordOfAnActiveUser) {
  // From a local caller (no address): these failures put nobody on cooldown.
  Id uid = user_with_password("ana", "open sesame");
  EXPECT_EQ(login("ana", "open sesame", ""), uid);
  EXPECT_FALSE(login("ana", "open sesame ", ""));
  EXPECT_FALSE(login("ana", "", ""));
  EXPECT_FALSE(login("Ana", "open sesame", ""));  // logins are exact
  EXPECT_FALSE(login("nobody", "open sesame", ""));
  EXPECT_FALSE(login("__system__", "open sesame", ""));
  EXPECT_FALSE(login("marc", "anything at all", ""));  // no password set: no password login
  {
    Env e = su();
    e["res.users"].browse({uid}).write(Json{{"active", false}});
    e.commit();
  }
  EXPECT_FALSE(login("ana", "open sesame", ""));
}

TEST_F(LoginTest, AnApiKeyStandsForThePasswordWhereAllowed) {
  Id uid = user_with_password("ana", "open sesame");
  std::string key = key_of(uid);
  EXPECT_EQ(login("ana", key), uid);
  EXPECT_FALSE(login("ana", key, "192.0.2.1", /*keys=*/false));
  EXPECT_FALSE(login("admin", key));  // someone else's key
  EXPECT_TRUE(check_user_password(*runtime_, uid, key, LoginAttempt{"192.0.2.1", true}));
  EXPECT_FALSE(check_user_password(*runtime_, kAdminId, key, LoginAttempt{"192.0.2.1", true}));
}

TEST_F(LoginTest, FailuresPutTheSourceOnCooldown) {
  Id uid = user_with_password("ana", "open sesame");
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(login("ana", "guess " + std::to_string(i)));
  // The sixth attempt is refused unchecked, even with the right password...
  EXPECT_THROW_MSG(login("ana", "open sesame"), common::AccessDenied, "Too many login failures");
  EXPECT_THROW(check_user_password(*runtime_, uid, "open sesame", LoginAttempt{"192.0.2.1"}),
               common::AccessDenied);
  // ... from that source only, and for base.login_cooldown_duration seconds.
  EXPECT_EQ(login("ana", "open sesame", "198.51.100.7"), uid);
  EXPECT_EQ(login("ana", "open sesame", ""), uid);  // a local caller is never cooled down
  clock_.advance(59);
  EXPECT_THROW(login("ana", "open sesame"), common::AccessDenied);
  clock_.advance(1);
  EXPECT_EQ(login("ana", "open sesame"), uid);
  // The success forgot the failures: four more are allowed before the next cooldown.
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(login("ana", "guess"));
  EXPECT_EQ(login("ana", "open sesame"), uid);
}

TEST_F(LoginTest, CooldownFollowsItsParameters) {
  user_with_password("ana", "open sesame");
  {
    Env e = su();
    set_param(e, "base.login_cooldown_after", "2");
    set_param(e, "base.login_cooldown_duration", "600");
    e.commit();
  }
  EXPECT_FALSE(login("ana", "a"));
  EXPECT_FALSE(login("nobody", "b"));  // unknown logins count as failures too
  EXPECT_THROW(login("ana", "open sesame"), common::AccessDenied);
  clock_.advance(599);
  EXPECT_THROW(login("ana", "open sesame"), common::AccessDenied);
  {
    Env e = su();
    set_param(e, "base.login_cooldown_after", "0");  // off
    e.commit();
  }
  EXPECT_TRUE(login("ana", "open sesame"));
}

TEST_F(LoginTest, ChecksAreRememberedUntilSecurityChanges) {
  Id uid = user_with_password("ana", "open sesame");
  EXPECT_FALSE(password_recently_checked(reader(), uid, "open sesame"));
  EXPECT_TRUE(check_user_password(*runtime_, uid, "open sesame", LoginAttempt{}));
  EXPECT_TRUE(password_recently_checked(reader(), uid, "open sesame"));
  EXPECT_FALSE(password_recently_checked(reader(), uid, "open sesame!"));
  EXPECT_FALSE(password_recently_checked(reader(), kAdminId, "open sesame"));
  EXPECT_FALSE(check_user_password(*runtime_, uid, "wrong", LoginAttempt{}));
  EXPECT_FALSE(password_recently_checked(reader(), uid, "wrong"));
  // A new password forgets the old one at once.
  {
    Env e = su();
    e["res.users"].browse({uid}).write(Json{{"password", "new sesame"}});
    e.commit();
  }
  EXPECT_FALSE(password_recently_checked(reader(), uid, "open sesame"));
  EXPECT_FALSE(check_user_password(*runtime_, uid, "open sesame", LoginAttempt{}));
  EXPECT_TRUE(check_user_password(*runtime_, uid, "new sesame", LoginAttempt{}));
  // So does archiving the user.
  {
    Env e = su();
    e["res.users"].browse({uid}).write(Json{{"active", false}});
    e.commit();
  }
  EXPECT_FALSE(password_recently_checked(reader(), uid, "new sesame"));
  EXPECT_FALSE(check_user_password(*runtime_, uid, "new sesame", LoginAttempt{}));
}

TEST_F(LoginTest, OdooHashesAreAcceptedThenRenewed) {
  Id uid = make_internal_user("carried");
  {
    Env e = su();
    set_password_hash(e, uid, kOdooHash);
    EXPECT_THROW_MSG(set_password_hash(e, uid, "correct horse"), common::ValidationError,
                     "Not a password hash");
    e.commit();
  }
  EXPECT_FALSE(login("carried", "correct horsE"));
  EXPECT_EQ(stored_hash(uid), kOdooHash);
  EXPECT_EQ(login("carried", "correct horse"), uid);
  EXPECT_TRUE(stored_hash(uid).starts_with("$argon2id$")) << stored_hash(uid);
  EXPECT_EQ(login("carried", "correct horse"), uid);
}

TEST_F(LoginTest, PasswordsFollowTheRules) {
  Id uid = make_internal_user("ana");
  Env e = su();
  RecordSet ana = e["res.users"].browse({uid});
  EXPECT_THROW_MSG(ana.write(Json{{"password", "short"}}), common::UserError,
                   "at least 8 characters, got 5");
  EXPECT_THROW_MSG(ana.write(Json{{"password", "ééééééé"}}), common::UserError, "got 7");
  EXPECT_THROW_MSG(ana.write(Json{{"password", std::string(4097, 'a')}}), common::UserError,
                   "longer than 4096 bytes");
  EXPECT_THROW_MSG(ana.write(Json{{"password", 12345678}}), common::ValidationError,
                   "must be text");
  set_param(e, "auth_password_policy.minlength", "4");
  ana.write(Json{{"password", "four"}});
  e.commit();
  EXPECT_EQ(login("ana", "four"), uid);
  {
    Env w = su();
    w["res.users"].browse({uid}).write(Json{{"password", false}});  // cleared
    w.commit();
  }
  EXPECT_EQ(stored_hash(uid), "");
  EXPECT_FALSE(login("ana", "four"));
}

TEST_F(LoginTest, UsersChangeTheirOwnPasswordWithTheOldOne) {
  Id uid = user_with_password("ana", "open sesame");
  std::string key = key_of(uid);
  {
    Env e = env(uid);
    EXPECT_THROW(call_method(e, "res.users", "change_password", nullptr,
                             Json{{"old_passwd", "wrong"}, {"new_passwd", "brand new one"}}),
                 common::AccessDenied);
    EXPECT_THROW(call_method(e, "res.users", "change_password", nullptr,
                             Json{{"old_passwd", key}, {"new_passwd", "brand new one"}}),
                 common::AccessDenied);
    EXPECT_THROW_MSG(call_method(e, "res.users", "change_password", nullptr,
                                 Json{{"old_passwd", "open sesame"}, {"new_passwd", "   "}}),
                     common::UserError, "empty passwords");
    EXPECT_TRUE(call_method(e, "res.users", "change_password", nullptr,
                            Json{{"old_passwd", "open sesame"}, {"new_passwd", " brand new one "}})
                    .get<bool>());
    e.commit();
  }
  EXPECT_FALSE(login("ana", "open sesame"));
  EXPECT_EQ(login("ana", "brand new one"), uid);  // stripped, as Odoo does
  // Another user's password is not theirs to write.
  Env e = env(uid);
  EXPECT_THROW(e["res.users"].browse({kAdminId}).write(Json{{"password", "taken over!"}}),
               common::Error);
}

}  // namespace
}  // namespace autorules::orm::test
