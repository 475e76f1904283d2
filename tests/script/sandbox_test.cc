#include "script/sandbox.h"

#include <optional>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/model_hooks.h"
#include "script_fixture.h"

namespace autorules::script::test {
namespace {

using orm::Env;
using orm::RecordSet;

TEST_F(SandboxTest, EvaluatesExpressionsWithTheWrappedModules) {
  Env e = env();
  Context ctx(e);
  EXPECT_EQ(eval("1 + 2 * 3", ctx), 7);
  EXPECT_EQ(eval("[x * 2 for x in range(3)]", ctx), Json::array({0, 2, 4}));
  EXPECT_EQ(
      eval("datetime.date(2024, 1, 31) + dateutil.relativedelta.relativedelta(months=1)", ctx),
      "2024-02-29");
  EXPECT_EQ(eval("datetime.datetime(2024, 1, 1, 10, 0) + datetime.timedelta(hours=2)", ctx),
            "2024-01-01 12:00:00");
  EXPECT_EQ(eval("json.loads('{\"a\": [1, 2]}')['a'][1]", ctx), 2);
  EXPECT_EQ(eval("float_compare(1.004, 1.0, precision_digits=2)", ctx), 0);
  EXPECT_EQ(eval("b64decode(b64encode('hi')).decode()", ctx), "hi");
  EXPECT_EQ(eval("Command.set([1, 2])", ctx), Json::array({6, 0, Json::array({1, 2})}));
  EXPECT_EQ(eval("'{} and {name}'.format(1, name='x')", ctx), "1 and x");
  EXPECT_EQ(eval("timezone('Europe/Brussels').zone", ctx), "Europe/Brussels");
  EXPECT_EQ(eval("uid", ctx), orm::kAdminId);
  EXPECT_EQ(eval("user.name", ctx), "Administrator");
}

TEST_F(SandboxTest, ProxiesReadAndWriteThroughTheOrm) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Azure"}, {"city", "Paris"}});
  Context ctx = partner_context(e, p.ids());
  EXPECT_EQ(eval("record.name", ctx), "Azure");
  EXPECT_EQ(eval("record['city']", ctx), "Paris");
  EXPECT_EQ(eval("record.parent_id", ctx), Json::array());  // an empty recordset
  EXPECT_EQ(eval("bool(record.parent_id)", ctx), false);
  EXPECT_EQ(eval("record.create_uid.name", ctx), "Administrator");
  EXPECT_EQ(eval("len(env['res.partner'].search([('city', '=', 'Paris')]))", ctx), 1);
  EXPECT_EQ(eval("env['res.partner'].search_count([('name', 'ilike', 'azu')])", ctx), 1);
  exec("record['city'] = 'Lyon'\nrecord.write({'phone': '123'})", ctx);
  Json row = p.read({"city", "phone"})[0];
  EXPECT_EQ(row["city"], "Lyon");
  EXPECT_EQ(row["phone"], "123");
  Json created = eval("env['res.partner'].create({'name': 'New', 'parent_id': record}).id", ctx);
  EXPECT_EQ(e["res.partner"].browse({created.get<Id>()}).read({"parent_id"})[0]["parent_id"][0],
            p.id());
  EXPECT_EQ(eval("record.child_ids.mapped('name')", ctx), Json::array({"New"}));
  EXPECT_EQ(eval("record.child_ids.filtered(lambda c: c.name == 'New').ids", ctx),
            Json::array({created}));
  EXPECT_EQ(eval("len(env['res.partner'].search([]).filtered([('name', '=', 'New')]))", ctx), 1);
  EXPECT_EQ(eval("[r.name for r in (record | record.child_ids).sorted('name')]", ctx),
            Json::array({"Azure", "New"}));
  EXPECT_EQ(eval("record in env['res.partner'].search([])", ctx), true);
  EXPECT_EQ(eval("env.ref('base.user_admin').login", ctx), "admin");
  EXPECT_EQ(eval("env['ir.config_parameter'].get_param('web.base.url')", ctx),
            "http://127.0.0.1:8069");
  EXPECT_EQ(eval("record.copy().name", ctx), "Azure (copy)");
  exec("env['res.partner'].browse(" + std::to_string(created.get<Id>()) + ").unlink()", ctx);
  EXPECT_TRUE(e["res.partner"].browse({created.get<Id>()}).exists().empty());
}

TEST_F(SandboxTest, RecordsetsCombineLikeOdoos) {
  Env e = env();
  RecordSet a = e["res.partner"].create(Json{{"name", "A"}});
  RecordSet b = e["res.partner"].create(Json{{"name", "B"}});
  Context ctx = partner_context(e, {a.id(), b.id()});
  std::string A = "env['res.partner'].browse(" + std::to_string(a.id()) + ")";
  EXPECT_EQ(eval("(records & " + A + ").ids", ctx), Json::array({a.id()}));
  EXPECT_EQ(eval("(records - " + A + ").ids", ctx), Json::array({b.id()}));
  EXPECT_EQ(eval("(" + A + " | records).ids", ctx), Json::array({a.id(), b.id()}));
  EXPECT_EQ(eval("len(" + A + " + " + A + ")", ctx), 2);
  EXPECT_EQ(eval("records == records.sorted(reverse=True)", ctx), true);
  EXPECT_EQ(eval("records != " + A, ctx), true);
  EXPECT_EQ(eval("records[0].name + records[-1].name", ctx), "AB");
  EXPECT_EQ(eval("len(records[1:])", ctx), 1);
  EXPECT_THROW(eval("records & env['res.users']", ctx), common::ValueError);
  EXPECT_THROW_MSG(eval("records.name", ctx), common::ValueError, "Expected singleton");
}

TEST_F(SandboxTest, CodeHandsBackAnAction) {
  Env e = env();
  Context ctx(e);
  EXPECT_EQ(exec("x = 1", ctx), nullptr);
  EXPECT_EQ(exec("action = {'type': 'ir.actions.act_window', 'res_id': 5}", ctx)["res_id"], 5);
}

TEST_F(SandboxTest, UserErrorsPassThroughUnchanged) {
  Env e = env();
  Context ctx(e);
  EXPECT_THROW_MSG(exec("raise UserError('Not today')", ctx), common::UserError, "Not today");
  try {
    exec("raise UserError('x')", ctx);
  } catch (const common::Error& err) {
    EXPECT_EQ(err.kind(), common::ErrorKind::kUser);
  }
  // An ORM error inside the code keeps its kind when the code does not catch it.
  EXPECT_THROW(exec("env['res.partner'].create({'email': 'no name'})", ctx),
               common::ValidationError);
}

// res.partner.fail(kind): throws the error of that kind, with a rule as its context when
// `rule` is given.
void add_failing_method(orm::Runtime& runtime) {
  runtime.add_method("res.partner", "fail",
                     orm::Method{.fn = [](const RecordSet&, const Json& params) -> Json {
                                   std::optional<common::RuleContext> rule;
                                   if (params.value("rule", Json()).is_number())
                                     rule = common::RuleContext{params["rule"].get<Id>(), "Rule"};
                                   common::throw_error(
                                       static_cast<common::ErrorKind>(params["kind"].get<int>()),
                                       "under /var/secret", rule);
                                 },
                                 .params = {"kind", "rule"},
                                 .required_params = {"kind"},
                                 .model_level = true});
}

TEST_F(SandboxTest, ConflictsAndInternalErrorsCannotBeSwallowed) {
  add_failing_method(*runtime_);
  Env e = env();
  Context ctx(e);
  for (const char* wrapping :
       {"{}\n", "try:\n    {}\nexcept Exception:\n    pass\n", "try:\n    {}\nexcept:\n    pass\n",
        "try:\n    {}\nfinally:\n    action = 1\n"}) {
    SCOPED_TRACE(wrapping);
    auto code = [&](common::ErrorKind kind) {
      return fmt::format(fmt::runtime(wrapping),
                         fmt::format("env['res.partner'].fail({})", static_cast<int>(kind))) +
             "action = 2";
    };
    EXPECT_THROW_MSG(exec(code(common::ErrorKind::kConflict), ctx), common::ConflictError,
                     "under /var/secret");
    // The C++ error itself: its details for the log, none in what the code could see.
    EXPECT_THROW_MSG(exec(code(common::ErrorKind::kInternal), ctx), common::InternalError,
                     "under /var/secret");
    // Nothing of it is left for the next evaluation.
    EXPECT_EQ(exec("action = 3", ctx), 3);
  }
  // In a computed value (eval), the same.
  EXPECT_THROW(eval(fmt::format("env['res.partner'].fail({})",
                                static_cast<int>(common::ErrorKind::kConflict)),
                    ctx),
               common::ConflictError);
}

TEST_F(SandboxTest, AUserErrorKeepsItsRuleAcrossPython) {
  add_failing_method(*runtime_);
  Env e = env();
  Context ctx(e);
  int user = static_cast<int>(common::ErrorKind::kValidation);
  for (const char* code : {"env['res.partner'].fail({}, 7)",
                           "try:\n    env['res.partner'].fail({}, 7)\nexcept UserError as e:\n    "
                           "raise e"}) {
    try {
      exec(fmt::format(fmt::runtime(code), user), ctx);
      ADD_FAILURE() << "no error";
    } catch (const common::ValidationError& err) {
      ASSERT_TRUE(err.rule()) << code;
      EXPECT_EQ(err.rule()->id, 7);
      EXPECT_EQ(err.rule()->name, "Rule");
    }
  }
  // A new error raised by the code has no rule; nor has one from an ORM call outside a rule.
  for (const char* code : {"try:\n    env['res.partner'].fail({}, 7)\nexcept UserError as e:\n    "
                           "raise ValidationError(str(e))",
                           "env['res.partner'].fail({})"}) {
    try {
      exec(fmt::format(fmt::runtime(code), user), ctx);
      ADD_FAILURE() << "no error";
    } catch (const common::ValidationError& err) {
      EXPECT_FALSE(err.rule()) << code;
    }
  }
}

TEST_F(SandboxTest, OtherErrorsNameTheExceptionTheSourceAndTheLine) {
  Env e = env();
  Context ctx(e);
  EXPECT_THROW_MSG(exec("x = 1\ny = x / 0", ctx), common::ValueError,
                   "ZeroDivisionError('division by zero') while evaluating");
  EXPECT_THROW_MSG(exec("x = 1\ny = x / 0", ctx), common::ValueError, "(line 2: y = x / 0)");
  EXPECT_THROW_MSG(eval("undefined_name", ctx), common::ValueError, "undefined_name");
  EXPECT_THROW_MSG(eval("env['no.model']", ctx), common::ValueError, "no.model");
}

TEST_F(SandboxTest, CaughtOrmErrorsLeaveNothingBehind) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Keep"}});
  Context ctx = partner_context(e, p.ids());
  exec(
      "try:\n    record.write({'name': 'Changed', 'company_type': 'robot'})\nexcept ValueError:\n  "
      "  pass",
      ctx);
  EXPECT_EQ(p.read({"name"})[0]["name"], "Keep");
}

TEST_F(SandboxTest, SaveTimeCheckGivesOdoosMessages) {
  EXPECT_EQ(check("x = = 1", Mode::kExec), "SyntaxError : invalid syntax at line 1\nx = = 1\n");
  EXPECT_FALSE(check("record.write({'a': 1})", Mode::kExec));
  auto forbidden = check("import os", Mode::kExec);
  ASSERT_TRUE(forbidden);
  EXPECT_NE(forbidden->find("forbidden opcode(s)"), std::string::npos);
}

TEST_F(SandboxTest, NothingSurvivesFromOneEvaluationToTheNext) {
  Env e = env();
  Context ctx(e);
  exec("leftover = 42", ctx);
  EXPECT_THROW(eval("leftover", ctx), common::ValueError);
  exec("d = {'shared': 1}\nd['x'] = 2", ctx);
  EXPECT_THROW(eval("d", ctx), common::ValueError);
}

TEST_F(SandboxTest, LogRowsSurviveTheRollback) {
  {
    Env e = env();
    Context ctx(e);
    exec("log('kept despite the rollback', level='warning')", ctx);
    // Not committed: rolled back.
  }
  Env e = env();
  Json rows = e["ir.logging"].search_read(
      Domain::from_text("[('message', '=', 'kept despite the rollback')]"),
      {"level", "type", "path"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["level"], "WARNING");
  EXPECT_EQ(rows[0]["type"], "server");
}

}  // namespace
}  // namespace autorules::script::test
