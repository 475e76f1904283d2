// Each rule's runs and failures per hour (docs/automation.md, "Run statistics"), for the rules
// list's "last run, runs and failures today".
//
// A run is counted in memory where it happens (a lock and a map update, nothing written in the
// caller's transaction), whether or not that transaction commits later: a failure usually rolls
// it back, and it is the failures a person looks for. The scheduler's loop, and each process as
// it stops, move the counts into base.automation.stat (one row per rule and UTC hour) in a
// transaction of their own; a read adds the counts not moved yet. Rows older than
// kRunStatsKeptDays are removed when counts are moved.
//
// Thread-safety: RunStats is shared by every transaction of a runtime; each method takes its lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/json.h"
#include "common/mutex.h"
#include "common/value.h"
#include "orm/runtime.h"

namespace autorules::automation::internal {

inline constexpr std::int64_t kRunStatsKeptDays = 31;
// A failure's message is kept this long at most (a rule's error can be a long traceback).
inline constexpr std::size_t kRunStatsErrorBytes = 2000;

// One rule's counts in one hour; times are seconds since the epoch (0: none).
struct RunTally {
  std::int64_t runs = 0;
  std::int64_t failures = 0;
  std::int64_t last_run = 0;
  std::int64_t last_failure = 0;
  std::string last_error;  // the message of the failure at last_failure

  void add(const RunTally& other);
};

// (rule id, hour as seconds since the epoch / 3600) → tally.
using RunTallies = std::map<std::pair<common::Id, std::int64_t>, RunTally>;

class RunStats {
 public:
  void ran(common::Id rule, std::int64_t now) EXCLUDES(mutex_);
  void failed(common::Id rule, std::int64_t now, std::string_view message) EXCLUDES(mutex_);

  // Moves the counts into base.automation.stat in a write transaction of its own. Counts that
  // could not be written stay to be written next time. Returns the number of rows written.
  std::size_t flush(orm::Runtime& runtime) EXCLUDES(mutex_);

  // The counts of `rules` not in the database yet.
  RunTallies pending(const common::IdList& rules) const EXCLUDES(mutex_);

 private:
  mutable common::Mutex mutex_;
  RunTallies pending_ GUARDED_BY(mutex_);
  // Taken by a flush whose transaction has not ended yet: still counted by pending().
  RunTallies flushing_ GUARDED_BY(mutex_);
};

// base.automation's run_stats(since): for each rule of `rules`, {id, runs, failures} since the
// UTC datetime `since` (its hour), and its last run and last failure (time and message) within
// the kept days.
common::Json read_run_stats(const orm::RecordSet& rules, const RunStats& stats,
                            const common::DateTime& since);

}  // namespace autorules::automation::internal
