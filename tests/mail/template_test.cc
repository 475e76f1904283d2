// Mail templates: the inline {{ }} language and QWeb (mail/template.h), rendered in the sandbox
// against real records: every directive, escaping (text and attributes), Markup of html fields,
// defaults, the render context, errors with their names and lines, hostile sources and values, a
// template in the style of Odoo's own, and that a template is compiled once for many records.
#include "mail/template.h"

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/errors.h"
#include "mail/internal/qweb.h"
#include "orm/base/modules.h"
#include "orm_fixture.h"
#include "script/sandbox.h"
#include "script/template.h"
#include "test_support/slowdown.h"

namespace autorules::mail::test {
namespace {

using common::Id;
using common::Json;
using orm::Env;
using orm::RecordSet;

class TemplateTest : public orm::test::OrmTest {
 protected:
  TemplateTest() { script::install(*runtime_, options_); }

  std::string qweb(std::string_view source, const RecordSet& record) {
    return render_qweb(source, record, "T");
  }
  std::string inline_text(std::string_view text, const RecordSet& record) {
    return render_inline(text, record, "T");
  }
  // The message of the UserError a QWeb render gives (and that it is a plain UserError).
  std::string qweb_error(std::string_view source, const RecordSet& record,
                         std::string_view name = "T") {
    try {
      render_qweb(source, record, name);
    } catch (const common::Error& e) {
      EXPECT_EQ(e.kind(), common::ErrorKind::kUser) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no error for " << source.substr(0, 200);
    return "";
  }
  std::string inline_error(std::string_view text, const RecordSet& record) {
    try {
      render_inline(text, record, "Subject");
    } catch (const common::Error& e) {
      EXPECT_EQ(e.kind(), common::ErrorKind::kUser) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no error for " << text.substr(0, 200);
    return "";
  }

  RecordSet partner(Env& e, Json values) { return e["res.partner"].create(values); }

  script::Options options_{.timeout_seconds = 1.0 * autorules::test::kSlowdown,
                           .memory_budget = 128u << 20};
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Expects `text` to contain `part`, and shows the text when it does not.
#define EXPECT_CONTAINS(text, part)                \
  do {                                             \
    std::string text__ = (text);                   \
    EXPECT_TRUE(contains(text__, part)) << text__; \
  } while (0)

// --- Inline templates -----------------------------------------------------------------------

TEST_F(TemplateTest, InlineTemplatesWriteValuesUnescapedWithDefaults) {
  Env e = env();
  RecordSet company = partner(e, Json{{"name", "Azure & Co"}, {"is_company", true}});
  RecordSet p = partner(e, Json{{"name", "Ann <ann>"}, {"parent_id", company.id()}});
  EXPECT_EQ(inline_text("Hello {{ object.name }} of {{ object.parent_id }}!", p),
            "Hello Ann <ann> of Azure & Co!");
  // A falsy value (False, None, '', 0, an empty recordset) gives the default, or nothing.
  EXPECT_EQ(inline_text("{{ object.email ||| nobody@example.com }}", p), "nobody@example.com");
  EXPECT_EQ(inline_text("[{{ object.email }}][{{ 0 ||| zero }}][{{ '' ||| empty }}]"
                        "[{{ None }}][{{ object.child_ids ||| none }}][{{ 1 ||| one }}]",
                        p),
            "[][zero][empty][][none][1]");
  EXPECT_EQ(inline_text("{{ 6 * 7 }} {{ 2.5 }} {{ [1, 'a'] }} {{ }} no braces", p),
            "42 2.5 [1, 'a']  no braces");
  EXPECT_EQ(inline_text("", p), "");
  // Several lines; the text between expressions is kept as it is.
  EXPECT_EQ(inline_text("Dear {{ object.name }},\n  <b>{{ object.parent_id.name }}</b>\n", p),
            "Dear Ann <ann>,\n  <b>Azure & Co</b>\n");
}

TEST_F(TemplateTest, InlineTemplatesHaveTheRenderContext) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}, {"comment", "<p>Note</p>"}});
  RecordSet usd = e.ref("base.USD");
  EXPECT_EQ(inline_text("{{ user.name }}|{{ ctx.get('lang') ||| no lang }}|"
                        "{{ format_date(object.create_date) }}|{{ object.comment }}|"
                        "{{ str(is_html_empty(object.comment)) }}",
                        p),
            "Administrator|no lang|01/15/2026|<p>Note</p>|False");
  EXPECT_EQ(
      inline_text(
          fmt::format("{{{{ format_amount(1234.5, env['res.currency'].browse({})) }}}}", usd.id()),
          p),
      "$\u00a01,234.50");
  EXPECT_EQ(inline_text("{{ quote('a b/c') }}?{{ urlencode({'q': 'x y'}) }}", p), "a%20b/c?q=x+y");
}

TEST_F(TemplateTest, InlineErrorsNameTheTemplateAndTheLine) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  std::string message = inline_error("Hello\n{{ object.name }}, {{ 1 / 0 }}", p);
  EXPECT_TRUE(
      message.starts_with("Failed to render inline_template template Subject: line 2: "
                          "ZeroDivisionError('division by zero') while evaluating\n"
                          "'1 / 0'"))
      << message;
  // Unlike QWeb, an unknown name is an error (Odoo's safe_eval).
  EXPECT_CONTAINS(inline_error("{{ nope }}", p), "line 1: NameError(\"name 'nope'");
  EXPECT_CONTAINS(inline_error("a\nb {{ object.name ", p), "line 2: a '{{' without its '}}'");
  EXPECT_CONTAINS(inline_error("{{ object.__class__ }}", p), "forbidden name '__class__'");
  EXPECT_CONTAINS(inline_error("{{ object.name + }}", p), "SyntaxError");
  EXPECT_CONTAINS(inline_error("{{ 'x' * 2000000 }}", p), "larger than the limit of 1 MiB");
  EXPECT_CONTAINS(inline_error(std::string(600u << 10, 'a'), p), "limit of 512 KiB");
}

// --- QWeb: output -----------------------------------------------------------------------------

TEST_F(TemplateTest, TOutReplacesATAndFillsOtherElementsEscaped) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann & <Bob> \"O'Neil\""}});
  EXPECT_EQ(
      qweb("<p><t t-out=\"object.name\"/></p><span class=\"n\" t-out=\"object.name\">x</span>", p),
      "<p>Ann &amp; &lt;Bob&gt; &#34;O&#39;Neil&#34;</p>"
      "<span class=\"n\">Ann &amp; &lt;Bob&gt; &#34;O&#39;Neil&#34;</span>");
  // t-esc is t-out; t-raw too (it escapes what is not Markup: refused raw HTML stays text).
  EXPECT_EQ(
      qweb("<t t-esc=\"'&lt;b&gt;'\"/><t t-raw=\"'&lt;b&gt;'\"/><t t-raw=\"Markup('&lt;b&gt;')\"/>",
           p),
      "&lt;b&gt;&lt;b&gt;<b>");
  // Numbers, records (display names), lists.
  EXPECT_EQ(
      qweb("<t t-out=\"1 + 1\"/>|<t t-out=\"2.5\"/>|<t t-out=\"object\"/>|<t t-out=\"[1]\"/>", p),
      "2|2.5|Ann &amp; &lt;Bob&gt; &#34;O&#39;Neil&#34;|[1]");
}

TEST_F(TemplateTest, TOutShowsTheElementsContentWhenTheValueIsNoneOrFalse) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  EXPECT_EQ(qweb("<t t-out=\"object.email\">no email</t>|"
                 "<span class=\"e\" t-out=\"object.email\">none <b>here</b></span>|"
                 "<span t-out=\"None\"/>|<t t-out=\"0\">d</t>|<t t-out=\"''\">d</t>|"
                 "<i t-out=\"False\" t-att-title=\"object.name\">-</i>",
                 p),
            "no email|<span class=\"e\">none <b>here</b></span>||0||<i title=\"Ann\">-</i>");
  // A name the template never set is None, as in Odoo (not an error).
  EXPECT_EQ(qweb("<t t-out=\"missing\">d</t><t t-if=\"missing\">x</t><t t-out=\"false\"/>", p),
            "d");
}

TEST_F(TemplateTest, HtmlFieldsAreMarkupAndPassThrough) {
  Env e = env();
  RecordSet p =
      partner(e, Json{{"name", "Ann"}, {"comment", "<p>Hello <b>there</b> &amp; you</p>"}});
  EXPECT_EQ(qweb("<div t-out=\"object.comment\"/>", p),
            "<div><p>Hello <b>there</b> &amp; you</p></div>");
  // Plain text added to Markup is escaped; Markup() vouches for a text; attributes always escape.
  EXPECT_EQ(qweb("<t t-out=\"object.comment + '&lt;i&gt;'\"/>|<t t-out=\"Markup('&lt;hr/&gt;')\"/>|"
                 "<t t-out=\"Markup('&lt;b&gt;%s&lt;/b&gt;') % '&lt;x&gt;'\"/>|"
                 "<p t-att-title=\"object.comment\"/>",
                 p),
            "<p>Hello <b>there</b> &amp; you</p>&lt;i&gt;|<hr/>|<b>&lt;x&gt;</b>|"
            "<p title=\"&lt;p&gt;Hello &lt;b&gt;there&lt;/b&gt; &amp;amp; you&lt;/p&gt;\"></p>");
  EXPECT_EQ(qweb("<t t-out=\"object.comment.strip().upper()\"/>", p),
            "<P>HELLO <B>THERE</B> &AMP; YOU</P>");
}

TEST_F(TemplateTest, ConditionsChooseOneBranch) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  EXPECT_EQ(qweb("<t t-foreach=\"[1, 2, 3, 4]\" t-as=\"n\"><t t-if=\"n == 1\">one</t>\n"
                 "  <t t-elif=\"n == 2\">two</t>\n  <!-- a comment -->\n"
                 "  <t t-elif=\"n == 3\">three</t>\n  <t t-else=\"\">many</t>;</t>",
                 p),
            "one;two;three;many;");
  EXPECT_EQ(qweb("<p t-if=\"object.name\">yes</p><p t-if=\"not object.name\">no</p>"
                 "<p t-if=\"object.email\">mail</p><p t-else=\"\" class=\"x\">no mail</p>",
                 p),
            "<p>yes</p><p class=\"x\">no mail</p>");
}

TEST_F(TemplateTest, LoopsGiveOdoosLoopVariables) {
  Env e = env();
  RecordSet company = partner(e, Json{{"name", "Azure"}, {"is_company", true}});
  partner(e, Json{{"name", "Bea"}, {"parent_id", company.id()}});
  partner(e, Json{{"name", "Al"}, {"parent_id", company.id()}});
  EXPECT_EQ(
      qweb("<t t-foreach=\"['a', 'b', 'c']\" t-as=\"x\"><t t-out=\"x_index\"/>:<t t-out=\"x\"/>:"
           "<t t-out=\"x_first\"/>:<t t-out=\"x_last\"/>:<t t-out=\"x_size\"/>:"
           "<t t-out=\"x_parity\"/>:<t t-out=\"x_value\"/>,</t>",
           company),
      // False is written as nothing (t-out writes nothing for None and False).
      "0:a:True::3:even:a,1:b:::3:odd:b,2:c::True:3:even:c,");
  EXPECT_EQ(
      qweb(
          "<t t-foreach=\"{'k': 1, 'j': 2}\" t-as=\"kv\"><t t-out=\"kv\"/>=<t "
          "t-out=\"kv_value\"/>;</t>"
          "<t t-foreach=\"3\" t-as=\"i\"><t t-out=\"i\"/></t>"
          "<t t-foreach=\"None\" t-as=\"i\">never</t>"
          "<t t-foreach=\"(c for c in 'xy')\" t-as=\"c\"><t t-out=\"c\"/><t t-out=\"c_last\"/></t>",
          company),
      "k=1;j=2;012xy");
  // Over a one2many, on an element (one per item), with t-if inside the loop.
  EXPECT_EQ(qweb("<ul><li t-foreach=\"object.child_ids\" t-as=\"c\" t-out=\"c.name\"/></ul>"
                 "<li t-foreach=\"[1, 2, 3]\" t-as=\"n\" t-if=\"n != 2\" t-out=\"n\"/>",
                 company),
            "<ul><li>Al</li><li>Bea</li></ul><li>1</li><li>3</li>");
}

TEST_F(TemplateTest, TSetTakesAValueAFormatOrItsBody) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  EXPECT_EQ(qweb("<t t-set=\"greeting\" t-value=\"'Hi ' + object.name\"/>"
                 "<t t-set=\"body\"><b>bold</b> &amp; <t t-out=\"object.name\"/></t>"
                 "<t t-set=\"f\" t-valuef=\"{{ object.name }}-#{1 + 1}-{{ None }}\"/>"
                 "<t t-set=\"nothing\" t-value=\"\"/>"
                 "<t t-out=\"greeting\"/>|<t t-out=\"body\"/>|<t t-out=\"f\"/>|"
                 "<t t-out=\"nothing\">none</t>",
                 p),
            "Hi Ann|<b>bold</b> &amp; Ann|Ann-2-|none");
  // A loop variable and a t-set stay set after their element, as in Odoo.
  EXPECT_EQ(
      qweb(
          "<t t-foreach=\"[1, 2]\" t-as=\"n\"><t t-set=\"total\" t-value=\"(total or 0) + n\"/></t>"
          "<t t-out=\"total\"/>,<t t-out=\"n\"/>",
          p),
      "3,2");
}

TEST_F(TemplateTest, AttributesAreComputedAndEscaped) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  EXPECT_EQ(
      qweb("<a href=\"/static\" t-att-title=\"object.name\" "
           "t-attf-href=\"/p/{{ object.id }}?n=#{object.name}&amp;x={{ None }}\" "
           "t-att-data-none=\"None\" t-att-data-empty=\"''\" t-att-data-zero=\"0\" class=\"c\" "
           "t-att=\"{'id': 'x', 'data-k': 'v', 'data-f': False}\">l</a>",
           p),
      fmt::format(
          "<a href=\"/p/{}?n=Ann&amp;x=\" class=\"c\" title=\"Ann\" data-empty=\"\" id=\"x\" "
          "data-k=\"v\">l</a>",
          p.id()));
  // t-att with one pair, or a list of pairs; static attributes escaped again.
  EXPECT_EQ(qweb("<input t-att=\"['value', object.name]\"/><b t-att=\"[('a', 1), ('b', 2)]\"/>"
                 "<i title=\"a &amp; b &quot;c&quot; 'd' &lt;\" t-att-lang=\"'x&quot;y'\"/>",
                 p),
            "<input value=\"Ann\"/><b a=\"1\" b=\"2\"></b>"
            "<i title=\"a &amp; b &#34;c&#34; &#39;d&#39; &lt;\" lang=\"x&#34;y\"></i>");
}

TEST_F(TemplateTest, StaticMarkupIsWrittenAsHtml) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  // <t> leaves no tag, void elements are written <br/>, other empty ones <div></div>, comments
  // and processing instructions are dropped, HTML's named entities are known.
  EXPECT_EQ(
      qweb("<div><t><br/><img src=\"a.png\"/></t><span/></div><br></br><!-- c --><?pi x?>"
           "<p>x &lt; y &amp; z &gt; w \"q\" 'r' &nbsp;&eacute;&#169;&copy;</p><![CDATA[<a>]]>",
           p),
      "<div><br/><img src=\"a.png\"/><span></span></div><br/>"
      "<p>x &lt; y &amp; z &gt; w \"q\" 'r' \u00a0\u00e9\u00a9\u00a9</p>&lt;a&gt;");
  // Text before, between and after the top elements is kept.
  EXPECT_EQ(qweb("Hello <b>you</b>\n and more\n", p), "Hello <b>you</b>\n and more\n");
  EXPECT_EQ(qweb("", p), "");
}

TEST_F(TemplateTest, TheRenderContextFormatsDatesAmountsAndDurations) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}, {"comment", "<p><br/></p>"}});
  EXPECT_EQ(qweb("<t t-out=\"format_date(object.create_date)\"/>|"
                 "<t t-out=\"format_date(object.create_date, 'long')\"/>|"
                 "<t t-out=\"format_date('2026-03-05', 'EEEE d MMM y')\"/>|"
                 "<t t-out=\"format_datetime(object.create_date)\"/>|"
                 "<t t-out=\"format_datetime(object.create_date, 'Europe/Brussels', 'long')\"/>|"
                 "<t t-out=\"format_datetime(object.create_date, dt_format='short')\"/>|"
                 "<t t-out=\"format_date(False)\"/>",
                 p),
            "01/15/2026|January 15, 2026|Thursday 5 Mar 2026|Jan 15, 2026, 10:00:00 AM|"
            "January 15, 2026 at 11:00:00 AM CET|1/15/26, 10:00 AM|");
  // The context's time zone is format_datetime's default.
  RecordSet in_new_york = p.with_env(e.with_context_update(Json{{"tz", "America/New_York"}}));
  EXPECT_EQ(qweb("<t t-out=\"format_datetime(object.create_date)\"/>|<t t-out=\"ctx['tz']\"/>",
                 in_new_york),
            "Jan 15, 2026, 5:00:00 AM|America/New_York");
  EXPECT_EQ(qweb("<t t-out=\"format_amount(1234.5, env.ref('base.USD'))\"/>|"
                 "<t t-out=\"format_amount(-1234.005, env.ref('base.EUR'))\"/>|"
                 "<t t-out=\"format_amount(1234.5, env.ref('base.JPY'))\"/>|"
                 "<t t-out=\"format_duration(1.5)\"/>|<t t-out=\"format_duration(-0.25)\"/>|"
                 "<t t-out=\"is_html_empty(object.comment)\"/>|<t "
                 "t-out=\"is_html_empty('&lt;p&gt;x&lt;/p&gt;')\"/>|"
                 "<t t-out=\"user.name\"/>|<t t-out=\"true\"/>",
                 p),
            "$\u00a01,234.50|-1,234.01\u00a0\u20ac|\u00a5\u00a01,235|01:30|-00:15|True||"
            "Administrator|True");
}

// --- QWeb: errors -----------------------------------------------------------------------------

TEST_F(TemplateTest, ErrorsNameTheTemplateTheLineAndTheDirective) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  std::string message = qweb_error("<p>a<br>b</p>", p, "Task done (mail.template 7)");
  EXPECT_TRUE(
      message.starts_with("Failed to render QWeb template Task done (mail.template 7): "
                          "line 1: "))
      << message;
  EXPECT_CONTAINS(message, "must be well-formed XML");
  EXPECT_CONTAINS(qweb_error("<div>\n  <span t-foo=\"1\"/>\n</div>", p),
                  ": line 2: unknown directive t-foo");
  EXPECT_CONTAINS(qweb_error("<span t-field=\"object.name\"/>", p), "t-field is not supported");
  EXPECT_CONTAINS(qweb_error("<div>\n<t t-out=\"object..name\"/>\n</div>", p),
                  ": line 2, t-out: SyntaxError : invalid syntax");
  EXPECT_CONTAINS(qweb_error("<div>\n\n\n<t t-out=\"1 / 0\"/></div>", p),
                  ": line 4, t-out: ZeroDivisionError('division by zero') while evaluating\n"
                  "'1 / 0'");
  // An element's line is the one where its start tag ends.
  EXPECT_CONTAINS(qweb_error("<a\n t-attf-href=\"/x/{{ 1/0 }}\"/>", p),
                  ": line 2, t-attf-href: ZeroDivisionError");
  EXPECT_CONTAINS(qweb_error("<t t-foreach=\"[1]\" t-as=\"x\">\n<t t-out=\"x.nope\"/></t>", p),
                  ": line 2, t-out: AttributeError(\"'int' object has no attribute 'nope'\")");
  EXPECT_CONTAINS(qweb_error("<t t-out=\"object.nmae\"/>", p),
                  "'res.partner' object has no attribute 'nmae'");
  EXPECT_CONTAINS(qweb_error("<t t-elif=\"1\">x</t>", p), "t-elif and t-else must follow");
  EXPECT_CONTAINS(qweb_error("<t t-if=\"1\">x</t>text<t t-else=\"\">y</t>", p),
                  "t-elif and t-else must follow");
  EXPECT_CONTAINS(qweb_error("<t t-foreach=\"[1]\">x</t>", p), "t-foreach needs t-as");
  EXPECT_CONTAINS(qweb_error("<t t-as=\"x\">x</t>", p), "t-as must be on the element");
  EXPECT_CONTAINS(qweb_error("<t t-value=\"1\"/>", p), "must be on the element of their t-set");
  EXPECT_CONTAINS(qweb_error("<p t-set=\"x\" t-value=\"1\"/>", p), "t-set must be on a <t>");
  EXPECT_CONTAINS(qweb_error("<t t-out=\"1\" t-esc=\"2\"/>", p), "t-out and t-esc");
  EXPECT_CONTAINS(qweb_error("<t t-if=\"\">x</t>", p), "line 1, t-if: the expression is empty");
  EXPECT_CONTAINS(qweb_error("<t t-att-x=\"1\"/>", p), "no effect on a <t> element");
  EXPECT_CONTAINS(qweb_error("<t t-options=\"{}\" t-out=\"1\"/>", p), "t-options is not supported");
  // A user error raised under the template is the same UserError, named.
  EXPECT_CONTAINS(qweb_error("<t t-out=\"object.write({'name': False})\"/>", p),
                  "Failed to render QWeb template T: line 1, t-out: ");
}

TEST_F(TemplateTest, ExpressionsGoThroughTheSandboxsChecks) {
  {
    // sudo() is as refused as in any code the user runs (an administrator may: an internal
    // user's template).
    Id marc = make_internal_user();
    Env as_marc = env(marc);
    RecordSet mine = as_marc["res.partner"].create(Json{{"name", "Mine"}});
    EXPECT_CONTAINS(qweb_error("<t t-out=\"object.sudo().name\"/>", mine), "sudo() is not allowed");
  }
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  EXPECT_CONTAINS(qweb_error("<t t-out=\"object.__class__\"/>", p),
                  "line 1, t-out: Access to forbidden name '__class__'");
  EXPECT_CONTAINS(qweb_error("<t t-out=\"__import__('os').system('true')\"/>", p),
                  "forbidden name '__import__'");
  EXPECT_CONTAINS(qweb_error("<t t-if=\"[x for x in ().__class__.__bases__]\"/>", p),
                  "forbidden name");
  EXPECT_CONTAINS(qweb_error("<t t-out=\"__qweb_o__\"/>", p), "forbidden name '__qweb_o__'");
  EXPECT_CONTAINS(qweb_error("<t t-set=\"__qweb_o__\" t-value=\"1\"/>", p),
                  "is not a valid variable name");
  EXPECT_CONTAINS(qweb_error("<t t-set=\"a-b\" t-value=\"1\"/>", p), "not a valid variable name");
  EXPECT_CONTAINS(qweb_error("<t t-foreach=\"[1]\" t-as=\"class\"/>", p),
                  "not a valid variable name");
}

// --- QWeb: hostile sources and values ---------------------------------------------------------

TEST_F(TemplateTest, RecordValuesCannotBreakOutOfEscaping) {
  Env e = env();
  const std::string nasty =
      "'\"\"\" ''' \\ \\n\n{{ 6 * 7 }} #{1 + 1} %s </p><script>alert(1)</script> & &amp; "
      "\" onmouseover=\"x";
  RecordSet p = partner(e, Json{{"name", nasty}, {"email", "a\"b@x.com"}});
  const std::string escaped =
      "&#39;&#34;&#34;&#34; &#39;&#39;&#39; \\ \\n\n{{ 6 * 7 }} #{1 + 1} %s "
      "&lt;/p&gt;&lt;script&gt;"
      "alert(1)&lt;/script&gt; &amp; &amp;amp; &#34; onmouseover=&#34;x";
  EXPECT_EQ(qweb("<p t-out=\"object.name\"/><a t-att-title=\"object.name\" "
                 "t-attf-href=\"mailto:{{ object.email }}?s=#{object.name}\"/>",
                 p),
            "<p>" + escaped + "</p><a title=\"" + escaped +
                "\" href=\"mailto:a&#34;b@x.com?s=" + escaped + "\"></a>");
  EXPECT_EQ(qweb("<t t-set=\"x\" t-value=\"object.name\"/><t t-out=\"x\"/>", p), escaped);
  EXPECT_EQ(qweb("<t t-out=\"Markup('&lt;b&gt;%s&lt;/b&gt;') % object.name\"/>", p),
            "<b>" + escaped + "</b>");
  // Inline templates do not escape (Odoo's), but neither do they evaluate what a value holds.
  EXPECT_EQ(inline_text("{{ object.name }}", p), nasty);
  // t-att's names come from the template's code and are checked all the same.
  EXPECT_CONTAINS(qweb_error("<a t-att=\"{object.name: 1}\"/>", p),
                  "is not a valid attribute name");
  EXPECT_CONTAINS(qweb_error("<a t-att=\"{'onclick=&quot;x&quot; a': 1}\"/>", p),
                  "is not a valid attribute name");
  // A value that cannot be written as UTF-8.
  EXPECT_CONTAINS(qweb_error("<t t-out=\"'\\ud800'\"/>", p), "cannot be written");
}

TEST_F(TemplateTest, TemplateTextNeverBecomesCode) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  // Quotes, triple quotes, backslashes, newlines, {{ }}, #{ }, % and Python in static text and
  // attributes are text: written (escaped), never evaluated.
  const std::string source =
      "<p title=\"''' &quot;&quot;&quot; \\ {{ 6 * 7 }} #{1 + 1} %s __import__('os')\">"
      "''' \"\"\" \\n \\ {{ 6 * 7 }} #{1 + 1} %s %(x)s __import__('os').system('touch /tmp/x') "
      "\"); raise ValueError('x') #\n+ '\n</p><t t-out=\"'\\'' + &quot;\\&quot;&quot;\"/>";
  EXPECT_EQ(qweb(source, p),
            "<p title=\"&#39;&#39;&#39; &#34;&#34;&#34; \\ {{ 6 * 7 }} #{1 + 1} %s "
            "__import__(&#39;os&#39;)\">''' \"\"\" \\n \\ {{ 6 * 7 }} #{1 + 1} %s %(x)s "
            "__import__('os').system('touch /tmp/x') \"); raise ValueError('x') #\n+ '\n</p>"
            "&#39;&#34;");
  // A literal part of t-attf is text too, whatever it holds.
  EXPECT_EQ(qweb("<a t-attf-title=\"')+x+(' {{ 1 }} %s %% \\ #{ 2 } {{}} #{\"/>", p),
            "<a title=\"&#39;)+x+(&#39; 1 %s %% \\ 2 {{}} #{\"></a>");
  // And in inline templates.
  EXPECT_EQ(inline_text("''' \"\"\" \\ %s #{1} {{ 'a' }} \n", p), "''' \"\"\" \\ %s #{1} a \n");
}

TEST_F(TemplateTest, HostileSourcesAreRefusedClearly) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  std::string deep;
  for (int i = 0; i < 10000; ++i)
    deep += "<div>";
  for (int i = 0; i < 10000; ++i)
    deep += "</div>";
  EXPECT_CONTAINS(qweb_error(deep, p), "nest more than 256 levels deep");
  std::string nested;
  for (int i = 0; i < 150; ++i)
    nested += "<b>";
  for (int i = 0; i < 150; ++i)
    nested += "</b>";
  EXPECT_CONTAINS(qweb_error(nested, p), "elements nest more than 100 levels deep");
  std::string loops;
  for (int i = 0; i < 17; ++i)
    loops += fmt::format("<t t-foreach=\"[1]\" t-as=\"i{}\">", i);
  for (int i = 0; i < 17; ++i)
    loops += "</t>";
  EXPECT_CONTAINS(qweb_error(loops, p), "t-foreach loops nest more than 16 levels deep");
  std::string chain = "<t t-if=\"0\">x</t>";
  for (int i = 0; i < 250; ++i)
    chain += "<t t-elif=\"0\">x</t>";
  EXPECT_CONTAINS(qweb_error(chain, p), "directives nest more than 200 levels deep");
  EXPECT_CONTAINS(qweb_error("<p>" + std::string(1u << 20, 'x') + "</p>", p),
                  "longer than the limit of 512 KiB");
  EXPECT_CONTAINS(qweb_error("<p>", p), "line 1: ");
  EXPECT_CONTAINS(qweb_error("</t><t>", p), "well-formed");
  EXPECT_CONTAINS(qweb_error("<!DOCTYPE x [<!ENTITY a \"b\">]><p>&a;</p>", p), "well-formed");
  EXPECT_CONTAINS(qweb_error("<p>&undefined;</p>", p), "Entity 'undefined' not defined");
  EXPECT_CONTAINS(qweb_error("<o:p>x</o:p>", p), "line 1: ");
  EXPECT_CONTAINS(qweb_error(std::string("<p>\xff\xfe</p>"), p), "line 1: ");
  // Many elements, each fine: compiled (a large but ordinary template).
  std::string wide;
  std::string expected;
  for (int i = 0; i < 600; ++i) {
    wide += fmt::format("<p t-if=\"{0} % 2\" t-att-id=\"'p{0}'\"><t t-out=\"{0}\"/></p>\n", i);
    expected += (i % 2 ? fmt::format("<p id=\"p{0}\">{0}</p>", i) : "") + "\n";
  }
  EXPECT_EQ(qweb(wide, p), expected);
  // Compiling is bounded by how many expressions there are and their length.
  std::string many;
  for (int i = 0; i < 2001; ++i)
    many += "<t t-out=\"1\"/>";
  EXPECT_CONTAINS(qweb_error(many, p), "the template has more than 2000 expressions (2001)");
  EXPECT_CONTAINS(qweb_error("<t t-out=\"'" + std::string(130u << 10, 'x') + "'\"/>", p),
                  "the template's expressions are longer than 128 KiB in all");
  std::string subject;
  for (int i = 0; i < 2001; ++i)
    subject += "{{ 1 }}";
  EXPECT_CONTAINS(inline_error(subject, p), "more than 2000 expressions");
}

TEST_F(TemplateTest, RenderingIsBoundedInSizeTimeAndMemory) {
  Env e = env();
  RecordSet p = partner(e, Json{{"name", "Ann"}});
  EXPECT_CONTAINS(
      qweb_error("<t t-foreach=\"range(2000)\" t-as=\"i\">" + std::string(1000, 'x') + "</t>", p),
      "larger than the limit of 1 MiB");
  EXPECT_CONTAINS(qweb_error("<t t-out=\"'x' * 2000000\"/>", p), "larger than the limit of 1 MiB");
  EXPECT_CONTAINS(qweb_error("<a t-att-title=\"'x' * 2000000\"/>", p), "larger than the limit");
  EXPECT_CONTAINS(qweb_error("<t t-set=\"x\"><t t-foreach=\"range(2000)\" t-as=\"i\">" +
                                 std::string(1000, 'y') + "</t></t>",
                             p),
                  "larger than the limit of 1 MiB");
  EXPECT_CONTAINS(qweb_error("<t t-foreach=\"range(10**12)\" t-as=\"i\"/>", p), "and was stopped");
  // (A loop allocates as it goes: the memory budget, which counts every allocation, may stop it
  // before the time limit does.)
  EXPECT_CONTAINS(
      qweb_error("<p>\n<t t-out=\"len([s.count('a') for s in ['a' * 10**6] * 10**6])\"/></p>", p),
      "line 2, t-out: The code ran longer than the time limit");
  // An endless loop allocates as it goes: the memory budget (which counts every allocation) may
  // stop it before the time limit does.
  EXPECT_CONTAINS(qweb_error("<t t-out=\"len('x' * 10**9)\"/>", p), "more memory than the limit");
  // Still usable afterwards.
  EXPECT_EQ(qweb("<t t-out=\"object.name\"/>", p), "Ann");
}

// --- A template in the style of Odoo's own --------------------------------------------------

TEST_F(TemplateTest, AnOdooStyleTemplateRendersAnOrder) {
  orm::install_apps(*runtime_, {"sale"}, /*demo=*/false);
  Env e = env();
  RecordSet customer = partner(e, Json{{"name", "Deco Addict"}});
  RecordSet order = e["sale.order"].create(Json{
      {"name", "S00042"},
      {"partner_id", customer.id()},
      {"currency_id", e.ref("base.USD").id()},
      {"user_id", orm::kAdminId},
      {"state", "draft"},
      {"amount_total", 1299.5},
      {"note", "<p>Payment within <b>30 days</b>.</p>"},
      {"order_line",
       Json::array({Json::array({0, 0, Json{{"name", "Desk <large>"}, {"price_subtotal", 1200}}}),
                    Json::array({0, 0, Json{{"name", "Chair"}, {"price_subtotal", 99.5}}})})}});
  const std::string source = R"qweb(<div style="margin: 0px; padding: 0px;">
<p style="margin: 0px; font-size: 13px;">
Hello <t t-out="object.partner_id.name or ''">Brandon Freeman</t>,<br/><br/>
<t t-set="doc_name" t-value="'quotation' if object.state in ('draft', 'sent') else 'order'"/>
Your <t t-out="doc_name">quotation</t> <span style="font-weight: bold;" t-out="object.name or ''">S00052</span>
amounting in <span style="font-weight: bold;" t-out="format_amount(object.amount_total, object.currency_id) or ''">$ 10.00</span> is ready for review.
</p>
<table style="width: 100%;">
<tr t-foreach="object.order_line" t-as="line" t-attf-style="background: #{'#eee' if line_index % 2 else '#fff'};">
<td t-out="line.name">Product</td><td style="text-align: right;" t-out="format_amount(line.price_subtotal, object.currency_id)">$ 1.00</td>
</tr>
</table>
<t t-if="object.user_id">
<p>Your contact: <a t-attf-href="mailto:{{ object.user_id.partner_id.email }}" t-out="object.user_id.name">Mitchell Admin</a></p>
</t>
<t t-else="">
<p>Contact us at our main address.</p>
</t>
<p t-if="not is_html_empty(object.note)">Terms: <t t-out="object.note"/></p>
</div>)qweb";
  // format_amount() puts a no-break space between the symbol and the amount.
  auto nbsp = [](std::string text) {
    for (std::size_t at = text.find("$ "); at != std::string::npos; at = text.find("$ ", at))
      text.replace(at, 2, "$\u00a0");
    return text;
  };
  EXPECT_EQ(qweb(source, order), nbsp(R"(<div style="margin: 0px; padding: 0px;">
<p style="margin: 0px; font-size: 13px;">
Hello Deco Addict,<br/><br/>

Your quotation <span style="font-weight: bold;">S00042</span>
amounting in <span style="font-weight: bold;">$ 1,299.50</span> is ready for review.
</p>
<table style="width: 100%;">
<tr style="background: #fff;">
<td>Desk &lt;large&gt;</td><td style="text-align: right;">$ 1,200.00</td>
</tr><tr style="background: #eee;">
<td>Chair</td><td style="text-align: right;">$ 99.50</td>
</tr>
</table>

<p>Your contact: <a href="mailto:admin@example.com">Administrator</a></p>

<p>Terms: <p>Payment within <b>30 days</b>.</p></p>
</div>)"));
  // The same template for a confirmed order without salesperson nor terms.
  order.write(Json{{"state", "sale"}, {"user_id", false}, {"note", "<p><br></p>"}});
  std::string confirmed = qweb(source, order);
  EXPECT_CONTAINS(confirmed, "Your order <span");
  EXPECT_CONTAINS(confirmed, "<p>Contact us at our main address.</p>");
  EXPECT_FALSE(contains(confirmed, "Terms:")) << confirmed;
}

// --- Compiled once ----------------------------------------------------------------------------

TEST_F(TemplateTest, ATemplateIsCompiledOnceForManyRecords) {
  Env e = env();
  std::vector<RecordSet> partners;
  for (int i = 0; i < 100; ++i)
    partners.push_back(partner(e, Json{{"name", fmt::format("P{}", i)}, {"email", "p@x.com"}}));
  const std::string source =
      "<div><p>Dear <t t-out=\"object.name\"/>,</p><a t-attf-href=\"mailto:{{ object.email }}\">"
      "<t t-out=\"object.email\"/></a><t t-if=\"object.phone\">call</t><t t-else=\"\">write</t>"
      "<t t-foreach=\"range(3)\" t-as=\"i\"><i t-out=\"i\"/></t></div>";
  const std::string subject = "Hello {{ object.name }} ({{ object.email ||| - }})";
  qweb(source, partners[0]);  // compiled here (unless an earlier test did)
  inline_text(subject, partners[0]);
  std::size_t before = script::templates_compiled();
  auto start = std::chrono::steady_clock::now();
  for (const RecordSet& p : partners) {
    EXPECT_EQ(qweb(source, p),
              fmt::format("<div><p>Dear {},</p><a href=\"mailto:p@x.com\">p@x.com</a>write"
                          "<i>0</i><i>1</i><i>2</i></div>",
                          p.read({"name"})[0]["name"].get<std::string>()));
  }
  auto qweb_time = std::chrono::steady_clock::now() - start;
  start = std::chrono::steady_clock::now();
  for (const RecordSet& p : partners)
    EXPECT_TRUE(inline_text(subject, p).starts_with("Hello P"));
  auto inline_time = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(script::templates_compiled(), before);
  // The figure docs/templates.md quotes (not an assertion: the machine's speed varies).
  std::cout << "per record: QWeb "
            << std::chrono::duration_cast<std::chrono::microseconds>(qweb_time).count() / 100
            << " us, inline "
            << std::chrono::duration_cast<std::chrono::microseconds>(inline_time).count() / 100
            << " us\n";
}

TEST_F(TemplateTest, ThreadsRenderAtOnce) {
  std::vector<Id> ids;
  {
    Env e = env();
    for (int i = 0; i < 4; ++i)
      ids.push_back(partner(e, Json{{"name", fmt::format("T{}", i)}}).id());
    e.commit();
  }
  const std::string source = "<b t-foreach=\"range(3)\" t-as=\"i\" t-out=\"object.name\"/>";
  std::vector<std::string> results(ids.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < ids.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        Env r = reader();
        results[t] = render_qweb(source, r["res.partner"].browse({ids[t]}), "T");
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  for (std::size_t t = 0; t < ids.size(); ++t)
    EXPECT_EQ(results[t], fmt::format("<b>T{0}</b><b>T{0}</b><b>T{0}</b>", t));
}

// --- The compiler's program -------------------------------------------------------------------

TEST_F(TemplateTest, TheCompilerKeepsTextOutOfExpressions) {
  Json program = internal::compile_qweb(
      "<p class=\"a\">x</p>\n<t t-out=\"object.name\">d</t><a t-attf-href=\"/{{ 1 }}/#{2}\"/>");
  EXPECT_EQ(program["engine"], "qweb");
  EXPECT_EQ(program["sites"],
            Json::parse(R"([[2, "t-out", "object.name"], [2, "t-attf-href", " 1 "],
                                               [2, "t-attf-href", "2"], [2, "<a>", ""]])"));
  EXPECT_EQ(program["code"], Json::parse(R"([["text", "<p class=\"a\">x</p>\n"],
      ["ifvalue", 0], ["emit"], ["else"], ["text", "d"], ["end"],
      ["tag", 3, "a", false, [["f", "href", ["/", 1, "/", 2]]]], ["text", "</a>"]])"));
}

}  // namespace
}  // namespace autorules::mail::test
