#include "common/json.h"

#include <string>

#include <gtest/gtest.h>

#include "common/errors.h"

namespace autorules::common {
namespace {

std::string nested(int depth, const std::string& leaf = "1") {
  return std::string(static_cast<size_t>(depth), '[') + leaf +
         std::string(static_cast<size_t>(depth), ']');
}

std::string objects(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i)
    out += "{\"a\": ";
  out += "1";
  return out + std::string(static_cast<size_t>(depth), '}');
}

TEST(JsonTest, ParsesWithinTheDepthBound) {
  Json j = parse_json(nested(kMaxJsonDepth));
  for (int i = 0; i < kMaxJsonDepth; ++i) {
    ASSERT_TRUE(j.is_array());
    j = Json(j[0]);
  }
  EXPECT_EQ(j, 1);
}

TEST(JsonTest, RefusesNestingPastTheBoundAsABadRequest) {
  for (const std::string& text :
       {nested(kMaxJsonDepth + 1), nested(100000), std::string(100000, '['),
        "{\"a\": " + nested(300) + "}", objects(5000)}) {
    JsonParse p = try_parse_json(text);
    EXPECT_EQ(p.status, JsonParse::kTooDeep) << text.substr(0, 20);
    EXPECT_TRUE(p.value.is_null());
    try {
      parse_json(text);
      FAIL() << "no error";
    } catch (const BadRequestError& e) {
      EXPECT_NE(std::string(e.what()).find("deeper than 256 levels"), std::string::npos);
    }
  }
}

TEST(JsonTest, TellsTextThatIsNotJsonFromTextThatIsTooDeep) {
  EXPECT_EQ(try_parse_json("a=1&b=2").status, JsonParse::kNotJson);
  EXPECT_EQ(try_parse_json("").status, JsonParse::kNotJson);
  EXPECT_EQ(try_parse_json("[1, 2").status, JsonParse::kNotJson);
  JsonParse ok = try_parse_json(R"({"a": [1, {"b": null}]})");
  EXPECT_EQ(ok.status, JsonParse::kOk);
  EXPECT_EQ(ok.value["a"][1]["b"], nullptr);
  EXPECT_THROW(parse_json("[1, 2"), BadRequestError);
}

TEST(JsonTest, ReprIsBoundedWhateverTheValue) {
  EXPECT_EQ(json_repr(Json::parse(R"([1, "a", null, true, {"k": false}])")),
            "[1, 'a', None, True, {'k': False}]");
  Json big_string = std::string(1000000, 'x');
  EXPECT_LT(json_repr(big_string).size(), 1100u);
  Json many = Json::array();
  for (int i = 0; i < 100000; ++i)
    many.push_back(i);
  std::string r = json_repr(many);
  EXPECT_LT(r.size(), 1100u);
  EXPECT_NE(r.find("..."), std::string::npos);
  Json objects = Json::object();
  for (int i = 0; i < 10000; ++i)
    objects["key" + std::to_string(i)] = std::string(100, 'v');
  EXPECT_LT(json_repr(objects).size(), 1300u);
  EXPECT_LT(json_repr(Json::parse(nested(200)), 50).size(), 500u);
}

TEST(ErrorTest, MessagesAreCutAtTheBound) {
  UserError small("short");
  EXPECT_STREQ(small.what(), "short");
  ValueError big(std::string(1u << 22, 'x'));
  std::string what = big.what();
  EXPECT_LT(what.size(), kMaxErrorMessage + 64);
  EXPECT_NE(what.find("more bytes)"), std::string::npos);
  EXPECT_EQ(big.kind(), ErrorKind::kValue);
}

}  // namespace
}  // namespace autorules::common
