#include "common/value.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "common/json.h"

namespace autorules::common {
namespace {

TEST(ValueTest, DefaultIsFalseAndFalsy) {
  Value v;
  EXPECT_TRUE(v.is_false());
  EXPECT_FALSE(v.truthy());
  EXPECT_EQ(to_json(v), Json(false));
}

TEST(ValueTest, TruthinessFollowsPython) {
  EXPECT_FALSE(Value(0).truthy());
  EXPECT_TRUE(Value(2).truthy());
  EXPECT_FALSE(Value(0.0).truthy());
  EXPECT_FALSE(Value("").truthy());
  EXPECT_TRUE(Value("x").truthy());
  EXPECT_FALSE(Value(IdList{}).truthy());
  EXPECT_TRUE(Value(IdList{1}).truthy());
  EXPECT_TRUE(Value(make_date(2020, 1, 1)).truthy());
}

TEST(ValueTest, JsonFollowsOdooConventions) {
  EXPECT_EQ(to_json(Value(make_date(2020, 1, 2))), Json("2020-01-02"));
  EXPECT_EQ(to_json(Value(*parse_datetime("2020-01-02 03:04:05"))), Json("2020-01-02 03:04:05"));
  EXPECT_EQ(to_json(Value(IdList{3, 4})), Json::array({3, 4}));
  EXPECT_EQ(to_json(Value(std::int64_t{7})), Json(7));
}

TEST(ValueTest, ReprIsPythonLike) {
  EXPECT_EQ(Value().repr(), "False");
  EXPECT_EQ(Value("a").repr(), "'a'");
  EXPECT_EQ(Value(IdList{1, 2}).repr(), "[1, 2]");
}

TEST(JsonTest, ParseJsonReportsWhereItFails) {
  try {
    parse_json("{\"a\": ");
    FAIL() << "expected an error";
  } catch (const BadRequestError& e) {
    EXPECT_NE(std::string(e.what()).find("could not parse the body as json"), std::string::npos);
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
  }
}

TEST(ErrorTest, NamesAreOdoos) {
  EXPECT_STREQ(ValidationError("x").name(), "odoo.exceptions.ValidationError");
  EXPECT_STREQ(AccessError("x").name(), "odoo.exceptions.AccessError");
  EXPECT_STREQ(MissingError("x").name(), "odoo.exceptions.MissingError");
  EXPECT_STREQ(UserError("x").name(), "odoo.exceptions.UserError");
  // Subclasses are caught as UserError, as in Odoo.
  try {
    throw ValidationError("bad");
  } catch (const UserError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kValidation);
  }
}

}  // namespace
}  // namespace autorules::common
