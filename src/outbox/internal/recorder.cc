#include "outbox/internal/recorder.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string_view>

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "common/json.h"
#include "outbox/internal/sql_batches.h"
#include "outbox/target.h"
#include "store/database.h"

namespace autorules::outbox {

using common::DateTime;
using common::Id;
using common::Json;
using common::Value;

namespace {

using Clock = std::chrono::steady_clock;

// A runtime's delivery attempts by outcome (Runtime::component), for delivery_counts().
struct AttemptCounters {
  std::atomic<std::uint64_t> delivered{0}, retried{0}, failed{0}, dead{0};
};

// The outcome handlers of a runtime (Runtime::component), by kind of message: a snapshot replaced
// on every registration, so that a recorder takes it once per batch without copying.
struct OutcomeHandlers {
  using ByKind = std::map<std::string, std::vector<OutcomeHandler>, std::less<>>;
  common::Mutex mutex;
  std::shared_ptr<const ByKind> by_kind GUARDED_BY(mutex) = std::make_shared<ByKind>();

  std::shared_ptr<const ByKind> get() EXCLUDES(mutex) {
    common::MutexLock lock(mutex);
    return by_kind;
  }
};

// An attempt's outcome (outcome_text) is written to outbox_attempt.outcome, and the message's
// next state (state_after) to outbox_message.state; nothing reads them back here. A message to
// retry is pending again; the others keep their outcome as their state.
std::string_view state_after(Outcome o) {
  return o == Outcome::kRetry ? "pending" : outcome_text(o);
}

// The attempts counter of delivery_counts() for `o`.
std::atomic<std::uint64_t>& counter_of(AttemptCounters& counters, Outcome o) {
  switch (o) {
    case Outcome::kDelivered:
      return counters.delivered;
    case Outcome::kRetry:
      return counters.retried;
    case Outcome::kFailed:
      return counters.failed;
    case Outcome::kDead:
      return counters.dead;
  }
  return counters.failed;
}

// A failed attempt in the server's log, whatever the rule that sent it logs: the message, where
// it went (scheme, host and port only: paths and queries may carry secrets), why, and what comes
// next.
void log_failure(const internal::FinishedAttempt& a) {
  const char* next = a.outcome == Outcome::kRetry  ? "will be retried"
                     : a.outcome == Outcome::kDead ? "no attempt left, the message is dead"
                                                   : "not retried, the message failed";
  spdlog::warn("outbox: message {} to {}, attempt {}: {}; {}", a.message_id, target_origin(a.url),
               a.number, a.error, next);
}

}  // namespace

namespace internal {

Recorder::Recorder(orm::Runtime& runtime, const Options& options)
    : runtime_(runtime), options_(options) {}

Recorder::~Recorder() {
  stop(Clock::now());
}

void Recorder::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "outbox-record");  // as ps and top show it (15 bytes)
    loop();
  });
}

void Recorder::add(std::vector<FinishedAttempt> attempts, bool at_once) {
  if (attempts.empty())
    return;
  bool wake = false;
  {
    common::MutexLock lock(mutex_);
    if (waiting_.empty()) {
      first_waiting_ = Clock::now();
      wake = true;  // the thread learns when this batch is due
    }
    const size_t before = waiting_.size();
    if (waiting_.empty()) {
      waiting_ = std::move(attempts);
    } else {
      for (FinishedAttempt& a : attempts)
        waiting_.push_back(std::move(a));
    }
    wake = wake || (before < 64 && waiting_.size() >= 64) || (at_once && !at_once_);
    at_once_ = at_once_ || at_once;
  }
  if (wake)
    changed_.notify_one();
}

std::unordered_map<Id, int> Recorder::recorded() {
  std::unordered_map<Id, int> out;
  common::MutexLock lock(mutex_);
  out.swap(recorded_);
  return out;
}

void Recorder::stop(Clock::time_point deadline) {
  {
    common::MutexLock lock(mutex_);
    stopping_ = true;
    deadline_ = deadline;
  }
  changed_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

// Until stopped with nothing left: waits until a batch is due (kDelay after its first attempt
// arrived; at once with 64, when asked, or at the stop; after a failure, when it may be tried
// again), records it, and makes the recorded attempts known to the dispatcher.
void Recorder::loop() {
  std::vector<FinishedAttempt> batch;  // taken, not recorded yet (after a failure)
  std::chrono::milliseconds backoff{0};
  Clock::time_point retry_at;
  while (true) {
    bool stopping = false;
    Clock::time_point deadline;
    {
      common::MutexLock lock(mutex_);
      while (true) {
        if (batch.empty() && waiting_.empty()) {
          if (stopping_)
            return;  // everything recorded
          changed_.wait(mutex_);
          continue;
        }
        const Clock::time_point now = Clock::now();
        Clock::time_point due = now;
        if (backoff.count() > 0) {
          due = retry_at;
        } else if (!stopping_ && !at_once_ && batch.size() + waiting_.size() < 64) {
          due = first_waiting_ + kDelay;
        }
        if (stopping_)
          due = std::min(due, deadline_);
        if (now >= due)
          break;
        changed_.wait_until(mutex_, due);
      }
      for (FinishedAttempt& a : waiting_)
        batch.push_back(std::move(a));
      waiting_.clear();
      at_once_ = false;
      stopping = stopping_;
      deadline = deadline_;
    }
    if (record(batch)) {
      {
        common::MutexLock lock(mutex_);
        for (const FinishedAttempt& a : batch) {
          int& last = recorded_[a.message_id];
          last = std::max(last, a.number);
        }
      }
      batch.clear();
      backoff = std::chrono::milliseconds(0);
      continue;
    }
    if (stopping && Clock::now() >= deadline) {
      // Their leases expire, and a dispatcher sends them again (at least once).
      spdlog::error("outbox: {} attempt(s) left unrecorded at stop", batch.size());
      return;
    }
    backoff =
        std::clamp(backoff * 2, std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
    retry_at = Clock::now() + backoff;
  }
}

bool Recorder::record(const std::vector<FinishedAttempt>& batch) {
  try {
    orm::Env env = orm::Env::begin(runtime_, orm::kSuperuserId, store::Access::kWrite).sudo();
    record_batch(env, runtime_.clock().now(), batch);
    tell_handlers(env, batch);
    env.commit();
  } catch (const std::exception& e) {
    spdlog::error("outbox: could not record {} attempt(s), will try again: {}", batch.size(),
                  e.what());
    return false;
  }
  AttemptCounters& counters = runtime_.component<AttemptCounters>();
  for (const FinishedAttempt& a : batch) {
    if (a.outcome != Outcome::kDelivered)
      log_failure(a);
    ++counter_of(counters, a.outcome);
  }
  return true;
}

// Calls the outcome handlers of the attempts' kinds (on_outcome), each in a savepoint: one that
// throws has its writes rolled back and is logged; the recording goes on.
void Recorder::tell_handlers(const orm::Env& env, const std::vector<FinishedAttempt>& batch) const {
  std::shared_ptr<const OutcomeHandlers::ByKind> handlers =
      runtime_.component<OutcomeHandlers>().get();
  if (handlers->empty())
    return;
  for (const FinishedAttempt& a : batch) {
    auto it = handlers->find(a.kind);
    if (it == handlers->end())
      continue;
    OutcomeEvent event;
    event.message_id = a.message_id;
    event.kind = a.kind;
    event.res_model = a.res_model;
    event.res_id = a.res_id;
    event.attempt = a.number;
    event.outcome = a.outcome;
    event.status = a.status;
    event.error = a.error;
    event.response = a.response;
    event.accepted = a.accepted;
    event.refused = a.refused;
    event.deferred = a.deferred;
    for (const OutcomeHandler& handler : it->second) {
      store::Savepoint savepoint(env.cr());
      try {
        handler(env, event);
        savepoint.release();
      } catch (const std::exception& e) {
        spdlog::error("outbox: the {} outcome handler failed on message {}, attempt {}: {}", a.kind,
                      a.message_id, a.number, e.what());
      } catch (...) {
        spdlog::error("outbox: the {} outcome handler failed on message {}, attempt {}", a.kind,
                      a.message_id, a.number);
      }
    }
  }
}

// Plain SQL on the outbox's own tables (with the magic columns the ORM would set): recording
// is most of the outbox's database work. The attempts go in multi-row INSERTs, and messages
// with the same new values (most often: delivered at the first attempt with a 200) in one
// UPDATE.
void Recorder::record_batch(const orm::Env& env, DateTime t,
                            const std::vector<FinishedAttempt>& batch) const {
  const std::string now_text = common::format_datetime(t);
  for_each_run(batch.size(), [&](size_t first, size_t count) {
    std::vector<Value> params;
    for (size_t i = first; i < first + count; ++i) {
      const FinishedAttempt& a = batch[i];
      params.emplace_back(a.message_id);
      params.emplace_back(std::int64_t{a.number});
      params.emplace_back(common::format_datetime(a.started));
      params.emplace_back(a.ms);
      params.emplace_back(std::int64_t{a.status});
      params.push_back(a.error.empty() ? Value() : Value(a.error));
      params.emplace_back(std::string(outcome_text(a.outcome)));
      params.emplace_back(now_text);
      params.emplace_back(now_text);
    }
    env.cr().execute(fmt::format("INSERT INTO \"outbox_attempt\" (\"message_id\", \"number\", "
                                 "\"started_at\", \"duration_ms\", \"status\", \"error\", "
                                 "\"outcome\", \"create_uid\", \"create_date\", \"write_uid\", "
                                 "\"write_date\") VALUES {}",
                                 marks(count, "(?, ?, ?, ?, ?, ?, ?, 1, ?, 1, ?)")),
                     params);
  });
  // What comes next, grouped by the values written.
  struct After {
    int attempt;
    long status;
    std::string error;
    Outcome outcome;
    std::string when;
    auto operator<=>(const After&) const = default;
  };
  std::map<After, std::vector<Id>> next;
  for (const FinishedAttempt& a : batch) {
    std::string when;
    if (a.outcome == Outcome::kRetry) {
      auto delay = backoff(options_, a.number);
      when = common::format_datetime(common::add_seconds(t, (delay.count() + 999) / 1000));
    }
    next[{a.number, a.status, a.error, a.outcome, when}].push_back(a.message_id);
  }
  // Named members, not structured bindings: a lambda may capture those only from clang 16 on.
  for (const auto& group : next) {
    const After& after = group.first;
    const std::vector<Id>& ids = group.second;
    const std::string state(state_after(after.outcome));
    for_each_run(ids.size(), [&](size_t first, size_t count) {
      std::vector<Value> params;
      params.emplace_back(std::int64_t{after.attempt});
      params.emplace_back(std::int64_t{after.status});
      params.push_back(after.error.empty() ? Value() : Value(after.error));
      params.emplace_back(state);
      params.push_back(after.outcome == Outcome::kDelivered ? Value(now_text) : Value());
      params.push_back(after.when.empty() ? Value() : Value(after.when));
      params.emplace_back(now_text);
      for (size_t i = first; i < first + count; ++i)
        params.push_back(Value(ids[i]));
      env.cr().execute(
          fmt::format("UPDATE \"outbox_message\" SET \"attempts\" = ?, \"last_status\" = ?, "
                      "\"last_error\" = ?, \"lease_until\" = NULL, \"state\" = ?, "
                      "\"delivered_at\" = COALESCE(?, \"delivered_at\"), \"next_attempt\" = "
                      "COALESCE(?, \"next_attempt\"), \"write_uid\" = 1, \"write_date\" = ? "
                      "WHERE \"id\" IN ({})",
                      marks(count)),
          params);
    });
  }
  // Emails whose recipients changed: those refused for good, or that took the message, are
  // not tried again.
  for (const FinishedAttempt& a : batch) {
    if (a.recipients_after) {
      env.cr().execute(
          "UPDATE \"outbox_message\" SET \"recipients\" = ? WHERE \"id\" = ?",
          std::vector<Value>{Value(Json(*a.recipients_after).dump()), Value(a.message_id)});
    }
  }
}

}  // namespace internal

std::string_view outcome_text(Outcome o) {
  switch (o) {
    case Outcome::kDelivered:
      return "delivered";
    case Outcome::kRetry:
      return "retry";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kDead:
      return "dead";
  }
  return "failed";
}

void on_outcome(orm::Runtime& runtime, std::string kind, OutcomeHandler handler) {
  OutcomeHandlers& handlers = runtime.component<OutcomeHandlers>();
  common::MutexLock lock(handlers.mutex);
  auto next = std::make_shared<OutcomeHandlers::ByKind>(*handlers.by_kind);
  (*next)[std::move(kind)].push_back(std::move(handler));
  handlers.by_kind = std::move(next);
}

DeliveryCounts delivery_counts(const orm::Runtime& runtime) {
  const AttemptCounters& c = runtime.component<AttemptCounters>();
  return DeliveryCounts{c.delivered.load(), c.retried.load(), c.failed.load(), c.dead.load()};
}

}  // namespace autorules::outbox
