#include "orm/base/sequence.h"

#include <limits>
#include <map>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/methods.h"

namespace autorules::orm {

using common::Date;
using common::DateTime;
using common::Id;
using common::Json;
using common::Value;

namespace {

// strftime-like pieces of a moment, for the placeholders (docs/automation.md, "Sequences").
std::map<std::string, std::string> pieces(DateTime t) {
  Date d = common::date_of(t);
  common::CivilDate c = common::civil(d);
  std::int64_t secs = t.seconds - static_cast<std::int64_t>(d.days) * 86400;
  int hour = static_cast<int>(secs / 3600), minute = static_cast<int>(secs / 60 % 60),
      second = static_cast<int>(secs % 60);
  // Weekday: 1970-01-01 was a Thursday (Sunday = 0 in %w).
  int weekday = static_cast<int>(((d.days % 7) + 7 + 4) % 7);
  int doy = static_cast<int>(d.days - common::make_date(c.year, 1, 1).days) + 1;
  // %W: week of the year, Monday first; days before the first Monday are week 0.
  int monday_based = (weekday + 6) % 7;
  int woy = (doy + 6 - monday_based) / 7;
  // ISO 8601 year and week.
  int iso_year = c.year;
  int jan4_monday_based =
      static_cast<int>(((common::make_date(c.year, 1, 4).days % 7) + 7 + 3) % 7);
  int week1_start = static_cast<int>(common::make_date(c.year, 1, 4).days) - jan4_monday_based;
  int iso_week;
  if (d.days < week1_start) {
    iso_year = c.year - 1;
    int prev_jan4 = static_cast<int>(common::make_date(iso_year, 1, 4).days);
    int prev_start = prev_jan4 - static_cast<int>(((prev_jan4 % 7) + 7 + 3) % 7);
    iso_week = (static_cast<int>(d.days) - prev_start) / 7 + 1;
  } else {
    int next_jan4 = static_cast<int>(common::make_date(c.year + 1, 1, 4).days);
    int next_start = next_jan4 - static_cast<int>(((next_jan4 % 7) + 7 + 3) % 7);
    if (d.days >= next_start) {
      iso_year = c.year + 1;
      iso_week = 1;
    } else {
      iso_week = (static_cast<int>(d.days) - week1_start) / 7 + 1;
    }
  }
  auto two = [](int v) { return fmt::format("{:02d}", v); };
  return {{"year", fmt::format("{:04d}", c.year)},
          {"month", two(static_cast<int>(c.month))},
          {"day", two(static_cast<int>(c.day))},
          {"y", two(c.year % 100)},
          {"doy", fmt::format("{:03d}", doy)},
          {"woy", two(woy)},
          {"weekday", std::to_string(weekday)},
          {"h24", two(hour)},
          {"h12", two(hour % 12 == 0 ? 12 : hour % 12)},
          {"min", two(minute)},
          {"sec", two(second)},
          {"isoyear", fmt::format("{:04d}", iso_year)},
          {"isoy", two(iso_year % 100)},
          {"isoweek", two(iso_week)}};
}

// Python's "%(key)s" substitution with "%%" for a literal percent sign.
std::string interpolate(const std::string& text, const std::map<std::string, std::string>& values,
                        const std::string& sequence_name) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    size_t close = text.find(")s", i);
    if (i + 1 >= text.size() || text[i + 1] != '(' || close == std::string::npos) {
      throw common::UserError(
          fmt::format("Invalid prefix or suffix for sequence '{}'", sequence_name));
    }
    std::string key = text.substr(i + 2, close - i - 2);
    auto it = values.find(key);
    if (it == values.end()) {
      throw common::UserError(
          fmt::format("Invalid prefix or suffix for sequence '{}'", sequence_name));
    }
    out += it->second;
    i = close + 1;
  }
  return out;
}

std::string format_number(std::int64_t n, std::int64_t padding) {
  // Python's '%%0%sd' % padding: the sign counts in the width, no truncation.
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::int64_t width = padding - (n < 0 ? 1 : 0);
  if (static_cast<std::int64_t>(digits.size()) < width) {
    digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
  }
  return (n < 0 ? "-" : "") + digits;
}

// The subsequence covering `dt`, created for dt's calendar year (trimmed against its
// neighbours) when there is none.
Id date_range_for(const Env& env, Id sequence, Date dt) {
  Value p[] = {Value(sequence), Value(dt), Value(dt)};
  Value found = env.cr().scalar(
      "SELECT \"id\" FROM \"ir_sequence_date_range\" WHERE \"sequence_id\" = ? AND \"date_from\" "
      "<= ? "
      "AND \"date_to\" >= ? ORDER BY \"date_from\" DESC LIMIT 1",
      p);
  if (found.is_int())
    return found.as_int();
  common::CivilDate c = common::civil(dt);
  Date from = common::make_date(c.year, 1, 1), to = common::make_date(c.year, 12, 31);
  Value q[] = {Value(sequence), Value(dt), Value(to)};
  Value next_start = env.cr().scalar(
      "SELECT MIN(\"date_from\") FROM \"ir_sequence_date_range\" WHERE \"sequence_id\" = ? AND "
      "\"date_from\" > ? AND \"date_from\" <= ?",
      q);
  if (next_start.is_string())
    to = common::add_days(*common::parse_date(next_start.as_string()), -1);
  Value r[] = {Value(sequence), Value(from), Value(dt)};
  Value prev_end = env.cr().scalar(
      "SELECT MAX(\"date_to\") FROM \"ir_sequence_date_range\" WHERE \"sequence_id\" = ? AND "
      "\"date_to\" >= ? AND \"date_to\" < ?",
      r);
  if (prev_end.is_string())
    from = common::add_days(*common::parse_date(prev_end.as_string()), 1);
  return env.sudo()["ir.sequence.date_range"]
      .create(Json{{"sequence_id", sequence},
                   {"date_from", common::format_date(from)},
                   {"date_to", common::format_date(to)},
                   {"number_next", 1},
                   {"number_next_actual", 1}})
      .id();
}

}  // namespace

std::string next_by_id(const RecordSet& sequence, std::optional<Date> date) {
  const Env& env = sequence.env();
  Id id = sequence.id();
  auto rows = env.cr().fetch(
      "SELECT \"name\", \"implementation\", \"prefix\", \"suffix\", \"number_increment\", "
      "\"padding\", "
      "\"use_date_range\" FROM \"ir_sequence\" WHERE \"id\" = ?",
      std::vector<Value>{Value(id)});
  if (rows.empty())
    throw common::MissingError(fmt::format("The sequence {} does not exist", id));
  const auto& r = rows.rows[0];
  std::string name = r[0].as_string();
  bool no_gap = r[1].is_string() && r[1].as_string() == "no_gap";
  std::string prefix = r[2].is_string() ? r[2].as_string() : "";
  std::string suffix = r[3].is_string() ? r[3].as_string() : "";
  std::int64_t step = r[4].is_int() ? r[4].as_int() : 1;
  std::int64_t padding = r[5].is_int() ? r[5].as_int() : 0;
  bool ranges = r[6].is_int() && r[6].as_int() != 0;

  DateTime now = env.now();
  Date effective = date ? *date : common::date_of(now);
  if (!date) {
    auto ctx = env.context().find("ir_sequence_date");
    if (ctx != env.context().end() && ctx->is_string()) {
      if (auto d = common::parse_datetime(ctx->get<std::string>()))
        effective = common::date_of(*d);
    }
  }
  std::string table = "ir_sequence";
  Id row = id;
  DateTime range_start = now;
  if (ranges) {
    table = "ir_sequence_date_range";
    row = date_range_for(env, id, effective);
    Value from =
        env.cr().scalar("SELECT \"date_from\" FROM \"ir_sequence_date_range\" WHERE \"id\" = ?",
                        std::vector<Value>{Value(row)});
    range_start = common::midnight(*common::parse_date(from.as_string()));
  }
  // The counter: number_next for no_gap, number_next_actual for standard.
  std::string counter = no_gap ? "number_next" : "number_next_actual";
  // The counter moves only while the next number still fits in 64 bits: past it the database
  // would turn the column into a floating-point number (SQLite) or fail (PostgreSQL).
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  std::int64_t low = step > 0 ? kMin : kMin - step;
  std::int64_t high = step > 0 ? kMax - step : kMax;
  std::vector<Value> params{Value(step)};
  if (no_gap)
    params.emplace_back(step);
  for (Value v : {Value(row), Value(low), Value(high), Value(step)})
    params.push_back(std::move(v));
  Value taken = env.cr().scalar(
      fmt::format(
          "UPDATE \"{t}\" SET \"{c}\" = COALESCE(\"{c}\", \"number_next\") + ? {mirror} WHERE "
          "\"id\" = ? AND COALESCE(\"{c}\", \"number_next\") BETWEEN ? AND ? "
          "RETURNING \"{c}\" - ?",
          fmt::arg("t", table), fmt::arg("c", counter),
          fmt::arg("mirror", no_gap ? ", \"number_next_actual\" = \"number_next\" + ?" : "")),
      params);
  if (!taken.is_int()) {
    throw common::UserError(fmt::format(
        "The sequence '{}' cannot hand out another number: its next number would not fit in 64 "
        "bits. Restart it with a smaller Next Number.",
        name));
  }
  std::int64_t number = taken.as_int();

  std::map<std::string, std::string> values;
  for (const auto& [k, v] :
       pieces(common::midnight(effective) == common::midnight(common::date_of(now))
                  ? now
                  : common::midnight(effective))) {
    values[k] = v;
  }
  for (const auto& [k, v] : pieces(range_start))
    values["range_" + k] = v;
  for (const auto& [k, v] : pieces(now))
    values["current_" + k] = v;
  return interpolate(prefix, values, name) + format_number(number, padding) +
         interpolate(suffix, values, name);
}

std::optional<std::string> next_by_code(const Env& env, const std::string& code,
                                        std::optional<Date> date) {
  RecordSet found = env.sudo()["ir.sequence"].search(
      domain::Domain::term("code", domain::Op::kEq, code), SearchOptions{0, 1, ""});
  if (found.empty())
    return std::nullopt;
  return next_by_id(found.with_env(env.sudo().with_context(env.context())), date);
}

namespace {

std::optional<Date> date_param(const Json& p) {
  auto it = p.find("sequence_date");
  if (it == p.end() || it->is_null() || (it->is_boolean() && !it->get<bool>()))
    return std::nullopt;
  if (!it->is_string())
    throw common::UnprocessableError("'sequence_date' must be a date \"YYYY-MM-DD\"");
  auto d = common::parse_date(it->get<std::string>());
  if (!d) {
    if (auto dt = common::parse_datetime(it->get<std::string>()))
      return common::date_of(*dt);
    throw common::ValueError(fmt::format("Invalid sequence_date '{}'", it->get<std::string>()));
  }
  return d;
}

class SequenceHooks final : public ModelHooks {
 public:
  void before_create(const Env&, const std::string&, Json& vals) override {
    check(vals);
    if (!vals.contains("number_next_actual"))
      vals["number_next_actual"] = vals.value("number_next", Json(1));
  }
  void before_write(const RecordSet&, Json& vals) override {
    check(vals);
    // Restarting a sequence: writing number_next moves the counter too.
    if (vals.contains("number_next") && !vals.contains("number_next_actual")) {
      vals["number_next_actual"] = vals["number_next"];
    } else if (vals.contains("number_next_actual") && !vals.contains("number_next")) {
      vals["number_next"] = vals["number_next_actual"];
    }
  }

 private:
  static void check(const Json& vals) {
    auto step = vals.find("number_increment");
    if (step != vals.end() && step->is_number_integer() && step->get<std::int64_t>() == 0) {
      throw common::ValidationError("Step must not be zero.");
    }
  }
};

class DateRangeHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    if (!vals.contains("number_next_actual"))
      vals["number_next_actual"] = vals.value("number_next", Json(1));
    // (sequence, from, to) is unique [19].
    auto seq = vals.find("sequence_id");
    if (seq != vals.end() && seq->is_number_integer() && vals.contains("date_from") &&
        vals.contains("date_to")) {
      std::vector<Value> q{Value(seq->get<Id>()), Value(vals["date_from"].get<std::string>()),
                           Value(vals["date_to"].get<std::string>())};
      if (env.cr()
              .scalar("SELECT 1 FROM \"ir_sequence_date_range\" WHERE \"sequence_id\" = ? AND "
                      "\"date_from\" = ? AND \"date_to\" = ?",
                      q)
              .is_int()) {
        throw common::ValidationError(
            "A subsequence with these dates already exists for this sequence.");
      }
    }
  }
  void before_write(const RecordSet&, Json& vals) override {
    if (vals.contains("number_next") && !vals.contains("number_next_actual")) {
      vals["number_next_actual"] = vals["number_next"];
    }
  }
};

}  // namespace

void register_sequences(Runtime& rt) {
  rt.add_hooks("ir.sequence", std::make_shared<SequenceHooks>());
  rt.add_hooks("ir.sequence.date_range", std::make_shared<DateRangeHooks>());
  rt.add_method("ir.sequence", "next_by_code",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             rs.check_access(RecordSet::Operation::kRead);
                             auto n = next_by_code(rs.env(), param_string(p, "sequence_code"),
                                                   date_param(p));
                             return n ? Json(*n) : Json(false);
                           },
                       .params = {"sequence_code", "sequence_date"},
                       .required_params = {"sequence_code"},
                       .model_level = true});
  rt.add_method(
      "ir.sequence", "next_by_id",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   rs.check_access(RecordSet::Operation::kRead);
                   rs.ensure_exist();
                   return Json(next_by_id(rs.sudo().with_env(rs.env().sudo()), date_param(p)));
                 },
             .params = {"sequence_date"}});
}

}  // namespace autorules::orm
