// "Send Email" (mail_post, src/actions/internal/mail_post.cc) with the whole engine: the methods
// email / comment / note (what is posted, who is notified, the mail.mail of an email), the
// template rendered per record, a template that does not render, "Subscribe Recipients", one run
// for several records, and what saving refuses.
#include <algorithm>

#include <gtest/gtest.h>

#include "actions/actions.h"
#include "common/errors.h"
#include "domain/domain.h"
#include "mail/thread.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::actions {
namespace {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using domain::Op;

class MailPostTest : public test::EngineTest {
 protected:
  MailPostTest() {
    orm::Env e = su();
    admin_partner_ = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
    e["res.partner"].browse({admin_partner_}).write(Json{{"email", "admin@example.com"}});
    customer_ =
        e["res.partner"].create(Json{{"name", "Zoé Customer"}, {"email", "zoe@example.com"}}).id();
    Id ian =
        e["res.users"]
            .create(Json{{"name", "Inbox Ian"}, {"login", "ian"}, {"notification_type", "inbox"}})
            .id();
    employee_ = e["res.users"].browse({ian}).get("partner_id").as_int();
    acme_ = e["res.partner"].create(Json{{"name", "Acme"}}).id();
    beta_ = e["res.partner"].create(Json{{"name", "Beta"}}).id();
    partner_model_ = e.ref("base.model_res_partner").id();
    template_ = e["mail.template"]
                    .create(Json{{"name", "Welcome"},
                                 {"model_id", partner_model_},
                                 {"subject", "Hello {{ object.name }}"},
                                 {"body_html", "<p>Dear <t t-out=\"object.name\"/></p>"},
                                 {"partner_to", std::to_string(customer_)}})
                    .id();
    e.commit();
  }

  Id action(const char* method, Json extra = Json::object()) {
    orm::Env e = su();
    Json vals{{"name", "Send welcome"},
              {"model_id", partner_model_},
              {"state", "mail_post"},
              {"template_id", template_},
              {"mail_post_method", method}};
    vals.update(extra);
    Id id = e["ir.actions.server"].create(vals).id();
    e.commit();
    return id;
  }

  // Runs the action on `records` as an automation rule does: superuser mode, the admin's uid.
  void run_on(Id action, const IdList& records) {
    orm::Env e = env().sudo().with_context(
        Json{{"active_model", "res.partner"}, {"active_ids", records}, {"active_id", records[0]}});
    run(e["ir.actions.server"].browse({action}));
    e.commit();
  }

  // The messages on a record, oldest first, with their type, subtype and text.
  Json messages(orm::Env& e, Id record) {
    return e["mail.message"]
        .search(Domain::conjoin(Domain::term("model", Op::kEq, "res.partner"),
                                Domain::term("res_id", Op::kEq, record)),
                orm::SearchOptions{.order = "id"})
        .read({"message_type", "subtype_id", "subject", "body", "author_id", "is_internal"});
  }

  IdList notified(orm::Env& e, Id message) {
    IdList out;
    for (const Json& n : e["mail.notification"]
                             .search(Domain::term("mail_message_id", Op::kEq, message))
                             .read({"res_partner_id"}))
      out.push_back(n["res_partner_id"][0].get<Id>());
    std::sort(out.begin(), out.end());
    return out;
  }

  IdList followers(orm::Env& e, Id record) {
    IdList out;
    for (const Json& f :
         e["mail.followers"]
             .search(Domain::conjoin(Domain::term("res_model", Op::kEq, "res.partner"),
                                     Domain::term("res_id", Op::kEq, record)))
             .read({"partner_id"}))
      out.push_back(f["partner_id"][0].get<Id>());
    std::sort(out.begin(), out.end());
    return out;
  }

  Json mails(orm::Env& e) {
    return e["mail.mail"]
        .search(Domain(), orm::SearchOptions{.order = "id"})
        .read({"subject", "body_html", "model", "res_id", "recipient_ids", "email_from",
               "mail_message_id"});
  }

  Id admin_partner_ = 0, customer_ = 0, employee_ = 0, acme_ = 0, beta_ = 0, partner_model_ = 0,
     template_ = 0;
};

TEST_F(MailPostTest, CommentPostsTheRenderedTemplateAsAnAutomatedMessageToFollowersAndRecipients) {
  {
    orm::Env e = su();
    mail::message_subscribe(e["res.partner"].browse({acme_}), {employee_});
    e.commit();
  }
  run_on(action("comment"), {acme_});
  orm::Env e = su();
  Json m = messages(e, acme_);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["message_type"], "auto_comment");
  EXPECT_EQ(m[0]["subtype_id"][0].get<Id>(), e.ref("mail.mt_comment").id());
  EXPECT_EQ(m[0]["subject"], "Hello Acme");
  EXPECT_NE(m[0]["body"].get<std::string>().find("<p>Dear Acme</p>"), std::string::npos);
  EXPECT_EQ(m[0]["author_id"][0].get<Id>(), admin_partner_);  // the user who ran it
  EXPECT_FALSE(m[0]["is_internal"].get<bool>());
  // The follower (Discussions) and the template's recipient; never the author.
  IdList expected{customer_, employee_};
  std::sort(expected.begin(), expected.end());
  Id mid = e["mail.message"]
               .search(Domain::conjoin(Domain::term("model", Op::kEq, "res.partner"),
                                       Domain::term("res_id", Op::kEq, acme_)))
               .ids()
               .front();
  EXPECT_EQ(notified(e, mid), expected);
  // "Subscribe Recipients" (the default): the recipient follows now; the author does not.
  EXPECT_EQ(followers(e, acme_), expected);
}

TEST_F(MailPostTest, NotePostsAnInternalNoteThatOnlyItsRecipientsAndNoteFollowersGet) {
  {
    orm::Env e = su();
    // Default subtypes (Discussions): a note does not reach this follower.
    mail::message_subscribe(e["res.partner"].browse({acme_}), {employee_});
    e.commit();
  }
  run_on(action("note"), {acme_});
  orm::Env e = su();
  Json m = messages(e, acme_);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["message_type"], "auto_comment");
  EXPECT_EQ(m[0]["subtype_id"][0].get<Id>(), e.ref("mail.mt_note").id());
  Id mid = e["mail.message"]
               .search(Domain::conjoin(Domain::term("model", Op::kEq, "res.partner"),
                                       Domain::term("res_id", Op::kEq, acme_)))
               .ids()
               .front();
  // The template's recipient is named on the message: notified even of a note.
  EXPECT_EQ(notified(e, mid), IdList{customer_});
}

TEST_F(MailPostTest, WithoutSubscribeRecipientsTheRecipientIsNotifiedButDoesNotFollow) {
  run_on(action("comment", Json{{"mail_post_autofollow", false}}), {acme_});
  orm::Env e = su();
  Json m = messages(e, acme_);
  ASSERT_EQ(m.size(), 1u);
  Id mid = e["mail.message"]
               .search(Domain::conjoin(Domain::term("model", Op::kEq, "res.partner"),
                                       Domain::term("res_id", Op::kEq, acme_)))
               .ids()
               .front();
  EXPECT_EQ(notified(e, mid), IdList{customer_});
  // Neither the recipient nor the author (an employee, whom a comment would subscribe).
  EXPECT_TRUE(followers(e, acme_).empty());
}

TEST_F(MailPostTest, EmailQueuesOneMailPerRecordAndPostsNothingOnTheChatter) {
  Id a = action("email");  // "Subscribe Recipients" left at its default: email never subscribes
  run_on(a, {acme_, beta_});
  orm::Env e = su();
  Json m = mails(e);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]["subject"], "Hello Acme");
  EXPECT_EQ(m[0]["res_id"].get<Id>(), acme_);
  EXPECT_EQ(m[0]["model"], "res.partner");
  EXPECT_NE(m[0]["body_html"].get<std::string>().find("Dear Acme"), std::string::npos);
  EXPECT_EQ(m[0]["recipient_ids"], Json::array({customer_}));
  // No From on the template: the user's address.
  EXPECT_NE(m[0]["email_from"].get<std::string>().find("admin@example.com"), std::string::npos);
  EXPECT_EQ(m[1]["subject"], "Hello Beta");
  EXPECT_EQ(m[1]["res_id"].get<Id>(), beta_);
  // Nothing posted on the chatter (the emails' own messages only), nobody subscribed.
  for (Id record : {acme_, beta_}) {
    for (const Json& msg : messages(e, record)) {
      EXPECT_NE(msg["message_type"], "auto_comment") << msg.dump();
      EXPECT_NE(msg["message_type"], "comment") << msg.dump();
    }
    EXPECT_TRUE(followers(e, record).empty());
    EXPECT_TRUE(e["mail.notification"].search(Domain()).empty());
  }
}

TEST_F(MailPostTest, RunsOnceForAllTheRecordsEachRenderedForItself) {
  Id a = action("comment");
  auto runs = [&] {
    for (const RunCount& c : run_counts(*runtime_)) {
      if (c.type == "mail_post")
        return c.runs;
    }
    return std::uint64_t{0};
  };
  std::uint64_t before = runs();
  run_on(a, {acme_, beta_});
  EXPECT_EQ(runs(), before + 1);
  orm::Env e = su();
  Json ma = messages(e, acme_), mb = messages(e, beta_);
  ASSERT_EQ(ma.size(), 1u);
  ASSERT_EQ(mb.size(), 1u);
  EXPECT_EQ(ma[0]["subject"], "Hello Acme");
  EXPECT_EQ(mb[0]["subject"], "Hello Beta");
}

TEST_F(MailPostTest, ATemplateThatDoesNotRenderFailsTheActionNamingItAndSendsNothing) {
  {
    orm::Env e = su();
    e["mail.template"]
        .browse({template_})
        .write(Json{{"body_html", "<p><t t-out=\"object.no_such_field\"/></p>"}});
    e.commit();
  }
  for (const char* method : {"email", "comment", "note"}) {
    Id a = action(method);
    orm::Env e = env().sudo().with_context(
        Json{{"active_model", "res.partner"}, {"active_ids", IdList{acme_, beta_}}});
    EXPECT_THROW_MSG(run(e["ir.actions.server"].browse({a})), common::UserError, "Welcome");
    e.rollback();
  }
  orm::Env e = su();
  EXPECT_TRUE(mails(e).empty());
  EXPECT_TRUE(messages(e, acme_).empty());
  EXPECT_TRUE(messages(e, beta_).empty());
}

TEST_F(MailPostTest, ARuleWhoseTemplateFailsFailsTheSaveThatTriggeredIt) {
  {
    orm::Env e = su();
    e["mail.template"].browse({template_}).write(Json{{"subject", "{{ 1 / 0 }}"}});
    e["base.automation"].create(Json{
        {"name", "Welcome on create"},
        {"model_name", "res.partner"},
        {"trigger", "on_create"},
        {"action_server_ids", Json::array({Json::array({0, 0,
                                                        Json{{"name", "Send welcome"},
                                                             {"state", "mail_post"},
                                                             {"template_id", template_},
                                                             {"mail_post_method", "email"}}})})}});
    e.commit();
  }
  orm::Env e = env();
  EXPECT_THROW_MSG(e["res.partner"].create(Json{{"name", "New"}}), common::UserError, "Welcome");
  e.rollback();
  orm::Env check = su();
  EXPECT_TRUE(mails(check).empty());
  EXPECT_TRUE(check["res.partner"].search(Domain::term("name", Op::kEq, "New")).empty());
}

TEST_F(MailPostTest, SavingRefusesAMessageOnAModelWithoutAChatterButAcceptsAnEmail) {
  orm::Env e = su();
  Id currency_model = e.ref("base.model_res_currency").id();
  Id tmpl = e["mail.template"]
                .create(Json{{"name", "Rates"}, {"model_id", currency_model}, {"subject", "x"}})
                .id();
  for (const char* method : {"comment", "note"}) {
    EXPECT_THROW_MSG(e["ir.actions.server"].create(Json{{"name", "Post rates"},
                                                        {"model_id", currency_model},
                                                        {"state", "mail_post"},
                                                        {"template_id", tmpl},
                                                        {"mail_post_method", method}}),
                     common::ValidationError, "mail thread");
  }
  // Odoo 18+: an email needs no chatter.
  EXPECT_NO_THROW(e["ir.actions.server"].create(Json{{"name", "Mail rates"},
                                                     {"model_id", currency_model},
                                                     {"state", "mail_post"},
                                                     {"template_id", tmpl},
                                                     {"mail_post_method", "email"}}));
  // No template, or one of another model.
  EXPECT_THROW_MSG(
      e["ir.actions.server"].create(
          Json{{"name", "No template"}, {"model_id", partner_model_}, {"state", "mail_post"}}),
      common::ValidationError, "needs an email template");
  EXPECT_THROW_MSG(e["ir.actions.server"].create(Json{{"name", "Wrong template"},
                                                      {"model_id", partner_model_},
                                                      {"state", "mail_post"},
                                                      {"template_id", tmpl},
                                                      {"mail_post_method", "email"}}),
                   common::ValidationError, "is for 'res.currency'");
}

TEST_F(MailPostTest, ARulePostingACommentFiresNoEmailTrigger) {
  orm::Env e = su();
  Json post{{"name", "Send welcome"},
            {"state", "mail_post"},
            {"template_id", template_},
            {"mail_post_method", "comment"}};
  e["base.automation"].create(
      Json{{"name", "Welcome"},
           {"model_name", "res.partner"},
           {"trigger", "on_create"},
           {"action_server_ids", Json::array({Json::array({0, 0, post})})}});
  // Would mark the record if the automated message fired "on outgoing message".
  Json mark{{"name", "Mark"},
            {"state", "object_write"},
            {"update_path", "customer_rank"},
            {"value", "7"}};
  for (const char* trigger : {"on_message_sent", "on_message_received"}) {
    e["base.automation"].create(
        Json{{"name", trigger},
             {"model_name", "res.partner"},
             {"trigger", trigger},
             {"action_server_ids", Json::array({Json::array({0, 0, mark})})}});
  }
  e.commit();
  orm::Env u = env();
  Id created = u["res.partner"].create(Json{{"name", "Gamma"}}).id();
  u.commit();
  orm::Env check = su();
  Json m = messages(check, created);
  bool posted =
      std::any_of(m.begin(), m.end(), [](const Json& x) { return x["subject"] == "Hello Gamma"; });
  EXPECT_TRUE(posted) << m.dump();
  EXPECT_EQ(check["res.partner"].browse({created}).get("customer_rank").as_int(), 0);
}

}  // namespace
}  // namespace autorules::actions
