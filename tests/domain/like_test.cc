// like_match against SQLite's own LIKE (case_sensitive_like=ON, ESCAPE '\') and against
// ar_lower(x) LIKE ar_lower(p) for ilike: hand-picked edge cases, then random texts and
// patterns made of wildcards, escapes, multi-byte and invalid UTF-8.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "domain/domain.h"
#include "domain/evaluate.h"
#include "store/database.h"

namespace autorules::domain {
namespace {

class LikeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::open("sqlite::memory:");
    conn_ = db_->acquire(store::Access::kWrite);
    like_sql_ = "SELECT " + conn_->dialect().like("?", "?");
    ilike_sql_ = "SELECT " + conn_->dialect().ilike("?", "?");
  }

  bool sqlite_like(const std::string& text, const std::string& pattern, bool ci) {
    Value params[] = {Value(text), Value(pattern)};
    Value v = conn_->scalar(ci ? ilike_sql_ : like_sql_, params);
    EXPECT_TRUE(v.is_int()) << "LIKE gave " << v.repr();
    return v.is_int() && v.as_int() != 0;
  }

  void check(const std::string& text, const std::string& pattern) {
    for (bool ci : {false, true}) {
      EXPECT_EQ(like_match(text, pattern, ci), sqlite_like(text, pattern, ci))
          << (ci ? "ilike" : "like") << " text=" << ::testing::PrintToString(text)
          << " pattern=" << ::testing::PrintToString(pattern);
    }
  }

  std::unique_ptr<store::Database> db_;
  store::Lease conn_;
  std::string like_sql_, ilike_sql_;
};

TEST_F(LikeTest, WildcardsMatchLikeSqlite) {
  const char* texts[] = {"", "a", "abc", "abcabc", "xabcx", "a%c", "a_c", "a\\c", "%", "_", "\\"};
  const char* patterns[] = {"",      "%",      "%%",  "_",    "__",    "a",     "a%",
                            "%c",    "%b%",    "a_c", "a%c",  "%a%c%", "_b_",   "a\\%c",
                            "a\\_c", "a\\\\c", "\\%", "\\_",  "%\\%%", "%\\_%", "\\\\",
                            "abc",   "ABC",    "%B%", "a%%c", "%_",    "_%",    "%_%_%"};
  for (const char* t : texts) {
    for (const char* p : patterns) {
      check(t, p);
    }
  }
}

TEST_F(LikeTest, TrailingEscapeMatchesNothingLikeSqlite) {
  check("a\\", "a\\");
  check("a", "a\\");
  check("ab", "a%\\");
  check("", "\\");
}

TEST_F(LikeTest, UnderscoreIsOneCodePoint) {
  EXPECT_TRUE(like_match("é", "_", false));
  EXPECT_FALSE(like_match("é", "__", false));
  EXPECT_TRUE(like_match("Éclair", "_clair", false));
  EXPECT_TRUE(like_match("straße", "stra_e", false));
  check("é", "_");
  check("é", "__");
  check("日本語", "_本_");
  check("😀x", "_x");
}

TEST_F(LikeTest, CaseInsensitiveUsesUtf8Lower) {
  EXPECT_TRUE(like_match("Éclair", "éCLAIR", true));
  EXPECT_TRUE(like_match("ÉCLAIR", "%éc%", true));
  EXPECT_FALSE(like_match("ÉCLAIR", "%éc%", false));
  EXPECT_FALSE(like_match("STRASSE", "straße", true));  // ß has no one-letter upper case
  EXPECT_TRUE(like_match("ΣΙΣΥΦΟΣ", "σισυφοσ", true));
  EXPECT_FALSE(like_match("ΣΙΣΥΦΟΣ", "σισυφος", true));  // final sigma is another letter
  EXPECT_TRUE(like_match("МОСКВА", "%осков%", true) == false);
  EXPECT_TRUE(like_match("МОСКВА", "%оскв%", true));
  for (const char* t : {"Éclair", "ÉCLAIR", "éclair", "straße", "STRASSE", "ΣΙΣΥΦΟΣ", "МОСКВА", "Ÿ",
                        "ÿ", "İstanbul", "K"}) {
    for (const char* p :
         {"%é%", "%É%", "éclair", "%SS%", "%ß%", "σ%", "%ВА", "ÿ", "Ÿ", "i%", "%k%"}) {
      check(t, p);
    }
  }
}

TEST_F(LikeTest, EmbeddedNulEndsTheText) {
  std::string text("ab\0cd", 5);
  check(text, "ab");
  check(text, "ab%");
  check(text, "%cd");
  check("abcd", std::string("ab\0zz", 5));
}

TEST_F(LikeTest, InvalidUtf8MatchesLikeSqlite) {
  const std::string odd[] = {"\xC3",         "\xFF",         "\x80",
                             "\xC1\x81",     "\xE0\x81\x81", "\xF0\x80\x80\x80",
                             "\xED\xA0\x80", "\xEF\xBF\xBF", "\xEF\xBF\xBD",
                             "\xC3\xA9\xA9"};
  for (const std::string& a : odd) {
    for (const std::string& b : odd) {
      check("x" + a + "y", "x" + b + "y");
      check("x" + a + "y", "x_y");
      check("x" + a + "y", "%" + b + "%");
      check(a, "_");
      check(a + "A", "%a");
    }
  }
}

TEST_F(LikeTest, RandomPatternsMatchSqlite) {
  const std::string alphabet[] = {
      "a", "b", "A", "%",    "_",    "\\",           "é", "É", "ß", "Σ", "σ",
      "ж", "Ж", "😀", "\xC3", "\x80", "\xE0\x81\x81", " "};
  std::mt19937 rng(20240607);
  auto random_text = [&](size_t max_len) {
    std::string s;
    size_t n = rng() % (max_len + 1);
    for (size_t i = 0; i < n; ++i) {
      s += alphabet[rng() % std::size(alphabet)];
    }
    return s;
  };
  for (int i = 0; i < 4000; ++i) {
    std::string text = random_text(8);
    std::string pattern = random_text(6);
    if (rng() % 3 == 0 && !text.empty()) {
      // A pattern derived from the text, so that matches are frequent.
      pattern = text.substr(rng() % text.size());
      if (rng() % 2)
        pattern = "%" + pattern;
      if (rng() % 2)
        pattern[rng() % pattern.size()] = '_';
    }
    check(text, pattern);
  }
}

TEST_F(LikeTest, LikeLiteralMatchesExactlyItsText) {
  for (std::string text : {"a_b%c\\d", "100%", "x_y@example.com", "", "%", "\\"}) {
    std::string pattern = like_literal(text);
    check(text, pattern);
    EXPECT_TRUE(like_match(text, pattern, false)) << text;
    EXPECT_TRUE(sqlite_like(text, pattern, true)) << text;
  }
  // The wildcards it escapes no longer match other text.
  EXPECT_FALSE(sqlite_like("xaby@example.com", like_literal("x_y@example.com"), true));
  EXPECT_FALSE(sqlite_like("100 percent", like_literal("100%"), false));
}

}  // namespace
}  // namespace autorules::domain
