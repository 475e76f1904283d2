// The uses of the sandbox wired into the ORM: computed fields, domain text with expressions,
// inline templates.
#include "common/errors.h"
#include "script_fixture.h"

namespace autorules::script::test {
namespace {

using orm::Env;
using orm::RecordSet;

Json field(const std::string& name, const std::string& ttype, Json extra = Json::object()) {
  Json f = {{"name", name}, {"ttype", ttype}, {"field_description", name}};
  for (const auto& [k, v] : extra.items())
    f[k] = v;
  return Json::array({0, 0, f});
}

TEST_F(SandboxTest, StudioComputedFieldsAreStoredAndRecomputed) {
  {
    Env e = env();
    e["ir.model"].create(
        Json{{"name", "Line"},
             {"model", "x_line"},
             {"field_id", Json::array({field("x_name", "char"), field("x_qty", "float"),
                                       field("x_price", "float")})}});
    e["ir.model.fields"].create(Json{
        {"model", "x_line"},
        {"name", "x_total"},
        {"ttype", "float"},
        {"field_description", "Total"},
        {"compute", "for record in self:\n    record['x_total'] = record.x_qty * record.x_price"},
        {"depends", "x_qty,x_price"}});
    e.commit();
  }
  Env e = env();
  RecordSet line = e["x_line"].create(Json{{"x_name", "l"}, {"x_qty", 3}, {"x_price", 2.5}});
  EXPECT_EQ(line.read({"x_total"})[0]["x_total"], 7.5);
  line.write(Json{{"x_qty", 4}});
  EXPECT_EQ(line.read({"x_total"})[0]["x_total"], 10.0);
  EXPECT_EQ(e["x_line"].search_count(Domain::from_text("[('x_total', '>', 9)]")), 1);
  EXPECT_THROW(line.write(Json{{"x_total", 1}}), common::ValidationError);  // computed: read-only
}

TEST_F(SandboxTest, ComputeCodeIsCheckedWhenSaved) {
  {
    Env e = env();
    e["ir.model"].create(Json{
        {"name", "T"}, {"model", "x_t"}, {"field_id", Json::array({field("x_a", "integer")})}});
    e.commit();
  }
  {
    Env e = env();
    EXPECT_THROW_MSG(
        e["ir.model.fields"].create(Json{{"model", "x_t"},
                                         {"name", "x_b"},
                                         {"ttype", "integer"},
                                         {"field_description", "B"},
                                         {"compute", "for r in self:\n  r['x_b'] = = 1"},
                                         {"depends", "x_a"}}),
        common::ValidationError, "SyntaxError : invalid syntax at line 2");
  }
  Env e = env();
  EXPECT_THROW_MSG(e["ir.model.fields"].create(Json{{"model", "x_t"},
                                                    {"name", "x_b"},
                                                    {"ttype", "integer"},
                                                    {"field_description", "B"},
                                                    {"compute", "import os"},
                                                    {"depends", "x_a"}}),
                   common::ValidationError, "forbidden opcode(s)");
}

TEST_F(SandboxTest, OnlyAdministratorsMayWriteCode) {
  Id marc = make_internal_user();
  Env e = env(marc);
  EXPECT_THROW(e.sudo(false)["ir.model.fields"].search(Domain()).browse({1}).write(
                   Json{{"compute", "x = 1"}}),
               common::AccessError);
}

TEST_F(SandboxTest, NonStoredComputedFieldsAreComputedOnRead) {
  Env e = env();
  e["ir.model"].create(
      Json{{"name", "T"}, {"model", "x_t"}, {"field_id", Json::array({field("x_a", "integer")})}});
  e["ir.model.fields"].create(Json{{"model", "x_t"},
                                   {"name", "x_double"},
                                   {"ttype", "integer"},
                                   {"field_description", "Double"},
                                   {"store", false},
                                   {"compute", "for r in self:\n    r['x_double'] = r.x_a * 2"},
                                   {"depends", "x_a"}});
  RecordSet t = e["x_t"].create(Json{{"x_a", 21}});
  EXPECT_EQ(t.read({"x_double"})[0]["x_double"], 42);
}

TEST_F(SandboxTest, DomainTextWithExpressionsIsEvaluatedFirst) {
  Env e = env();
  RecordSet mine = e["res.partner"].create(Json{{"name", "Mine"}});
  domain::Domain d = orm::parse_domain(e, "[('create_uid', '=', uid), ('name', '=', 'Mine')]");
  EXPECT_EQ(e["res.partner"].search(d).ids(), mine.ids());
  d = orm::parse_domain(
      e,
      "[('create_date', '>=', (datetime.datetime(2026, 1, 15) - "
      "relativedelta(days=1)).strftime('%Y-%m-%d')), ('create_uid', '=', user.id)]");
  EXPECT_GE(e["res.partner"].search_count(d), 1);
  EXPECT_EQ(e["res.partner"].search_count(
                orm::parse_domain(e, "[('create_date', '<=', context_today())]")),
            0);
  EXPECT_THROW(orm::parse_domain(e, "[('name', '=', __import__('os'))]"), common::ValueError);
}

TEST_F(SandboxTest, InlineTemplatesRenderWithObject) {
  Env e = env();
  RecordSet company = e["res.partner"].create(Json{{"name", "Azure"}, {"is_company", true}});
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann"}, {"parent_id", company.id()}});
  EXPECT_EQ(render_template("Hello {{ object.name }} of {{ object.parent_id.name }}!", p),
            "Hello Ann of Azure!");
  EXPECT_EQ(render_template("{{ object.email }}|{{ object.parent_id }}|{{ 2 * 21 }}", p),
            "|Azure|42");
  EXPECT_EQ(render_template("no expressions", p), "no expressions");
  EXPECT_THROW(render_template("{{ object.name ", p), common::ValueError);
  EXPECT_THROW(render_template("{{ object.__class__ }}", p), common::ValueError);
}

}  // namespace
}  // namespace autorules::script::test
