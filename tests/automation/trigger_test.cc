// The types of a rule's selection fields: every value base.automation offers parses to its own
// type and back, and any other text is known as unknown.
#include "automation/internal/trigger.h"

#include <set>

#include <gtest/gtest.h>

#include "schema/registry.h"

namespace autorules::automation::internal {
namespace {

TEST(TriggerTest, EveryTriggerOfTheSelectionParsesToItsOwnTypeAndBack) {
  schema::Registry registry = schema::builtin_registry();
  const schema::Field* field = registry.get("base.automation").field("trigger");
  ASSERT_NE(field, nullptr);
  std::set<Trigger> seen;
  for (const schema::SelectionOption& option : field->selection) {
    Trigger t = parse_trigger(option.value);
    EXPECT_NE(t, Trigger::kUnknown) << option.value;
    EXPECT_EQ(trigger_name(t), option.value);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), field->selection.size());
  EXPECT_EQ(seen.size(), static_cast<size_t>(Trigger::kUnknown));
}

TEST(TriggerTest, AnyOtherTextIsUnknownAndFiresOnNothing) {
  for (const char* text : {"", "on_create ", "ON_CREATE", "on_time_later", "on_"}) {
    Trigger t = parse_trigger(text);
    EXPECT_EQ(t, Trigger::kUnknown) << text;
    EXPECT_FALSE(fires_on_create(t));
    EXPECT_FALSE(fires_on_write(t));
    EXPECT_FALSE(is_time_trigger(t));
  }
}

TEST(TriggerTest, TheOperationsThatFireEachFamily) {
  EXPECT_TRUE(fires_on_create(Trigger::kOnCreateOrWrite));
  EXPECT_TRUE(fires_on_write(Trigger::kOnCreateOrWrite));
  EXPECT_TRUE(fires_on_create(Trigger::kOnStageSet));
  EXPECT_FALSE(fires_on_create(Trigger::kOnArchive));  // a record is never created archived
  EXPECT_TRUE(fires_on_write(Trigger::kOnArchive));
  EXPECT_FALSE(fires_on_write(Trigger::kOnCreate));
  EXPECT_FALSE(fires_on_create(Trigger::kOnWrite));
  EXPECT_TRUE(is_set_trigger(Trigger::kOnUnarchive));
  EXPECT_FALSE(is_set_trigger(Trigger::kOnCreate));
  EXPECT_TRUE(is_time_trigger(Trigger::kOnTimeUpdated));
  EXPECT_TRUE(is_mail_trigger(Trigger::kOnMessageSent));
  EXPECT_FALSE(is_mail_trigger(Trigger::kOnWebhook));
}

TEST(TriggerTest, DelayUnitsAndModes) {
  EXPECT_EQ(minutes_per(parse_delay_unit("minutes")), 1);
  EXPECT_EQ(minutes_per(parse_delay_unit("hour")), 60);
  EXPECT_EQ(minutes_per(parse_delay_unit("day")), 1440);
  EXPECT_EQ(minutes_per(parse_delay_unit("month")), 43200);
  EXPECT_EQ(parse_delay_unit("hours"), DelayUnit::kNone);
  EXPECT_EQ(minutes_per(DelayUnit::kNone), 0);
  EXPECT_EQ(parse_delay_mode("before"), DelayMode::kBefore);
  EXPECT_EQ(parse_delay_mode("after"), DelayMode::kAfter);
  EXPECT_EQ(parse_delay_mode(""), DelayMode::kAfter);
}

}  // namespace
}  // namespace autorules::automation::internal
