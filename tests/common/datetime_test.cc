#include "common/datetime.h"

#include <string>

#include <gtest/gtest.h>

namespace autorules::common {
namespace {

TEST(DateTest, ParsesAndFormatsIsoDates) {
  auto d = parse_date("2024-02-29");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_date(*d), "2024-02-29");
  EXPECT_EQ(format_date(make_date(1970, 1, 1)), "1970-01-01");
  EXPECT_EQ(make_date(1970, 1, 2).days, 1);
}

TEST(DateTest, RejectsInvalidDates) {
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "24-01-01",
                          "2024/01/01", "", "2024-01-01x", "abcd-ef-gh", "2024-04-31"}) {
    EXPECT_FALSE(parse_date(bad)) << bad;
  }
}

TEST(DateTimeTest, ParsesOdooFormsAndRejectsOthers) {
  EXPECT_EQ(format_datetime(*parse_datetime("2024-05-06 07:08:09")), "2024-05-06 07:08:09");
  EXPECT_EQ(format_datetime(*parse_datetime("2024-05-06T07:08:09")), "2024-05-06 07:08:09");
  EXPECT_EQ(format_datetime(*parse_datetime("2024-05-06 07:08:09.123456")), "2024-05-06 07:08:09");
  EXPECT_EQ(format_datetime(*parse_datetime("2024-05-06T07:08:09Z")), "2024-05-06 07:08:09");
  EXPECT_EQ(format_datetime(*parse_datetime("2024-05-06")), "2024-05-06 00:00:00");
  for (const char* bad : {"2024-05-06 24:00:00", "2024-05-06 10:60:00", "2024-05-06 10:00",
                          "2024-05-06 10:00:00+02:00", "2024-05-06 10:00:00.", "tomorrow"}) {
    EXPECT_FALSE(parse_datetime(bad)) << bad;
  }
}

TEST(DateTimeTest, MonthArithmeticClampsToMonthEnd) {
  EXPECT_EQ(format_date(add_months(make_date(2023, 1, 31), 1)), "2023-02-28");
  EXPECT_EQ(format_date(add_months(make_date(2024, 1, 31), 1)), "2024-02-29");
  EXPECT_EQ(format_date(add_months(make_date(2024, 3, 31), -1)), "2024-02-29");
  EXPECT_EQ(format_date(add_months(make_date(2024, 12, 15), 1)), "2025-01-15");
  EXPECT_EQ(format_date(add_months(make_date(2024, 1, 15), -13)), "2022-12-15");
  DateTime dt = *parse_datetime("2024-01-31 10:30:00");
  EXPECT_EQ(format_datetime(add_months(dt, 1)), "2024-02-29 10:30:00");
}

TEST(DateTimeTest, DateOfNegativeTimesRoundsDown) {
  EXPECT_EQ(format_date(date_of(DateTime{-1})), "1969-12-31");
  EXPECT_EQ(format_datetime(DateTime{-1}), "1969-12-31 23:59:59");
}

TEST(DateTimeTest, LocalDateFollowsTheZoneAndItsDaylightSaving) {
  DateTime at = *parse_datetime("2024-03-30 23:30:00");  // UTC
  EXPECT_EQ(format_date(*local_date(at, "")), "2024-03-30");
  EXPECT_EQ(format_date(*local_date(at, "UTC")), "2024-03-30");
  EXPECT_EQ(format_date(*local_date(at, "Europe/Brussels")), "2024-03-31");  // UTC+1
  EXPECT_EQ(format_date(*local_date(at, "America/New_York")), "2024-03-30");
  // Summer time: 22:30 UTC is already the next day in Brussels (UTC+2), not in winter (UTC+1).
  EXPECT_EQ(format_date(*local_date(*parse_datetime("2024-07-01 22:30:00"), "Europe/Brussels")),
            "2024-07-02");
  EXPECT_EQ(format_date(*local_date(*parse_datetime("2024-01-01 22:30:00"), "Europe/Brussels")),
            "2024-01-01");
  EXPECT_EQ(format_date(*local_date(*parse_datetime("2024-01-01 02:00:00"), "Pacific/Honolulu")),
            "2023-12-31");
}

TEST(DateTimeTest, LocalDateOfAnUnknownZoneIsNothing) {
  DateTime at = *parse_datetime("2024-03-30 23:30:00");
  EXPECT_FALSE(local_date(at, "Mars/Olympus"));
  EXPECT_FALSE(local_date(at, "../../etc/passwd"));
  EXPECT_FALSE(local_date(at, std::string(5000, 'x')));
}

}  // namespace
}  // namespace autorules::common
