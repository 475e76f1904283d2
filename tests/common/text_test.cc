#include "common/text.h"

#include <vector>

#include <gtest/gtest.h>

namespace autorules::common {
namespace {

TEST(TextTest, LowerCasesAsciiLatinGreekCyrillic) {
  EXPECT_EQ(utf8_lower("ABC xyZ"), "abc xyz");
  EXPECT_EQ(utf8_lower("ÉCLAIR Ñandú"), "éclair ñandú");
  EXPECT_EQ(utf8_lower("ŁÓDŹ"), "łódź");
  EXPECT_EQ(utf8_lower("ΑΘΗΝΑ"), "αθηνα");
  EXPECT_EQ(utf8_lower("МОСКВА"), "москва");
  EXPECT_EQ(utf8_lower("straße"), "straße");
}

TEST(TextTest, InvalidUtf8IsCopiedUnchanged) {
  std::string bad = "A\xff\xc3";
  EXPECT_EQ(utf8_lower(bad), "a\xff\xc3");
  EXPECT_EQ(utf8_length("é€😀"), 3u);
}

TEST(TextTest, Base64RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff", 2)}) {
    auto back = base64_decode(base64_encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm=9"));
}

TEST(TextTest, RandomTokensHaveTheirShape) {
  std::string u = random_uuid4();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(random_uuid4(), u);
  EXPECT_EQ(random_hex(20).size(), 40u);
}

TEST(TextTest, TruncateKeepsShortTextAndCutsOnACodePointBoundary) {
  EXPECT_EQ(truncate_utf8("abc", 3), "abc");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc... (3 more bytes)");
  // "é" is two bytes: a cut inside it moves back before it.
  EXPECT_EQ(truncate_utf8("aé", 2), "a... (2 more bytes)");
  EXPECT_EQ(truncate_utf8("😀😀", 5), "😀... (4 more bytes)");
}

TEST(TextTest, WebhookSecretsAreStandardWebhooksSecrets) {
  std::string a = random_webhook_secret();
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  auto key = base64_decode(a.substr(6));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 32u);
  EXPECT_NE(a, random_webhook_secret());
}

TEST(TextTest, HtmlEscapeMakesTextSafeInContentAndQuotedAttributes) {
  EXPECT_EQ(html_escape(R"(<a href="x" title='y'>Tom & Jerry</a>)"),
            "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;Tom &amp; Jerry&lt;/a&gt;");
  EXPECT_EQ(html_escape("café &amp;"), "café &amp;amp;");  // escaped again: text, not HTML
  EXPECT_EQ(html_escape(""), "");
}

}  // namespace
}  // namespace autorules::common
