// Update with AI (src/actions/internal/ai_update.h): the answer's schema by field type, the
// validation of a value, and the reading of a chat completion.
#include "actions/internal/ai_update.h"

#include <gtest/gtest.h>

namespace autorules::actions::internal {
namespace {

using common::Json;
using schema::FieldType;

schema::Field field_of(FieldType type) {
  schema::Field f;
  f.name = "x";
  f.string = "X";
  f.type = type;
  return f;
}

TEST(AiUpdate, TheSchemaFollowsTheFieldsTypeAndAllowedValues) {
  Json s = ai_answer_schema(field_of(FieldType::kInteger), nullptr);
  EXPECT_EQ(s["required"], Json::array({"value"}));
  EXPECT_EQ(s["additionalProperties"], false);
  EXPECT_EQ(s["properties"]["value"]["type"], Json::array({"integer", "null"}));
  Json allowed = Json::array({Json::array({"0", "Low"}), Json::array({"1", "High"})});
  s = ai_answer_schema(field_of(FieldType::kSelection), allowed);
  EXPECT_EQ(s["properties"]["value"]["enum"], Json::array({"0", "1", nullptr}));
  s = ai_answer_schema(field_of(FieldType::kMany2one), Json::array({Json::array({7, "Belgium"})}));
  EXPECT_EQ(s["properties"]["value"]["enum"], Json::array({7, nullptr}));
  EXPECT_EQ(ai_answer_schema(field_of(FieldType::kText), nullptr)["properties"]["value"]["type"],
            Json::array({"string", "null"}));
}

TEST(AiUpdate, ValuesAreCheckedAgainstTheTypeAndTheAllowedOnes) {
  Json countries = Json::array({Json::array({7, "Belgium"}), Json::array({9, "France"})});
  EXPECT_FALSE(ai_value_problem(field_of(FieldType::kMany2one), countries, 9));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kMany2one), countries, 8));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kMany2one), countries, "9"));
  EXPECT_FALSE(ai_value_problem(field_of(FieldType::kInteger), nullptr, 3));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kInteger), nullptr, 3.5));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kBoolean), nullptr, "yes"));
  EXPECT_FALSE(ai_value_problem(field_of(FieldType::kDate), nullptr, "2026-12-02"));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kDate), nullptr, "next week"));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kChar), nullptr, 5));
  EXPECT_TRUE(ai_value_problem(field_of(FieldType::kChar), nullptr, std::string(70000, 'x')));
  EXPECT_FALSE(ai_value_problem(field_of(FieldType::kChar), nullptr, nullptr));  // no value
}

TEST(AiUpdate, TheAnswerIsTheMessagesJsonValue) {
  auto completion = [](const Json& message) {
    return Json{{"choices", Json::array({Json{{"index", 0}, {"message", message}}})}}.dump();
  };
  AiAnswer a =
      ai_answer(completion(Json{{"role", "assistant"}, {"content", R"({"value": "Pilot"})"}}));
  ASSERT_TRUE(a.value);
  EXPECT_EQ(*a.value, "Pilot");
  a = ai_answer(completion(Json{{"content", nullptr}, {"refusal", "I can't help with that"}}));
  EXPECT_FALSE(a.value);
  EXPECT_NE(a.error.find("refused"), std::string::npos);
  EXPECT_FALSE(ai_answer(completion(Json{{"content", "Pilot"}})).value);
  EXPECT_FALSE(ai_answer(completion(Json{{"content", R"({"answer": 1})"}})).value);
  EXPECT_FALSE(ai_answer("not json").value);
  EXPECT_FALSE(ai_answer(R"({"choices": []})").value);
  EXPECT_FALSE(ai_answer(std::string(100000, '[')).value);
}

}  // namespace
}  // namespace autorules::actions::internal
