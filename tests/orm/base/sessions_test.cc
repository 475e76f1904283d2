// Web sessions (src/orm/base/sessions.h): a session found by its token only, kept hashed, over
// after web.session_lifetime unused, touched at most once a minute, ended by logging out, by a
// password change and by archiving the user; the CSRF token.
#include "orm/base/sessions.h"

#include "common/errors.h"
#include "orm/base/users.h"
#include "orm/crypto.h"
#include "orm/orm_fixture.h"

namespace autorules::orm::test {
namespace {

class SessionsTest : public OrmTest {
 protected:
  NewSession open(Id uid = kAdminId) {
    Env e = su();
    NewSession s = create_session(e, uid, "192.0.2.7", "Browser/1.0");
    e.commit();
    return s;
  }
  std::optional<SessionRow> find(const std::string& token) {
    Env e = reader();
    return find_session(e, token);
  }
};

TEST_F(SessionsTest, ASessionIsFoundByItsTokenAndKeptHashed) {
  NewSession s = open();
  ASSERT_EQ(s.token.size(), 64u);
  auto row = find(s.token);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->uid, kAdminId);
  EXPECT_EQ(row->id, s.id);
  EXPECT_FALSE(row->stale);
  Env e = reader();
  Value p[] = {Value(s.id)};
  Value stored = e.cr().scalar("SELECT \"token\" FROM \"res_users_session\" WHERE \"id\" = ?", p);
  EXPECT_EQ(stored.as_string(), sha256_hex(s.token));
  // Another token, a token of the wrong shape, the hash itself: nothing.
  EXPECT_FALSE(find(std::string(64, '0')));
  EXPECT_FALSE(find(s.token.substr(0, 63)));
  EXPECT_FALSE(find(s.token + "0"));
  EXPECT_FALSE(find(std::string(s.token).replace(10, 1, s.token[10] == 'a' ? "b" : "a")));
  EXPECT_FALSE(find(""));
  EXPECT_FALSE(find(stored.as_string() == s.token ? "" : std::string(64, 'Z')));
}

TEST_F(SessionsTest, ASessionUnusedForItsLifetimeIsOverAndUseKeepsItAlive) {
  NewSession s = open();
  clock_.advance(kTouchIntervalSeconds + 1);
  auto row = find(s.token);
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->stale);
  {
    Env e = su();
    touch_session(e, row->id);
    e.commit();
  }
  EXPECT_FALSE(find(s.token)->stale);
  clock_.advance(kDefaultSessionLifetime - 10);
  EXPECT_TRUE(find(s.token));  // used 10 s short of a lifetime ago... minus the minute above
  clock_.advance(20);
  EXPECT_FALSE(find(s.token));
  // Deleted at the next cleanup.
  Env e = su();
  delete_expired_sessions(e);
  e.commit();
  Env r = reader();
  EXPECT_EQ(r.cr().scalar("SELECT COUNT(*) FROM \"res_users_session\"").as_int(), 0);
}

TEST_F(SessionsTest, TheLifetimeIsAParameter) {
  {
    Env e = su();
    set_param(e, "web.session_lifetime", "600");
    e.commit();
  }
  NewSession s = open();
  clock_.advance(599);
  EXPECT_TRUE(find(s.token));
  clock_.advance(2);
  EXPECT_FALSE(find(s.token));
}

TEST_F(SessionsTest, LoggingOutEndsOnlyThatSession) {
  NewSession a = open(), b = open();
  {
    Env e = su();
    end_session(e, a.token);
    e.commit();
  }
  EXPECT_FALSE(find(a.token));
  EXPECT_TRUE(find(b.token));
}

TEST_F(SessionsTest, APasswordChangeOrArchivingTheUserEndsTheirSessions) {
  Id marc = make_internal_user();
  NewSession mine = open(marc), admins = open();
  {
    Env e = su();
    e["res.users"].browse({marc}).write(Json{{"password", "a new password"}});
    e.commit();
  }
  EXPECT_FALSE(find(mine.token));
  EXPECT_TRUE(find(admins.token));
  NewSession again = open(marc);
  {
    Env e = su();
    e["res.users"].browse({marc}).write(Json{{"active", false}});
    e.commit();
  }
  EXPECT_FALSE(find(again.token));
}

TEST_F(SessionsTest, SessionsAreForAdministratorsOnlyAndTheirTokenForNobody) {
  Id marc = make_internal_user();
  open(marc);
  {
    Env e = reader(marc);
    EXPECT_THROW(e["res.users.session"].search(Domain()), common::Error);
  }
  Env admin = reader();
  EXPECT_EQ(admin["res.users.session"].search(Domain()).size(), 1u);
  EXPECT_THROW(admin["res.users.session"].search(Domain()).read({"token"}), common::Error);
}

TEST_F(SessionsTest, TheCsrfTokenBelongsToItsSessionOnly) {
  NewSession a = open(), b = open();
  EXPECT_EQ(a.csrf_token, csrf_token(a.token));
  EXPECT_EQ(a.csrf_token.size(), 64u);
  EXPECT_NE(a.csrf_token, a.token);
  EXPECT_TRUE(csrf_token_matches(a.token, a.csrf_token));
  EXPECT_FALSE(csrf_token_matches(a.token, b.csrf_token));
  EXPECT_FALSE(csrf_token_matches(a.token, ""));
  EXPECT_FALSE(csrf_token_matches(a.token, a.csrf_token.substr(1)));
}

TEST_F(SessionsTest, TheClientsAddressAndBrowserAreKeptBounded) {
  Env e = su();
  NewSession s = create_session(e, kAdminId, std::string(500, '1'),
                                std::string("Evil\r\nSet-Cookie: x=1") + std::string(1000, 'x'));
  e.commit();
  Json row = env()["res.users.session"].browse({s.id}).read({"ip_address", "user_agent"})[0];
  EXPECT_LE(row["ip_address"].get<std::string>().size(), 64u);
  std::string agent = row["user_agent"].get<std::string>();
  EXPECT_LE(agent.size(), 256u);
  EXPECT_EQ(agent.find('\r'), std::string::npos);
  EXPECT_EQ(agent.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace autorules::orm::test
