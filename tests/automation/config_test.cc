// Saving a rule (config.cc): a rule may not take an action that could not run, even one saved
// before actions were checked (an older database); a rule whose actions can run still lets
// creates on its model work.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "actions/actions.h"
#include "automation/automation.h"
#include "common/clock.h"
#include "common/errors.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "script/sandbox.h"
#include "store/database.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::automation {
namespace {

using common::Id;
using common::Json;

class RuleConfigTest : public test::EngineTest {
 protected:
  RuleConfigTest() {
    orm::Env e = admin();
    partner_model_ =
        e["ir.model"].search(domain::Domain::from_text("[('model', '=', 'res.partner')]")).id();
  }

  orm::Env admin() { return env(); }

  // An action as an older database may hold it: saved as code, changed behind the ORM into a
  // webhook without a URL.
  Id old_mail_action() {
    Id id;
    {
      orm::Env e = admin();
      id = e["ir.actions.server"]
               .create(Json{{"name", "Old mail"},
                            {"model_id", partner_model_},
                            {"state", "code"},
                            {"code", "x = 1"}})
               .id();
      e.commit();
    }
    orm::Env e = admin();
    common::Value p[] = {common::Value(id)};
    e.cr().execute("UPDATE \"ir_actions_server\" SET \"state\" = 'webhook' WHERE \"id\" = ?", p);
    e.commit();
    return id;
  }

  Id partner_model_ = 0;
};

TEST_F(RuleConfigTest, ARuleMayNotTakeAnActionThatCannotRun) {
  Id old = old_mail_action();
  const std::string why = "you really need to give me a URL";
  {
    orm::Env e = admin();
    EXPECT_THROW_MSG(
        e["base.automation"].create(
            Json{{"name", "Mailer"},
                 {"model_name", "res.partner"},
                 {"trigger", "on_create"},
                 {"action_server_ids", Json::array({Json::array({6, 0, Json::array({old})})})}}),
        common::ValidationError, why);
  }
  Id rule;
  {
    orm::Env e = admin();
    Json rank = {{"name", "rank"},
                 {"state", "object_write"},
                 {"update_path", "customer_rank"},
                 {"value", "7"}};
    rule = e["base.automation"]
               .create(Json{{"name", "Ranker"},
                            {"model_name", "res.partner"},
                            {"trigger", "on_create"},
                            {"action_server_ids", Json::array({Json::array({0, 0, rank})})}})
               .id();
    e.commit();
  }
  {
    orm::Env e = admin();
    EXPECT_THROW_MSG(e["base.automation"].browse({rule}).write(
                         Json{{"action_server_ids", Json::array({Json::array({4, old})})}}),
                     common::ValidationError, why);
  }
  {
    orm::Env e = admin();
    EXPECT_THROW_MSG(e["ir.actions.server"].browse({old}).write(Json{{"base_automation_id", rule}}),
                     common::ValidationError, why);
  }
  // The rule kept its one action, and creates on its model work.
  {
    orm::Env e = admin();
    EXPECT_EQ(e["base.automation"].browse({rule}).get("action_server_ids").as_ids().size(), 1u);
    Id p = e["res.partner"].create(Json{{"name", "Ranked"}}).id();
    EXPECT_EQ(e["res.partner"].browse({p}).get("customer_rank").as_int(), 7);
  }
}

TEST_F(RuleConfigTest, ARuleHoldingAnActionSavedBeforeItCouldNotRunSaysWhichAndWhy) {
  Id rule;
  Id action;
  {
    orm::Env e = admin();
    rule =
        e["base.automation"]
            .create(Json{
                {"name", "Coder"},
                {"model_name", "res.partner"},
                {"trigger", "on_create"},
                {"action_server_ids",
                 Json::array({Json::array(
                     {0, 0, Json{{"name", "Old mail"}, {"state", "code"}, {"code", "x = 1"}}})})}})
            .id();
    action = e["base.automation"].browse({rule}).get("action_server_ids").as_ids().at(0);
    common::Value p[] = {common::Value(action)};
    e.cr().execute("UPDATE \"ir_actions_server\" SET \"state\" = 'webhook' WHERE \"id\" = ?", p);
    e.commit();
  }
  // Renaming the rule is fine; changing its trigger checks its actions (Odoo's constraint).
  {
    orm::Env e = admin();
    EXPECT_NO_THROW(e["base.automation"].browse({rule}).write(Json{{"name", "Mailer"}}));
    e.commit();
  }
  orm::Env e = admin();
  try {
    e["base.automation"].browse({rule}).write(Json{{"trigger", "on_create_or_write"}});
    ADD_FAILURE() << "the trigger changed";
  } catch (const common::ValidationError& err) {
    EXPECT_EQ(std::string(err.what()),
              "Following child actions have warnings: Old mail\n\nI'll be happy to send a webhook "
              "for you, but you really need to give me a URL to reach out to...");
  }
}

}  // namespace
}  // namespace autorules::automation
