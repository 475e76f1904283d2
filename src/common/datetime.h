// Dates and datetimes as Odoo stores and exchanges them: naive, UTC, "YYYY-MM-DD" and
// "YYYY-MM-DD HH:MM:SS". Date counts days since 1970-01-01, DateTime seconds since
// 1970-01-01 00:00:00; both are trivially copyable values. Month arithmetic clamps to the end of
// the month, as dateutil's relativedelta does (Jan 31 + 1 month = Feb 28/29).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace autorules::common {

struct Date {
  std::int32_t days = 0;
  friend auto operator<=>(const Date&, const Date&) = default;
};

struct DateTime {
  std::int64_t seconds = 0;
  friend auto operator<=>(const DateTime&, const DateTime&) = default;
};

struct CivilDate {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

Date make_date(int year, unsigned month, unsigned day);
CivilDate civil(Date d);
DateTime make_datetime(Date d, int hour = 0, int minute = 0, int second = 0);
Date date_of(DateTime dt);
inline DateTime midnight(Date d) {
  return make_datetime(d);
}

// Strict parsers; nullopt when the text is not a valid date/datetime. parse_datetime accepts
// "YYYY-MM-DD HH:MM:SS", a "T" separator, fractional seconds (dropped), a trailing "Z" or
// "+00:00", and a bare date (midnight), which is what Odoo's to_datetime accepts.
std::optional<Date> parse_date(std::string_view text);
std::optional<DateTime> parse_datetime(std::string_view text);

std::string format_date(Date d);           // "YYYY-MM-DD"
std::string format_datetime(DateTime dt);  // "YYYY-MM-DD HH:MM:SS"

// The date at `utc` in the IANA time zone `tz` ("Europe/Brussels"), from the system's time zone
// database; nullopt for a zone it does not know. "" and "UTC" are UTC.
std::optional<Date> local_date(DateTime utc, std::string_view tz);
// The wall-clock time at `utc` in `tz`, and back: the UTC instant of a wall-clock time (the
// earlier one when clocks go back; a time skipped when they go forward is the moment of the
// change). nullopt for an unknown zone; "" and "UTC" are UTC.
std::optional<DateTime> to_local(DateTime utc, std::string_view tz);
std::optional<DateTime> from_local(DateTime local, std::string_view tz);

Date add_days(Date d, std::int64_t days);
Date add_months(Date d, std::int64_t months);  // clamps the day to the month's end
DateTime add_months(DateTime dt, std::int64_t months);
inline DateTime add_seconds(DateTime dt, std::int64_t s) {
  return DateTime{dt.seconds + s};
}

}  // namespace autorules::common
