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
using orm::RecordSet;

class ActionsTest : public script::test::SandboxTest {
 protected:
  ActionsTest() { install(*runtime_); }

  Id partner_model(const Env& e) { return e.ref("base.model_res_partner").id(); }

  Id make_action(Json vals) {
    Env e = env();
    vals["model_id"] = partner_model(e);
    if (!vals.contains("name"))
      vals["name"] = "Test action";
    Id id = e["ir.actions.server"].create(vals).id();
    e.commit();
    return id;
  }

  // ir.actions.server/run as the API calls it.
  Json run_on(Id action, const common::IdList& records, Id uid = orm::kAdminId) {
    Env e = env(uid).with_context(
        Json{{"active_model", "res.partner"},
             {"active_ids", records},
             {"active_id", records.empty() ? Json(false) : Json(records[0])}});
    Json r = orm::call_method(e, "ir.actions.server", "run", Json::array({action}), Json::object());
    e.commit();
    return r;
  }
};

TEST_F(ActionsTest, CodeActionRunsOnTheActiveRecordsAndReturnsItsAction) {
  Id p1, p2;
  {
    Env e = env();
    p1 = e["res.partner"].create(Json{{"name", "A"}}).id();
    p2 = e["res.partner"].create(Json{{"name", "B"}}).id();
    e.commit();
  }
  Id action = make_action(
      Json{{"state", "code"},
           {"code",
            "for r in records:\n    r['name'] = r.name + '!'\n"
            "action = {'type': 'ir.actions.act_window', 'count': len(records), 'uid': uid}"}});
  Json result = run_on(action, {p1, p2});
  EXPECT_EQ(result["count"], 2);
  EXPECT_EQ(result["uid"], orm::kAdminId);
  Env e = env();
  EXPECT_EQ(e["res.partner"].browse({p1, p2}).read({"name"})[1]["name"], "B!");
}

// One entry per type of ir.actions.server, in a fixed order, then "other"; a runner called once
// for all the records (code) counts one run, as does one called for each record (Update Record).
TEST_F(ActionsTest, RunCountsListEveryTypeThenOtherAndCountOneRunPerAction) {
  std::vector<std::string> types;
  for (const RunCount& c : run_counts(*runtime_))
    types.push_back(c.type);
  EXPECT_EQ(types, (std::vector<std::string>{"object_write", "object_create", "object_copy", "code",
                                             "webhook", "multi", "mail_post", "followers",
                                             "remove_followers", "next_activity", "sms", "whatsapp",
                                             "other"}));
  auto runs_of = [this](const std::string& type) {
    for (const RunCount& c : run_counts(*runtime_)) {
      if (c.type == type)
        return c.runs;
    }
    return std::uint64_t{0};
  };
  Id p1, p2;
  {
    Env e = env();
    p1 = e["res.partner"].create(Json{{"name", "A"}}).id();
    p2 = e["res.partner"].create(Json{{"name", "B"}}).id();
    e.commit();
  }
  Id code = make_action(Json{{"state", "code"}, {"code", "action = {'count': len(records)}"}});
  Id update = make_action(Json{{"state", "object_write"},
                               {"update_path", "name"},
                               {"evaluation_type", "value"},
                               {"value", "C"}});
  const std::uint64_t code_before = runs_of("code"), update_before = runs_of("object_write");
  EXPECT_EQ(run_on(code, {p1, p2})["count"], 2);
  run_on(update, {p1, p2});
  EXPECT_EQ(runs_of("code"), code_before + 1);
  EXPECT_EQ(runs_of("object_write"), update_before + 1);
  Env e = env();
  EXPECT_EQ(e["res.partner"].browse({p2}).read({"name"})[0]["name"], "C");
}

TEST_F(ActionsTest, UpdateRecordWithComputeFollowsThePath) {
  Id company, person;
  {
    Env e = env();
    company = e["res.partner"].create(Json{{"name", "Co"}, {"is_company", true}}).id();
    person = e["res.partner"].create(Json{{"name", "Ann"}, {"parent_id", company}}).id();
    e.commit();
  }
  Id action = make_action(Json{{"state", "object_write"},
                               {"update_path", "parent_id.city"},
                               {"evaluation_type", "equation"},
                               {"value", "record.name.upper()"}});
  run_on(action, {person});
  Env e = env();
  EXPECT_EQ(e["res.partner"].browse({company}).read({"city"})[0]["city"], "ANN");
}

// An action's row is read once and shared by later runs, until an action changes: a change made
// by another transaction is seen by the next run, one made in the same transaction at once, and
// one rolled back never.
TEST_F(ActionsTest, ARunSeesTheActionAsItsTransactionDoes) {
  Id partner;
  {
    Env e = env();
    partner = e["res.partner"].create(Json{{"name", "Ann"}}).id();
    e.commit();
  }
  Id action = make_action(Json{{"state", "object_write"},
                               {"update_path", "city"},
                               {"evaluation_type", "value"},
                               {"value", "Paris"}});
  auto city = [&] {
    Env e = env();
    return e["res.partner"].browse({partner}).read({"city"})[0]["city"];
  };
  run_on(action, {partner});
  EXPECT_EQ(city(), "Paris");
  {
    Env e = env();
    e["ir.actions.server"].browse({action}).write(Json{{"value", "Lyon"}});
    e.commit();
  }
  run_on(action, {partner});
  EXPECT_EQ(city(), "Lyon");
  {
    // Changed and run in one transaction, then rolled back.
    Env e = env().with_context(Json{{"active_model", "res.partner"}, {"active_id", partner}});
    e["ir.actions.server"].browse({action}).write(Json{{"value", "Nice"}});
    orm::call_method(e, "ir.actions.server", "run", Json::array({action}), Json::object());
    EXPECT_EQ(e["res.partner"].browse({partner}).read({"city"})[0]["city"], "Nice");
  }
  run_on(action, {partner});
  EXPECT_EQ(city(), "Lyon");
  {
    Env e = env();
    e["ir.actions.server"].browse({action}).write(Json{{"value", "Lille"}});
    e.commit();
  }
  run_on(action, {partner});
  EXPECT_EQ(city(), "Lille");
}

TEST_F(ActionsTest, CodeThatDoesNotCompileCannotBeSaved) {
  Env e = env();
  EXPECT_THROW_MSG(e["ir.actions.server"].create(Json{{"name", "bad"},
                                                      {"model_id", partner_model(e)},
                                                      {"state", "code"},
                                                      {"code", "if True\n    pass"}}),
                   common::ValidationError, "SyntaxError : expected ':' at line 1");
  EXPECT_THROW_MSG(e["ir.actions.server"].create(Json{{"name", "bad"},
                                                      {"model_id", partner_model(e)},
                                                      {"state", "code"},
                                                      {"code", "import os"}}),
                   common::ValidationError, "forbidden opcode(s)");
}

TEST_F(ActionsTest, OnlyAdministratorsWriteActionsAndGroupsRestrictRuns) {
  Id marc = make_internal_user();
  {
    Env e = env(marc);
    EXPECT_THROW(
        e["ir.actions.server"].create(Json{
            {"name", "x"}, {"model_id", partner_model(e)}, {"state", "code"}, {"code", "x = 1"}}),
        common::AccessError);
  }
  Id admin_only;
  {
    Env e = env();
    admin_only = e["ir.actions.server"]
                     .create(Json{{"name", "admins"},
                                  {"model_id", partner_model(e)},
                                  {"state", "code"},
                                  {"code", "x = 1"},
                                  {"groups_id", Json::array({e.ref("base.group_system").id()})}})
                     .id();
    e.commit();
  }
  EXPECT_THROW_MSG(run_on(admin_only, {}, marc), common::AccessError,
                   "You don't have enough access rights to run this action.");
  EXPECT_NO_THROW(run_on(admin_only, {}));
}

TEST_F(ActionsTest, MultiActionsRunTheirChildrenAndRefuseRecursion) {
  Id p;
  {
    Env e = env();
    p = e["res.partner"].create(Json{{"name", "P"}}).id();
    e.commit();
  }
  Id a = make_action(Json{{"name", "A"},
                          {"state", "code"},
                          {"code", "record['name'] = record.name + 'A'"},
                          {"sequence", 2}});
  Id b = make_action(Json{{"name", "B"},
                          {"state", "code"},
                          {"code", "record['name'] = record.name + 'B'"},
                          {"sequence", 1}});
  Id multi = make_action(Json{{"name", "M"},
                              {"state", "multi"},
                              {"child_ids", Json::array({Json::array({6, 0, {a, b}})})}});
  run_on(multi, {p});
  {
    Env e = env();
    EXPECT_EQ(e["res.partner"].browse({p}).read({"name"})[0]["name"], "PBA");  // by sequence
  }
  Env e = env();
  EXPECT_THROW_MSG(e["ir.actions.server"].browse({a}).write(
                       Json{{"child_ids", Json::array({Json::array({4, multi})})}}),
                   common::ValidationError, "Recursion found in child server actions");
}

TEST_F(ActionsTest, LogRowsOfAFailedRunAreKept) {
  Id action = make_action(Json{{"name", "Logger"},
                               {"state", "code"},
                               {"code", "log('before the failure')\nraise UserError('stop')"}});
  EXPECT_THROW_MSG(run_on(action, {}), common::UserError, "stop");
  Env e = env();
  Json rows = e["ir.logging"].search_read(
      Domain::from_text("[('message', '=', 'before the failure')]"), {"func", "line"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["func"], "Logger");
  EXPECT_EQ(rows[0]["line"], std::to_string(action));
}

}  // namespace
}  // namespace autorules::actions::test
