#include "automation/internal/trigger.h"

#include <array>
#include <cstddef>

namespace autorules::automation::internal {

namespace {

struct TriggerRow {
  Trigger trigger;
  std::string_view name;
  bool on_create;  // a created record may fire it
  bool on_write;   // a written record may fire it
  bool set;        // the "X is set" family
};

// In the order of Trigger: row i describes Trigger(i).
constexpr std::array<TriggerRow, 18> kTriggers = {{
    {Trigger::kOnStageSet, "on_stage_set", true, true, true},
    {Trigger::kOnUserSet, "on_user_set", true, true, true},
    {Trigger::kOnTagSet, "on_tag_set", true, true, true},
    {Trigger::kOnStateSet, "on_state_set", true, true, true},
    {Trigger::kOnPrioritySet, "on_priority_set", true, true, true},
    {Trigger::kOnArchive, "on_archive", false, true, true},
    {Trigger::kOnUnarchive, "on_unarchive", false, true, true},
    {Trigger::kOnCreateOrWrite, "on_create_or_write", true, true, false},
    {Trigger::kOnCreate, "on_create", true, false, false},
    {Trigger::kOnWrite, "on_write", false, true, false},
    {Trigger::kOnUnlink, "on_unlink", false, false, false},
    {Trigger::kOnChange, "on_change", false, false, false},
    {Trigger::kOnTime, "on_time", false, false, false},
    {Trigger::kOnTimeCreated, "on_time_created", false, false, false},
    {Trigger::kOnTimeUpdated, "on_time_updated", false, false, false},
    {Trigger::kOnMessageReceived, "on_message_received", false, false, false},
    {Trigger::kOnMessageSent, "on_message_sent", false, false, false},
    {Trigger::kOnWebhook, "on_webhook", false, false, false},
}};

constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < kTriggers.size(); ++i) {
    if (static_cast<std::size_t>(kTriggers[i].trigger) != i)
      return false;
  }
  return kTriggers.size() == static_cast<std::size_t>(Trigger::kUnknown);
}
static_assert(rows_in_order(), "kTriggers[i].trigger == Trigger(i), one row per known trigger");

struct UnitRow {
  DelayUnit unit;
  std::string_view name;
  std::int64_t minutes;  // a month counts 30 days
};

constexpr std::array<UnitRow, 4> kUnits = {{
    {DelayUnit::kMinutes, "minutes", 1},
    {DelayUnit::kHour, "hour", 60},
    {DelayUnit::kDay, "day", 1440},
    {DelayUnit::kMonth, "month", 43200},
}};

const TriggerRow* row_of(Trigger trigger) {
  auto i = static_cast<std::size_t>(trigger);
  return i < kTriggers.size() ? &kTriggers[i] : nullptr;
}

}  // namespace

Trigger parse_trigger(std::string_view name) {
  for (const TriggerRow& row : kTriggers) {
    if (row.name == name)
      return row.trigger;
  }
  return Trigger::kUnknown;
}

std::string_view trigger_name(Trigger trigger) {
  const TriggerRow* row = row_of(trigger);
  return row ? row->name : std::string_view("unknown");
}

bool fires_on_create(Trigger trigger) {
  const TriggerRow* row = row_of(trigger);
  return row && row->on_create;
}

bool fires_on_write(Trigger trigger) {
  const TriggerRow* row = row_of(trigger);
  return row && row->on_write;
}

bool is_set_trigger(Trigger trigger) {
  const TriggerRow* row = row_of(trigger);
  return row && row->set;
}

bool is_time_trigger(Trigger trigger) {
  return trigger == Trigger::kOnTime || trigger == Trigger::kOnTimeCreated ||
         trigger == Trigger::kOnTimeUpdated;
}

bool is_mail_trigger(Trigger trigger) {
  return trigger == Trigger::kOnMessageReceived || trigger == Trigger::kOnMessageSent;
}

DelayUnit parse_delay_unit(std::string_view name) {
  for (const UnitRow& row : kUnits) {
    if (row.name == name)
      return row.unit;
  }
  return DelayUnit::kNone;
}

std::int64_t minutes_per(DelayUnit unit) {
  for (const UnitRow& row : kUnits) {
    if (row.unit == unit)
      return row.minutes;
  }
  return 0;
}

DelayMode parse_delay_mode(std::string_view name) {
  return name == "before" ? DelayMode::kBefore : DelayMode::kAfter;
}

}  // namespace autorules::automation::internal
