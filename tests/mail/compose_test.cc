// Emails from templates: send_mail (JSON-2 and C++), render errors, the demo's template
// (src/mail/compose.h).
#include "mail/compose.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"
#include "orm/base/modules.h"
#include "orm/methods.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail {
namespace {

using common::Id;
using common::Json;
using domain::Domain;
using domain::Op;

class ComposeTest : public test::EngineTest {
 protected:
  ComposeTest() {
    orm::Env e = su();
    Id admin_partner = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
    e["res.partner"]
        .browse({admin_partner})
        .write(Json{{"name", "Mitchell Admin"}, {"email", "admin@example.com"}});
    customer_ = e["res.partner"]
                    .create(Json{{"name", "Zoé <Customer>"}, {"email", "zoe@example.com"}})
                    .id();
    Id partner_model =
        e["ir.model"].search(Domain::term("model", Op::kEq, "res.partner")).ids().front();
    template_ = e["mail.template"]
                    .create(Json{{"name", "Welcome"},
                                 {"model_id", partner_model},
                                 {"subject", "Welcome {{ object.name }}"},
                                 {"partner_to", "{{ object.id }}"},
                                 {"body_html", "<p>Dear <t t-out=\"object.name\"/></p>"}})
                    .id();
    e.commit();
  }

  Id customer_ = 0, template_ = 0;
};

TEST_F(ComposeTest, SendMailQueuesTheRenderedEmailForTheRecord) {
  orm::Env e = env();
  Id mail = orm::call_method(e, "mail.template", "send_mail", Json::array({template_}),
                             Json{{"res_id", customer_}, {"force_send", true}})
                .get<Id>();
  Json m = e.sudo()["mail.mail"].browse({mail}).read(
      {"subject", "body_html", "email_from", "recipient_ids", "model", "res_id", "state"})[0];
  EXPECT_EQ(m["subject"], "Welcome Zoé <Customer>");  // inline: plain text
  EXPECT_NE(m["body_html"].get<std::string>().find("Dear Zoé &lt;Customer&gt;"),
            std::string::npos);  // QWeb: escaped
  EXPECT_EQ(m["email_from"], "\"Mitchell Admin\" <admin@example.com>");
  EXPECT_EQ(m["recipient_ids"], Json::array({customer_}));
  EXPECT_EQ(m["model"], "res.partner");
  EXPECT_EQ(m["res_id"], customer_);
  // No mail server: nothing can send it, and the mail says so.
  EXPECT_EQ(m["state"], "exception");
  EXPECT_EQ(e.sudo()["mail.mail"].browse({mail}).get("failure_type").as_string(), "mail_smtp");
  // With one, it waits in the outbox.
  e.sudo()["ir.mail_server"].create(Json{{"name", "relay"}, {"smtp_host", "smtp.example.com"}});
  Id second =
      send_mail(e["mail.template"].browse({template_}), e["res.partner"].browse({customer_}));
  EXPECT_EQ(e.sudo()["mail.mail"].browse({second}).get("state").as_string(), "outgoing");
  EXPECT_EQ(e.sudo()["outbox.message"]
                .search(Domain::conjoin(Domain::term("res_model", Op::kEq, "mail.mail"),
                                        Domain::term("res_id", Op::kEq, second)))
                .ids()
                .size(),
            1u);
}

TEST_F(ComposeTest, SendMailNeedsAnExistingRecordAndOneTemplate) {
  orm::Env e = env();
  EXPECT_THROW(orm::call_method(e, "mail.template", "send_mail", Json::array({template_}),
                                Json{{"res_id", 999999}}),
               common::MissingError);
  EXPECT_THROW(
      orm::call_method(e, "mail.template", "send_mail", Json::array({template_}), Json::object()),
      common::UnprocessableError);
  EXPECT_THROW(
      orm::call_method(e, "mail.template", "send_mail", Json::array(), Json{{"res_id", customer_}}),
      common::ValueError);
}

TEST_F(ComposeTest, ATemplateThatFailsNamesItselfAndSendsNothing) {
  orm::Env e = su();
  e["mail.template"].browse({template_}).write(Json{{"subject", "{{ object.nope }}"}});
  EXPECT_THROW_MSG(
      send_mail(e["mail.template"].browse({template_}), e["res.partner"].browse({customer_})),
      common::UserError, "Welcome");
  EXPECT_TRUE(e["mail.mail"].search(Domain()).empty());
}

TEST_F(ComposeTest, TheDemosTaskDoneTemplateRendersForADemoTask) {
  orm::install_apps(*runtime_, {"project"}, true);
  orm::Env e = su();
  orm::RecordSet task = e.ref("project.task_website_1");
  Rendered r = render(e.ref("project.mail_template_task_done"), task);
  EXPECT_EQ(r.subject, "Done: Kick-off meeting with Gemini Furniture");
  EXPECT_EQ(r.partner_ids, common::IdList{e.ref("contacts.partner_edwin").id()});
  EXPECT_NE(r.body_html.find("The task <strong>Kick-off meeting with Gemini Furniture</strong>"),
            std::string::npos)
      << r.body_html;
  EXPECT_NE(r.body_html.find("It was due on"), std::string::npos) << r.body_html;
}

}  // namespace
}  // namespace autorules::mail
