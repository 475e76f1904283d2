// The sandbox's templates (script/template.h): inline templates, programs compiled and rendered
// (QWeb's come from mail/, tested there), Markup for html fields, and malformed or hostile
// programs, which must fail cleanly.
#include "common/errors.h"
#include "script/template.h"
#include "script_fixture.h"

namespace autorules::script::test {
namespace {

using orm::Env;
using orm::RecordSet;

// A program from its sites and code (JSON text), for the given engine.
Json program(const char* sites, const char* code, const char* engine = "qweb") {
  return Json{{"engine", engine}, {"sites", Json::parse(sites)}, {"code", Json::parse(code)}};
}

TEST_F(SandboxTest, HtmlFieldsReadAsMarkup) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann"}, {"comment", "<p>Hi</p>"}});
  Context ctx = partner_context(e, p.ids());
  // A str, whose additions escape plain text; its methods keep it Markup.
  EXPECT_EQ(eval("isinstance(record.comment, str)", ctx), true);
  EXPECT_EQ(eval("record.comment + '<i>'", ctx), "<p>Hi</p>&lt;i&gt;");
  EXPECT_EQ(eval("'<i>' + record.comment", ctx), "&lt;i&gt;<p>Hi</p>");
  EXPECT_EQ(eval("record.comment.upper() + '&'", ctx), "<P>HI</P>&amp;");
  EXPECT_EQ(eval("record.name + '<i>'", ctx), "Ann<i>");
  // Written back as the text it is.
  exec("record.write({'comment': record.comment + ' & more'})", ctx);
  EXPECT_EQ(p.read({"comment"})[0]["comment"], "<p>Hi</p> &amp; more");
  EXPECT_EQ(eval("record.mapped('comment')[0]", ctx), "<p>Hi</p> &amp; more");
  // An empty html field is False, as before.
  RecordSet q = e["res.partner"].create(Json{{"name", "Bob"}});
  EXPECT_EQ(eval("record.comment", partner_context(e, q.ids())), false);
}

TEST_F(SandboxTest, InlineTemplatesGiveDefaultsForFalsyValues) {
  Env e = env();
  RecordSet company = e["res.partner"].create(Json{{"name", "Azure"}, {"is_company", true}});
  RecordSet p = e["res.partner"].create(
      Json{{"name", "Ann"}, {"parent_id", company.id()}, {"comment", "<b>x</b>"}});
  EXPECT_EQ(render_template("{{ object.email ||| none }}|{{ 0 ||| zero }}|{{ '' }}|"
                            "{{ object.child_ids ||| no children }}|{{ object.parent_id }}|"
                            "{{ object.comment }}|{{ format_duration(2.25) }}|{{ ctx.get('x') }}",
                            p),
            "none|zero||no children|Azure|<b>x</b>|02:15|");
  EXPECT_THROW_MSG(render_template("a\n\n{{ nope }}", p), common::ValueError,
                   "line 3: NameError(\"name 'nope' is not defined\")");
  EXPECT_THROW_MSG(render_template("{{ 1 ", p), common::ValueError,
                   "line 1: a '{{' without its '}}'");
  // A user error keeps its kind, with the line before its message.
  EXPECT_THROW_MSG(render_template("{{ 1 }}\n{{ object.write({'name': False}) }}", p),
                   common::UserError, "line 2: ");
}

TEST_F(SandboxTest, InlineProgramsKeepTextAsText) {
  EXPECT_EQ(inline_program("a {{ x ||| d e }} b\n{{y}}{{ }}{{ z|||}}"),
            program(R"j([[1, "", "x"], [2, "", "y"], [2, "", "z"]])j",
                    R"j([["text", "a "], ["inline", 0, "d e"], ["text", " b\n"], ["inline", 1, ""],
                        ["inline", 2, ""]])j",
                    "inline"));
  EXPECT_THROW_MSG(inline_program(std::string(600u << 10, 'x')), common::ValueError,
                   "limit of 512 KiB");
}

TEST_F(SandboxTest, ProgramsRenderWithTheirSitesInErrors) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann <&>"}});
  auto compiled = compile_template(program(
      R"j([[1, "t-out", "object.name"], [2, "t-if", "missing"], [3, "t-out", "1 / (object.id - object.id)"]])j",
      R"j([["text", "<p>"], ["ifvalue", 0], ["emit"], ["end"], ["text", "</p>"],
          ["if", 1], ["text", "never"], ["else"], ["text", "!"], ["end"]])j"));
  // Escaped; a name nothing set is None in QWeb.
  EXPECT_EQ(render(*compiled, p), "<p>Ann &lt;&amp;&gt;</p>!");
  auto failing = compile_template(program(R"j([[1, "t-out", "1"], [7, "t-out", "1 / 0"]])j",
                                          R"j([["ifvalue", 1], ["emit"], ["end"]])j"));
  EXPECT_THROW_MSG(
      render(*failing, p), common::ValueError,
      "line 7, t-out: ZeroDivisionError('division by zero') while evaluating\n'1 / 0'");
  auto endless = compile_template(
      program(R"j([[4, "t-foreach", "range(10**12)"]])j", R"j([["foreach", 0, "i"], ["end"]])j"));
  EXPECT_THROW_MSG(render(*endless, p), common::ValueError, "and was stopped");
  auto huge = compile_template(program(
      R"j([[5, "t-foreach", "range(3000)"]])j",
      (R"j([["foreach", 0, "i"], ["text", ")j" + std::string(1000, 'x') + R"j("], ["end"]])j")
          .c_str()));
  EXPECT_THROW_MSG(render(*huge, p), common::ValueError,
                   "the rendered template is larger than the limit of 1 MiB");
  // In the inline engine an unknown name is an error.
  auto strict =
      compile_template(program(R"j([[2, "", "missing"]])j", R"j([["inline", 0, ""]])j", "inline"));
  EXPECT_THROW_MSG(render(*strict, p), common::ValueError, "line 2: NameError");
}

TEST_F(SandboxTest, MalformedProgramsAreRefused) {
  const char* const kMalformed[][2] = {
      {"[]", R"j([["if", 0], ["end"]])j"},          // no such site
      {R"j([[1, "", "1"]])j", R"j([["if", 0]])j"},  // a block not closed
      {"[]", R"j([["end"]])j"},                     // an end without a block
      {"[]", R"j([["else"]])j"},                    // an else without an if
      {R"j([[1, "", "1"]])j",
       R"j([["if", 0], ["else"], ["elif", 0], ["end"]])j"},    // elif after else
      {"[]", R"j([["emit"]])j"},                               // emit outside ifvalue
      {"[]", R"j([["exec", "import os"]])j"},                  // no such instruction
      {"[]", R"j([[]])j"},                                     // an empty instruction
      {R"j([["1", "", "1"]])j", R"j([["if", 0], ["end"]])j"},  // a site without a line
      {R"j([[1, "", "1"]])j", R"j([["if", "0"], ["end"]])j"},  // a site that is not an index
      {R"j([[1, "", "1"]])j", R"j([["tag", 0, "a", false, [["e", "x"]]]])j"},  // a short item
  };
  for (const auto& [sites, code] : kMalformed) {
    SCOPED_TRACE(code);
    EXPECT_THROW_MSG(compile_template(program(sites, code)), common::ValueError,
                     "malformed template program");
  }
  EXPECT_THROW_MSG(compile_template(Json{
                       {"engine", "python"}, {"sites", Json::array()}, {"code", Json::array()}}),
                   common::ValueError, "malformed template program");
}

TEST_F(SandboxTest, ProgramsOnlyRunTheirExpressionsAfterTheChecks) {
  const char* const kRefused[][3] = {
      {R"j([[1, "t-out", "__qweb_o__"]])j", R"j([["ifvalue", 0], ["emit"], ["end"]])j",
       "forbidden name '__qweb_o__'"},
      {R"j([[1, "t-out", "().__class__"]])j", R"j([["ifvalue", 0], ["emit"], ["end"]])j",
       "forbidden name '__class__'"},
      {R"j([[1, "t-out", "__import__('os')"]])j", R"j([["ifvalue", 0], ["emit"], ["end"]])j",
       "forbidden name"},
      {R"j([[1, "t-out", "x) or (1"]])j", R"j([["ifvalue", 0], ["emit"], ["end"]])j",
       "SyntaxError"},
      {R"j([[1, "t-out", "1\nimport os"]])j", R"j([["ifvalue", 0], ["emit"], ["end"]])j",
       "SyntaxError"},
      {R"j([[1, "t-set", "1"]])j", R"j([["set", 0, "__qweb_o__"]])j", "not a valid variable name"},
      {R"j([[1, "t-set", "1"]])j", R"j([["set", 0, "a = 1; import os; b"]])j",
       "not a valid variable name"},
      {R"j([[1, "t-as", "[1]"]])j", R"j([["foreach", 0, "None"], ["end"]])j",
       "not a valid variable name"},
      {R"j([[1, "t-out", ""]])j", R"j([["ifvalue", 0], ["emit"], ["end"]])j",
       "the expression is empty"},
  };
  for (const auto& [sites, code, message] : kRefused) {
    SCOPED_TRACE(code);
    EXPECT_THROW_MSG(compile_template(program(sites, code)), common::ValueError, message);
  }
  // Text and static attributes given by a program are constants, never code.
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann"}});
  auto compiled = compile_template(program(R"j([[1, "<a>", ""]])j",
                                           R"j([["text", "')\n__import__('os').system('x')\n('"],
          ["tag", 0, "a", false, [["s", "b", "\"')\n__import__('os')<>&"]]]])j"));
  EXPECT_EQ(render(*compiled, p),
            "')\n__import__('os').system('x')\n('"
            "<a b=\"&#34;&#39;)\n__import__(&#39;os&#39;)&lt;&gt;&amp;\">");
}

TEST_F(SandboxTest, TemplatesAreCompiledOnce) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann"}});
  render_template("Hi {{ object.name }}", p);
  std::size_t before = templates_compiled();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(render_template("Hi {{ object.name }}", p), "Hi Ann");
  EXPECT_EQ(templates_compiled(), before);
}

}  // namespace
}  // namespace autorules::script::test
