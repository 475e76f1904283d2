// The HTML sanitizer (mail/html_sanitize.h): the classic XSS vectors, what email and rich text
// keep, stability (sanitizing twice changes nothing), text and entities, hostile sizes and
// depths, and a small fuzz loop over random tag soup.
#include "mail/html_sanitize.h"

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "mail/internal/html_limits.h"
#include "mail/mime.h"

namespace autorules::mail::test {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The tags of `html` (as written by the sanitizer: lower case, attributes double-quoted), each
// as its text between "<" and ">".
std::vector<std::string> tags_of(std::string_view html) {
  std::vector<std::string> tags;
  std::size_t at = 0;
  while ((at = html.find('<', at)) != std::string_view::npos) {
    const std::size_t end = html.find('>', at);
    if (end == std::string_view::npos)
      break;
    tags.emplace_back(html.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return tags;
}

// What must never be in sanitized output, whatever the input: a script element, a scheme that
// runs script in an attribute, an event handler attribute; and the output is stable.
void expect_safe(std::string_view input, const std::string& out) {
  const std::string low = lower(out);
  EXPECT_EQ(low.find("<script"), std::string::npos) << input << "\n=> " << out;
  EXPECT_EQ(low.find("<iframe"), std::string::npos) << input << "\n=> " << out;
  EXPECT_EQ(low.find("<svg"), std::string::npos) << input << "\n=> " << out;
  EXPECT_EQ(low.find("<style"), std::string::npos) << input << "\n=> " << out;
  EXPECT_EQ(low.find("<!--"), std::string::npos) << input << "\n=> " << out;
  for (const std::string& tag : tags_of(low)) {
    // Values as a browser reads them: the scheme of a URL starts it (but blanks and controls),
    // and tabs and line breaks inside do not count.
    for (std::size_t at = 0; (at = tag.find("=\"", at)) != std::string::npos; at += 2) {
      std::string value;
      for (std::size_t i = at + 2; i < tag.size() && tag[i] != '"'; ++i) {
        if (tag[i] != '\t' && tag[i] != '\n' && tag[i] != '\r' &&
            (!value.empty() || static_cast<unsigned char>(tag[i]) > 0x20))
          value += tag[i];
      }
      for (std::string_view scheme : {"javascript:", "vbscript:", "data:text", "data:image/svg"})
        EXPECT_NE(value.rfind(scheme, 0), 0u) << input << "\n=> " << out;
      if (tag.compare(tag.rfind(' ', at) + 1, at - tag.rfind(' ', at) - 1, "style") == 0) {
        for (std::string_view bad : {"url(", "expression(", "\\", "/*", "position", "behavior"})
          EXPECT_EQ(value.find(bad), std::string::npos) << input << "\n=> " << out;
      }
    }
    // An attribute named on...: " on" starts an attribute name outside a value (values are
    // double-quoted and never hold a double quote).
    bool in_value = false;
    for (std::size_t i = 0; i < tag.size(); ++i) {
      if (tag[i] == '"')
        in_value = !in_value;
      else if (!in_value && tag[i] == ' ' && tag.compare(i + 1, 2, "on") == 0)
        ADD_FAILURE() << "event handler in <" << tag << "> from " << input;
    }
  }
  EXPECT_EQ(sanitize_html(out), out) << "not stable: " << input;
}

std::string safe(std::string_view input) {
  std::string out = sanitize_html(input);
  expect_safe(input, out);
  return out;
}

TEST(HtmlSanitize, EmptyAndPlainText) {
  EXPECT_EQ(sanitize_html(""), "");
  EXPECT_EQ(safe("Hello"), "<p>Hello</p>");
  EXPECT_EQ(safe("<b>x</b> y"), "<b>x</b> y");
  EXPECT_EQ(safe("<!-- only a comment -->"), "");
}

TEST(HtmlSanitize, ScriptsAreDroppedWithTheirContent) {
  EXPECT_EQ(safe("<p>a<script>alert(1)</script>b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<p>a<SCRIPT>alert(1)</SCRIPT>b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<p>a<ScRiPt src=\"//evil.example/x.js\"></sCrIpT>b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<p>a<script>document.write('<p>x</p>')</script>b</p>"), "<p>ab</p>");
  // Unclosed: the rest of the input is the script's.
  EXPECT_EQ(safe("<p>a</p><script>alert(1)"), "<p>a</p>");
  EXPECT_EQ(safe("<p>x</p><script/src=//evil.example/x.js></script>"), "<p>x</p>");
  safe("<<script>alert(1);//<</script>");
  safe("<scr<script>ipt>alert(1)</scr</script>ipt>");
}

TEST(HtmlSanitize, EventHandlersAreDropped) {
  EXPECT_EQ(safe("<img src=x onerror=alert(1)>"), "<img src=\"x\">");
  EXPECT_EQ(safe("<img src=\"x\" ONERROR=\"alert(1)\">"), "<img src=\"x\">");
  EXPECT_EQ(safe("<p onclick=\"alert(1)\" onmouseover='x'>t</p>"), "<p>t</p>");
  EXPECT_EQ(safe("<body onload=alert(1)><p>t</p></body>"), "<p>t</p>");
  EXPECT_EQ(safe("<svg onload=alert(1)>"), "");
  EXPECT_EQ(safe("<p>a<svg><script>alert(1)</script><text>t</text></svg>b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<math><mtext><img src=x onerror=alert(1)></mtext></math>"), "");
  EXPECT_EQ(safe("<details open ontoggle=alert(1)>x</details>"), "<details open=\"\">x</details>");
}

TEST(HtmlSanitize, ScriptUrlsAreDropped) {
  for (std::string_view href : {
           "javascript:alert(1)",
           "JaVaScRiPt:alert(1)",
           " javascript:alert(1)",
           "jav&#x09;ascript:alert(1)",
           "jav&#9;ascript:alert(1)",
           "jav\tascript:alert(1)",
           "jav&#x0A;ascript:alert(1)",
           "java\nscript:alert(1)",
           "java\rscript:alert(1)",
           "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
           "&#x6A;avascript&#x3A;alert(1)",
           "\x01javascript:alert(1)",
           "vbscript:msgbox(1)",
           "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
           "DATA:text/html,<script>alert(1)</script>",
           "data:image/svg+xml,<svg onload=alert(1)>",
           "file:///etc/passwd",
       }) {
    const std::string input = "<a href=\"" + std::string(href) + "\">x</a>";
    EXPECT_EQ(safe(input), "<a>x</a>") << input;
  }
  EXPECT_EQ(safe("<a href=javascript:alert(1)>x</a>"), "<a>x</a>");
  // HTML5's &colon; is not an entity to the parser: the "&" is kept as text, and browsers read
  // the same "javascript&colon;", which is no scheme (a relative URL).
  EXPECT_EQ(safe("<a href=\"javascript&colon;alert(1)\">x</a>"),
            "<a href=\"javascript&amp;colon;alert(1)\">x</a>");
  // A reference to a control character ends the value.
  EXPECT_EQ(safe("<a href=\"&#14;javascript:alert(1)\">x</a>"), "<a href=\"\">x</a>");
  EXPECT_EQ(safe("<img src=\"javascript:alert(1)\">"), "<img>");
  EXPECT_EQ(safe("<img src=\"data:text/html,x\">"), "<img>");
  EXPECT_EQ(safe("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">"), "<img>");
  EXPECT_EQ(safe("<blockquote cite=\"javascript:alert(1)\">q</blockquote>"),
            "<blockquote>q</blockquote>");
  // Only where they belong: no src on a link, no href on an image.
  EXPECT_EQ(safe("<a src=\"http://x.example/\">x</a><img href=\"http://x.example/\">"),
            "<a>x</a><img>");
  // Data URLs are for images only.
  EXPECT_EQ(safe("<a href=\"data:image/png;base64,AAAA\">x</a>"), "<a>x</a>");
}

TEST(HtmlSanitize, EmbeddingAndPageElementsAreDropped) {
  EXPECT_EQ(safe("<p>a</p><iframe src=\"https://evil.example/\">fallback</iframe><p>b</p>"),
            "<p>a</p><p>b</p>");
  EXPECT_EQ(safe("<p>a<object data=\"x.swf\"><param name=a value=b></object>b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<p>a<embed src=\"x.swf\">b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<style>body{background:url(javascript:alert(1))}</style><p>x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<p>a<style>p{color:red}</style>b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">Hello"),
            "<p>Hello</p>");
  EXPECT_EQ(safe("<base href=\"https://evil.example/\"><a href=\"x\">x</a>"),
            "<a href=\"x\">x</a>");
  EXPECT_EQ(safe("<link rel=stylesheet href=\"https://evil.example/x.css\"><p>x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"), "");
  EXPECT_EQ(safe("<frameset><frame src=\"javascript:alert(1)\"></frameset>"), "");
  EXPECT_EQ(safe("<template><script>alert(1)</script></template><p>x</p>"), "<p>x</p>");
}

TEST(HtmlSanitize, FormsAreUnwrappedAndTheirControlsDropped) {
  EXPECT_EQ(safe("<form action=\"https://evil.example/\" method=post><p>Name</p>"
                 "<input name=a value=b><button formaction=javascript:alert(1)>Go</button>"
                 "<textarea>t</textarea><select><option>o</option></select></form>"),
            "<p>Name</p>");
}

TEST(HtmlSanitize, StylesAreFilteredToPlainProperties) {
  EXPECT_EQ(safe("<p style=\"background:url(javascript:alert(1))\">x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<p style=\"background-color:url(javascript:alert(1))\">x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<p style=\"width:expression(alert(1))\">x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<p style=\"color:red;behavior:url(x.htc);-moz-binding:url(x.xml#x)\">x</p>"),
            "<p style=\"color:red\">x</p>");
  EXPECT_EQ(safe("<p style=\"position:fixed;top:0;left:0;width:100%\">x</p>"),
            "<p style=\"width:100%\">x</p>");
  EXPECT_EQ(safe("<p style=\"color:r\\65 d;width:e\\78pression(alert(1))\">x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<p style=\"width:exp/**/ression(alert(1))\">x</p>"), "<p>x</p>");
  // A quote that does not end makes the rest one value, dropped.
  EXPECT_EQ(safe("<p style=\"color:red&quot;;font-size:12px\">x</p>"), "<p>x</p>");
  EXPECT_EQ(safe("<p style=\"font-family:'Segoe UI', Arial, sans-serif; COLOR: #fff !important;"
                 " border:1px solid rgb(0, 0, 0); width:calc(100% - 2px)\">x</p>"),
            "<p style=\"font-family:'Segoe UI', Arial, sans-serif; color:#fff !important; "
            "border:1px solid rgb(0, 0, 0); width:calc(100% - 2px)\">x</p>");
  EXPECT_EQ(safe("<p style=\"@import 'x.css'; color: blue\">x</p>"),
            "<p style=\"color:blue\">x</p>");
}

TEST(HtmlSanitize, MalformedMarkupAndQuoteTricks) {
  safe("<a href=\"x\" title='\"><script>alert(1)</script>'>x</a>");
  EXPECT_EQ(safe("<a title='\"><script>alert(1)</script>'>x</a>"),
            "<a title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">x</a>");
  safe("<img src=\"x\" alt=\"a\"onerror=\"alert(1)\">");
  safe("<img \"\"\"><script>alert(1)</script>\">");
  safe("<img src=`x` onerror=alert(1)>");
  safe("<a href=\"http://x.example/\" <script>alert(1)</script>>x</a>");
  safe("<<img src=x onerror=alert(1)//<");
  safe("<img/src=x/onerror=alert(1)>");
  safe("<p>unclosed <b>bold <i>italic <a href=\"http://x.example/\">link");
  safe("</p></div></td></tr></table></body></html><p>after");
  safe("<div <p>x</p>");
  safe("<p title=\"unterminated>x</p><img src=x onerror=alert(1)>");
  safe("<a href=\"http://x.example/\"><a href=\"javascript:alert(1)\">x</a></a>");
  EXPECT_EQ(safe("<p>a</p><p>b<div>c</div>"), "<p>a</p><p>b</p><div>c</div>");
  EXPECT_EQ(safe("<p>1 < 2 > 0 & \"x\"</p>"), "<p>1 &lt; 2 &gt; 0 &amp; \"x\"</p>");
}

TEST(HtmlSanitize, CommentsCdataAndDeclarationsAreRemoved) {
  EXPECT_EQ(safe("<p>a<!-- <img src=x onerror=alert(1)> -->b</p>"), "<p>ab</p>");
  EXPECT_EQ(safe("<p>a<!--[if IE]><script>alert(1)</script><![endif]-->b</p>"), "<p>ab</p>");
  safe("<!--><script>alert(1)</script>-->");
  safe("<!---><img src=x onerror=alert(1)>-->");
  safe("<p>a<!-- x --!><img src=x onerror=alert(1)>--></p>");
  safe("<![CDATA[<script>alert(1)</script>]]>");
  safe("<p><![CDATA[<img src=x onerror=alert(1)>]]></p>");
  EXPECT_EQ(safe("<?xml version=\"1.0\"?><?php echo 1 ?><!DOCTYPE html><p>x</p>"), "<p>x</p>");
}

TEST(HtmlSanitize, NulBytesAndInvalidUtf8) {
  using namespace std::string_literals;
  EXPECT_EQ(safe("<scr\0ipt>alert(1)</scr\0ipt><p>x</p>"s), "<p>x</p>");
  EXPECT_EQ(safe("<a href=\"java\0script:alert(1)\">x</a>"s), "<a>x</a>");
  EXPECT_EQ(safe("<img src=x on\0error=alert(1)>"s), "<img src=\"x\">");
  EXPECT_EQ(safe("<p>a\0b</p>"s), "<p>ab</p>");
  EXPECT_EQ(safe("<p>\xff\xfe caf\xc3 \xe9 \xed\xa0\x80</p>"),
            "<p>\xef\xbf\xbd\xef\xbf\xbd caf\xef\xbf\xbd \xef\xbf\xbd "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd</p>");
  // An overlong "<" is no "<".
  EXPECT_EQ(safe("<p>\xc0\xbcscript\xc0\xbe</p>"),
            "<p>\xef\xbf\xbd\xef\xbf\xbdscript\xef\xbf\xbd\xef\xbf\xbd</p>");
  EXPECT_EQ(safe("<p>a\x01\x1b\x7f b</p>"), "<p>a\x7f b</p>");
}

TEST(HtmlSanitize, FormattingLinksTablesAndImagesAreKept) {
  for (std::string_view kept : {
           "<p>Hello <strong>Bob</strong>, <em>this</em> is <b>bold</b>, <i>italic</i>, "
           "<u>under</u>, <s>struck</s>, <small>small</small>, x<sup>2</sup>, H<sub>2</sub>O"
           "<br><code>code</code></p>",
           "<h1>One</h1><h2>Two</h2><h3>Three</h3><h4>Four</h4><h5>Five</h5><h6>Six</h6>",
           "<ul><li>a</li><li>b</li></ul><ol start=\"3\"><li>c</li></ol>",
           "<blockquote data-o-mail-quote=\"1\">quoted</blockquote><pre>  pre\n  text</pre><hr>",
           "<p><a href=\"https://www.odoo.com/page?a=1&amp;b=2#top\" target=\"_blank\" "
           "rel=\"noreferrer noopener\" title=\"Odoo\">Odoo</a> <a href=\"mailto:bob@example.com\">"
           "mail</a> <a href=\"tel:+3212345678\">call</a> <a href=\"/web#id=3&amp;model=x\">rel</a>"
           " <a href=\"#anchor\">anchor</a> <a href=\"//cdn.example/x\">cdn</a></p>",
           "<table class=\"table\" border=\"1\" cellpadding=\"2\" width=\"100%\"><thead><tr>"
           "<th colspan=\"2\" align=\"left\">h</th></tr></thead><tbody><tr><td valign=\"top\">1"
           "</td><td rowspan=\"2\" bgcolor=\"#eeeeee\">2</td></tr></tbody></table>",
           "<p><img src=\"https://example.com/a.png\" alt=\"logo\" width=\"10\" height=\"20\">"
           "<img src=\"cid:image001.png@01D\"><img src=\"data:image/png;base64,iVBORw0KGgo=\">"
           "<img src=\"/web/image/42\"></p>",
           "<div style=\"margin:0px; padding:0px\"><p>Hello <strong>Bob</strong></p></div>",
           "<p><font color=\"#ff0000\" face=\"Arial\" size=\"3\">red</font> "
           "<span class=\"o_mention\" data-oe-model=\"res.partner\" data-oe-id=\"7\">@Bob</span>"
           "</p>",
           "<section><header>h</header><article><p>a</p></article><footer>f</footer></section>",
       }) {
    EXPECT_EQ(safe(kept), kept);
  }
  // Odoo's email bodies: styles written back in Odoo's form.
  EXPECT_EQ(safe("<div style=\"margin:0px;padding:0px;\"><p>Hello <strong>Bob</strong></p></div>"),
            "<div style=\"margin:0px; padding:0px\"><p>Hello <strong>Bob</strong></p></div>");
  // Whole documents become their body's content.
  EXPECT_EQ(safe("<!DOCTYPE html><html><head><meta charset=\"iso-8859-1\"><title>T</title>"
                 "<style>p{}</style></head>\n<body style=\"margin:0\"><p>Caf\xc3\xa9</p></body>"
                 "</html>\n"),
            "<p>Caf\xc3\xa9</p>");
}

TEST(HtmlSanitize, UnknownElementsAreUnwrapped) {
  EXPECT_EQ(safe("<p>a <o:p>b</o:p> <custom-el x=1>c</custom-el> <blink>d</blink></p>"),
            "<p>a b c d</p>");
  EXPECT_EQ(safe("<p><foo><div>x</div></foo></p>"), "<p></p><div>x</div>");
}

TEST(HtmlSanitize, OptionsStripStylesAndClasses) {
  SanitizeOptions options;
  options.keep_style = false;
  options.keep_classes = false;
  EXPECT_EQ(sanitize_html("<p style=\"color:red\" class=\"x\" title=\"t\">a</p>", options),
            "<p title=\"t\">a</p>");
}

TEST(HtmlSanitize, EntitiesAndTextArePreserved) {
  EXPECT_EQ(safe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
  EXPECT_EQ(safe("<p>&amp;amp; &eacute;t&eacute; &#233;&#x00E9; &euro; &copy;</p>"),
            "<p>&amp;amp; \xc3\xa9t\xc3\xa9 \xc3\xa9\xc3\xa9 \xe2\x82\xac \xc2\xa9</p>");
  EXPECT_EQ(safe("<p>a&nbsp;b\xc2\xa0"
                 "c</p>"),
            "<p>a&nbsp;b&nbsp;c</p>");
  EXPECT_EQ(
      safe("<p>\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xd0\x9f\xd1\x80\xd0\xb8 "
           "\xf0\x9f\x98\x80</p>"),
      "<p>\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xd0\x9f\xd1\x80\xd0\xb8 \xf0\x9f\x98\x80</p>");
  EXPECT_EQ(safe("<p title=\"a &amp; &quot;b&quot; &lt;c&gt; \xc3\xa9\">x</p>"),
            "<p title=\"a &amp; &quot;b&quot; &lt;c&gt; \xc3\xa9\">x</p>");
}

TEST(HtmlSanitize, DeepNestingIsBoundedInTimeAndDepth) {
  constexpr int kDepth = 100000;
  std::string deep;
  for (int i = 0; i < kDepth; ++i)
    deep += "<div>";
  deep += "x";
  for (int i = 0; i < kDepth; ++i)
    deep += "</div>";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = sanitize_html(deep);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(sanitize_html(out), out);
  // The output nests max_depth elements at most.
  int depth = 0;
  int deepest = 0;
  for (const std::string& tag : tags_of(out)) {
    depth += tag.front() == '/' ? -1 : 1;
    deepest = std::max(deepest, depth);
  }
  EXPECT_EQ(depth, 0);
  EXPECT_LE(deepest, SanitizeOptions{}.max_depth);

  // Deeper than max_depth (but not by much): flattened, the text kept.
  std::string nested;
  for (int i = 0; i < 300; ++i)
    nested += "<span>";
  nested += "text";
  const std::string flat = safe(nested);
  EXPECT_NE(flat.find("text"), std::string::npos);
  EXPECT_EQ(tags_of(flat).size(), 400u);

  // Unclosed and stray end tags at depth cost no more.
  std::string stray;
  for (int i = 0; i < 50000; ++i)
    stray += "<div>";
  for (int i = 0; i < 200000; ++i)
    stray += "</x>";
  const auto stray_start = std::chrono::steady_clock::now();
  safe(stray);
  EXPECT_LT(std::chrono::steady_clock::now() - stray_start, std::chrono::seconds(20));
}

TEST(HtmlSanitize, InputOverTheLimitIsRefused) {
  SanitizeOptions options;
  options.max_bytes = 1000;
  EXPECT_EQ(sanitize_html(std::string(1000, 'a'), options),
            "<p>" + std::string(1000, 'a') + "</p>");
  try {
    sanitize_html(std::string(1001, 'a'), options);
    FAIL() << "no error";
  } catch (const common::ValueError& error) {
    EXPECT_NE(std::string(error.what()).find("1000"), std::string::npos) << error.what();
  }
  EXPECT_THROW(sanitize_html(std::string((4u << 20) + 1, ' ')), common::ValueError);
}

TEST(HtmlSanitize, RunsOnManyThreadsAtOnce) {
  const std::string input =
      "<div style=\"color:red\"><p>Hello <b>Bob</b><script>x</script><img src=x onerror=y></p>"
      "</div>";
  const std::string expected = sanitize_html(input);
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        failures[t] += sanitize_html(input) != expected;
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  for (int failed : failures)
    EXPECT_EQ(failed, 0);
}

// Random tag soup: pieces of markup, quotes, angle brackets and entities, mixed.
TEST(HtmlSanitize, FuzzedTagSoupIsSafeAndStable) {
  static constexpr std::string_view kPieces[] = {
      "<",
      ">",
      "</",
      "/>",
      "\"",
      "'",
      "`",
      "=",
      " ",
      "\n",
      "\t",
      "&",
      "&lt;",
      "&gt;",
      "&amp;",
      "&#x6A;",
      "&#0;",
      "&quot;",
      "&#60;",
      "&nbsp;",
      "<!--",
      "-->",
      "--!>",
      "<![CDATA[",
      "]]>",
      "<?",
      "?>",
      "<!DOCTYPE",
      "script",
      "SCRIPT",
      "<script>",
      "</script>",
      "<scr",
      "ipt>",
      "style",
      "<style>",
      "</style>",
      "<p>",
      "</p>",
      "<div>",
      "</div>",
      "<a href=",
      "<a ",
      "</a>",
      "<img ",
      "<img src=x ",
      "src=",
      "href=",
      "onerror=",
      "onload=",
      " on",
      "alert(1)",
      "javascript:",
      "jav&#x09;ascript:",
      "JaVaScRiPt:",
      "data:text/html,",
      "data:image/png,",
      "http://x.example/",
      "style=",
      "url(",
      "expression(",
      "<svg>",
      "<svg onload=",
      "<math>",
      "<iframe>",
      "</iframe>",
      "<table>",
      "<tr>",
      "<td>",
      "</td>",
      "<b>",
      "</b>",
      "<i>",
      "<ul>",
      "<li>",
      "<br>",
      "<hr>",
      "<textarea>",
      "</textarea>",
      "<noscript>",
      "</noscript>",
      "<title>",
      "<xmp>",
      "<plaintext>",
      "<form>",
      "<input ",
      "<o:p>",
      "<x-y>",
      "<body>",
      "<html>",
      "<head>",
      "</body>",
      "<pre>",
      "<span style=\"",
      "color:red;",
      "\xc2\xa0",
      "\xff",
      "\xc3\xa9",
      "text",
      "1",
      "<font ",
      "<blockquote>",
      "<details ontoggle=",
  };
  constexpr std::size_t kCount = sizeof(kPieces) / sizeof(kPieces[0]);
  std::mt19937 random(20240611);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string input;
    const std::size_t pieces = 1 + random() % 40;
    for (std::size_t i = 0; i < pieces; ++i)
      input += kPieces[random() % kCount];
    const std::string out = sanitize_html(input);
    expect_safe(input, out);
    if (testing::Test::HasFailure())
      break;
  }
}

// libxml2 compares each attribute of a tag with the earlier ones: a tag with very many is refused
// before the parser sees it (internal/html_limits.h), html_to_text reads it without the parser.
TEST(HtmlSanitizeTest, ATagWithTooManyAttributesIsRefusedBeforeParsing) {
  std::string many = "<p ";
  for (int i = 0; i < 200000; ++i)
    many += "a" + std::to_string(i) + "=1 ";
  many += ">text</p>";
  EXPECT_THROW(sanitize_html(many), common::ValueError);
  EXPECT_EQ(html_to_text(many), "text");
  // Attributes glued together count too; what quoted values hold does not.
  EXPECT_EQ(internal::max_attributes_per_tag(R"(<p a="1"b='2'c=3 d>x</p><br e>)"), 4u);
  EXPECT_EQ(internal::max_attributes_per_tag(R"(<img alt="many words a b c d e f" src=x>)"), 2u);
  EXPECT_EQ(internal::max_attributes_per_tag("<!-- a b c --> 1 < 2 <p>"), 0u);
  std::string fine = "<td";
  for (int i = 0; i < 40; ++i)
    fine += " data-oe-" + std::to_string(i) + "=\"v\"";
  fine += ">ok</td>";
  EXPECT_NO_THROW(sanitize_html(fine));
}

}  // namespace
}  // namespace autorules::mail::test
