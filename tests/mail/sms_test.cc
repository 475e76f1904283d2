// Text messages (src/mail/sms.h, src/mail/internal/sms_provider.h): the providers' requests and
// answers, Twilio's signature, and send_sms_template's sms.sms rows and outbox messages.
#include "mail/sms.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "common/text.h"
#include "domain/domain.h"
#include "mail/internal/sms_provider.h"
#include "mail/phone_number.h"
#include "orm/crypto.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail {
namespace {

using common::Id;
using common::Json;
using domain::Domain;
using domain::Op;
using internal::SmsProvider;

SmsProvider twilio() {
  SmsProvider p;
  p.id = 3;
  p.name = "Twilio";
  p.kind = "twilio";
  p.api_url = "https://api.example.com/";
  p.account_sid = "AC0123";
  p.auth_token = "secret";
  p.from = "+15005550006";
  return p;
}

TEST(SmsProvider, TwilioRequestsAreSignedInFormsWithBasicAuthentication) {
  outbox::Message m = internal::sms_request(twilio(), "+32475123456", "Héllo & bye=1", "u-1",
                                            "https://ar.example.com/sms/twilio/status/3?ref=u-1");
  EXPECT_EQ(m.kind, "sms");
  EXPECT_EQ(m.url, "https://api.example.com/2010-04-01/Accounts/AC0123/Messages.json");
  EXPECT_EQ(m.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(m.body,
            "To=%2B32475123456&From=%2B15005550006&Body=H%C3%A9llo%20%26%20bye%3D1&StatusCallback="
            "https%3A%2F%2Far.example.com%2Fsms%2Ftwilio%2Fstatus%2F3%3Fref%3Du-1");
  EXPECT_EQ(m.authorization, "Basic " + common::base64_encode("AC0123:secret"));
  EXPECT_EQ(m.idempotency_header, "I-Twilio-Idempotency-Token");
  // A Messaging Service sends instead of a number; no callback, no StatusCallback.
  SmsProvider service = twilio();
  service.from = "MG" + std::string(32, 'a');
  service.api_url.clear();
  m = internal::sms_request(service, "+1650", "x", "u", "");
  EXPECT_EQ(m.url, "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json");
  EXPECT_EQ(m.body, "To=%2B1650&MessagingServiceSid=MG" + std::string(32, 'a') + "&Body=x");
}

TEST(SmsProvider, TheJsonGatewayTakesToBodyAndReferenceWithABearerToken) {
  SmsProvider p;
  p.kind = "webhook";
  p.name = "Gateway";
  p.api_url = "https://gw.example.com/send";
  p.api_token = "tok";
  outbox::Message m = internal::sms_request(p, "+32475123456", "Hi \"you\"", "ref-1", "");
  EXPECT_EQ(m.url, "https://gw.example.com/send");
  EXPECT_EQ(Json::parse(m.body),
            (Json{{"to", "+32475123456"}, {"body", "Hi \"you\""}, {"reference", "ref-1"}}));
  EXPECT_EQ(m.authorization, "Bearer tok");
  EXPECT_TRUE(m.content_type.empty());  // JSON
  p.api_token.clear();
  EXPECT_TRUE(internal::sms_request(p, "+1", "x", "r", "").authorization.empty());
}

TEST(SmsProvider, ProblemsNameWhatIsMissing) {
  EXPECT_FALSE(internal::sms_provider_problem(twilio()));
  SmsProvider p = twilio();
  p.auth_token.clear();
  EXPECT_NE(internal::sms_provider_problem(p)->find("Auth Token"), std::string::npos);
  p = twilio();
  p.account_sid = "AC 1";
  EXPECT_NE(internal::sms_provider_problem(p)->find("Account SID"), std::string::npos);
  p = twilio();
  p.api_url = "ftp://x";
  EXPECT_TRUE(internal::sms_provider_problem(p));
  p.kind = "webhook";
  p.api_url = "";
  EXPECT_NE(internal::sms_provider_problem(p)->find("URL"), std::string::npos);
  p.kind = "carrier-pigeon";
  EXPECT_TRUE(internal::sms_provider_problem(p));
}

TEST(SmsProvider, MessageIdsComeFromTheAnswerAndOnlyWhenSane) {
  EXPECT_EQ(internal::sms_message_id(R"({"sid": "SM123", "status": "queued"})"), "SM123");
  EXPECT_EQ(internal::sms_message_id(R"({"id": "gw-1"})"), "gw-1");
  EXPECT_EQ(internal::sms_message_id(R"({"message_id": "m-2"})"), "m-2");
  EXPECT_EQ(internal::sms_message_id("not json"), "");
  EXPECT_EQ(internal::sms_message_id(R"({"sid": 12})"), "");
  EXPECT_EQ(internal::sms_message_id(R"({"sid": "a b"})"), "");
  EXPECT_EQ(internal::sms_message_id(Json{{"sid", std::string(200, 'x')}}.dump()), "");
}

TEST(SmsProvider, RefusalsAreTypedFromTwilioCodesElseFromTheStatus) {
  auto f = internal::sms_failure(400, "HTTP 400 (not retried)",
                                 R"({"code": 21211, "message": "Invalid 'To' Phone Number"})");
  EXPECT_EQ(f.type, "sms_number_format");
  EXPECT_EQ(f.reason, "HTTP 400 (not retried): error 21211, Invalid 'To' Phone Number");
  EXPECT_EQ(
      internal::sms_failure(401, "HTTP 401", R"({"code": 20003, "message": "Authenticate"})").type,
      "sms_acc");
  EXPECT_EQ(internal::sms_failure(403, "HTTP 403", "<html>").type, "sms_acc");
  EXPECT_EQ(internal::sms_failure(402, "HTTP 402", "").type, "sms_credit");
  EXPECT_EQ(internal::sms_failure(0, "timeout", "").type, "sms_server");
  EXPECT_EQ(internal::sms_failure(400, "HTTP 400", R"({"error": "bad number"})").reason,
            "HTTP 400: bad number");
  EXPECT_LE(internal::sms_failure(400, "x", Json{{"message", std::string(100000, 'y')}}.dump())
                .reason.size(),
            1200u);
  EXPECT_EQ(internal::twilio_error_type("30003"), "sms_invalid_destination");
  EXPECT_EQ(internal::twilio_error_type("30007"), "sms_rejected");
  EXPECT_EQ(internal::twilio_error_type("99999"), "sms_server");
}

TEST(SmsProvider, TwilioSignaturesSortTheParametersByName) {
  // RFC 2202's HMAC-SHA1 test case 2, then Twilio's construction by hand.
  EXPECT_EQ(
      common::base64_encode(orm::hmac_sha1("Jefe", "what do ya want for nothing?")),
      common::base64_encode(std::string(
          "\xef\xfc\xdf\x6a\xe5\xeb\x2f\xa2\xd2\x74\x16\xd5\xf1\x84\xdf\x9c\x25\x9a\x7c\x79", 20)));
  std::string url = "https://example.com/sms/twilio/status/1?ref=abc";
  std::string expected = common::base64_encode(
      orm::hmac_sha1("tok", url + "AccountSidAC1MessageSidSM1MessageStatussent"));
  EXPECT_EQ(
      internal::twilio_signature(
          "tok", url, {{"MessageStatus", "sent"}, {"MessageSid", "SM1"}, {"AccountSid", "AC1"}}),
      expected);
  EXPECT_NE(internal::twilio_signature("tok", url + "&x=1", {{"MessageSid", "SM1"}}), expected);
}

TEST(FormEncode, EncodesEverythingButUnreservedCharacters) {
  EXPECT_EQ(common::form_encode({{"a b", "c+d/é~._-"}, {"", ""}}), "a%20b=c%2Bd%2F%C3%A9~._-&=");
  EXPECT_EQ(common::form_encode({}), "");
}

class SmsTest : public test::EngineTest {
 protected:
  SmsTest() {
    orm::Env e = su();
    Id partner_model =
        e["ir.model"].search(Domain::term("model", Op::kEq, "res.partner")).ids().front();
    template_ = e["sms.template"]
                    .create(Json{{"name", "Ready"},
                                 {"model_id", partner_model},
                                 {"body", "Hello {{ object.name }}"}})
                    .id();
    be_ = e["res.country"].search(Domain::term("code", Op::kEq, "BE")).id();
    e.commit();
  }

  Id provider(const std::string& kind = "twilio") {
    orm::Env e = su();
    Id id = e["sms.provider"]
                .create(Json{{"name", "P"},
                             {"provider", kind},
                             {"api_url", "https://sms.example.com"},
                             {"twilio_account_sid", "AC1"},
                             {"twilio_auth_token", "tok"},
                             {"twilio_from", "+15005550006"}})
                .id();
    e.commit();
    return id;
  }

  Json send(const Json& partner, SmsMethod method = SmsMethod::kSms) {
    orm::Env e = env();
    Id pid = e["res.partner"].create(partner).id();
    common::IdList ids = send_sms_template(e["sms.template"].browse({template_}),
                                           e["res.partner"].browse({pid}), method);
    Json rows = e.sudo()["sms.sms"].browse(ids).read({"number", "body", "state", "failure_type",
                                                      "partner_id", "outbox_message_id",
                                                      "mail_message_id", "provider_id", "res_id"});
    e.commit();
    return rows;
  }

  Id template_ = 0, be_ = 0;
};

TEST_F(SmsTest, EachNumberIsQueuedInE164WithItsProvider) {
  Id p = provider();
  Json rows = send(Json{{"name", "Ann"}, {"mobile", "0475 12 34 56"}, {"country_id", be_}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["number"], "+32475123456");
  EXPECT_EQ(rows[0]["body"], "Hello Ann");
  EXPECT_EQ(rows[0]["state"], "outgoing");
  EXPECT_EQ(rows[0]["provider_id"][0], p);
  Json out = su()["outbox.message"]
                 .browse({rows[0]["outbox_message_id"].get<Id>()})
                 .read({"kind", "url", "res_model", "res_id", "content_type"})[0];
  EXPECT_EQ(out["kind"], "sms");
  EXPECT_EQ(out["url"], "https://sms.example.com/2010-04-01/Accounts/AC1/Messages.json");
  EXPECT_EQ(out["res_model"], "sms.sms");
  EXPECT_EQ(out["res_id"], rows[0]["id"]);
  EXPECT_EQ(out["content_type"], "application/x-www-form-urlencoded");
}

TEST_F(SmsTest, NumbersThatCannotBeSentAreErrorsAndNothingIsQueued) {
  provider();
  std::int64_t before = su()["outbox.message"].search_count(Domain());
  EXPECT_EQ(send(Json{{"name", "No number"}})[0]["failure_type"], "sms_number_missing");
  EXPECT_EQ(send(Json{{"name", "Short"}, {"mobile", "12"}, {"country_id", be_}})[0]["failure_type"],
            "sms_number_format");
  EXPECT_EQ(send(Json{{"name", "Nowhere"}, {"mobile", "0475 12 34 56"}})[0]["failure_type"],
            "sms_number_format");
  Json row = send(Json{{"name", "Junk"}, {"mobile", std::string(5000, '9')}})[0];
  EXPECT_EQ(row["state"], "error");
  EXPECT_LE(row["number"].get<std::string>().size(), kMaxPhoneNumberLength + 64);
  EXPECT_EQ(su()["outbox.message"].search_count(Domain()), before);
}

TEST_F(SmsTest, WithoutAnActiveProviderTheSmsSaysSo) {
  Json row = send(Json{{"name", "Ann"}, {"mobile", "+32 475 12 34 56"}})[0];
  EXPECT_EQ(row["state"], "error");
  EXPECT_EQ(row["failure_type"], "sms_provider_missing");
  orm::Env e = su();
  e["sms.provider"].create(Json{{"name", "Off"},
                                {"provider", "webhook"},
                                {"api_url", "https://x.example.com"},
                                {"active", false}});
  e.commit();
  EXPECT_EQ(send(Json{{"name", "Bob"}, {"mobile", "+32 475 12 34 56"}})[0]["failure_type"],
            "sms_provider_missing");
}

TEST_F(SmsTest, TheThreeMethodsLeaveTheirTraceOnTheChatter) {
  provider("webhook");
  Json sms = send(Json{{"name", "Ann"}, {"mobile", "+32 475 12 34 56"}}, SmsMethod::kSms)[0];
  EXPECT_EQ(sms["mail_message_id"], false);
  Json comment =
      send(Json{{"name", "Bob"}, {"mobile", "+32 475 12 34 56"}}, SmsMethod::kComment)[0];
  ASSERT_TRUE(comment["mail_message_id"].is_array());
  Json msg = su()["mail.message"]
                 .browse({comment["mail_message_id"][0].get<Id>()})
                 .read({"message_type", "body", "model", "res_id"})[0];
  EXPECT_EQ(msg["message_type"], "sms");
  EXPECT_NE(msg["body"].get<std::string>().find("Hello Bob"), std::string::npos);
  EXPECT_EQ(msg["res_id"], comment["res_id"]);
  std::int64_t before = su()["sms.sms"].search_count(Domain());
  EXPECT_TRUE(send(Json{{"name", "Cy"}, {"mobile", "+32 475 12 34 56"}}, SmsMethod::kNote).empty());
  EXPECT_EQ(su()["sms.sms"].search_count(Domain()), before);
  Id cy = su()["res.partner"].search(Domain::term("name", Op::kEq, "Cy")).id();
  Json notes = su()["mail.message"].search_read(
      Domain::conjoin(Domain::term("model", Op::kEq, "res.partner"),
                      Domain::term("res_id", Op::kEq, cy)),
      {"body", "message_type"});
  bool found = false;
  for (const Json& n : notes)
    found = found || (n["body"].get<std::string>().find("Hello Cy") != std::string::npos &&
                      n["message_type"] == "comment");
  EXPECT_TRUE(found);
}

TEST_F(SmsTest, ATemplateOfAnotherModelIsRefused) {
  provider();
  orm::Env e = env();
  Id user = orm::kAdminId;
  EXPECT_THROW_MSG(send_sms_template(e["sms.template"].browse({template_}),
                                     e["res.users"].browse({user}), SmsMethod::kSms),
                   common::ValueError, "is for 'res.partner', not 'res.users'");
}

TEST_F(SmsTest, SecretsAreNotReadable) {
  Id p = provider();
  orm::Env e = env();
  EXPECT_ANY_THROW(e["sms.provider"].browse({p}).read({"twilio_auth_token"}));
}

}  // namespace
}  // namespace autorules::mail
