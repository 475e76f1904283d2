// What an action needs before it can run is checked when it is saved (check.cc): an action that
// could never run is refused at create and at write, with Odoo's message where Odoo has one, and
// nothing is kept; an action saved before these checks still says why at each run.
#include <fmt/format.h>

#include "actions/actions.h"
#include "common/errors.h"
#include "orm/methods.h"
#include "script_fixture.h"

namespace autorules::actions::test {
namespace {

using common::Id;
using common::Json;
using domain::Domain;
using orm::Env;

class CheckTest : public script::test::SandboxTest {
 protected:
  CheckTest() {
    install(*runtime_);
    Env e = env();
    partner_model_ = model_id(e, "res.partner");
  }

  Id model_id(Env& e, const std::string& model) {
    return e["ir.model"].search(Domain::term("model", domain::Op::kEq, model)).id();
  }
  Id field_id(Env& e, const std::string& model, const std::string& name) {
    return e["ir.model.fields"]
        .search(Domain::from_text(
            fmt::format("[('model', '=', '{}'), ('name', '=', '{}')]", model, name)))
        .id();
  }
  Json on_partner(Json vals) {
    if (!vals.contains("model_id"))
      vals["model_id"] = partner_model_;
    if (!vals.contains("name"))
      vals["name"] = "Checked";
    return vals;
  }
  // Creates the action; commits.
  Id create(Json vals) {
    vals = on_partner(std::move(vals));
    Env e = env();
    Id id = e["ir.actions.server"].create(vals).id();
    e.commit();
    return id;
  }
  // Expects the create to be refused with `fragment` and nothing to be kept.
  void refused(Json vals, const std::string& fragment) {
    std::int64_t before = env()["ir.actions.server"].search_count(Domain());
    vals = on_partner(std::move(vals));
    {
      Env e = env();
      EXPECT_THROW_MSG(e["ir.actions.server"].create(vals), common::ValidationError, fragment);
    }
    EXPECT_EQ(env()["ir.actions.server"].search_count(Domain()), before) << fragment;
  }
  void write_refused(Id action, const Json& vals, const std::string& fragment) {
    Env e = env();
    EXPECT_THROW_MSG(e["ir.actions.server"].browse({action}).write(vals), common::ValidationError,
                     fragment);
  }
  // An action as an older database holds it: saved complete, then changed behind the ORM.
  Id saved_before(const std::string& set_sql) {
    Id id = create(Json{{"state", "code"}, {"code", "x = 1"}});
    Env e = env();
    common::Value p[] = {common::Value(id)};
    e.cr().execute(fmt::format("UPDATE \"ir_actions_server\" SET {} WHERE \"id\" = ?", set_sql), p);
    e.commit();
    return id;
  }
  Id partner_model_ = 0;

  Id sms_template(const std::string& model) {
    Env e = env();
    Id id = e["sms.template"]
                .create(Json{{"name", "Hi"}, {"model_id", model_id(e, model)}, {"body", "Hi"}})
                .id();
    e.commit();
    return id;
  }

  Json run_on(Id action, Id record) {
    Env e = env().with_context(Json{{"active_model", "res.partner"},
                                    {"active_ids", Json::array({record})},
                                    {"active_id", record}});
    Json r = orm::call_method(e, "ir.actions.server", "run", Json::array({action}), Json::object());
    e.commit();
    return r;
  }
  Id partner(const std::string& name) {
    Env e = env();
    Id id = e["res.partner"].create(Json{{"name", name}}).id();
    e.commit();
    return id;
  }
};

TEST_F(CheckTest, SendWhatsappNeedsATemplateOfItsModel) {
  refused(Json{{"name", "Text them"}, {"state", "whatsapp"}},
          "The action 'Text them' (Send WhatsApp) needs a WhatsApp template (wa_template_id)");
  Id action = create(Json{{"state", "code"}, {"code", "x = 1"}});
  write_refused(action, Json{{"state", "whatsapp"}}, "needs a WhatsApp template");
  Env e = env();
  Id users = e["whatsapp.template"]
                 .create(Json{{"name", "Hi"},
                              {"template_name", "hi"},
                              {"model_id", model_id(e, "res.users")},
                              {"body", "Hi {{1}}"}})
                 .id();
  e.commit();
  refused(Json{{"state", "whatsapp"}, {"wa_template_id", users}}, "is for 'res.users'");
}

TEST_F(CheckTest, SendSmsNeedsATemplateOfItsModelAndAChatterToPostOn) {
  refused(Json{{"state", "sms"}}, "needs an SMS template (sms_template_id)");
  Id for_users = sms_template("res.users");
  refused(Json{{"state", "sms"}, {"sms_template_id", for_users}}, "is for 'res.users'");
  Id action = create(Json{{"state", "sms"},
                          {"sms_template_id", sms_template("res.partner")},
                          {"sms_method", "comment"}});
  EXPECT_GT(action, 0);
}

TEST_F(CheckTest, UpdateRecordNeedsTheFieldToUpdate) {
  refused(Json{{"name", "Nothing"}, {"state", "object_write"}, {"value", "x"}},
          "The action 'Nothing' (Update Record) needs the field to update: set update_path (or "
          "update_field_id)");
  refused(Json{}, "needs the field to update");  // the default type
  Id other, own;
  {
    Env e = env();
    other = field_id(e, "res.users", "login");
    own = field_id(e, "res.partner", "city");
  }
  refused(Json{{"state", "object_write"}, {"update_field_id", other}, {"value", "x"}},
          "The field to update 'login' (update_field_id) of the action 'Checked' is not a field "
          "of its model 'res.partner'");
  Id by_field =
      create(Json{{"state", "object_write"}, {"update_field_id", own}, {"value", "Gent"}});
  Id p = partner("Somebody");
  run_on(by_field, p);
  EXPECT_EQ(env()["res.partner"].browse({p}).get("city"), common::Value("Gent"));
  refused(Json{{"state", "object_write"}, {"update_path", "name.city"}, {"value", "x"}},
          "You can't traverse non-relational fields (even in the quantum realm)");
  refused(Json{{"state", "object_write"}, {"update_path", "parent_id.nope"}, {"value", "x"}},
          "The field 'nope' of the path 'parent_id.nope' does not exist on the model "
          "'res.partner'");
}

TEST_F(CheckTest, UpdateRecordNeedsAValueItsEvaluationTypeCanUse) {
  Json write = {{"state", "object_write"}, {"update_path", "city"}};
  auto with = [&](Json more) {
    Json v = write;
    v.update(more);
    return v;
  };
  refused(with({{"evaluation_type", "equation"}}),
          "(Update Record) needs the Python expression that computes the value: set value");
  refused(with({{"evaluation_type", "equation"}, {"value", "record.name +"}}), "SyntaxError");
  refused(with({{"evaluation_type", "sequence"}}), "needs the sequence to use: set sequence_id");
  Id seq;
  {
    Env e = env();
    seq = e["ir.sequence"].create(Json{{"name", "S"}, {"prefix", "P/"}}).id();
    e.commit();
  }
  refused(Json{{"state", "object_write"},
               {"update_path", "customer_rank"},
               {"evaluation_type", "sequence"},
               {"sequence_id", seq}},
          "A sequence must only be used with character fields.");
  EXPECT_NO_THROW(create(with({{"evaluation_type", "sequence"}, {"sequence_id", seq}})));
  refused(with({{"evaluation_type", "ai"}, {"ai_prompt", "a city"}}),
          "The action 'Checked' (Update with AI) needs a language model: start the server with "
          "--ai-url and --ai-model");
  // Update: what the target field's type can take.
  Json tags = {{"state", "object_write"}, {"update_path", "category_id"}};
  refused(tags, "needs the record to add: set resource_ref (\"model,id\") or value (its id)");
  tags["update_m2m_operation"] = "remove";
  refused(tags, "needs the record to remove");
  tags["update_m2m_operation"] = "clear";
  EXPECT_NO_THROW(create(tags));
  Json rank = {{"state", "object_write"}, {"update_path", "customer_rank"}};
  refused(rank, "needs a whole number for the field 'Customer Rank' (customer_rank) in value");
  rank["value"] = "many";
  refused(rank, "not 'many'");
  rank["value"] = "3";
  EXPECT_NO_THROW(create(rank));
  Json kind = {{"state", "object_write"}, {"update_path", "company_type"}, {"value", "giant"}};
  refused(kind, "needs one of the values of the field 'Company Type' (company_type), not 'giant'");
  kind["value"] = "company";
  EXPECT_NO_THROW(create(kind));
  kind["value"] = "";
  EXPECT_NO_THROW(create(kind));  // empties the field
}

TEST_F(CheckTest, CreateRecordNeedsTheNameOfTheRecordAndALinkToIt) {
  refused(Json{{"name", "New partner"}, {"state", "object_create"}},
          "The action 'New partner' (Create Record) needs the name of the record to create: set "
          "value");
  Id link_wrong, link_right, users, nameless;
  {
    Env e = env();
    link_wrong = field_id(e, "res.partner", "user_ids");
    link_right = field_id(e, "res.partner", "parent_id");
    users = model_id(e, "res.users");
    Json size = {{"name", "x_size"}, {"ttype", "integer"}, {"field_description", "Size"}};
    e["ir.model"].create(Json{{"name", "Nameless"},
                              {"model", "x_nameless"},
                              {"field_id", Json::array({Json::array({0, 0, size})})}});
    nameless = model_id(e, "x_nameless");
    e.commit();
  }
  refused(Json{{"state", "object_create"}, {"value", "x"}, {"crud_model_id", nameless}},
          "Cannot create a 'x_nameless' record from a name: the model has no name field");
  refused(Json{{"state", "object_create"}, {"value", "x"}, {"link_field_id", link_wrong}},
          "The link field 'Users' (user_ids) of the action 'Checked' must be a many2one, "
          "one2many or many2many field of 'res.partner' to 'res.partner'");
  refused(Json{{"state", "object_create"},
               {"value", "x"},
               {"crud_model_id", users},
               {"link_field_id", link_right}},
          "field of 'res.partner' to 'res.users'");
  Id action =
      create(Json{{"state", "object_create"}, {"value", "Mother"}, {"link_field_id", link_right}});
  Id p = partner("Child");
  run_on(action, p);
  common::Value parent = env()["res.partner"].browse({p}).get("parent_id");
  ASSERT_TRUE(parent.is_int());
  EXPECT_EQ(env()["res.partner"].browse({parent.as_int()}).get("name"), common::Value("Mother"));
}

TEST_F(CheckTest, DuplicateRecordNeedsAnExistingRecord) {
  refused(Json{{"name", "Copy"}, {"state", "object_copy"}},
          "The action 'Copy' (Duplicate Record) needs the record to duplicate: set resource_ref "
          "(\"model,id\")");
  refused(Json{{"state", "object_copy"}, {"resource_ref", "res.partner"}},
          "Invalid record reference 'res.partner' of the action 'Checked'");
  refused(Json{{"state", "object_copy"}, {"resource_ref", "res.nothing,1"}},
          "is of an unknown model");
  refused(Json{{"state", "object_copy"}, {"resource_ref", "res.partner,99999"}},
          "The record to duplicate 'res.partner,99999' of the action 'Checked' does not exist");
  Id model = partner("Model partner");
  Id action = create(
      Json{{"state", "object_copy"}, {"resource_ref", fmt::format("res.partner,{}", model)}});
  run_on(action, model);
  EXPECT_EQ(
      env()["res.partner"].search_count(Domain::term("name", domain::Op::kIlike, "Model partner")),
      2);
}

TEST_F(CheckTest, WebhooksNeedAUrlAndNoRestrictedField) {
  refused(Json{{"state", "webhook"}},
          "I'll be happy to send a webhook for you, but you really need to give me a URL to "
          "reach out to...");
  refused(Json{{"state", "webhook"}, {"webhook_url", ""}}, "give me a URL");
  Id code, name, actions_model;
  {
    Env e = env();
    code = field_id(e, "ir.actions.server", "code");
    name = field_id(e, "ir.actions.server", "name");
    actions_model = model_id(e, "ir.actions.server");
  }
  Json leak = {
      {"name", "Leak"},
      {"state", "webhook"},
      {"webhook_url", "https://example.com/hook"},
      {"webhook_field_ids", Json::array({Json::array({6, 0, Json::array({name, code})})})}};
  leak["model_id"] = actions_model;
  refused(leak,
          "Group-restricted fields cannot be included in webhook payloads, as it could allow any "
          "user to accidentally leak sensitive information. You will have to remove the "
          "following fields from the webhook payload:\n- Python Code");
  EXPECT_NO_THROW(create(Json{{"state", "webhook"}, {"webhook_url", "https://example.com/hook"}}));
}

TEST_F(CheckTest, AnEmptyMultiActionIsFineAChildThatCannotRunIsNot) {
  Id empty = create(Json{{"name", "Empty"}, {"state", "multi"}});
  Id p = partner("Untouched");
  EXPECT_NO_THROW(run_on(empty, p));
  Id other;
  {
    Env e = env();
    other = e["ir.actions.server"]
                .create(Json{{"name", "On users"},
                             {"model_id", model_id(e, "res.users")},
                             {"state", "code"},
                             {"code", "x = 1"}})
                .id();
    e.commit();
  }
  write_refused(empty, Json{{"child_ids", Json::array({Json::array({4, other})})}},
                "Following child actions should have the same model (Contact): On users");
  Id child = create(
      Json{{"name", "Child"}, {"state", "object_write"}, {"update_path", "city"}, {"value", "X"}});
  {
    Env e = env();
    e["ir.actions.server"].browse({empty}).write(
        Json{{"child_ids", Json::array({Json::array({4, child})})}});
    e.commit();
  }
  // Emptying the child's path would leave the multi action with a child that cannot run.
  write_refused(child, Json{{"update_path", false}}, "needs the field to update");
  // An action saved before these checks cannot be linked under it...
  Id broken = saved_before("\"state\" = 'whatsapp', \"name\" = 'Old followers'");
  write_refused(empty, Json{{"child_ids", Json::array({Json::array({4, broken})})}},
                "needs a WhatsApp template (wa_template_id)");
  // ... and one that became a child before stops changes to its parent (Odoo's message).
  {
    Env e = env();
    common::Value ids[] = {common::Value(empty), common::Value(broken)};
    e.cr().execute("UPDATE \"ir_actions_server\" SET \"parent_id\" = ? WHERE \"id\" = ?", ids);
    e.commit();
  }
  Id another = create(Json{{"state", "code"}, {"code", "x = 1"}});
  write_refused(empty, Json{{"child_ids", Json::array({Json::array({4, another})})}},
                "Following child actions have warnings: Old followers");
}

TEST_F(CheckTest, AWriteThatLeavesTheActionUnableToRunIsRefusedAndChangesNothing) {
  Id action = create(
      Json{{"name", "Hook"}, {"state", "webhook"}, {"webhook_url", "https://example.com/h"}});
  write_refused(action, Json{{"webhook_url", false}}, "give me a URL");
  write_refused(action, Json{{"webhook_url", ""}}, "give me a URL");
  EXPECT_EQ(env()["ir.actions.server"].browse({action}).get("webhook_url"),
            common::Value("https://example.com/h"));
  Id code = create(Json{{"state", "code"}, {"code", "x = 1"}});
  write_refused(code, Json{{"state", "webhook"}}, "give me a URL");
  write_refused(code, Json{{"state", "object_copy"}}, "needs the record to duplicate");
  EXPECT_EQ(env()["ir.actions.server"].browse({code}).get("state"), common::Value("code"));
  // A complete change in one write is fine.
  {
    Env e = env();
    EXPECT_NO_THROW(e["ir.actions.server"].browse({code}).write(
        Json{{"state", "webhook"}, {"webhook_url", "https://example.com/other"}}));
    e.commit();
  }
  // An Update Record's Compute expression is checked whichever is written first.
  Id compute = create(Json{{"state", "object_write"},
                           {"update_path", "city"},
                           {"evaluation_type", "equation"},
                           {"value", "record.name"}});
  write_refused(compute, Json{{"value", "record.name +"}}, "SyntaxError");
  write_refused(compute, Json{{"value", ""}}, "needs the Python expression");
}

TEST_F(CheckTest, ActionsSavedBeforeStillSayWhyAtEachRunAndCanBeRenamed) {
  Id p = partner("Target");
  Id hook = saved_before("\"state\" = 'webhook'");
  EXPECT_THROW_MSG(run_on(hook, p), common::UserError, "give me a URL");
  Id mail = saved_before("\"state\" = 'whatsapp', \"name\" = 'Old mail'");
  EXPECT_NO_THROW(run_on(mail, p));  // without a template, nothing to send (as Odoo)
  Id ai = saved_before(
      "\"state\" = 'object_write', \"update_path\" = 'name', \"evaluation_type\" = 'ai'");
  EXPECT_THROW_MSG(run_on(ai, p), common::UserError, "(Update with AI) needs a language model");
  EXPECT_EQ(env()["res.partner"].browse({p}).get("name"), common::Value("Target"));
  EXPECT_EQ(*cannot_run(env()["ir.actions.server"].browse({ai})),
            "The action 'Checked' (Update with AI) needs a language model: start the server with "
            "--ai-url and --ai-model (AUTORULES_AI_URL, AUTORULES_AI_MODEL)");
  // A write that does not touch what runs is allowed; one that does is checked.
  {
    Env e = env();
    EXPECT_NO_THROW(
        e["ir.actions.server"].browse({mail}).write(Json{{"name", "Old mail (broken)"}}));
    e.commit();
  }
  write_refused(mail, Json{{"value", "x"}}, "needs a WhatsApp template");
  {
    Env e = env();
    EXPECT_NO_THROW(
        e["ir.actions.server"].browse({mail}).write(Json{{"state", "code"}, {"code", "x = 2"}}));
    e.commit();
  }
  EXPECT_FALSE(cannot_run(env()["ir.actions.server"].browse({mail})).has_value());
}

}  // namespace
}  // namespace autorules::actions::test
