// Incoming email: routing replies and aliases, duplicates, bounces, loops, automatic mail
// (src/mail/inbound.h).
#include "mail/inbound.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"
#include "mail/mime.h"
#include "mail/thread.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail {
namespace {

using common::Id;
using common::Json;
using domain::Domain;
using domain::Op;
using Kind = InboundResult::Kind;

std::string email(const std::string& headers, const std::string& body = "Hello\r\n") {
  return headers + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body;
}

class InboundTest : public test::EngineTest {
 protected:
  InboundTest() {
    orm::Env e = su();
    Id admin_partner = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
    e["res.partner"].browse({admin_partner}).write(Json{{"email", "admin@example.com"}});
    customer_ = e["res.partner"].create(Json{{"name", "Cust"}, {"email", "cust@example.org"}}).id();
    record_ = e["res.partner"].create(Json{{"name", "Deal"}}).id();
    e["ir.config_parameter"].create(
        Json{{"key", "mail.catchall.domain"}, {"value", "crm.example.com"}});
    Id partner_model =
        e["ir.model"].search(Domain::term("model", Op::kEq, "res.partner")).ids().front();
    e["mail.alias"].create(Json{{"alias_name", "contacts"},
                                {"alias_model_id", partner_model},
                                {"alias_defaults", "{'city': 'Inbox'}"}});
    Post p;
    p.message_type = "comment";
    p.subtype_xmlid = "mail.mt_comment";
    p.body = "Our offer";
    offer_ =
        e["mail.message"]
            .browse({message_post(e.with_user(orm::kAdminId)["res.partner"].browse({record_}), p)})
            .get("message_id")
            .as_string();
    e.commit();
  }

  InboundResult deliver(const std::string& bytes) {
    orm::Env e = su();
    InboundResult r = process_inbound(e, bytes);
    e.commit();
    return r;
  }

  Id customer_ = 0, record_ = 0;
  std::string offer_;
};

TEST_F(InboundTest, AReplyIsPostedOnItsRecordAsAnEmailFromItsAuthor) {
  InboundResult r = deliver(email(fmt::format("From: Cust <cust@example.org>\r\nTo: "
                                              "catchall@crm.example.com\r\nSubject: Re: offer\r\n"
                                              "Message-ID: <reply-1@example.org>\r\nIn-Reply-To: "
                                              "{}\r\nReferences: {}\r\n",
                                              offer_, offer_),
                                  "Yes <please>\r\n"));
  ASSERT_EQ(r.kind, Kind::kPosted) << r.detail;
  EXPECT_EQ(r.model, "res.partner");
  EXPECT_EQ(r.res_id, record_);
  {
    orm::Env e = su();
    Json m = e["mail.message"]
                 .browse({r.message_id})
                 .read({"message_type", "author_id", "body", "subtype_id", "message_id",
                        "parent_id"})[0];
    EXPECT_EQ(m["message_type"], "email");
    EXPECT_EQ(m["author_id"][0].get<Id>(), customer_);
    EXPECT_NE(m["body"].get<std::string>().find("Yes &lt;please&gt;"), std::string::npos);
    EXPECT_EQ(m["subtype_id"][0].get<Id>(), e.ref("mail.mt_comment").id());
    EXPECT_EQ(m["message_id"], "<reply-1@example.org>");
    EXPECT_NE(m["parent_id"], false);
  }
  // Delivered again: taken, not posted twice.
  InboundResult again = deliver(email(fmt::format(
      "From: cust@example.org\r\nSubject: Re: offer\r\nMessage-ID: <reply-1@example.org>\r\n"
      "In-Reply-To: {}\r\n",
      offer_)));
  EXPECT_EQ(again.kind, Kind::kDuplicate);
  EXPECT_EQ(again.message_id, r.message_id);
}

TEST_F(InboundTest, AMailToAnAliasCreatesARecordWithItsDefaults) {
  InboundResult r = deliver(
      email("From: New Lead <lead@example.net>\r\nTo: Contacts <CONTACTS@crm.example.com>\r\n"
            "Subject: =?utf-8?q?Caf=C3=A9_order?=\r\nMessage-ID: <new-1@example.net>\r\n"));
  ASSERT_EQ(r.kind, Kind::kPosted) << r.detail;
  orm::Env e = su();
  Json rec = e["res.partner"].browse({r.res_id}).read({"name", "city"})[0];
  EXPECT_EQ(rec["name"], "Café order");
  EXPECT_EQ(rec["city"], "Inbox");
}

TEST_F(InboundTest, AMailNobodyIsWaitingForIsRefusedNotDropped) {
  InboundResult r =
      deliver(email("From: x@example.net\r\nTo: nobody@crm.example.com\r\nSubject: hi\r\n"
                    "Message-ID: <lost@example.net>\r\n"));
  EXPECT_EQ(r.kind, Kind::kNoRoute);
  EXPECT_NE(r.detail.find("No possible route"), std::string::npos);
}

TEST_F(InboundTest, AMessageParsedByTheCallerIsRoutedTheSame) {
  // The gateways parse first (a message that is not one is the sender's fault, a failure after
  // that is theirs), then hand the parsed message over.
  ParsedEmail parsed = parse_mime(
      email("From: Cust <cust@example.org>\r\nTo: deal@example.com\r\nSubject: Re: offer\r\n"
            "Message-ID: <parsed@example.org>\r\nIn-Reply-To: " +
            offer_ + "\r\n"));
  orm::Env e = su();
  InboundResult r = process_inbound(e, parsed);
  e.commit();
  EXPECT_EQ(r.kind, Kind::kPosted);
  EXPECT_EQ(r.model, "res.partner");
  EXPECT_EQ(r.res_id, record_);
  orm::Env check = su();
  EXPECT_EQ(check["mail.message"].browse({r.message_id}).get("author_id").as_int(), customer_);
}

TEST_F(InboundTest, GarbageIsRefusedClearly) {
  orm::Env e = su();
  EXPECT_THROW(process_inbound(e, ""), common::UserError);
  EXPECT_THROW(process_inbound(e, std::string(1000, '\x01')), common::UserError);
}

TEST_F(InboundTest, ASenderPostingTooFastIsALoop) {
  {
    orm::Env e = su();
    e["ir.config_parameter"].create(Json{{"key", "mail.gateway.loop.threshold"}, {"value", "3"}});
    e.commit();
  }
  Kind last = Kind::kPosted;
  for (int i = 0; i < 5; ++i) {
    last = deliver(email(fmt::format("From: bot@example.org\r\nSubject: auto\r\nMessage-ID: "
                                     "<bot-{}@example.org>\r\nIn-Reply-To: {}\r\n",
                                     i, offer_)))
               .kind;
  }
  EXPECT_EQ(last, Kind::kLoop);
}

TEST_F(InboundTest, AutomaticMailIsPostedButFiresNoRule) {
  {
    orm::Env e = su();
    Json action{{"name", "rank"},
                {"state", "object_write"},
                {"update_path", "customer_rank"},
                {"value", "9"}};
    e["base.automation"].create(
        Json{{"name", "On reply"},
             {"model_name", "res.partner"},
             {"trigger", "on_message_received"},
             {"action_server_ids", Json::array({Json::array({0, 0, action})})}});
    e.commit();
  }
  InboundResult r = deliver(email(fmt::format(
      "From: cust@example.org\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n"
      "Message-ID: <ooo@example.org>\r\nIn-Reply-To: {}\r\n",
      offer_)));
  ASSERT_EQ(r.kind, Kind::kPosted);
  orm::Env e = su();
  EXPECT_EQ(e["res.partner"].browse({record_}).get("customer_rank").as_int(), 0);
  e.rollback();
  r =
      deliver(email(fmt::format("From: cust@example.org\r\nSubject: Thanks\r\nMessage-ID: "
                                "<human@example.org>\r\nIn-Reply-To: {}\r\n",
                                offer_)));
  orm::Env after = su();
  EXPECT_EQ(after["res.partner"].browse({record_}).get("customer_rank").as_int(), 9);
}

TEST_F(InboundTest, AnHtmlPartTheSanitizerRefusesIsPostedAsItsText) {
  std::string tag = "<p";
  for (int i = 0; i < 300; ++i)
    tag += " a" + std::to_string(i) + "=1";
  std::string bytes = fmt::format(
      "From: cust@example.org\r\nSubject: Re: offer\r\nMessage-ID: <wide@example.org>\r\n"
      "In-Reply-To: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
      "{}>Many attributes</p>\r\n",
      offer_, tag);
  InboundResult r = deliver(bytes);
  ASSERT_EQ(r.kind, Kind::kPosted) << r.detail;
  orm::Env e = su();
  std::string body = e["mail.message"].browse({r.message_id}).get("body").as_string();
  EXPECT_NE(body.find("Many attributes"), std::string::npos) << body;
  EXPECT_EQ(body.find("a299"), std::string::npos) << body;
}

}  // namespace
}  // namespace autorules::mail
