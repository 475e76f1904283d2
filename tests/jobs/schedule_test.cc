// When a job runs next: whole intervals past now, calendar months clamped to the month's end.
#include "jobs/internal/schedule.h"

#include <gtest/gtest.h>

namespace autorules::jobs::internal {
namespace {

common::DateTime at(const char* text) {
  return *common::parse_datetime(text);
}

// next_call(from, number, unit, now) == expected, for each row.
struct Case {
  const char* from;
  std::int64_t number;
  const char* unit;
  const char* now;
  const char* expected;
};

void expect_next_calls(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(next_call(at(c.from), c.number, c.unit, at(c.now)), at(c.expected))
        << c.from << " + " << c.number << " " << c.unit << " after " << c.now;
  }
}

TEST(NextCallTest, MovesByWholeIntervalsPastNowSkippingMissedRuns) {
  expect_next_calls({
      {"2026-01-15 10:00:00", 5, "minutes", "2026-01-15 10:00:00", "2026-01-15 10:05:00"},
      {"2026-01-15 10:00:00", 5, "minutes", "2026-01-15 10:12:00", "2026-01-15 10:15:00"},
      {"2026-01-15 10:00:00", 2, "hours", "2026-01-16 09:59:59", "2026-01-16 10:00:00"},
      {"2026-01-15 10:00:00", 1, "days", "2026-01-15 10:00:01", "2026-01-16 10:00:00"},
      {"2026-01-15 10:00:00", 1, "weeks", "2026-01-20 00:00:00", "2026-01-22 10:00:00"},
  });
}

TEST(NextCallTest, MonthsFollowTheCalendarFromTheFirstCall) {
  expect_next_calls({
      {"2026-01-31 08:00:00", 1, "months", "2026-01-31 08:00:00", "2026-02-28 08:00:00"},
      {"2026-01-31 08:00:00", 1, "months", "2026-03-01 00:00:00", "2026-03-31 08:00:00"},
      {"2024-01-31 08:00:00", 1, "months", "2024-02-01 00:00:00", "2024-02-29 08:00:00"},
  });
}

TEST(NextCallTest, AFutureCallStaysAndANonPositiveIntervalCountsAsOne) {
  expect_next_calls({
      {"2026-02-01 00:00:00", 1, "days", "2026-01-15 10:00:00", "2026-02-01 00:00:00"},
      {"2026-01-15 10:00:00", 0, "minutes", "2026-01-15 10:00:30", "2026-01-15 10:01:00"},
  });
}

}  // namespace
}  // namespace autorules::jobs::internal
