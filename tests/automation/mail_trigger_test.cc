// The email triggers "On incoming message" and "On outgoing message" (engine.h, on_message): who
// posted what decides which fires, internal messages and notifications never do, and the
// before-update domain applies.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"
#include "mail/thread.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::automation {
namespace {

using common::Id;
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
    Json action{{"name", name}, {"state", "object_write"}, {"update_path", "customer_rank"},
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

TEST_F(MailTriggerTest, AMailRuleNeedsAMailThread) {
  orm::Env e = su();
  EXPECT_THROW_MSG(e["base.automation"].create(Json{{"name", "Nope"},
                                                     {"model_name", "res.currency"},
                                                     {"trigger", "on_message_received"}}),
                   common::ValidationError, "");
}

}  // namespace
}  // namespace autorules::automation
