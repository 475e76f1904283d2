// The outbox (DESIGN "side effects go through the outbox"): outgoing messages are rows written in
// the transaction of the change that caused them — a rollback sends nothing — and a dispatcher
// delivers them after commit: woken at once by the commit, many in parallel (libcurl's multi
// interface, a bounded number of connections per host), retried with exponential backoff on
// network errors, timeouts, 429 and 5xx until they are delivered or have no attempts left
// ("dead"); other answers are not retried ("failed"). Each message keeps one Idempotency-Key
// for all its attempts, and every attempt is logged (outbox.attempt). A message claimed by a
// process that dies is taken again once its lease expires: at least once, nothing lost. A message
// queued while a dispatcher of the process has room is handed to it at the commit, already
// claimed (internal/inbox.h). Only allowed addresses are called (target.h): a message whose
// host's addresses are all refused fails without retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/value.h"
#include "orm/runtime.h"

namespace autorules::outbox {

struct Message {
  std::string kind = "webhook";  // webhook, email, sms, whatsapp
  std::string name;              // what it is, for people reading the log
  std::string url;
  common::Json headers = common::Json::object();  // extra request headers
  std::string body;                               // sent as application/json
  std::string res_model;
  common::Id res_id = 0;
  std::string signing_secret;  // set: Standard Webhooks signature headers on every attempt
};

// Queues `message` in `env`'s transaction (its id); the dispatchers of this process are woken
// when the transaction ends.
common::Id enqueue(const orm::Env& env, const Message& message);

struct Options {
  std::chrono::milliseconds retry_base{10'000};  // first retry delay, doubled each time
  std::chrono::milliseconds retry_cap{3'600'000};
  int max_attempts = 8;
  std::chrono::milliseconds timeout{10'000};  // one attempt
  long max_per_host = 8;                      // connections to one host
  int max_in_flight = 256;
  // Tests only: libcurl CURLOPT_RESOLVE entries ("host:port:address[,address]") that make host
  // names resolve to chosen addresses without DNS.
  std::vector<std::string> resolve_for_testing;
};

// The delay before attempt `attempt + 1` after `attempt` failed ones: base × 2^(attempt-1),
// capped.
std::chrono::milliseconds backoff(const Options& options, int attempt);

// Registers outbox.message/action_retry (a dead or failed message is tried again from now), the
// outbox's indexes, the retention job (install_retention) and the hooks that keep the address
// policy current (install_target_policy, target.h).
void install(orm::Runtime& runtime);

// Retention (retention.cc): deletes delivered messages, with their attempts, older than the
// `outbox.retention_days` parameter (default 30; 0 or less keeps them), at most 20,000 of the
// oldest per call; returns how many. The hourly job "Outbox: delete old delivered messages"
// (`_gc_delivered_messages`) calls it.
std::int64_t delete_delivered(const orm::Env& env);
void install_retention(orm::Runtime& runtime);

// Attempts recorded by the dispatchers of `runtime` since it started, by outcome (for /metrics).
struct DeliveryCounts {
  std::uint64_t delivered = 0, retried = 0, failed = 0, dead = 0;
};
DeliveryCounts delivery_counts(const orm::Runtime& runtime);

// The delivery thread of `serve`.
class Dispatcher {
 public:
  Dispatcher(orm::Runtime& runtime, Options options);
  ~Dispatcher();  // stops and joins
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void start();
  // Claims nothing more, lets the deliveries in progress finish (each within the attempt timeout),
  // records them, and joins.
  void stop();
  void wake();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autorules::outbox
