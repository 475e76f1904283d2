#include "common/date_group.h"

#include <gtest/gtest.h>

namespace autorules::common {
namespace {

constexpr WeekStart kSunday = 7;
constexpr WeekStart kMonday = 1;

TEST(DateGroupTest, PeriodsOfADate) {
  EXPECT_EQ(date_group_key("2024-05-15", "day", "", kSunday).as_string(), "2024-05-15");
  EXPECT_EQ(date_group_key("2024-05-15", "month", "", kSunday).as_string(), "2024-05-01");
  EXPECT_EQ(date_group_key("2024-05-15", "quarter", "", kSunday).as_string(), "2024-04-01");
  EXPECT_EQ(date_group_key("2024-05-15", "year", "", kSunday).as_string(), "2024-01-01");
  // 2024-05-15 is a Wednesday: its week starts on Sunday the 12th, or Monday the 13th.
  EXPECT_EQ(date_group_key("2024-05-15", "week", "", kSunday).as_string(), "2024-05-12");
  EXPECT_EQ(date_group_key("2024-05-15", "week", "", kMonday).as_string(), "2024-05-13");
  EXPECT_EQ(date_group_key("2024-05-12", "week", "", kSunday).as_string(), "2024-05-12");
}

TEST(DateGroupTest, ADatetimeIsGroupedOnTheWallClockOfItsZone) {
  // 23:30 UTC on March 31st is already April 1st in Brussels (UTC+2 in summer).
  EXPECT_EQ(date_group_key("2024-03-31 23:30:00", "month", "", kSunday).as_string(),
            "2024-03-01 00:00:00");
  EXPECT_EQ(date_group_key("2024-03-31 23:30:00", "month", "Europe/Brussels", kSunday).as_string(),
            "2024-04-01 00:00:00");
  EXPECT_EQ(
      date_group_key("2024-03-31 23:30:00", "hour_number", "Europe/Brussels", kSunday).as_int(), 1);
  EXPECT_TRUE(date_group_key("2024-03-31 23:30:00", "month", "Mars/Olympus", kSunday).is_false());
}

TEST(DateGroupTest, DateParts) {
  // 2024-12-30 is a Monday, in ISO week 1 of 2025.
  EXPECT_EQ(date_group_key("2024-12-30", "iso_week_number", "", kSunday).as_int(), 1);
  EXPECT_EQ(date_group_key("2024-12-30", "day_of_week", "", kSunday).as_int(), 1);
  EXPECT_EQ(date_group_key("2024-12-29", "day_of_week", "", kSunday).as_int(), 0);
  EXPECT_EQ(date_group_key("2024-12-30", "day_of_year", "", kSunday).as_int(), 365);
  EXPECT_EQ(date_group_key("2024-12-30", "quarter_number", "", kSunday).as_int(), 4);
  EXPECT_EQ(date_group_key("2024-12-30 10:11:12", "second_number", "", kSunday).as_int(), 12);
}

TEST(DateGroupTest, EmptyOrUnknownGivesFalse) {
  EXPECT_TRUE(date_group_key("", "month", "", kSunday).is_false());
  EXPECT_TRUE(date_group_key("not a date", "month", "", kSunday).is_false());
  EXPECT_TRUE(date_group_key("2024-05-15", "fortnight", "", kSunday).is_false());
}

TEST(DateGroupTest, LabelsAndEnds) {
  EXPECT_EQ(period_label(make_date(2024, 1, 5), "day", kSunday), "05 Jan 2024");
  EXPECT_EQ(period_label(make_date(2024, 1, 1), "month", kSunday), "January 2024");
  EXPECT_EQ(period_label(make_date(2024, 4, 1), "quarter", kSunday), "Q2 2024");
  EXPECT_EQ(period_label(make_date(2024, 1, 1), "year", kSunday), "2024");
  EXPECT_EQ(format_date(period_end(make_date(2024, 1, 31), "day")), "2024-02-01");
  EXPECT_EQ(format_date(period_end(make_date(2024, 11, 1), "quarter")), "2025-02-01");
  EXPECT_EQ(format_date(period_end(make_date(2024, 5, 12), "week")), "2024-05-19");
}

TEST(DateGroupTest, WeekNumbers) {
  // Weeks from Sunday: week 1 holds January 1st, so Sunday 2015-12-27 starts W1 2016.
  EXPECT_EQ(period_label(make_date(2015, 12, 27), "week", kSunday), "W1 2016");
  EXPECT_EQ(period_label(make_date(2023, 12, 31), "week", kSunday), "W1 2024");
  EXPECT_EQ(period_label(make_date(2024, 1, 7), "week", kSunday), "W2 2024");
  // Weeks from Monday are ISO 8601's: 2020-12-28 starts W53 2020, 2021-01-04 starts W1 2021.
  EXPECT_EQ(period_label(make_date(2020, 12, 28), "week", kMonday), "W53 2020");
  EXPECT_EQ(period_label(make_date(2021, 1, 4), "week", kMonday), "W1 2021");
}

TEST(DateGroupTest, LocalTimeRoundTrips) {
  DateTime utc = *parse_datetime("2024-07-01 10:00:00");
  DateTime local = *to_local(utc, "Europe/Brussels");
  EXPECT_EQ(format_datetime(local), "2024-07-01 12:00:00");
  EXPECT_EQ(format_datetime(*from_local(local, "Europe/Brussels")), "2024-07-01 10:00:00");
  EXPECT_FALSE(from_local(local, "Nowhere/Atlantis"));
}

}  // namespace
}  // namespace autorules::common
