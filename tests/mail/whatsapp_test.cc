// WhatsApp (src/mail/whatsapp.h, src/mail/internal/whatsapp_api.h): Meta's request and answers,
// the webhook's signature and payload, and send_whatsapp_template's rows.
#include "mail/whatsapp.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "common/text.h"
#include "domain/domain.h"
#include "mail/internal/whatsapp_api.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail {
namespace {

using common::Id;
using common::Json;
using domain::Domain;
using domain::Op;
using internal::WhatsappAccount;

WhatsappAccount account() {
  WhatsappAccount a;
  a.id = 1;
  a.name = "Shop";
  a.phone_uid = "1098";
  a.token = "tok";
  a.app_secret = "sec";
  a.api_url = "https://graph.example.com/";
  a.api_version = "v21.0";
  return a;
}

TEST(WhatsappApi, ATemplateMessageAsTheCloudApiTakesIt) {
  outbox::Message m =
      internal::whatsapp_request(account(), "+32475123456", "order_ready", "en_US", {"Ann", "#7"});
  EXPECT_EQ(m.kind, "whatsapp");
  EXPECT_EQ(m.url, "https://graph.example.com/v21.0/1098/messages");
  EXPECT_EQ(m.authorization, "Bearer tok");
  EXPECT_TRUE(m.content_type.empty());
  Json body = Json::parse(m.body);
  EXPECT_EQ(body["messaging_product"], "whatsapp");
  EXPECT_EQ(body["to"], "32475123456");
  EXPECT_EQ(body["type"], "template");
  EXPECT_EQ(body["template"]["name"], "order_ready");
  EXPECT_EQ(body["template"]["language"]["code"], "en_US");
  EXPECT_EQ(body["template"]["components"][0]["parameters"][1],
            (Json{{"type", "text"}, {"text", "#7"}}));
  // Without variables, no components; without a URL, Meta's Graph API.
  WhatsappAccount a = account();
  a.api_url.clear();
  m = internal::whatsapp_request(a, "+1650", "hello", "en", {});
  EXPECT_EQ(m.url, "https://graph.facebook.com/v21.0/1098/messages");
  EXPECT_FALSE(Json::parse(m.body)["template"].contains("components"));
}

TEST(WhatsappApi, ParametersLoseWhatMetaRefuses) {
  EXPECT_EQ(internal::whatsapp_parameter("  a\nb\tc      d  "), "a b c    d");
  EXPECT_EQ(common::utf8_length(internal::whatsapp_parameter(std::string(3000, 'x'))), 1024u);
  std::string accents;
  for (int i = 0; i < 1500; ++i)
    accents += "é";
  std::string cut = internal::whatsapp_parameter(accents);
  EXPECT_EQ(common::utf8_length(cut), 1024u);
  EXPECT_EQ(cut.size(), 2048u);  // on a code point
}

TEST(WhatsappApi, AnswersAndRefusals) {
  EXPECT_EQ(internal::whatsapp_message_id(
                R"({"messaging_product": "whatsapp", "messages": [{"id": "wamid.AB=="}]})"),
            "wamid.AB==");
  EXPECT_EQ(internal::whatsapp_message_id(R"({"messages": []})"), "");
  EXPECT_EQ(internal::whatsapp_message_id(R"({"messages": [{"id": 5}]})"), "");
  EXPECT_EQ(internal::whatsapp_message_id(std::string(100000, '[')), "");
  auto f = internal::whatsapp_failure(
      401, "HTTP 401 (not retried)",
      R"({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}})");
  EXPECT_EQ(f.type, "account");
  EXPECT_EQ(f.reason, "HTTP 401 (not retried): error 190, Invalid OAuth access token.");
  EXPECT_EQ(internal::whatsapp_failure(404, "HTTP 404", R"({"error": {"code": 132001}})").type,
            "template");
  EXPECT_EQ(internal::whatsapp_failure(0, "timeout", "").type, "network");
  EXPECT_EQ(internal::whatsapp_error_type(131047), "outdated_channel");
  EXPECT_EQ(internal::whatsapp_error_type(131026), "phone_invalid");
  EXPECT_EQ(internal::whatsapp_error_type(42), "unknown");
}

TEST(WhatsappApi, TheWebhookSignatureIsHmacSha256OfTheBody) {
  // HMAC-SHA256 test vector (RFC 4231 case 2).
  EXPECT_EQ(internal::whatsapp_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WhatsappApi, ThePayloadsStatusesAndMessages) {
  auto events = internal::parse_whatsapp_webhook(R"({
    "object": "whatsapp_business_account",
    "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
      "messaging_product": "whatsapp",
      "metadata": {"display_phone_number": "1555", "phone_number_id": "1098"},
      "contacts": [{"profile": {"name": "Ann"}, "wa_id": "32475123456"}],
      "statuses": [{"id": "wamid.1", "status": "failed", "errors": [{"code": 131026, "title": "Undeliverable"}]},
                   {"id": 7, "status": "sent"}],
      "messages": [{"from": "32475123456", "id": "wamid.in1", "type": "text",
                    "text": {"body": "Thanks"}, "context": {"id": "wamid.1"}},
                   {"from": "32475123456", "id": "wamid.in2", "type": "image", "image": {"id": "x"}},
                   {"from": "32475123456", "id": "wamid.in3", "type": "button", "button": {"text": "Yes"}}]
    }}]}]})");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->statuses.size(), 1u);  // the one without a string id is left out
  EXPECT_EQ(events->statuses[0].phone_number_id, "1098");
  EXPECT_EQ(events->statuses[0].error_code, 131026);
  ASSERT_EQ(events->messages.size(), 3u);
  EXPECT_EQ(events->messages[0].text, "Thanks");
  EXPECT_EQ(events->messages[0].context_id, "wamid.1");
  EXPECT_EQ(events->messages[0].profile_name, "Ann");
  EXPECT_EQ(events->messages[1].text, "");
  EXPECT_EQ(events->messages[1].type, "image");
  EXPECT_EQ(events->messages[2].text, "Yes");
  EXPECT_FALSE(internal::parse_whatsapp_webhook(R"({"object": "page"})"));
  EXPECT_FALSE(internal::parse_whatsapp_webhook("not json"));
  EXPECT_FALSE(internal::parse_whatsapp_webhook(std::string(50000, '[')));
  auto odd = internal::parse_whatsapp_webhook(
      R"({"object": "whatsapp_business_account", "entry": [1, {"changes": "x"}, {"changes": [{"value": []}]}]})");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->statuses.empty() && odd->messages.empty());
}

class WhatsappTest : public test::EngineTest {
 protected:
  WhatsappTest() {
    orm::Env e = su();
    Id model = e["ir.model"].search(Domain::term("model", Op::kEq, "res.partner")).ids().front();
    account_ = e["whatsapp.account"]
                   .create(Json{{"name", "Shop"},
                                {"phone_uid", "1098"},
                                {"token", "tok"},
                                {"api_url", "https://graph.example.com"}})
                   .id();
    template_ =
        e["whatsapp.template"]
            .create(Json{{"name", "Ready"},
                         {"template_name", "order_ready"},
                         {"model_id", model},
                         {"body", "Hi {{1}}, order {{2}}"},
                         {"variable_ids",
                          Json::array({Json::array({0, 0,
                                                    Json{{"name", "{{1}}"},
                                                         {"field_type", "field"},
                                                         {"field_name", "name"}}}),
                                       Json::array({0, 0,
                                                    Json{{"name", "{{2}}"},
                                                         {"demo_value", "#{{ object.id }}"}}})})}})
            .id();
    e.commit();
  }

  Json send(const Json& partner) {
    orm::Env e = env();
    Id pid = e["res.partner"].create(partner).id();
    common::IdList ids = send_whatsapp_template(e["whatsapp.template"].browse({template_}),
                                                e["res.partner"].browse({pid}));
    Json rows = e.sudo()["whatsapp.message"].browse(ids).read({"mobile_number", "body", "state",
                                                               "failure_type", "outbox_message_id",
                                                               "mail_message_id", "res_id"});
    e.commit();
    return rows;
  }

  Id account_ = 0, template_ = 0;
};

TEST_F(WhatsappTest, AMessagePerRecordQueuedAndLogged) {
  Json row = send(Json{{"name", "Ann"}, {"mobile", "+32 475 12 34 56"}})[0];
  EXPECT_EQ(row["state"], "outgoing");
  EXPECT_EQ(row["mobile_number"], "+32475123456");
  EXPECT_EQ(row["body"], "Hi Ann, order #" + std::to_string(row["res_id"].get<Id>()));
  ASSERT_TRUE(row["mail_message_id"].is_array());
  Json out =
      su()["outbox.message"].browse({row["outbox_message_id"].get<Id>()}).read({"kind", "url"})[0];
  EXPECT_EQ(out["kind"], "whatsapp");
  EXPECT_EQ(out["url"], "https://graph.example.com/v21.0/1098/messages");
}

TEST_F(WhatsappTest, WhatCannotBeSentIsAnErrorAndNotQueued) {
  std::int64_t before = su()["outbox.message"].search_count(Domain());
  EXPECT_EQ(send(Json{{"name", "Nobody"}})[0]["failure_type"], "phone_invalid");
  EXPECT_EQ(send(Json{{"name", "Short"}, {"mobile", "12"}})[0]["failure_type"], "phone_invalid");
  {
    orm::Env e = su();
    e["whatsapp.account"].browse({account_}).write(Json{{"active", false}});
    e.commit();
  }
  EXPECT_EQ(send(Json{{"name", "Ann"}, {"mobile", "+32 475 12 34 56"}})[0]["failure_type"],
            "account");
  EXPECT_EQ(su()["outbox.message"].search_count(Domain()), before);
}

TEST_F(WhatsappTest, TheVerificationNeedsAnActiveAccountsToken) {
  {
    orm::Env e = su();
    e["whatsapp.account"].browse({account_}).write(Json{{"webhook_verify_token", "v-1"}});
    e.commit();
  }
  EXPECT_EQ(verify_whatsapp_webhook(*runtime_, "subscribe", "v-1", "12345"), "12345");
  EXPECT_FALSE(verify_whatsapp_webhook(*runtime_, "subscribe", "v-2", "12345"));
  EXPECT_FALSE(verify_whatsapp_webhook(*runtime_, "subscribe", "", "12345"));
  EXPECT_FALSE(verify_whatsapp_webhook(*runtime_, "subscribe", "v-1", "a b"));
  EXPECT_FALSE(verify_whatsapp_webhook(*runtime_, "", "v-1", "12345"));
}

TEST_F(WhatsappTest, AWebhookCallWithoutTheSignatureChangesNothing) {
  {
    orm::Env e = su();
    e["whatsapp.account"].browse({account_}).write(Json{{"app_secret", "sec"}});
    e.commit();
  }
  std::string body = R"({"object": "whatsapp_business_account", "entry": []})";
  EXPECT_EQ(apply_whatsapp_webhook(*runtime_, body, ""), 403);
  EXPECT_EQ(apply_whatsapp_webhook(*runtime_, body, "sha256=00"), 403);
  EXPECT_EQ(apply_whatsapp_webhook(*runtime_, body, internal::whatsapp_signature("sec", body)),
            200);
  EXPECT_EQ(apply_whatsapp_webhook(*runtime_, "[]", internal::whatsapp_signature("sec", "[]")),
            400);
}

}  // namespace
}  // namespace autorules::mail
