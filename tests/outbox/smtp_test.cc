// Emails through the outbox, delivered to a real SMTP server on 127.0.0.1 (aiosmtpd,
// tests/support/smtp_server.py): the bytes and envelope received, replies that are retried (4xx,
// 421 at the greeting, a server down) and not (5xx), several recipients of which some are
// refused, AUTH, STARTTLS and implicit TLS with a self-signed certificate (accepted by the lax
// modes, refused by the strict ones), connections reused across messages, the password never
// readable or logged, the outcome hook, and what enqueue() refuses. Also the reading of an SMTP
// conversation (internal/smtp.h) on its own.
#include "outbox/internal/smtp.h"

#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/base/users.h"
#include "outbox/target.h"
#include "outbox_fixture.h"
#include "test_support/smtp_server.h"

namespace autorules::outbox::test {
namespace {

using ::autorules::test::ReceivedMail;
using ::autorules::test::SmtpServer;

// The log lines written while it lives, at every level (the dispatcher must not run when it is
// made or destroyed: the default logger is swapped).
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class SmtpTest : public OutboxTest {
 protected:
  ~SmtpTest() override { dispatcher_.reset(); }  // before the servers stop

  // A server writing to its own folder of the test's directory.
  SmtpServer::Options server_options(const std::string& name = "smtp") {
    SmtpServer::Options o;
    o.dir = dir_.path(name);
    return o;
  }
  SmtpServer& serve(SmtpServer::Options o) {
    servers_.push_back(std::make_unique<SmtpServer>(std::move(o)));
    servers_.back()->start();
    return *servers_.back();
  }
  SmtpServer& serve() { return serve(server_options()); }

  // A self-signed certificate for localhost (made once per test).
  SmtpServer::Options tls_options(const std::string& name = "smtp") {
    if (cert_.empty()) {
      cert_ = dir_.path("cert.pem");
      key_ = dir_.path("key.pem");
      SmtpServer::make_certificate(cert_, key_);
    }
    SmtpServer::Options o = server_options(name);
    o.tls_cert = cert_;
    o.tls_key = key_;
    return o;
  }

  static Message email(const SmtpServer& server,
                       std::vector<std::string> recipients = {"alice@example.com"}) {
    Message m;
    m.kind = "email";
    m.name = "test email";
    m.url = server.url();
    m.mail_from = "sender@example.org";
    m.recipients = std::move(recipients);
    m.body =
        "From: sender@example.org\r\nTo: alice@example.com\r\nSubject: Hello\r\n\r\nHello "
        "Alice\r\n";
    m.res_model = "mail.mail";
    m.res_id = 7;
    return m;
  }

  // The message's row once its `n`th attempt is recorded.
  Json after_attempt(Id id, int n) {
    return wait_for(id,
                    [&](const Json& r) { return r["attempts"] == n && r["state"] != "sending"; });
  }

  // Expects exactly one attempt with `outcome` and `status`; returns its error.
  std::string only_attempt(Id id, const std::string& outcome, long status) {
    Json log = attempts(id);
    EXPECT_EQ(log.size(), 1u) << log.dump();
    if (log.empty())
      return "";
    EXPECT_EQ(str(log[0]["outcome"]), outcome) << log.dump();
    EXPECT_EQ(log[0]["status"], status) << log.dump();
    return log[0]["error"].is_string() ? log[0]["error"].get<std::string>() : "";
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  std::vector<std::unique_ptr<SmtpServer>> servers_;
  std::string cert_, key_;
};

// --- Delivery -------------------------------------------------------------------------------

TEST_F(SmtpTest, DeliversTheMessageBytesWithItsEnvelope) {
  SmtpServer& server = serve();
  start();
  Message m = email(server, {"alice@example.com", "bob@example.net"});
  // Bare LF line ends are sent as CRLF; a line starting with a dot survives SMTP's dot-stuffing.
  m.body = "From: sender@example.org\nSubject: Hi\n\n.starts with a dot\nand a last line";
  Id id = queue(m);
  Json row = wait_state(id, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered") << row.dump();
  EXPECT_EQ(row["last_status"], 250);
  EXPECT_EQ(row["last_error"], false);
  EXPECT_EQ(row["delivered_at"], "2026-01-15 10:00:00");
  EXPECT_EQ(str(row["kind"]), "email");
  EXPECT_EQ(only_attempt(id, "delivered", 250), "");

  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].mail_from, "sender@example.org");
  EXPECT_EQ(got[0].rcpt_tos, (std::vector<std::string>{"alice@example.com", "bob@example.net"}));
  // libcurl ends the data with CRLF before the final dot.
  EXPECT_EQ(got[0].content,
            "From: sender@example.org\r\nSubject: Hi\r\n\r\n.starts with a dot\r\nand a last "
            "line\r\n");
  EXPECT_FALSE(got[0].tls);
  EXPECT_EQ(got[0].auth_user, "");
  // The stored body is the one sent.
  EXPECT_EQ(str(row["body"]),
            "From: sender@example.org\r\nSubject: Hi\r\n\r\n.starts with a dot\r\nand a last line");
}

TEST_F(SmtpTest, TheNullSenderIsSentAsEmptyAngleBrackets) {
  SmtpServer& server = serve();
  start();
  Message m = email(server);
  m.mail_from = "";
  Id id = queue(m);
  EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered");
  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].mail_from, "<>");  // as aiosmtpd keeps it
}

TEST_F(SmtpTest, ALargeMessageIsSentWhole) {
  SmtpServer& server = serve();
  start();
  Message m = email(server);
  std::string body = "Subject: big\r\n\r\n";
  for (int i = 0; i < 20000; ++i)
    body += fmt::format("line {} of a long message\r\n", i);
  m.body = body;
  Id id = queue(m);
  EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered");
  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].content.size(), body.size());
  EXPECT_TRUE(got[0].content == body);
}

// --- Replies that are retried and replies that are not ---------------------------------------

TEST_F(SmtpTest, A4xxReplyIsRetriedThenTheMessageIsDelivered) {
  SmtpServer::Options o = server_options();
  o.replies = {"message:450:1:4.2.0 Mailbox busy, come back later"};
  SmtpServer& server = serve(o);
  start();
  Id id = queue(email(server));
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "pending") << row.dump();
  EXPECT_EQ(row["last_status"], 450);
  EXPECT_EQ(str(row["last_error"]),
            "450 4.2.0 Mailbox busy, come back later (reply to the end of the message)");
  EXPECT_EQ(only_attempt(id, "retry", 450), str(row["last_error"]));
  EXPECT_TRUE(server.messages().empty());

  advance_to_next_attempt(id);
  row = wait_state(id, "delivered", 2);
  EXPECT_EQ(str(row["state"]), "delivered") << row.dump();
  EXPECT_EQ(row["last_status"], 250);
  EXPECT_EQ(row["last_error"], false);
  Json log = attempts(id);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(str(log[1]["outcome"]), "delivered");
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(SmtpTest, A5xxRefusalFailsAtOnceWithTheServersReply) {
  SmtpServer& server = serve();
  start();
  Id id = queue(email(server, {"reject550@example.com"}));
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_EQ(row["last_status"], 550);
  const std::string expected =
      "every recipient was refused: 550 5.1.1 <reject550@example.com>: Recipient address "
      "rejected by the test (reply to RCPT TO:<reject550@example.com>) (not retried)";
  EXPECT_EQ(str(row["last_error"]), expected);
  EXPECT_EQ(only_attempt(id, "failed", 550), expected);
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpTest, ARefusalOfTheSenderOrOfTheDataIsNotRetried) {
  SmtpServer::Options o = server_options();
  o.replies = {"mail:553:1:5.1.8 Sender address rejected",
               "message:554:1:5.7.1 Message refused as spam"};
  SmtpServer& server = serve(o);
  start();
  Id sender = queue(email(server));
  Json row = after_attempt(sender, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_EQ(str(row["last_error"]),
            "553 5.1.8 Sender address rejected (reply to MAIL FROM, not retried)");
  EXPECT_EQ(row["last_status"], 553);

  Id data = queue(email(server));
  row = after_attempt(data, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_EQ(str(row["last_error"]),
            "554 5.7.1 Message refused as spam (reply to the end of the message, not retried)");
  EXPECT_EQ(row["last_status"], 554);
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpTest, A421GreetingIsRetriedOnANewConnection) {
  SmtpServer::Options o = server_options();
  o.replies = {"connect:421:1"};
  SmtpServer& server = serve(o);
  start();
  Id id = queue(email(server));
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "pending") << row.dump();
  EXPECT_EQ(row["last_status"], 421);
  EXPECT_EQ(str(row["last_error"]),
            "421 4.3.2 Service not available, closing transmission channel (reply to the "
            "greeting)");
  advance_to_next_attempt(id);
  EXPECT_EQ(str(wait_state(id, "delivered", 2)["state"]), "delivered");
  EXPECT_EQ(server.connections(), (std::vector<int>{421, 220}));
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(SmtpTest, AServerThatIsDownIsTriedAgainUntilItIsUp) {
  SmtpServer& server = serve();
  server.stop();  // its port is known, nobody listens on it
  start();
  Id id = queue(email(server));
  Json row = expect_first_attempt_unanswered(id);
  EXPECT_TRUE(contains(str(row["last_error"]), "Couldn't connect to server")) << row.dump();

  server.start();  // on the same port
  advance_to_next_attempt(id);
  row = wait_state(id, "delivered", 2);
  EXPECT_EQ(str(row["state"]), "delivered") << row.dump();
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(SmtpTest, TheLastAttemptOfADeferredMessageMakesItDead) {
  SmtpServer::Options o = server_options();
  o.replies = {"message:451:0"};  // always
  SmtpServer& server = serve(o);
  Options options = fast();
  options.max_attempts = 2;
  start(options);
  Id id = queue(email(server));
  EXPECT_EQ(str(after_attempt(id, 1)["state"]), "pending");
  advance_to_next_attempt(id);
  Json row = after_attempt(id, 2);
  EXPECT_EQ(str(row["state"]), "dead") << row.dump();
  EXPECT_EQ(row["last_status"], 451);
  Json log = attempts(id);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(str(log[1]["outcome"]), "dead");
}

// --- Several recipients ----------------------------------------------------------------------

TEST_F(SmtpTest, ARecipientRefusedForGoodDoesNotStopTheOthers) {
  SmtpServer& server = serve();
  start();
  Id id = queue(email(server, {"alice@example.com", "reject550@example.com", "bob@example.com"}));
  Json row = wait_state(id, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered") << row.dump();
  EXPECT_EQ(row["last_status"], 250);
  EXPECT_EQ(str(row["last_error"]),
            "delivered to 2 of 3 recipients; refused, not retried: 550 5.1.1 "
            "<reject550@example.com>: Recipient address rejected by the test (reply to RCPT "
            "TO:<reject550@example.com>)");
  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rcpt_tos, (std::vector<std::string>{"alice@example.com", "bob@example.com"}));
}

TEST_F(SmtpTest, ARecipientDeferredIsTriedAgainAloneOnceTheOthersHaveTheMessage) {
  SmtpServer::Options o = server_options();
  // The first RCPT TO accepted, the second deferred; later ones accepted.
  o.replies = {"rcpt:250:1", "rcpt:452:1:4.5.3 Too many recipients"};
  SmtpServer& server = serve(o);
  start();
  Id id = queue(email(server, {"alice@example.com", "bob@example.com"}));
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "pending") << row.dump();
  EXPECT_EQ(row["last_status"], 452);
  EXPECT_EQ(str(row["last_error"]),
            "delivered to 1 of 2 recipients; deferred, retried: 452 4.5.3 Too many recipients "
            "(reply to RCPT TO:<bob@example.com>)");
  Json recipients = reader().sudo()["outbox.message"].browse({id}).read({"recipients"})[0];
  EXPECT_EQ(Json::parse(str(recipients["recipients"])), (Json{"bob@example.com"}));

  advance_to_next_attempt(id);
  row = wait_state(id, "delivered", 2);
  EXPECT_EQ(str(row["state"]), "delivered") << row.dump();
  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].rcpt_tos, (std::vector<std::string>{"alice@example.com"}));
  EXPECT_EQ(got[1].rcpt_tos, (std::vector<std::string>{"bob@example.com"}));
}

TEST_F(SmtpTest, WhenEveryRecipientIsRefusedTheDeferredOnesAreRetried) {
  SmtpServer& server = serve();
  start();
  Id id = queue(email(server, {"reject550@example.com", "defer450@example.com"}));
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "pending") << row.dump();
  EXPECT_EQ(row["last_status"], 450);
  Json recipients = reader().sudo()["outbox.message"].browse({id}).read({"recipients"})[0];
  EXPECT_EQ(Json::parse(str(recipients["recipients"])), (Json{"defer450@example.com"}));
  EXPECT_TRUE(server.messages().empty());
}

// --- AUTH and TLS ----------------------------------------------------------------------------

TEST_F(SmtpTest, LogsInWithTheUserAndPassword) {
  SmtpServer::Options o = server_options();
  o.auth_user = "mailer";
  o.auth_password = "s3cret-pa55";
  o.auth_required = true;
  SmtpServer& server = serve(o);
  start();
  Message m = email(server);
  m.smtp_user = "mailer";
  m.smtp_password = "s3cret-pa55";
  Id id = queue(m);
  EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered");
  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].auth_user, "mailer");
}

TEST_F(SmtpTest, AWrongPasswordFailsAndIsNeverReadableOrLogged) {
  const std::string password = "W r0ng-pa55word";
  SmtpServer::Options o = server_options();
  o.auth_user = "mailer";
  o.auth_password = "right";
  o.auth_required = true;
  SmtpServer& server = serve(o);
  LogCapture log;
  start();
  Message m = email(server);
  m.smtp_user = "mailer";
  m.smtp_password = password;
  Id id = queue(m);
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_EQ(row["last_status"], 535);
  EXPECT_TRUE(contains(str(row["last_error"]), "535 5.7.8 Authentication credentials invalid"))
      << row.dump();
  EXPECT_TRUE(contains(str(row["last_error"]), "not retried")) << row.dump();
  dispatcher_.reset();  // its last log lines written

  // Stored, for the dispatcher...
  EXPECT_EQ(su().cr().scalar("SELECT \"smtp_password\" FROM \"outbox_message\" WHERE \"id\" = ?",
                             std::vector<Value>{Value(id)}),
            Value(password));
  // ...but in no field an administrator can read, in no attempt, and in no log line.
  Json all = reader()["outbox.message"].browse({id}).read({});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].contains("smtp_password")) << all.dump();
  EXPECT_EQ(str(all[0]["smtp_user"]), "mailer");
  EXPECT_FALSE(contains(all.dump(), password)) << all.dump();
  EXPECT_FALSE(contains(attempts(id).dump(), password));
  Json everything = reader()["outbox.attempt"].search_read(domain::Domain(), {});
  EXPECT_FALSE(contains(everything.dump(), password));
  EXPECT_THROW(reader()["outbox.message"].browse({id}).read({"smtp_password"}), common::Error);
  const std::string logged = log.text();
  EXPECT_TRUE(contains(logged, fmt::format("message {}", id))) << logged;
  EXPECT_FALSE(contains(logged, password)) << logged;
}

TEST_F(SmtpTest, StarttlsAndImplicitTlsAcceptASelfSignedCertificateWhenNotStrict) {
  SmtpServer::Options starttls = tls_options("starttls");
  starttls.require_starttls = true;
  SmtpServer& plain = serve(starttls);
  SmtpServer::Options implicit = tls_options("implicit");
  implicit.implicit_tls = true;
  SmtpServer& tls = serve(implicit);
  start();
  Message a = email(plain);
  a.encryption = Encryption::kStarttls;
  Message b = email(tls);
  b.encryption = Encryption::kSsl;
  ASSERT_EQ(b.url.rfind("smtps://", 0), 0u);
  Id ida = queue(a);
  Id idb = queue(b);
  EXPECT_EQ(str(wait_state(ida, "delivered", 1)["state"]), "delivered");
  EXPECT_EQ(str(wait_state(idb, "delivered", 1)["state"]), "delivered");
  ASSERT_EQ(plain.messages().size(), 1u);
  EXPECT_TRUE(plain.messages()[0].tls);
  ASSERT_EQ(tls.messages().size(), 1u);
  EXPECT_TRUE(tls.messages()[0].tls);
}

TEST_F(SmtpTest, TheStrictModesRefuseASelfSignedCertificate) {
  SmtpServer& plain = serve(tls_options("starttls"));
  SmtpServer::Options implicit = tls_options("implicit");
  implicit.implicit_tls = true;
  SmtpServer& tls = serve(implicit);
  start();
  Message a = email(plain);
  a.encryption = Encryption::kStarttlsStrict;
  Message b = email(tls);
  b.encryption = Encryption::kSslStrict;
  for (Id id : {queue(a), queue(b)}) {
    // A TLS failure is retried (the server may get a proper certificate).
    Json row = expect_first_attempt_unanswered(id);
    EXPECT_TRUE(contains(str(row["last_error"]), "certificate")) << row.dump();
  }
  EXPECT_TRUE(plain.messages().empty());
  EXPECT_TRUE(tls.messages().empty());
}

TEST_F(SmtpTest, TheStrictModesVerifyTheHostName) {
  // The certificate is trusted (as the authority itself) and names localhost.
  SmtpServer::Options o = tls_options();
  SmtpServer& server = serve(o);
  Options options = fast();
  options.ca_file_for_testing = cert_;
  options.resolve_for_testing = {fmt::format("localhost:{}:127.0.0.1", server.port())};
  start(options);
  Message good = email(server);
  good.url = server.url("localhost");
  good.encryption = Encryption::kStarttlsStrict;
  Id id = queue(good);
  EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered");
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_TRUE(server.messages()[0].tls);

  Message other_name = email(server);  // 127.0.0.1: not the certificate's name
  other_name.encryption = Encryption::kStarttlsStrict;
  Id refused = queue(other_name);
  Json row = expect_first_attempt_unanswered(refused);
  EXPECT_TRUE(contains(str(row["last_error"]), "127.0.0.1")) << row.dump();
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(SmtpTest, AMessageThatRequiresTlsNeverReusesALaxerConnection) {
  // STARTTLS offered, not required: a plain message goes in clear.
  SmtpServer& server = serve(tls_options());
  start();
  Id plain = queue(email(server));
  EXPECT_EQ(str(wait_state(plain, "delivered", 1)["state"]), "delivered");
  // The plain connection is still open; a STARTTLS message takes a new one, encrypted.
  Message m = email(server);
  m.encryption = Encryption::kStarttls;
  Id encrypted = queue(m);
  EXPECT_EQ(str(wait_state(encrypted, "delivered", 1)["state"]), "delivered");
  // And a strict one does not take the unverified one: it verifies, and refuses the certificate.
  m.encryption = Encryption::kStarttlsStrict;
  Id strict = queue(m);
  Json row = expect_first_attempt_unanswered(strict);
  EXPECT_TRUE(contains(str(row["last_error"]), "certificate")) << row.dump();

  std::vector<ReceivedMail> got = server.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].tls);
  EXPECT_TRUE(got[1].tls);
  EXPECT_NE(got[0].session, got[1].session);
}

// --- Connections -----------------------------------------------------------------------------

TEST_F(SmtpTest, ManyMessagesToOneServerShareAFewConnections) {
  SmtpServer& server = serve();
  start();
  auto batch = [&](int from) {
    orm::Env e = env();
    std::vector<Id> ids;
    for (int i = from; i < from + 40; ++i) {
      Message m = email(server, {fmt::format("user{}@example.com", i)});
      ids.push_back(enqueue(e, m));
    }
    e.commit();
    return ids;
  };
  for (Id id : batch(0))
    EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered") << id;
  const size_t first = server.connections().size();
  EXPECT_GE(first, 1u);
  EXPECT_LE(first, 8u);  // Options::max_per_host
  // A second batch goes over the connections kept open.
  for (Id id : batch(40))
    EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered") << id;
  EXPECT_EQ(server.connections().size(), first);
  EXPECT_EQ(server.messages().size(), 80u);
  std::set<int> sessions;
  for (const ReceivedMail& m : server.messages())
    sessions.insert(m.session);
  EXPECT_EQ(sessions.size(), first);
}

TEST_F(SmtpTest, TheAddressPolicyAppliesToSmtpConnections) {
  SmtpServer& server = serve();
  {
    orm::Env e = su();
    orm::set_param(e, kRefusePrivateTargetsParam, "true");
    e.commit();
  }
  start();
  Id id = queue(email(server));
  Json row = after_attempt(id, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_TRUE(contains(str(row["last_error"]), "the address 127.0.0.1 is refused")) << row.dump();
  EXPECT_TRUE(server.connections().empty());
}

// --- The outcome hook ------------------------------------------------------------------------

TEST_F(SmtpTest, TheOutcomeHookSeesEveryAttemptInOrderInTheRecordingTransaction) {
  SmtpServer::Options o = server_options();
  o.replies = {"message:451:1"};
  SmtpServer& server = serve(o);
  std::vector<OutcomeEvent> events;  // written by the dispatcher's thread, read after it stops
  on_outcome(*runtime_, "email", [&](const orm::Env& env, const OutcomeEvent& e) {
    events.push_back(e);
    // Written in the transaction that records the attempt.
    orm::set_param(env, fmt::format("test.outcome.{}", e.attempt),
                   std::string(outcome_text(e.outcome)));
    Value state = env.cr().scalar("SELECT \"state\" FROM \"outbox_message\" WHERE \"id\" = ?",
                                  std::vector<Value>{Value(e.message_id)});
    orm::set_param(env, fmt::format("test.state.{}", e.attempt), state.as_string());
  });
  int webhooks = 0;
  on_outcome(*runtime_, "webhook", [&](const orm::Env&, const OutcomeEvent&) { ++webhooks; });
  start();
  Id id = queue(email(server, {"alice@example.com", "reject550@example.com"}));
  EXPECT_EQ(str(after_attempt(id, 1)["state"]), "pending");
  advance_to_next_attempt(id);
  EXPECT_EQ(str(wait_state(id, "delivered", 2)["state"]), "delivered");
  dispatcher_.reset();

  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message_id, id);
  EXPECT_EQ(events[0].kind, "email");
  EXPECT_EQ(events[0].res_model, "mail.mail");
  EXPECT_EQ(events[0].res_id, 7);
  EXPECT_EQ(events[0].attempt, 1);
  EXPECT_EQ(events[0].outcome, Outcome::kRetry);
  EXPECT_EQ(events[0].status, 451);
  EXPECT_EQ(events[0].error,
            "451 4.3.0 Local error in processing, try again later (reply to the "
            "end of the message)");
  EXPECT_TRUE(events[0].accepted.empty());  // the server did not take the message
  EXPECT_EQ(events[1].attempt, 2);
  EXPECT_EQ(events[1].outcome, Outcome::kDelivered);
  EXPECT_EQ(events[1].status, 250);
  EXPECT_EQ(events[1].accepted, (std::vector<std::string>{"alice@example.com"}));
  ASSERT_EQ(events[1].refused.size(), 1u);
  EXPECT_EQ(events[1].refused[0].address, "reject550@example.com");
  EXPECT_EQ(events[1].refused[0].code, 550);
  EXPECT_TRUE(contains(events[1].refused[0].reply, "550 5.1.1 <reject550@example.com>"));
  EXPECT_TRUE(events[1].deferred.empty());
  EXPECT_EQ(webhooks, 0);
  // What the handler wrote committed with the attempts, and it saw them written.
  orm::Env r = reader();
  EXPECT_EQ(orm::get_param(r, "test.outcome.1"), "retry");
  EXPECT_EQ(orm::get_param(r, "test.state.1"), "pending");
  EXPECT_EQ(orm::get_param(r, "test.outcome.2"), "delivered");
  EXPECT_EQ(orm::get_param(r, "test.state.2"), "delivered");
}

TEST_F(SmtpTest, AHandlerThatThrowsIsRolledBackAndLoggedAndTheAttemptIsRecorded) {
  SmtpServer& server = serve();
  int second_calls = 0;
  on_outcome(*runtime_, "email", [](const orm::Env& env, const OutcomeEvent&) {
    orm::set_param(env, "test.thrower", "written");
    throw common::UserError("the handler broke");
  });
  on_outcome(*runtime_, "email", [&](const orm::Env& env, const OutcomeEvent&) {
    ++second_calls;
    orm::set_param(env, "test.second", "written");
  });
  LogCapture log;
  start();
  Id id = queue(email(server));
  EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered");
  dispatcher_.reset();
  EXPECT_EQ(attempts(id).size(), 1u);
  EXPECT_EQ(second_calls, 1);
  orm::Env r = reader();
  EXPECT_EQ(orm::get_param(r, "test.thrower"), std::nullopt);
  EXPECT_EQ(orm::get_param(r, "test.second"), "written");
  EXPECT_TRUE(
      contains(log.text(), fmt::format("the email outcome handler failed on message {}, attempt "
                                       "1: the handler broke",
                                       id)))
      << log.text();
}

// --- What enqueue() refuses ------------------------------------------------------------------

TEST_F(SmtpTest, EnqueueRefusesABadServerOrEnvelopeAndQueuesNothing) {
  SmtpServer& server = serve();
  auto refused = [&](const std::function<void(Message&)>& change, const std::string& expected) {
    Message m = email(server);
    change(m);
    orm::Env e = env();
    try {
      enqueue(e, m);
      ADD_FAILURE() << "queued, expected: " << expected;
    } catch (const common::ValueError& error) {
      EXPECT_EQ(std::string(error.what()), expected);
    }
  };
  const std::string url = server.url();
  refused([](Message& m) { m.url = "http://127.0.0.1:25"; },
          "The SMTP server URL 'http://127.0.0.1:25' is not a valid smtp(s) URL: it must start "
          "with smtp:// or smtps://");
  refused([](Message& m) { m.url = "smtp://user:pw@127.0.0.1:25"; },
          "The SMTP server URL 'smtp://user:pw@127.0.0.1:25' is not a valid smtp(s) URL: it must "
          "not contain a user name or password (user:password@): they would be shown wherever "
          "the URL is; the server's user and password are given apart");
  refused([](Message& m) { m.encryption = Encryption::kSsl; },
          fmt::format("The email's encryption 'ssl' does not go with the URL '{}': ssl and "
                      "ssl_strict use smtps://, none, starttls and starttls_strict use smtp://",
                      url));
  refused([](Message& m) { m.recipients.clear(); }, "An email needs at least one recipient");
  refused([](Message& m) { m.recipients = {"alice@example.com\r\nRSET"}; },
          "The email's recipient 'alice@example.com??RSET' cannot be used: it contains a space "
          "or a control character");
  refused([](Message& m) { m.recipients = {"<alice@example.com>"}; },
          "The email's recipient '<alice@example.com>' cannot be used: it contains an angle "
          "bracket (give the bare address)");
  refused([](Message& m) { m.recipients = {"alice"}; },
          "The email's recipient 'alice' cannot be used: it is not of the form local@domain");
  refused([](Message& m) { m.recipients = {"al\xff@example.com"}; },
          "The email's recipient 'al?@example.com' cannot be used: it is not valid UTF-8");
  const std::string long_sender = fmt::format("{}@example.com", std::string(300, 'a'));
  refused([&](Message& m) { m.mail_from = long_sender; },
          fmt::format("The email's sender '{}... (212 more bytes)' cannot be used: it is "
                      "longer than 254 bytes",
                      std::string(100, 'a')));
  refused([](Message& m) { m.recipients.assign(kMaxRecipients + 1, "a@example.com"); },
          "An email has at most 1000 recipients (1001 given)");
  refused([](Message& m) { m.smtp_password = std::string("pa\0ss", 5); },
          "The email's SMTP password contains a NUL or line end");
  refused([](Message& m) { m.smtp_user = std::string(2000, 'u'); },
          "The email's SMTP user is longer than 1024 bytes");
  refused([](Message& m) { m.smtp_user = "us\xc3"; }, "The email's SMTP user is not valid UTF-8");
  EXPECT_EQ(reader().sudo()["outbox.message"].search_count(domain::Domain()), 0);
}

TEST_F(SmtpTest, EnqueueKeepsARepeatedRecipientOnceAndStoresTheEnvelope) {
  SmtpServer& server = serve();
  Message m = email(server, {"alice@example.com", "bob@example.com", "alice@example.com"});
  m.encryption = Encryption::kStarttlsStrict;
  m.smtp_user = "mailer";
  m.smtp_password = "pw";
  m.body = "A\rB\r\nC\nD\r";  // bare CR and LF become CRLF
  Id id = queue(m);
  Json row = reader().sudo()["outbox.message"].browse({id}).read(
      {"mail_from", "recipients", "smtp_encryption", "smtp_user", "state", "body"})[0];
  EXPECT_EQ(str(row["body"]), "A\r\nB\r\nC\r\nD\r\n");
  EXPECT_EQ(str(row["mail_from"]), "sender@example.org");
  EXPECT_EQ(Json::parse(str(row["recipients"])), (Json{"alice@example.com", "bob@example.com"}));
  EXPECT_EQ(str(row["smtp_encryption"]), "starttls_strict");
  EXPECT_EQ(str(row["smtp_user"]), "mailer");
  EXPECT_EQ(str(row["state"]), "pending");
}

TEST_F(SmtpTest, ARowChangedThroughTheApiIsCheckedAgainBeforeItIsSent) {
  SmtpServer& server = serve();
  Id injected = queue(email(server));
  Id downgraded = queue(email(server));
  {
    orm::Env e = env();  // an administrator, through the ORM as the API would
    e["outbox.message"]
        .browse({injected})
        .write(Json{{"recipients", Json{"alice@example.com\r\nRCPT TO:<eve@example.com>"}.dump()}});
    e["outbox.message"].browse({downgraded}).write(Json{{"smtp_encryption", "ssl"}});
    e.commit();
  }
  start();
  Json row = after_attempt(injected, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_EQ(str(row["last_error"]),
            "The email's recipient 'alice@example.com??RCPT TO:<eve@example.com>' cannot be "
            "used: it contains a space or a control character (not retried)");
  row = after_attempt(downgraded, 1);
  EXPECT_EQ(str(row["state"]), "failed") << row.dump();
  EXPECT_TRUE(contains(str(row["last_error"]), "does not go with the URL")) << row.dump();
  EXPECT_TRUE(server.connections().empty());
}

TEST(SmtpUrlTest, AServerUrlIsCheckedAsAWebhookUrlIsWithItsOwnSchemes) {
  EXPECT_EQ(check_smtp_url("smtp://mail.example.com:587"), std::nullopt);
  EXPECT_EQ(check_smtp_url("SMTPS://mail.example.com"), std::nullopt);
  EXPECT_EQ(check_smtp_url("smtp://mail.example.com:25/autorules.example.com"), std::nullopt);
  EXPECT_EQ(check_smtp_url("smtp://mail.example.com:25?auth=x"),
            "The SMTP server URL 'smtp://mail.example.com:25?auth=x' is not a valid smtp(s) URL: "
            "it must not have a query or a fragment (?…, #…)");
  EXPECT_EQ(check_smtp_url("smtp://mail.example.com:0"),
            "The SMTP server URL 'smtp://mail.example.com:0' is not a valid smtp(s) URL: the port "
            "must be a number between 1 and 65535");
  EXPECT_EQ(check_smtp_url("smtp://169.254.169.254:25"),
            "The SMTP server URL 'smtp://169.254.169.254:25' cannot be used: the address "
            "169.254.169.254 is refused: link-local addresses (the cloud metadata service) are "
            "never called");
  EXPECT_EQ(check_smtp_url("smtp://127.0.0.1:25", TargetPolicy{.refuse_private = true}),
            "The SMTP server URL 'smtp://127.0.0.1:25' cannot be used: the address 127.0.0.1 is "
            "refused: loopback addresses are refused by the system parameter "
            "outbox.refuse_private_targets");
  // Webhook URLs are unchanged: still http(s) only.
  EXPECT_NE(check_target_url("smtp://mail.example.com:25"), std::nullopt);
}

// --- Reading an SMTP conversation ------------------------------------------------------------

using internal::classify;
using internal::SmtpDialogue;
using internal::SmtpStage;
using internal::TransferEnd;

TEST(SmtpDialogueTest, RepliesAreMatchedToTheirCommands) {
  SmtpDialogue d;
  d.reply_line("220 mail.example.com ESMTP\r\n");
  d.command("EHLO me\r\n");
  d.reply_line("250-mail.example.com\r\n");
  d.reply_line("250-AUTH PLAIN LOGIN\r\n");
  d.reply_line("250 SIZE 1000\r\n");
  d.command("MAIL FROM:<a@x>\r\n");
  d.reply_line("250 OK\r\n");
  d.command("RCPT TO:<b@x>\r\n");
  d.reply_line("250 OK\r\n");
  d.command("RCPT TO:<c@x>\r\n");
  d.reply_line("550-5.1.1 no such user\r\n");
  d.reply_line("550 5.1.1 <c@x> really\r\n");
  d.command("DATA\r\n");
  d.reply_line("354 go on\r\n");
  d.reply_line("250 queued as 12\r\n");
  ASSERT_EQ(d.rcpt().size(), 2u);
  EXPECT_EQ(d.rcpt()[1].code, 550);
  EXPECT_EQ(d.rcpt()[1].text, "550 5.1.1 no such user 5.1.1 <c@x> really");
  ASSERT_TRUE(d.end_of_data().has_value());
  EXPECT_EQ(d.end_of_data()->code, 250);
  EXPECT_EQ(d.end_of_data()->stage, SmtpStage::kEndOfData);

  internal::SmtpVerdict v = classify(TransferEnd::kOk, "", d, {"b@x", "c@x"});
  EXPECT_EQ(v.outcome, Outcome::kDelivered);
  EXPECT_EQ(v.status, 250);
  EXPECT_EQ(v.accepted, (std::vector<std::string>{"b@x"}));
  ASSERT_EQ(v.refused.size(), 1u);
  EXPECT_EQ(v.refused[0].address, "c@x");
  EXPECT_FALSE(v.recipients_after.has_value());
}

TEST(SmtpDialogueTest, TheLinesOfAnAuthExchangeAreNeverRead) {
  SmtpDialogue d;
  d.command("AUTH LOGIN\r\n");
  d.reply_line("334 VXNlcm5hbWU6\r\n");
  d.command("TUFJTCBGUk9NOg==\r\n");  // a user name whose base64 could read as a command
  d.reply_line("334 UGFzc3dvcmQ6\r\n");
  d.command("RCPT TO\r\n");  // a password that looks like one
  d.reply_line("535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_TRUE(d.rcpt().empty());
  ASSERT_TRUE(d.last().has_value());
  EXPECT_EQ(d.last()->stage, SmtpStage::kAuth);
  internal::SmtpVerdict v = classify(TransferEnd::kFailed, "Login denied", d, {"b@x"});
  EXPECT_EQ(v.outcome, Outcome::kFailed);
  EXPECT_EQ(v.status, 535);
  EXPECT_EQ(v.error, "535 5.7.8 Authentication credentials invalid (reply to AUTH, not retried)");
}

TEST(SmtpDialogueTest, ARepliesTextIsPrintableAndBounded) {
  SmtpDialogue d;
  d.reply_line(std::string("554 bad \x01\xff text\t") + std::string(2000, 'x') + "\r\n");
  ASSERT_TRUE(d.last().has_value());
  EXPECT_EQ(d.last()->code, 554);
  EXPECT_EQ(d.last()->text.size(), internal::kMaxReplyText);
  EXPECT_EQ(d.last()->text.substr(0, 19), "554 bad ?? text xxx");
  EXPECT_EQ(d.last()->text.substr(internal::kMaxReplyText - 3), "...");
  internal::SmtpVerdict v = classify(TransferEnd::kFailed, "Weird server reply", d, {"b@x"});
  EXPECT_EQ(v.outcome, Outcome::kFailed);
  EXPECT_EQ(v.status, 554);
}

TEST(SmtpDialogueTest, WithoutAReplyThatSaysWhyAFailureIsRetried) {
  SmtpDialogue d;
  d.reply_line("220 hello\r\n");
  d.command("EHLO me\r\n");
  d.reply_line("250 hi\r\n");
  d.command("MAIL FROM:<a@x>\r\n");
  internal::SmtpVerdict v =
      classify(TransferEnd::kFailed, "Timeout was reached (Operation timed out)", d, {"b@x"});
  EXPECT_EQ(v.outcome, Outcome::kRetry);
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.error, "Timeout was reached (Operation timed out)");
  v = classify(TransferEnd::kNotRetried, "SSL is required", d, {"b@x"});
  EXPECT_EQ(v.outcome, Outcome::kFailed);
  EXPECT_EQ(v.error, "SSL is required (not retried)");
}

TEST(SmtpDialogueTest, AQuitOfAnotherConnectionIsNotTakenForAReply) {
  SmtpDialogue d;
  d.command("QUIT\r\n");
  d.reply_line("221 bye\r\n");
  d.reply_line("421 too busy\r\n");
  ASSERT_TRUE(d.last().has_value());
  EXPECT_EQ(d.last()->code, 421);
  EXPECT_EQ(d.last()->stage, SmtpStage::kGreeting);
}

}  // namespace
}  // namespace autorules::outbox::test
