// The email triggers "On incoming message" and "On outgoing message" (engine.h, on_message): who
// posted what decides which fires, internal messages and notifications never do, and the
// before-update domain applies (not the post-update one).
#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"
#include "mail/activity.h"
#include "mail/thread.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::automation {
namespace {

using common::Id;
using common::IdList;
using common::Json;

class MailTriggerTest : public test::EngineTest {
 protected:
  MailTriggerTest() {
    orm::Env e = su();
    Id admin_partner = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
    e["res.partner"].browse({admin_partner}).write(Json{{"email", "admin@example.com"}});
    customer_ = e["res.partner"].create(Json{{"name", "Cust"}, {"email", "cust@example.com"}}).id();
    record_ = e["res.partner"].create(Json{{"name", "Thread"}, {"city", "Ghent"}}).id();
    e.commit();
    rule("Received", "on_message_received", "1", "");
    rule("Sent", "on_message_sent", "2", "");
    rule("Received in Paris", "on_message_received", "3", "[('city', '=', 'Paris')]");
  }

  // A rule that sets the record's customer_rank to `rank` when it fires.
  void rule(const char* name, const char* trigger, const char* rank, const char* pre_domain) {
    orm::Env e = su();
    Json action{{"name", name},
                {"state", "object_write"},
                {"update_path", "customer_rank"},
                {"value", rank}};
    Json vals{{"name", name},
              {"model_name", "res.partner"},
              {"trigger", trigger},
              {"action_server_ids", Json::array({Json::array({0, 0, action})})}};
    if (*pre_domain)
      vals["filter_pre_domain"] = pre_domain;
    e["base.automation"].create(vals);
    e.commit();
  }

  std::int64_t rank() {
    orm::Env e = su();
    return e["res.partner"].browse({record_}).get("customer_rank").as_int();
  }

  void post(mail::Post p) {
    orm::Env e = env();
    mail::message_post(e["res.partner"].browse({record_}), p);
    e.commit();
  }

  Id customer_ = 0, record_ = 0;
};

TEST_F(MailTriggerTest, AnEmailFromACustomerIsReceived) {
  mail::Post p;
  p.message_type = "email";
  p.subtype_xmlid = "mail.mt_comment";
  p.email_from = "cust@example.com";
  post(p);
  EXPECT_EQ(rank(), 1);
}

TEST_F(MailTriggerTest, AnEmailWithoutAKnownAuthorIsReceived) {
  mail::Post p;
  p.message_type = "email";
  p.subtype_xmlid = "mail.mt_comment";
  p.email_from = "stranger@example.org";
  post(p);
  EXPECT_EQ(rank(), 1);
}

TEST_F(MailTriggerTest, ACommentByAnEmployeeIsSent) {
  mail::Post p;
  p.message_type = "comment";
  p.subtype_xmlid = "mail.mt_comment";
  post(p);
  EXPECT_EQ(rank(), 2);
}

TEST_F(MailTriggerTest, NotesAndNotificationsFireNothing) {
  mail::Post note;
  note.message_type = "comment";  // no subtype: a note, internal
  post(note);
  mail::Post notification;
  notification.subtype_xmlid = "mail.mt_comment";  // type notification by default
  post(notification);
  mail::Post automated;
  automated.message_type = "auto_comment";
  automated.subtype_xmlid = "mail.mt_comment";
  post(automated);
  mail::Post internal;
  internal.message_type = "comment";
  internal.subtype_xmlid = "mail.mt_comment";
  internal.is_internal = true;
  post(internal);
  EXPECT_EQ(rank(), 0);
}

TEST_F(MailTriggerTest, TheBeforeUpdateDomainFiltersTheRecord) {
  {
    orm::Env e = su();
    e["res.partner"].browse({record_}).write(Json{{"city", "Paris"}});
    e["res.partner"].browse({record_}).write(Json{{"customer_rank", 0}});
    e.commit();
  }
  mail::Post p;
  p.message_type = "email";
  p.subtype_xmlid = "mail.mt_comment";
  p.email_from = "cust@example.com";
  post(p);
  // Both "received" rules ran, in order: the Paris one last.
  EXPECT_EQ(rank(), 3);
}

// The matrix of Odoo's _check_trigger for message triggers: who posts what, which fires.
struct PostCase {
  const char* name;
  const char* message_type;
  const char* subtype;  // "" for none (a note)
  // kEmployee: the admin; kSuperuser: OdooBot (posting as the superuser), never a share partner.
  enum Author { kEmployee, kCustomer, kUnknownAddress, kSuperuser } author;
  int expected_rank;  // 1 received, 2 sent, 0 none
};

class MailTriggerMatrixTest : public test::EngineFixture<::testing::TestWithParam<PostCase>> {};

TEST_P(MailTriggerMatrixTest, WhoPostsWhatDecidesWhichTriggerFires) {
  const PostCase& c = GetParam();
  Id customer = 0, record = 0;
  {
    orm::Env e = su();
    Id admin_partner = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
    e["res.partner"].browse({admin_partner}).write(Json{{"email", "admin@example.com"}});
    customer = e["res.partner"].create(Json{{"name", "Cust"}, {"email", "cust@example.com"}}).id();
    record = e["res.partner"].create(Json{{"name", "Thread"}}).id();
    for (auto [trigger, rank] : {std::pair{"on_message_received", "1"}, {"on_message_sent", "2"}}) {
      Json action{{"name", trigger},
                  {"state", "object_write"},
                  {"update_path", "customer_rank"},
                  {"value", rank}};
      e["base.automation"].create(
          Json{{"name", trigger},
               {"model_name", "res.partner"},
               {"trigger", trigger},
               {"action_server_ids", Json::array({Json::array({0, 0, action})})}});
    }
    e.commit();
  }
  mail::Post p;
  p.body = "hello";
  p.message_type = c.message_type;
  p.subtype_xmlid = c.subtype;
  switch (c.author) {
    case PostCase::kEmployee:
    case PostCase::kSuperuser:
      break;  // the current user
    case PostCase::kCustomer:
      p.author_id = customer;
      break;
    case PostCase::kUnknownAddress:
      p.email_from = "stranger@example.org";
      break;
  }
  orm::Env e = c.author == PostCase::kSuperuser ? su() : env();
  mail::message_post(e["res.partner"].browse({record}), p);
  e.commit();
  orm::Env check = su();
  EXPECT_EQ(check["res.partner"].browse({record}).get("customer_rank").as_int(), c.expected_rank);
}

INSTANTIATE_TEST_SUITE_P(
    Posts, MailTriggerMatrixTest,
    ::testing::Values(
        PostCase{"CustomerEmail", "email", "mail.mt_comment", PostCase::kCustomer, 1},
        PostCase{"UnknownSenderEmail", "email", "mail.mt_comment", PostCase::kUnknownAddress, 1},
        PostCase{"EmployeeEmail", "email", "mail.mt_comment", PostCase::kEmployee, 2},
        PostCase{"EmployeeComment", "comment", "mail.mt_comment", PostCase::kEmployee, 2},
        PostCase{"SuperuserComment", "comment", "mail.mt_comment", PostCase::kSuperuser, 2},
        PostCase{"CustomerComment", "comment", "mail.mt_comment", PostCase::kCustomer, 1},
        PostCase{"EmployeeNote", "comment", "mail.mt_note", PostCase::kEmployee, 0},
        PostCase{"CustomerNote", "comment", "mail.mt_note", PostCase::kCustomer, 0},
        PostCase{"CommentWithoutSubtype", "comment", "", PostCase::kEmployee, 0},
        PostCase{"EmailWithoutSubtype", "email", "", PostCase::kCustomer, 0},
        PostCase{"EmployeeNotification", "notification", "mail.mt_comment", PostCase::kEmployee, 0},
        PostCase{"CustomerNotification", "notification", "mail.mt_comment", PostCase::kCustomer, 0},
        PostCase{"AutoComment", "auto_comment", "mail.mt_comment", PostCase::kEmployee, 0},
        PostCase{"CustomerAutoComment", "auto_comment", "mail.mt_comment", PostCase::kCustomer, 0},
        PostCase{"ActivityDone", "notification", "mail.mt_activities", PostCase::kEmployee, 0}),
    [](const ::testing::TestParamInfo<PostCase>& c) { return std::string(c.param.name); });

TEST_F(MailTriggerTest, AUserNotificationFiresNothing) {
  orm::Env e = env();
  mail::message_notify(e["res.partner"].browse({record_}), {customer_}, "Assigned", "<p>x</p>");
  e.commit();
  EXPECT_EQ(rank(), 0);
}

TEST_F(MailTriggerTest, MarkingAnActivityDoneFiresNothing) {
  orm::Env e = env();
  mail::ActivityValues v;
  v.summary = "Call";
  IdList ids = mail::activity_schedule(e["res.partner"].browse({record_}), v);
  mail::action_feedback(e["mail.activity"].browse(ids), "done");
  e.commit();
  EXPECT_EQ(rank(), 0);
}

TEST_F(MailTriggerTest, TheAfterUpdateDomainIsNotApplied) {
  // Odoo filters the record with filter_pre_domain only: a rule whose filter_domain the record
  // does not satisfy still fires.
  {
    orm::Env e = su();
    Json action{{"name", "Rank 5"},
                {"state", "object_write"},
                {"update_path", "customer_rank"},
                {"value", "5"}};
    e["base.automation"].create(
        Json{{"name", "Sent from Paris"},
             {"model_name", "res.partner"},
             {"trigger", "on_message_sent"},
             {"filter_domain", "[('city', '=', 'Paris')]"},
             {"action_server_ids", Json::array({Json::array({0, 0, action})})}});
    e.commit();
  }
  mail::Post p;
  p.message_type = "comment";
  p.subtype_xmlid = "mail.mt_comment";
  post(p);
  EXPECT_EQ(rank(), 5);  // "Sent" (2) then "Sent from Paris" (5), though the city is Ghent
}

TEST_F(MailTriggerTest, AMessagePostedByARuleFiresNoEmailTrigger) {
  // A rule that, on a write, posts a customer's comment on the record from code.
  {
    orm::Env e = su();
    Json action{{"name", "Post"},
                {"state", "code"},
                {"code",
                 "record.message_post(body='moved', message_type='comment', "
                 "subtype_xmlid='mail.mt_comment', author_id=" +
                     std::to_string(customer_) + ")"}};
    e["base.automation"].create(
        Json{{"name", "Post on move"},
             {"model_name", "res.partner"},
             {"trigger", "on_write"},
             {"action_server_ids", Json::array({Json::array({0, 0, action})})}});
    e.commit();
  }
  {
    orm::Env e = env();
    e["res.partner"].browse({record_}).write(Json{{"city", "Lyon"}});
    e.commit();
  }
  // The message is there, and neither email rule ran.
  {
    orm::Env e = su();
    EXPECT_EQ(e["mail.message"]
                  .search(domain::Domain::conjoin(
                      domain::Domain::term("res_id", domain::Op::kEq, record_),
                      domain::Domain::term("body", domain::Op::kIlike, "moved")))
                  .size(),
              1u);
  }
  EXPECT_EQ(rank(), 0);
}

TEST_F(MailTriggerTest, AMessagePostedByAnEmailRuleDoesNotFireItAgain) {
  // "On incoming message" answering with a comment: the answer (an employee's comment, "sent")
  // fires nothing, the rule does not loop.
  {
    orm::Env e = su();
    Json action{{"name", "Answer"},
                {"state", "code"},
                {"code",
                 "record.message_post(body='thanks', message_type='comment', "
                 "subtype_xmlid='mail.mt_comment')"}};
    e["base.automation"].create(
        Json{{"name", "Answer"},
             {"model_name", "res.partner"},
             {"trigger", "on_message_received"},
             {"action_server_ids", Json::array({Json::array({0, 0, action})})}});
    e.commit();
  }
  mail::Post p;
  p.message_type = "email";
  p.subtype_xmlid = "mail.mt_comment";
  p.email_from = "cust@example.com";
  post(p);
  EXPECT_EQ(rank(), 1);  // "Received" ran; "Sent" did not for the answer
}

TEST_F(MailTriggerTest, AMailRuleNeedsAMailThread) {
  orm::Env e = su();
  EXPECT_THROW_MSG(
      e["base.automation"].create(Json{
          {"name", "Nope"}, {"model_name", "res.currency"}, {"trigger", "on_message_received"}}),
      common::ValidationError, "");
}

}  // namespace
}  // namespace autorules::automation
