#include "common/datetime.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include <date/tz.h>

namespace autorules::common {
namespace {

namespace chr = std::chrono;

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::optional<Date> parse_date_prefix(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1) {
    return std::nullopt;
  }
  chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(m)},
                          chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return Date{static_cast<std::int32_t>(chr::sys_days{ymd}.time_since_epoch().count())};
}

}  // namespace

Date make_date(int year, unsigned month, unsigned day) {
  chr::year_month_day ymd{chr::year{year}, chr::month{month}, chr::day{day}};
  return Date{static_cast<std::int32_t>(chr::sys_days{ymd}.time_since_epoch().count())};
}

CivilDate civil(Date d) {
  chr::year_month_day ymd{chr::sys_days{chr::days{d.days}}};
  return CivilDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                   static_cast<unsigned>(ymd.day())};
}

DateTime make_datetime(Date d, int hour, int minute, int second) {
  return DateTime{static_cast<std::int64_t>(d.days) * 86400 + hour * 3600 + minute * 60 + second};
}

Date date_of(DateTime dt) {
  std::int64_t days = dt.seconds / 86400;
  if (dt.seconds % 86400 < 0) {
    --days;
  }
  return Date{static_cast<std::int32_t>(days)};
}

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10) {
    return std::nullopt;
  }
  return parse_date_prefix(text);
}

std::optional<DateTime> parse_datetime(std::string_view s) {
  auto date = parse_date_prefix(s);
  if (!date) {
    return std::nullopt;
  }
  if (s.size() == 10) {
    return midnight(*date);
  }
  int h = 0, mi = 0, se = 0;
  if ((s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, h) || s.size() < 19 || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || se > 59) {
    return std::nullopt;
  }
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      ++i;
    }
    if (i == 1) {
      return std::nullopt;
    }
    rest = rest.substr(i);
  }
  if (!rest.empty() && rest != "Z" && rest != "+00:00") {
    return std::nullopt;
  }
  return make_datetime(*date, h, mi, se);
}

std::string format_date(Date d) {
  CivilDate c = civil(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::string format_datetime(DateTime dt) {
  Date d = date_of(dt);
  std::int64_t secs = dt.seconds - static_cast<std::int64_t>(d.days) * 86400;
  CivilDate c = civil(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", c.year, c.month, c.day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

Date add_days(Date d, std::int64_t days) {
  return Date{static_cast<std::int32_t>(d.days + days)};
}

Date add_months(Date d, std::int64_t months) {
  CivilDate c = civil(d);
  std::int64_t total = static_cast<std::int64_t>(c.year) * 12 + (c.month - 1) + months;
  int year = static_cast<int>(total >= 0 ? total / 12 : (total - 11) / 12);
  unsigned month = static_cast<unsigned>(total - static_cast<std::int64_t>(year) * 12) + 1;
  chr::year_month_day_last last{chr::year{year}, chr::month_day_last{chr::month{month}}};
  unsigned day = std::min(c.day, static_cast<unsigned>(last.day()));
  return make_date(year, month, day);
}

DateTime add_months(DateTime dt, std::int64_t months) {
  Date d = date_of(dt);
  std::int64_t within = dt.seconds - static_cast<std::int64_t>(d.days) * 86400;
  return DateTime{static_cast<std::int64_t>(add_months(d, months).days) * 86400 + within};
}

namespace {

const date::time_zone* find_zone(std::string_view tz) {
  try {
    return date::locate_zone(std::string(tz));
  } catch (const std::exception&) {
    return nullptr;  // an unknown zone (the database says so by throwing)
  }
}

}  // namespace

std::optional<Date> local_date(DateTime utc, std::string_view tz) {
  auto local = to_local(utc, tz);
  if (!local)
    return std::nullopt;
  return date_of(*local);
}

std::optional<DateTime> to_local(DateTime utc, std::string_view tz) {
  if (tz.empty() || tz == "UTC")
    return utc;
  const date::time_zone* zone = find_zone(tz);
  if (!zone)
    return std::nullopt;
  date::sys_seconds at{chr::seconds{utc.seconds}};
  return DateTime{zone->to_local(at).time_since_epoch().count()};
}

std::optional<DateTime> from_local(DateTime local, std::string_view tz) {
  if (tz.empty() || tz == "UTC")
    return local;
  const date::time_zone* zone = find_zone(tz);
  if (!zone)
    return std::nullopt;
  date::local_seconds at{chr::seconds{local.seconds}};
  return DateTime{zone->to_sys(at, date::choose::earliest).time_since_epoch().count()};
}

}  // namespace autorules::common
