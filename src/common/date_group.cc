#include "common/date_group.h"

#include <array>

#include <fmt/format.h>

namespace autorules::common {
namespace {

constexpr std::array<std::string_view, 5> kPeriods = {"day", "week", "month", "quarter", "year"};
constexpr std::array<std::string_view, 10> kDateParts = {
    "year_number",  "quarter_number", "month_number", "iso_week_number", "day_of_year",
    "day_of_month", "day_of_week",    "hour_number",  "minute_number",   "second_number"};
constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// ISO weekday: 1 Monday ... 7 Sunday (1970-01-01 was a Thursday).
int iso_weekday(Date d) {
  int w = static_cast<int>(((static_cast<std::int64_t>(d.days) % 7) + 7 + 3) % 7);
  return w + 1;
}

Date week_first_day(Date d, WeekStart start) {
  return add_days(d, -((iso_weekday(d) - start + 7) % 7));
}

// ISO 8601 week-numbering year and week.
std::pair<int, int> iso_week(Date d) {
  Date thursday = add_days(d, 4 - iso_weekday(d));
  int year = civil(thursday).year;
  int week = (thursday.days - make_date(year, 1, 1).days) / 7 + 1;
  return {year, week};
}

// Week 1 holds January 1st; the days of December in it belong to the next year's week 1.
std::pair<int, int> week_number(Date d, WeekStart start) {
  if (start == 1)
    return iso_week(d);
  int year = civil(d).year;
  if (d >= week_first_day(make_date(year + 1, 1, 1), start))
    return {year + 1, 1};
  Date first = week_first_day(make_date(year, 1, 1), start);
  return {year, (d.days - first.days) / 7 + 1};
}

Date period_start(Date d, std::string_view granularity, WeekStart week_start) {
  CivilDate c = civil(d);
  if (granularity == "day")
    return d;
  if (granularity == "week")
    return week_first_day(d, week_start);
  if (granularity == "month")
    return make_date(c.year, c.month, 1);
  if (granularity == "quarter")
    return make_date(c.year, (c.month - 1) / 3 * 3 + 1, 1);
  return make_date(c.year, 1, 1);
}

std::int64_t date_part(DateTime local, std::string_view part) {
  Date d = date_of(local);
  CivilDate c = civil(d);
  std::int64_t secs = local.seconds - static_cast<std::int64_t>(d.days) * 86400;
  if (part == "year_number")
    return c.year;
  if (part == "quarter_number")
    return (c.month - 1) / 3 + 1;
  if (part == "month_number")
    return c.month;
  if (part == "iso_week_number")
    return iso_week(d).second;
  if (part == "day_of_year")
    return d.days - make_date(c.year, 1, 1).days + 1;
  if (part == "day_of_month")
    return c.day;
  if (part == "day_of_week")
    return iso_weekday(d) % 7;  // 0 Sunday ... 6 Saturday, as PostgreSQL's dow
  if (part == "hour_number")
    return secs / 3600;
  if (part == "minute_number")
    return secs / 60 % 60;
  return secs % 60;
}

}  // namespace

bool is_period_granularity(std::string_view granularity) {
  for (std::string_view p : kPeriods)
    if (p == granularity)
      return true;
  return false;
}

bool is_date_part_granularity(std::string_view granularity) {
  for (std::string_view p : kDateParts)
    if (p == granularity)
      return true;
  return false;
}

Value date_group_key(std::string_view stored, std::string_view granularity, std::string_view tz,
                     WeekStart week_start) {
  const bool is_datetime = stored.size() > 10;
  std::optional<DateTime> at = parse_datetime(stored);
  if (!at)
    return Value();
  if (is_datetime) {
    at = to_local(*at, tz);
    if (!at)
      return Value();
  }
  if (is_date_part_granularity(granularity))
    return Value(date_part(*at, granularity));
  if (!is_period_granularity(granularity))
    return Value();
  Date start = period_start(date_of(*at), granularity, week_start);
  return Value(is_datetime ? format_datetime(midnight(start)) : format_date(start));
}

Date period_end(Date start, std::string_view granularity) {
  if (granularity == "day")
    return add_days(start, 1);
  if (granularity == "week")
    return add_days(start, 7);
  if (granularity == "month")
    return add_months(start, 1);
  if (granularity == "quarter")
    return add_months(start, 3);
  return add_months(start, 12);
}

std::string period_label(Date start, std::string_view granularity, WeekStart week_start) {
  CivilDate c = civil(start);
  if (granularity == "day")
    return fmt::format("{:02} {} {:04}", c.day, kMonths[c.month - 1].substr(0, 3), c.year);
  if (granularity == "week") {
    auto [year, week] = week_number(start, week_start);
    return fmt::format("W{} {:04}", week, year);
  }
  if (granularity == "month")
    return fmt::format("{} {:04}", kMonths[c.month - 1], c.year);
  if (granularity == "quarter")
    return fmt::format("Q{} {:04}", (c.month - 1) / 3 + 1, c.year);
  return fmt::format("{:04}", c.year);
}

}  // namespace autorules::common
