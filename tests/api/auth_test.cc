// Reading credentials from headers (src/api/auth.h): the bearer key and the session cookie.
#include "api/auth.h"

#include <gtest/gtest.h>

#include "common/errors.h"

namespace autorules::api {
namespace {

TEST(SessionCookieTest, FindsTheSessionIdAmongOtherCookies) {
  EXPECT_EQ(session_cookie("session_id=abc"), "abc");
  EXPECT_EQ(session_cookie("theme=dark; session_id=abc; lang=fr"), "abc");
  EXPECT_EQ(session_cookie("theme=dark;session_id=abc  "), "abc");
  EXPECT_EQ(session_cookie("session_id=\"abc\""), "abc");
  // The first one when a browser sends two (the more specific path first).
  EXPECT_EQ(session_cookie("session_id=first; session_id=second"), "first");
}

TEST(SessionCookieTest, NothingWhenThereIsNone) {
  EXPECT_EQ(session_cookie(""), "");
  EXPECT_EQ(session_cookie("theme=dark"), "");
  EXPECT_EQ(session_cookie("xsession_id=abc; session_idx=def"), "");
  EXPECT_EQ(session_cookie(";;;="), "");
  EXPECT_EQ(session_cookie("session_id"), "");
}

TEST(BearerKeyTest, ReadsTheKeyOfABearerHeader) {
  EXPECT_EQ(bearer_key("bearer abcdef"), "abcdef");
  EXPECT_EQ(bearer_key("Bearer   abcdef  "), "abcdef");
  EXPECT_THROW(bearer_key(""), common::AccessDenied);
  EXPECT_THROW(bearer_key("Basic YWJjOmRlZg=="), common::AccessDenied);
  EXPECT_THROW(bearer_key("bearer    "), common::AccessDenied);
}

}  // namespace
}  // namespace autorules::api
