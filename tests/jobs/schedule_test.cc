// When a job runs next: whole intervals past now, calendar months clamped to the month's end.
#include "jobs/internal/schedule.h"

#include <gtest/gtest.h>

namespace autorules::jobs::internal {
namespace {

common::DateTime at(const char* text) {
  return *common::parse_datetime(text);
}

TEST(NextCallTest, MovesByWholeIntervalsPastNowSkippingMissedRuns) {
  EXPECT_EQ(next_call(at("2026-01-15 10:00:00"), 5, "minutes", at("2026-01-15 10:00:00")),
            at("2026-01-15 10:05:00"));
  EXPECT_EQ(next_call(at("2026-01-15 10:00:00"), 5, "minutes", at("2026-01-15 10:12:00")),
            at("2026-01-15 10:15:00"));
  EXPECT_EQ(next_call(at("2026-01-15 10:00:00"), 2, "hours", at("2026-01-16 09:59:59")),
            at("2026-01-16 10:00:00"));
  EXPECT_EQ(next_call(at("2026-01-15 10:00:00"), 1, "days", at("2026-01-15 10:00:01")),
            at("2026-01-16 10:00:00"));
  EXPECT_EQ(next_call(at("2026-01-15 10:00:00"), 1, "weeks", at("2026-01-20 00:00:00")),
            at("2026-01-22 10:00:00"));
}

TEST(NextCallTest, MonthsFollowTheCalendarFromTheFirstCall) {
  EXPECT_EQ(next_call(at("2026-01-31 08:00:00"), 1, "months", at("2026-01-31 08:00:00")),
            at("2026-02-28 08:00:00"));
  EXPECT_EQ(next_call(at("2026-01-31 08:00:00"), 1, "months", at("2026-03-01 00:00:00")),
            at("2026-03-31 08:00:00"));
  EXPECT_EQ(next_call(at("2024-01-31 08:00:00"), 1, "months", at("2024-02-01 00:00:00")),
            at("2024-02-29 08:00:00"));
}

TEST(NextCallTest, AFutureCallStaysAndANonPositiveIntervalCountsAsOne) {
  EXPECT_EQ(next_call(at("2026-02-01 00:00:00"), 1, "days", at("2026-01-15 10:00:00")),
            at("2026-02-01 00:00:00"));
  EXPECT_EQ(next_call(at("2026-01-15 10:00:00"), 0, "minutes", at("2026-01-15 10:00:30")),
            at("2026-01-15 10:01:00"));
}

}  // namespace
}  // namespace autorules::jobs::internal
