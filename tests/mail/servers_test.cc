// Outgoing mail servers: the check of a server's address when it is saved, and which server
// sends a sender's mail (src/mail/internal/servers.h).
#include "mail/internal/servers.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "outbox/target.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail::internal {
namespace {

using common::Id;
using common::Json;

class ServersTest : public test::EngineTest {
 protected:
  Id server(orm::Env& e, const std::string& name, const std::string& host, Json extra = {}) {
    Json vals{{"name", name}, {"smtp_host", host}, {"smtp_port", 2525}};
    if (extra.is_object())
      vals.update(extra);
    return e["ir.mail_server"].create(vals).id();
  }
};

TEST_F(ServersTest, AServerTheOutboxWouldNotCallIsRefusedWhenSaved) {
  orm::Env e = env();
  EXPECT_THROW_MSG(server(e, "metadata", "169.254.169.254"), common::ValidationError,
                   "The mail server 'metadata' cannot be used");
  EXPECT_THROW(server(e, "path", "mail.example.com/x?y=1"), common::ValidationError);
  EXPECT_THROW(server(e, "spaces", "mail example.com"), common::ValidationError);
  EXPECT_THROW(server(e, "port", "mail.example.com", Json{{"smtp_port", 70000}}),
               common::ValidationError);
  Id ok = server(e, "ok", "mail.example.com");
  // A write that moves it somewhere refused is refused too.
  EXPECT_THROW(e["ir.mail_server"].browse({ok}).write(Json{{"smtp_host", "[fe80::1]"}}),
               common::ValidationError);
  e["ir.mail_server"].browse({ok}).write(Json{{"smtp_host", "2001:db8::25"}});
}

TEST_F(ServersTest, PrivateAddressesFollowThePolicy) {
  orm::Env e = su();
  server(e, "lan", "10.1.2.3");  // allowed by default: a relay on the local network
  e["ir.config_parameter"].create(
      Json{{"key", outbox::kRefusePrivateTargetsParam}, {"value", "True"}});
  EXPECT_THROW_MSG(server(e, "lan2", "192.168.1.10"), common::ValidationError, "192.168.1.10");
  EXPECT_THROW(server(e, "loopback", "127.0.0.1"), common::ValidationError);
}

TEST_F(ServersTest, TheSendersFilterPicksTheServer) {
  orm::Env e = su();
  server(e, "any", "any.example.com", Json{{"sequence", 20}});
  server(e, "sales", "sales.example.com",
         Json{{"sequence", 30}, {"from_filter", "sales@example.com, shop.example.org"}});
  EXPECT_EQ(choose_server(e, 0, "Sales@Example.com")->name, "sales");
  EXPECT_EQ(choose_server(e, 0, "anyone@shop.example.org")->name, "sales");
  EXPECT_EQ(choose_server(e, 0, "other@example.com")->name, "any");
  EXPECT_EQ(choose_server(e, 0, "other@example.com")->url, "smtp://any.example.com:2525");
  Id ssl = server(e, "ssl", "ssl.example.com", Json{{"smtp_encryption", "ssl"}});
  EXPECT_EQ(choose_server(e, ssl, "x@example.com")->url, "smtps://ssl.example.com:2525");
}

TEST_F(ServersTest, WithoutARecordTheStartedWithServerSends) {
  orm::Env e = su();
  EXPECT_FALSE(choose_server(e, 0, "x@example.com"));
  set_fallback_server(*runtime_, parse_smtp_url("smtp://u:p%40ss@relay.example.com:587"));
  std::optional<SmtpServer> s = choose_server(e, 0, "x@example.com");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->url, "smtp://relay.example.com:587");
  EXPECT_EQ(s->user, "u");
  EXPECT_EQ(s->password, "p@ss");
  EXPECT_THROW(parse_smtp_url("http://relay.example.com"), common::ValueError);
  EXPECT_THROW(parse_smtp_url("smtp://relay.example.com?encryption=ssl"), common::ValueError);
  EXPECT_THROW(parse_smtp_url("smtp://relay.example.com?x=1"), common::ValueError);
}

}  // namespace
}  // namespace autorules::mail::internal
