// What a rule's selection fields hold — its trigger, and a time trigger's delay unit and mode —
// as types, parsed once where a rule's row is read (load_rules, the save-time configuration), so
// that nothing deeper compares their texts. One table (trigger.cc) says of each trigger which
// operations fire it.
#pragma once

#include <cstdint>
#include <string_view>

namespace autorules::automation::internal {

// base.automation's `trigger` (docs/automation.md, "Triggers").
enum class Trigger : std::uint8_t {
  kOnStageSet,
  kOnUserSet,
  kOnTagSet,
  kOnStateSet,
  kOnPrioritySet,
  kOnArchive,
  kOnUnarchive,
  kOnCreateOrWrite,
  kOnCreate,
  kOnWrite,
  kOnUnlink,
  kOnChange,
  kOnTime,
  kOnTimeCreated,
  kOnTimeUpdated,
  kOnMessageReceived,
  kOnMessageSent,
  kOnWebhook,
  kUnknown,  // a text this build does not know (none is saved through the ORM): fires on nothing
};

// The trigger named `name`; kUnknown for any other text.
Trigger parse_trigger(std::string_view name);
// Its text in the database (and in messages).
std::string_view trigger_name(Trigger trigger);

// Which operations fire a rule of `trigger`.
bool fires_on_create(Trigger trigger);
bool fires_on_write(Trigger trigger);
// "Based on date field", "After creation", "After last update": run by the time check.
bool is_time_trigger(Trigger trigger);
// The "X is set" family (stage, user, tag, state, priority, archived, unarchived): configured from
// a conventional field of the model.
bool is_set_trigger(Trigger trigger);
// On incoming / outgoing message: only on mail-thread models.
bool is_mail_trigger(Trigger trigger);

// trg_date_range_type: the unit of a time trigger's delay.
enum class DelayUnit : std::uint8_t { kNone, kMinutes, kHour, kDay, kMonth };
// kNone for an empty or unknown text.
DelayUnit parse_delay_unit(std::string_view name);
// Minutes per unit, for the check job's interval (a month counts 30 days there); 0 for kNone.
std::int64_t minutes_per(DelayUnit unit);

// trg_date_range_mode: the delay runs after the date, or before it.
enum class DelayMode : std::uint8_t { kAfter, kBefore };
// kBefore for "before", else kAfter (the field's default).
DelayMode parse_delay_mode(std::string_view name);

}  // namespace autorules::automation::internal
