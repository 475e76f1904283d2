// Grouping dates and datetimes by period, as Odoo's read_group does: the period a value falls in
// ("day", "week", "month", "quarter", "year"; a datetime is first taken to a time zone's wall
// clock), the date parts ("year_number", "month_number", "day_of_week", ...), and the English
// labels of periods ("January 2024", "W2 2024", "Q1 2024").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/datetime.h"
#include "common/value.h"

namespace autorules::common {

// Odoo's names: the periods and the date parts.
bool is_period_granularity(std::string_view granularity);
bool is_date_part_granularity(std::string_view granularity);

// The first day of the week, as res.lang's week_start: 1 Monday ... 7 Sunday.
using WeekStart = int;

// The group of a stored date ("YYYY-MM-DD") or datetime ("YYYY-MM-DD HH:MM:SS", UTC, taken to
// `tz` first): for a period, its first day as "YYYY-MM-DD" (a date) or its first instant as
// "YYYY-MM-DD HH:MM:SS" on the wall clock (a datetime); for a date part, an integer. False for
// an empty or unreadable value, an unknown granularity or an unknown zone.
Value date_group_key(std::string_view stored, std::string_view granularity, std::string_view tz,
                     WeekStart week_start);

// The first day of the next period.
Date period_end(Date start, std::string_view granularity);

// "05 Jan 2024", "W2 2024", "January 2024", "Q1 2024", "2024": the label of the period that
// starts on `start`. Weeks are numbered as ISO 8601 when they start on Monday; otherwise week 1
// is the week holding January 1st.
std::string period_label(Date start, std::string_view granularity, WeekStart week_start);

}  // namespace autorules::common
