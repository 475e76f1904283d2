// Internal to outbox/: a dispatcher's recorder, the thread that writes down the attempts its
// sending thread has finished. Each batch is one transaction: the attempts' rows (outbox.attempt),
// what comes next for their messages (delivered, pending again with a later attempt, failed,
// dead), and the outcome handlers of the layers above (on_outcome), which write in the same
// transaction. Recording on a thread of its own lets the database work run beside the transfers
// instead of between them.
//
// Attempts are recorded at most kDelay after the first of a batch arrives; at once when 64 wait,
// or when the dispatcher has nothing else in flight.
// When the database fails to record them (busy, a constraint, full), they are kept and recorded
// later (after 0.1 s, doubling up to 5 s); meanwhile their messages stay claimed, and the
// dispatcher does not send them again when their leases expire (recorded()).
//
// Thread-safety: add(), recorded() and stop() may be called from any thread; the handlers run on
// the recorder's thread, one batch after the other.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/datetime.h"
#include "common/mutex.h"
#include "common/value.h"
#include "orm/env.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"

namespace autorules::outbox::internal {

// One finished attempt, waiting to be recorded.
struct FinishedAttempt {
  common::Id message_id = 0;
  int number = 0;  // 1 for a message's first attempt
  std::string kind, res_model;
  common::Id res_id = 0;
  std::string url;  // where it went (the server's log names its origin only)
  common::DateTime started;
  double ms = 0;
  long status = 0;    // HTTP status or SMTP reply code; 0 without an answer
  std::string error;  // empty when delivered
  Outcome outcome = Outcome::kFailed;
  std::string response;  // HTTP: the answer's body, its first kMaxResponseLength bytes
  // Emails: the recipients' answers (OutcomeEvent), and the message's recipients from now on when
  // they change.
  std::vector<std::string> accepted;
  std::vector<RecipientReply> refused, deferred;
  std::optional<std::vector<std::string>> recipients_after;
};

class Recorder {
 public:
  static constexpr std::chrono::milliseconds kDelay{5};

  Recorder(orm::Runtime& runtime, const Options& options);
  ~Recorder();  // stop() now, if still running
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void start();
  // Attempts to record (in the order they finished); `at_once`: record what waits now, without
  // waiting for more.
  void add(std::vector<FinishedAttempt> attempts, bool at_once) EXCLUDES(mutex_);
  // The attempts recorded since the last call: message id → the number of its last one recorded.
  std::unordered_map<common::Id, int> recorded() EXCLUDES(mutex_);
  // Records what is left — trying again after failures until `deadline`, at least once — then
  // stops; what still could not be recorded is logged, and its messages are sent again once
  // their leases expire (at least once).
  void stop(std::chrono::steady_clock::time_point deadline) EXCLUDES(mutex_);

 private:
  void loop() EXCLUDES(mutex_);
  // One transaction for `batch`; false (and an error in the log) when it failed.
  bool record(const std::vector<FinishedAttempt>& batch);
  void record_batch(const orm::Env& env, common::DateTime t,
                    const std::vector<FinishedAttempt>& batch) const;
  void tell_handlers(const orm::Env& env, const std::vector<FinishedAttempt>& batch) const;

  orm::Runtime& runtime_;
  const Options options_;
  std::thread thread_;
  common::Mutex mutex_;
  common::CondVar changed_;
  std::vector<FinishedAttempt> waiting_ GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point first_waiting_ GUARDED_BY(mutex_);
  std::unordered_map<common::Id, int> recorded_ GUARDED_BY(mutex_);
  bool at_once_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::chrono::steady_clock::time_point deadline_ GUARDED_BY(mutex_);
};

}  // namespace autorules::outbox::internal
