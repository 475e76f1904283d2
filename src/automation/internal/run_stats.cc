#include "automation/internal/run_stats.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/env.h"
#include "orm/recordset.h"

namespace autorules::automation::internal {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

namespace {

constexpr const char* kModel = "base.automation.stat";
constexpr std::int64_t kHour = 3600;

Json time_or_false(std::int64_t seconds) {
  return seconds ? Json(common::format_datetime(common::DateTime{seconds})) : Json(false);
}

std::int64_t seconds_of(const Value& v) {
  if (v.is_datetime())
    return v.as_datetime().seconds;
  if (v.is_string()) {
    if (auto dt = common::parse_datetime(v.as_string()))
      return dt->seconds;
  }
  return 0;
}

// The row's values once `tally` is added to what it holds (`row`: false for a new row).
Json merged_values(const orm::RecordSet& row, const RunTally& tally) {
  RunTally sum = tally;
  if (!row.empty()) {
    RunTally stored;
    stored.runs = row.get("runs").is_int() ? row.get("runs").as_int() : 0;
    stored.failures = row.get("failures").is_int() ? row.get("failures").as_int() : 0;
    stored.last_run = seconds_of(row.get("last_run"));
    stored.last_failure = seconds_of(row.get("last_failure"));
    stored.last_error = row.get("last_error").is_string() ? row.get("last_error").as_string() : "";
    sum = stored;
    sum.add(tally);
  }
  return Json{{"runs", sum.runs},
              {"failures", sum.failures},
              {"last_run", time_or_false(sum.last_run)},
              {"last_failure", time_or_false(sum.last_failure)},
              {"last_error", sum.last_error.empty() ? Json(false) : Json(sum.last_error)}};
}

void merge_into(RunTallies& into, const RunTallies& from) {
  for (const auto& [key, tally] : from)
    into[key].add(tally);
}

}  // namespace

void RunTally::add(const RunTally& other) {
  runs += other.runs;
  failures += other.failures;
  last_run = std::max(last_run, other.last_run);
  if (other.last_failure && other.last_failure >= last_failure) {
    last_failure = other.last_failure;
    last_error = other.last_error;
  }
}

void RunStats::ran(Id rule, std::int64_t now) {
  common::MutexLock lock(mutex_);
  RunTally& t = pending_[{rule, now / kHour}];
  ++t.runs;
  t.last_run = std::max(t.last_run, now);
}

void RunStats::failed(Id rule, std::int64_t now, std::string_view message) {
  std::string cut = common::truncate_utf8(message, kRunStatsErrorBytes);
  common::MutexLock lock(mutex_);
  RunTally& t = pending_[{rule, now / kHour}];
  ++t.failures;
  if (now >= t.last_failure) {
    t.last_failure = now;
    t.last_error = std::move(cut);
  }
}

std::size_t RunStats::flush(orm::Runtime& runtime) {
  RunTallies taken;
  {
    common::MutexLock lock(mutex_);
    if (pending_.empty() || !flushing_.empty())
      return 0;  // nothing to move, or another flush is moving counts
    taken.swap(pending_);
    flushing_ = taken;
  }
  std::size_t written = 0;
  try {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    orm::RecordSet stats = env[kModel];
    // Counts of rules deleted since they ran go with them.
    IdList rule_ids;
    for (const auto& [key, tally] : taken) {
      if (rule_ids.empty() || rule_ids.back() != key.first)
        rule_ids.push_back(key.first);
    }
    IdList existing = env["base.automation"].browse(rule_ids).exists().ids();
    std::set<Id> alive(existing.begin(), existing.end());
    for (const auto& [key, tally] : taken) {
      if (!alive.count(key.first))
        continue;
      std::string hour = common::format_datetime(common::DateTime{key.second * kHour});
      domain::Domain where = domain::Domain::conjoin(
          domain::Domain::term("automation_id", domain::Op::kEq, Json(key.first)),
          domain::Domain::term("hour", domain::Op::kEq, Json(hour)));
      orm::RecordSet row = stats.search(where, {.limit = 1});
      Json values = merged_values(row, tally);
      if (row.empty()) {
        values["automation_id"] = key.first;
        values["hour"] = hour;
        stats.create(Json::array({values}));
      } else {
        row.write(values);
      }
      ++written;
    }
    std::string oldest =
        common::format_datetime(common::add_seconds(env.now(), -kRunStatsKeptDays * 24 * kHour));
    stats.search(domain::Domain::term("hour", domain::Op::kLt, Json(oldest))).unlink();
    env.commit();
  } catch (const std::exception& e) {
    spdlog::warn("automation rules' run counts kept in memory for now: {}", e.what());
    common::MutexLock lock(mutex_);
    merge_into(pending_, flushing_);
    flushing_.clear();
    return 0;
  }
  common::MutexLock lock(mutex_);
  flushing_.clear();
  return written;
}

RunTallies RunStats::pending(const IdList& rules) const {
  std::set<Id> wanted(rules.begin(), rules.end());
  RunTallies out;
  common::MutexLock lock(mutex_);
  for (const RunTallies* from : {&pending_, &flushing_}) {
    for (const auto& [key, tally] : *from) {
      if (wanted.count(key.first))
        out[key].add(tally);
    }
  }
  return out;
}

Json read_run_stats(const orm::RecordSet& rules, const RunStats& stats,
                    const common::DateTime& since) {
  const orm::Env& env = rules.env();
  // As read does: a rule that does not exist (or was deleted) is an error, not zero runs.
  rules.ensure_exist();
  IdList ids = rules.ids();
  std::int64_t since_hour = since.seconds / kHour;
  // Per rule: counts since `since`, and the latest run and failure of all the hours kept.
  std::map<Id, RunTally> today, latest;
  auto add = [&](Id rule, std::int64_t hour, const RunTally& t) {
    latest[rule].add(RunTally{0, 0, t.last_run, t.last_failure, t.last_error});
    if (hour >= since_hour) {
      RunTally counts = t;
      counts.last_run = counts.last_failure = 0;
      counts.last_error.clear();
      today[rule].add(counts);
    }
  };
  // Read as the caller: the statistics are for administrators, as the logs are.
  Json rows = env[kModel]
                  .search(domain::Domain::term("automation_id", domain::Op::kIn, Json(ids)))
                  .read({"automation_id", "hour", "runs", "failures", "last_run", "last_failure",
                         "last_error"});
  for (const Json& row : rows) {
    const Json& rule = row["automation_id"];
    Id id = rule.is_array() && !rule.empty() ? rule[0].get<Id>() : 0;
    std::int64_t hour =
        row["hour"].is_string() ? seconds_of(Value(row["hour"].get<std::string>())) : 0;
    if (!id || !hour)
      continue;
    auto time = [&](const char* f) {
      return row[f].is_string() ? seconds_of(Value(row[f].get<std::string>())) : 0;
    };
    RunTally t;
    t.runs = row["runs"].is_number_integer() ? row["runs"].get<std::int64_t>() : 0;
    t.failures = row["failures"].is_number_integer() ? row["failures"].get<std::int64_t>() : 0;
    t.last_run = time("last_run");
    t.last_failure = time("last_failure");
    t.last_error = row["last_error"].is_string() ? row["last_error"].get<std::string>() : "";
    add(id, hour / kHour, t);
  }
  for (const auto& [key, tally] : stats.pending(ids))
    add(key.first, key.second, tally);

  Json out = Json::array();
  for (Id id : ids) {
    const RunTally& counts = today[id];
    const RunTally& last = latest[id];
    out.push_back(
        Json{{"id", id},
             {"runs", counts.runs},
             {"failures", counts.failures},
             {"last_run", time_or_false(last.last_run)},
             {"last_failure", time_or_false(last.last_failure)},
             {"last_error", last.last_error.empty() ? Json(false) : Json(last.last_error)}});
  }
  return out;
}

}  // namespace autorules::automation::internal
