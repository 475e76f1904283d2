// User code never gains rights it did not start with: sudo() only where the code already runs as
// superuser (a rule's action, a computed field) or for administrators; no record handed to code
// carries a superuser env the code's own env does not have; with_context() neither sets nor drops
// the server's own "__" context keys.
#include "common/errors.h"
#include "script_fixture.h"

namespace autorules::script::test {
namespace {

using orm::Env;
using orm::RecordSet;

constexpr const char* kRefused = "sudo() is not allowed here";

class PrivilegeTest : public SandboxTest {
 protected:
  // A partner and a context on it for an internal user who is not an administrator, in their
  // own (not superuser) env.
  struct Setup {
    Id user;
    Id partner;
  };
  Setup setup() {
    Id user = make_internal_user();
    Env s = su();
    Id partner = s["res.partner"].create(Json{{"name", "Shared"}}).id();
    s.commit();
    return {user, partner};
  }
};

TEST_F(PrivilegeTest, SudoIsRefusedToCodeOfAUserWhoIsNotAnAdministrator) {
  Setup s = setup();
  Env e = env(s.user);
  Context ctx = partner_context(e, {s.partner});
  for (const char* code :
       {"records.sudo()", "env['res.partner'].sudo()", "env.user.sudo()", "user.sudo()",
        "record.create_uid.sudo()", "records.sudo(True)", "records.sudo(False).sudo()",
        "records.with_context(a=1).sudo()", "env['res.partner'].search([]).sudo()"}) {
    try {
      eval(code, ctx);
      ADD_FAILURE() << code << ": allowed";
    } catch (const common::Error& err) {
      EXPECT_EQ(err.kind(), common::ErrorKind::kAccess) << code << ": " << err.what();
      EXPECT_NE(std::string(err.what()).find(kRefused), std::string::npos) << err.what();
    }
  }
  // Caught by the code, it changes nothing either.
  EXPECT_EQ(exec("try:\n    x = records.sudo()\n    action = 'got it'\nexcept UserError:\n"
                 "    action = 'refused'",
                 ctx),
            "refused");
  // Dropping rights is always allowed.
  EXPECT_EQ(eval("records.sudo(False).env.su", ctx), false);
  EXPECT_EQ(eval("record.name", ctx), "Shared");
}

TEST_F(PrivilegeTest, DomainTextCannotSudoEither) {
  Setup s = setup();
  Env e = env(s.user);
  EXPECT_THROW_MSG(orm::parse_domain(e, "[('id', 'in', env['res.users'].sudo().search([]).ids)]"),
                   common::AccessError, kRefused);
}

TEST_F(PrivilegeTest, SudoIsAllowedToAdministratorsAndWhereCodeIsAlreadySuperuser) {
  Setup s = setup();
  {
    Env admin = env();  // the administrator, superuser mode off: allowed
    Context ctx = partner_context(admin, {s.partner});
    EXPECT_EQ(eval("records.sudo().env.su", ctx), true);
  }
  {
    // A rule's action runs as superuser (uid staying the user who triggered it).
    Env rule = env(s.user).sudo();
    Context ctx = partner_context(rule, {s.partner});
    EXPECT_EQ(eval("records.sudo().env.su", ctx), true);
    EXPECT_EQ(eval("records.sudo(False).sudo().env.su", ctx), true);
    EXPECT_EQ(eval("env.user.env.su and user.env.su", ctx), true);
  }
}

TEST_F(PrivilegeTest, ComputedFieldsRunAsSuperuserAndMaySudo) {
  Setup s = setup();
  {
    Env a = su();
    a["ir.model"].create(Json{
        {"name", "T"},
        {"model", "x_t"},
        {"field_id",
         Json::array({Json::array(
             {0, 0, Json{{"name", "x_a"}, {"ttype", "integer"}, {"field_description", "A"}}})})}});
    a["ir.model.fields"].create(Json{{"model", "x_t"},
                                     {"name", "x_su"},
                                     {"ttype", "boolean"},
                                     {"field_description", "Su"},
                                     {"compute", "for r in self:\n    r['x_su'] = r.sudo().env.su"},
                                     {"depends", "x_a"}});
    a.commit();
  }
  Env e = env(s.user);
  RecordSet t = e.sudo()["x_t"].create(Json{{"x_a", 1}});
  EXPECT_EQ(t.read({"x_su"})[0]["x_su"], true);
}

// Every way a record reaches user code keeps the env it came from: none is superuser when the
// code's env is not.
TEST_F(PrivilegeTest, NoRouteHandsOutASuperuserEnv) {
  Setup s = setup();
  Env e = env(s.user);
  Context ctx = partner_context(e, {s.partner});
  for (const char* route : {
           "env.su",
           "env.user.env.su",
           "env.user.env['res.users'].env.su",
           "user.env.su",
           "records.env.su",
           "record.create_uid.env.su",
           "record.create_uid.partner_id.env.su",
           "records.sorted().env.su",
           "records.sorted('name').env.su",
           "records.sorted(key=lambda r: r.id, reverse=True).env.su",
           "records.mapped('create_uid').env.su",
           "records.filtered(lambda r: True).env.su",
           "records.filtered_domain([]).env.su",
           "records.exists().env.su",
           "records.browse(records.ids).env.su",
           "(records | records).env.su",
           "(records + records).env.su",
           "(records & records).env.su",
           "(records - records).env.su",
           "records[0].env.su",
           "records[:1].env.su",
           "[r for r in records][0].env.su",
           "records.ensure_one().env.su",
           "records.with_context(active_test=False).env.su",
           "env['res.partner'].search([]).env.su",
           "env.ref('base.user_admin').env.su",
           "model.env.su",
       }) {
    EXPECT_EQ(eval(route, ctx), false) << route;
  }
  // And what those records read is checked against the user's rights, not bypassed.
  EXPECT_THROW(eval("env.user.env['ir.config_parameter'].search([])", ctx), common::AccessError);
}

TEST_F(PrivilegeTest, WithContextNeitherSetsNorDropsTheServersOwnKeys) {
  Env e =
      env().with_context(Json{{"__action_done", Json{{"7", Json::array({1})}}}, {"lang", "en"}});
  Context ctx(e);
  ctx.model = "res.partner";
  // Added keys starting with "__" are dropped, by either form.
  EXPECT_EQ(
      eval("'__webhook_payload' in records.with_context({'__webhook_payload': 1}).env.context",
           ctx),
      false);
  EXPECT_EQ(eval("'__x' in records.with_context(**{'__x': 1, 'y': 2}).env.context", ctx), false);
  EXPECT_EQ(eval("records.with_context(**{'__x': 1, 'y': 2}).env.context['y']", ctx), 2);
  // The server's keys survive a replacing with_context(dict) and cannot be overwritten.
  EXPECT_EQ(eval("records.with_context({'a': 1}).env.context['__action_done']", ctx),
            (Json{{"7", Json::array({1})}}));
  EXPECT_EQ(eval("'lang' in records.with_context({'a': 1}).env.context", ctx), false);
  EXPECT_EQ(eval("records.with_context({'__action_done': {}}).env.context['__action_done']", ctx),
            (Json{{"7", Json::array({1})}}));
  EXPECT_EQ(eval("records.with_context(__action_done={}).env.context['__action_done']", ctx),
            (Json{{"7", Json::array({1})}}));
  EXPECT_THROW_MSG(eval("records.with_context([1, 2])", ctx), common::ValueError,
                   "expects a dictionary");
}

}  // namespace
}  // namespace autorules::script::test
