// The delivery thread: claims due messages, sends them with libcurl's multi interface, records
// each attempt and what comes next. Every connection and every request is checked against the
// address policy (target.h) on the address actually connected to.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_set>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "common/text.h"
#include "orm/crypto.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "outbox/internal/inbox.h"
#include "outbox/outbox.h"
#include "outbox/target.h"

namespace autorules::outbox {

using common::DateTime;
using common::Id;
using common::Json;
using common::Value;

namespace {

// A runtime's delivery attempts by outcome (Runtime::component), for delivery_counts().
struct AttemptCounters {
  std::atomic<std::uint64_t> delivered{0}, retried{0}, failed{0}, dead{0};
};

// The one owner of each libcurl handle.
struct EasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiCleanup {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct SlistCleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyCleanup>;
using MultiHandle = std::unique_ptr<CURLM, MultiCleanup>;

// A list of header lines (or of CURLOPT_RESOLVE entries), freed with its owner.
class HeaderList {
 public:
  void append(const std::string& line) {
    // curl_slist_append returns the list's head, or nullptr (the list unchanged) when out of
    // memory: the line is then left out.
    if (curl_slist* head = curl_slist_append(list_.get(), line.c_str())) {
      (void)list_.release();
      list_.reset(head);
    }
  }
  curl_slist* get() const { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, SlistCleanup> list_;
};

// What an attempt leads to. Its text (outcome_text) is written to outbox_attempt.outcome, and
// the message's next state (state_after) to outbox_message.state; nothing reads them back here.
enum class Outcome { kDelivered, kRetry, kFailed, kDead };

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

// A message to retry is pending again; the others keep their outcome as their state.
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

// The columns of outbox_message an attempt needs, in MessageRow::from's order.
constexpr const char* kMessageColumns =
    "\"id\", \"url\", \"headers\", \"body\", \"idempotency_key\", \"attempts\", "
    "\"signing_secret\"";

// One message about to be sent, read from a row of kMessageColumns.
struct MessageRow {
  Id id = 0;
  std::string url;
  std::string headers = "{}";  // a JSON object of extra request headers
  std::string body;
  std::optional<std::string> idempotency_key;  // nullopt for a NULL column
  std::int64_t attempts = 0;                   // those made before
  std::string signing_secret;

  static MessageRow from(const std::vector<Value>& r) {
    auto text = [&](std::size_t i) { return r[i].is_string() ? r[i].as_string() : std::string(); };
    MessageRow m;
    m.id = r[0].as_int();
    m.url = text(1);
    if (r[2].is_string())
      m.headers = r[2].as_string();
    m.body = text(3);
    if (r[4].is_string())
      m.idempotency_key = r[4].as_string();
    m.attempts = r[5].is_int() ? r[5].as_int() : 0;
    m.signing_secret = text(6);
    return m;
  }
};

// One message being sent.
struct Flight {
  Id id = 0;
  int attempt = 0;  // this attempt's number (1 for the first)
  std::string url, body;
  HeaderList headers;
  DateTime started;
  std::chrono::steady_clock::time_point t0;
  EasyHandle easy;
  TargetPolicy policy;  // in force when the attempt started
  // Set by the socket and request callbacks: connections libcurl tried to open, how many of them
  // the policy refused, whether it refused the request itself (on a reused connection), and why.
  int connections = 0, refusals = 0;
  bool request_refused = false;
  std::string refused;
};

// libcurl calls this instead of socket() for every connection it opens, with the address it
// resolved the host to: an address the policy refuses is never connected to (libcurl goes on to
// the host's other addresses, if any). There are no redirects to check: none is followed.
curl_socket_t open_socket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* f = static_cast<Flight*>(clientp);
  if (purpose == CURLSOCKTYPE_IPCXN &&
      (address->family == AF_INET || address->family == AF_INET6)) {
    sockaddr_storage a{};
    std::memcpy(&a, &address->addr, std::min<size_t>(address->addrlen, sizeof a));
    char text[INET6_ADDRSTRLEN] = {};
    if (address->family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a)->sin_addr, text, sizeof text);
    } else {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr, text, sizeof text);
    }
    ++f->connections;
    if (std::optional<std::string> why = check_target_address(text, f->policy)) {
      ++f->refusals;
      f->refused = std::move(*why);
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// libcurl calls this before every request, on a new or a reused connection: a connection kept
// open from before the policy refused its address is not used for another request.
int before_request(void* clientp, char* primary_ip, char*, int, int) {
  auto* f = static_cast<Flight*>(clientp);
  if (std::optional<std::string> why = check_target_address(primary_ip, f->policy)) {
    f->request_refused = true;
    f->refused = std::move(*why);
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

// Standard Webhooks: "v1," + base64(HMAC-SHA256(key, id.timestamp.body)); a "whsec_" secret is
// the base64 of the key, any other secret is the key itself.
std::string signature(const std::string& secret, const std::string& id, std::int64_t timestamp,
                      const std::string& body) {
  std::string key = secret;
  if (secret.rfind("whsec_", 0) == 0) {
    if (auto decoded = common::base64_decode(secret.substr(6)))
      key = *decoded;
  }
  return "v1," +
         common::base64_encode(orm::hmac_sha256(key, fmt::format("{}.{}.{}", id, timestamp, body)));
}

// One finished attempt, waiting to be recorded.
struct Result {
  Flight flight;
  long status = 0;
  double ms = 0;
  std::string error;
  Outcome outcome = Outcome::kFailed;
};

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;  // the receiver's answer body is not kept
}

// Splits n items into runs of 64, 32, …, 1 and calls fn(first, count) for each: statements over
// a batch take one of seven shapes, so that the connection's statement cache keeps them.
template <typename Fn>
void for_each_run(size_t n, Fn fn) {
  size_t first = 0;
  for (size_t run = 64; run > 0; run /= 2) {
    while (n - first >= run) {
      fn(first, run);
      first += run;
    }
  }
}

// "?, ?, …" for n parameters, or n groups of `group` when group is set: "(?, ?), (?, ?)".
std::string marks(size_t n, const char* group = "?") {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i)
      out += ", ";
    out += group;
  }
  return out;
}

}  // namespace

struct Dispatcher::Impl {
  orm::Runtime& runtime;
  Options options;
  // Declared first, destroyed last: the easy handles below go before their multi handle and the
  // list they point to.
  MultiHandle multi;
  HeaderList resolve;  // Options::resolve_for_testing
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::map<CURL*, Flight> flights;  // by their Flight::easy
  std::vector<Result> unrecorded;   // finished attempts not recorded yet
  std::vector<EasyHandle> spare;    // finished easy handles, reset and used again
  std::atomic<bool> woken{false};   // by a commit that queued messages: claim without looking
  std::unordered_set<Id> flying;    // the ids of `flights` and of `unrecorded`
  // After a failed recording (the database busy or failing), when to try again, and the delay.
  std::chrono::steady_clock::time_point record_retry_at;
  std::chrono::milliseconds record_backoff{0};
  std::chrono::steady_clock::time_point stopped_at;  // when the loop first saw `stopping`
  std::chrono::steady_clock::time_point first_unrecorded;
  static constexpr std::chrono::milliseconds kRecordDelay{5};
  internal::Inbox inbox;
  // The address policy, refreshed by every transaction that starts deliveries (claim and
  // start_handed) at no cost while no system parameter changes (TargetPolicyCache).
  TargetPolicyCache policy;

  std::chrono::seconds lease() const {
    return std::chrono::duration_cast<std::chrono::seconds>(options.timeout) +
           std::chrono::seconds(30);
  }

  Impl(orm::Runtime& rt, Options o)
      : runtime(rt),
        options(o),
        inbox(
            o.max_in_flight, lease(), [this] { curl_multi_wakeup(multi.get()); },
            [this] {
              woken = true;
              curl_multi_wakeup(multi.get());
            }) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi.reset(curl_multi_init());
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, options.max_per_host);
    // Keep idle connections for reuse between batches (the default cache shrinks with the
    // number of transfers, closing connections a moment before they are needed again).
    curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, 4L * options.max_per_host);
    for (const std::string& entry : options.resolve_for_testing)
      resolve.append(entry);
  }

  // An easy handle with the options every attempt shares; a finished one is used again as it is
  // (the options stay set: each attempt sets its URL, body and headers).
  EasyHandle take_handle() {
    if (!spare.empty()) {
      EasyHandle easy = std::move(spare.back());
      spare.pop_back();
      return easy;
    }
    EasyHandle handle(curl_easy_init());
    CURL* easy = handle.get();
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "autorules");
    // Redirects are not followed (CURLOPT_FOLLOWLOCATION stays off): a 3xx is an answer that is
    // not retried, and no connection goes anywhere but to the message's URL.
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, before_request);
    if (resolve.get())
      curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve.get());
    return handle;
  }
  // Keeps a finished handle for the next attempt, or cleans it up when enough are kept.
  void give_back(EasyHandle easy) {
    if (spare.size() < static_cast<size_t>(options.max_in_flight))
      spare.push_back(std::move(easy));
  }

  DateTime now() const { return runtime.clock().now(); }

  // Whether some message is due now (a cheap read), else the time of the next one.
  bool due(std::chrono::milliseconds& wait) {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
    std::string t = common::format_datetime(now());
    // Two lookups on the (state, time) indexes: their cost does not grow with the table.
    Value pending = env.cr().scalar(
        "SELECT MIN(\"next_attempt\") FROM \"outbox_message\" WHERE \"state\" = 'pending'", {});
    Value leased = env.cr().scalar(
        "SELECT MIN(\"lease_until\") FROM \"outbox_message\" WHERE \"state\" = 'sending'", {});
    Value next = pending;
    if (leased.is_string() && (!next.is_string() || leased.as_string() < next.as_string()))
      next = leased;
    if (!next.is_string())
      return false;
    if (next.as_string() <= t)
      return true;
    if (auto at = common::parse_datetime(next.as_string())) {
      auto ms = std::chrono::milliseconds((at->seconds - now().seconds) * 1000);
      wait = std::min(wait, std::max(ms, std::chrono::milliseconds(50)));
    }
    return false;
  }

  // Takes up to `n` due messages: state sending, leased for one attempt's time and a margin.
  void claim(int n) {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite);
    const TargetPolicy in_force = policy.get(env);
    DateTime t = now();
    std::string t_text = common::format_datetime(t);
    std::string lease_end = common::format_datetime(common::add_seconds(t, lease().count()));
    // Due pending messages first, then those whose sender died (expired leases): each taken and
    // read in one statement.
    const std::string returning = fmt::format("RETURNING {}", kMessageColumns);
    auto rows = env.cr().fetch(
        "UPDATE \"outbox_message\" SET \"state\" = 'sending', \"lease_until\" = ? WHERE \"id\" IN "
        "(SELECT \"id\" FROM \"outbox_message\" WHERE \"state\" = 'pending' AND "
        "\"next_attempt\" <= ? ORDER BY \"next_attempt\", \"id\" LIMIT ?) " +
            returning,
        std::vector<Value>{Value(lease_end), Value(t_text), Value(std::int64_t{n})});
    if (static_cast<int>(rows.rows.size()) < n) {
      auto stale = env.cr().fetch(
          "UPDATE \"outbox_message\" SET \"lease_until\" = ? WHERE \"id\" IN (SELECT \"id\" "
          "FROM \"outbox_message\" WHERE \"state\" = 'sending' AND \"lease_until\" < ? LIMIT ?) " +
              returning,
          std::vector<Value>{Value(lease_end), Value(t_text),
                             Value(std::int64_t{n - static_cast<int>(rows.rows.size())})});
      for (auto& r : stale.rows)
        rows.rows.push_back(std::move(r));
    }
    env.commit();
    for (const auto& r : rows.rows)
      start(MessageRow::from(r), t, in_force);
  }

  // Sends the messages handed over by the transactions that queued them (inbox.h), read back
  // from their rows: a message whose row is not there, or is another message now, is skipped.
  void start_handed(const std::vector<internal::Handed>& handed) {
    std::map<Id, MessageRow> rows;
    TargetPolicy in_force;
    {
      orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
      in_force = policy.get(env);
      for_each_run(handed.size(), [&](size_t first, size_t count) {
        std::vector<Value> ids;
        for (size_t i = first; i < first + count; ++i)
          ids.emplace_back(handed[i].id);
        auto got = env.cr().fetch(
            fmt::format("SELECT {} FROM \"outbox_message\" WHERE \"state\" = 'sending' AND "
                        "\"id\" IN ({})",
                        kMessageColumns, marks(count)),
            ids);
        for (const auto& r : got.rows) {
          MessageRow m = MessageRow::from(r);
          rows.emplace(m.id, std::move(m));
        }
      });
    }
    DateTime t = now();
    for (const internal::Handed& h : handed) {
      auto it = rows.find(h.id);
      if (it != rows.end() && it->second.idempotency_key == h.key)
        start(it->second, t, in_force);
    }
  }

  // Puts one message in flight, under the address policy `in_force`.
  void start(const MessageRow& m, DateTime t, TargetPolicy in_force) {
    if (!flying.insert(m.id).second)
      return;  // already being sent (a lease that expired while it was)
    Flight f;
    f.id = m.id;
    f.attempt = static_cast<int>(m.attempts) + 1;
    f.url = m.url;
    f.body = m.body;
    const std::string key = m.idempotency_key.value_or("");
    f.headers.append("Content-Type: application/json");
    f.headers.append("Idempotency-Key: " + key);
    if (!m.signing_secret.empty()) {
      std::int64_t ts = t.seconds;
      f.headers.append("webhook-id: " + key);
      f.headers.append(fmt::format("webhook-timestamp: {}", ts));
      f.headers.append("webhook-signature: " + signature(m.signing_secret, key, ts, f.body));
    }
    Json extra = m.headers == "{}" ? Json() : Json::parse(m.headers, nullptr, false);
    if (extra.is_object()) {
      for (const auto& [k, v] : extra.items()) {
        std::string value = v.is_string() ? v.get<std::string>() : v.dump();
        f.headers.append(k + ": " + value);
      }
    }
    f.started = t;
    f.t0 = std::chrono::steady_clock::now();
    f.policy = in_force;
    f.easy = take_handle();
    CURL* easy = f.easy.get();
    // The body is sent from the flight itself (no copy), and the callbacks write to it: map
    // nodes do not move.
    Flight& flight = flights.emplace(easy, std::move(f)).first->second;
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_URL, flight.url.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(flight.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, flight.body.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, flight.headers.get());
    curl_multi_add_handle(multi.get(), easy);
    inbox.set_in_flight(static_cast<int>(flights.size()));
  }

  // Takes a finished transfer off the multi handle and classifies its outcome.
  std::optional<Result> finish(CURL* easy, CURLcode code) {
    auto it = flights.find(easy);
    if (it == flights.end())
      return std::nullopt;
    Flight f = std::move(it->second);
    flights.erase(it);
    inbox.set_in_flight(static_cast<int>(flights.size()));
    curl_multi_remove_handle(multi.get(), easy);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    give_back(std::move(f.easy));
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - f.t0).count();
    std::string error;
    Outcome outcome = Outcome::kFailed;
    const bool refused =
        code != CURLE_OK && (f.request_refused || (f.refusals > 0 && f.refusals == f.connections));
    if (refused) {
      // Every address tried was refused by the policy: so would the next attempt be.
      error = fmt::format("{} (not retried)", f.refused);
      outcome = Outcome::kFailed;
    } else if (code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT) {
      error = fmt::format("{} (not retried)", curl_easy_strerror(code));
      outcome = Outcome::kFailed;  // no attempt can succeed
    } else if (code != CURLE_OK) {
      // Some of the host's addresses may have been refused and the others not reached: retried,
      // for the ones not refused.
      error = f.refused.empty() ? std::string(curl_easy_strerror(code))
                                : fmt::format("{} ({})", curl_easy_strerror(code), f.refused);
      outcome = Outcome::kRetry;
    } else if (status >= 200 && status < 300) {
      outcome = Outcome::kDelivered;
    } else if (status == 429 || status >= 500) {
      error = fmt::format("HTTP {}", status);
      outcome = Outcome::kRetry;
    } else {
      error = fmt::format("HTTP {} (not retried)", status);
      outcome = Outcome::kFailed;
    }
    if (outcome == Outcome::kRetry && f.attempt >= options.max_attempts)
      outcome = Outcome::kDead;
    return Result{std::move(f), status, ms, std::move(error), std::move(outcome)};
  }

  // A failed attempt in the server's log, whatever the rule that sent it logs: the message, where
  // it went (scheme, host and port only: paths and queries may carry secrets), why, and what comes
  // next.
  static void log_failure(const Result& r) {
    const char* next = r.outcome == Outcome::kRetry  ? "will be retried"
                       : r.outcome == Outcome::kDead ? "no attempt left, the message is dead"
                                                     : "not retried, the message failed";
    spdlog::warn("outbox: message {} to {}, attempt {}: {}; {}", r.flight.id,
                 target_origin(r.flight.url), r.flight.attempt, r.error, next);
  }

  // Records finished attempts and what comes next for their messages, in one transaction.
  // False when the recording failed: the results are kept, to be recorded later (their ids stay
  // in `flying`, so that this dispatcher does not send them again when their leases expire).
  bool record(std::vector<Result>& results) {
    if (results.empty())
      return true;
    try {
      orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
      record_batch(env, now(), results);
      env.commit();
    } catch (const std::exception& e) {
      spdlog::error("outbox: could not record {} attempt(s), will try again: {}", results.size(),
                    e.what());
      return false;
    }
    for (const Result& r : results) {
      if (r.outcome != Outcome::kDelivered)
        log_failure(r);
      ++counter_of(runtime.component<AttemptCounters>(), r.outcome);
      flying.erase(r.flight.id);
    }
    results.clear();
    return true;
  }

  // Plain SQL on the outbox's own tables (with the magic columns the ORM would set): recording
  // is most of the dispatcher's database work. The attempts go in multi-row INSERTs, and messages
  // with the same new values (most often: delivered at the first attempt with a 200) in one
  // UPDATE.
  void record_batch(const orm::Env& env, DateTime t, const std::vector<Result>& results) {
    const std::string now_text = common::format_datetime(t);
    for_each_run(results.size(), [&](size_t first, size_t count) {
      std::vector<Value> params;
      for (size_t i = first; i < first + count; ++i) {
        const Result& r = results[i];
        params.emplace_back(r.flight.id);
        params.emplace_back(std::int64_t{r.flight.attempt});
        params.emplace_back(common::format_datetime(r.flight.started));
        params.emplace_back(r.ms);
        params.emplace_back(std::int64_t{r.status});
        params.push_back(r.error.empty() ? Value() : Value(r.error));
        params.emplace_back(std::string(outcome_text(r.outcome)));
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
    for (const Result& r : results) {
      std::string when;
      if (r.outcome == Outcome::kRetry) {
        auto delay = backoff(options, r.flight.attempt);
        when = common::format_datetime(common::add_seconds(t, (delay.count() + 999) / 1000));
      }
      next[{r.flight.attempt, r.status, r.error, r.outcome, when}].push_back(r.flight.id);
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
  }

  // Until stopped: claim due messages, send them, record the answers. A stop claims nothing
  // more, lets the deliveries in progress finish (each bounded by the attempt timeout), records
  // them and returns.
  void loop() {
    while (true) {
      const bool stop = stopping;
      if (stop && stopped_at == std::chrono::steady_clock::time_point())
        stopped_at = std::chrono::steady_clock::now();
      std::chrono::milliseconds wait(1000);
      try {
        // Handed over at their commit (even when stopping: they were accepted before).
        if (auto handed = inbox.take(); !handed.empty())
          start_handed(handed);
      } catch (const std::exception& e) {
        // Their leases expire, and a dispatcher takes them then.
        spdlog::error("outbox: {}", e.what());
      }
      if (!stop) {
        try {
          // New work is claimed in batches: when a quarter of the slots are free, or all. After a
          // commit that queued messages there is no need to look first.
          int room = options.max_in_flight - static_cast<int>(flights.size());
          if (flights.empty() || room >= std::max(1, options.max_in_flight / 4)) {
            if (woken.exchange(false) || due(wait))
              claim(room);
          }
        } catch (const std::exception& e) {
          spdlog::error("outbox: {}", e.what());
        }
      }
      int running = 0;
      curl_multi_perform(multi.get(), &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
        if (m->msg != CURLMSG_DONE)
          continue;
        // finish() removes the handle: read the message's fields first.
        CURL* easy = m->easy_handle;
        CURLcode code = m->data.result;
        if (auto r = finish(easy, code)) {
          if (unrecorded.empty())
            first_unrecorded = std::chrono::steady_clock::now();
          unrecorded.push_back(std::move(*r));
        }
      }
      if (stop && flights.empty()) {
        // Done, or the database still fails to record the last answers: their leases expire and
        // the messages are sent again (at least once).
        if (unrecorded.empty())
          break;
        if (std::chrono::steady_clock::now() - stopped_at > std::chrono::seconds(10)) {
          spdlog::error("outbox: {} attempt(s) left unrecorded at stop", unrecorded.size());
          break;
        }
      }
      // Results are recorded in batches too (one transaction each), at most 5 ms late; after a
      // failure, again after 0.1 s, doubling up to 5 s.
      if (!unrecorded.empty()) {
        using std::chrono::duration_cast;
        using std::chrono::milliseconds;
        auto now = std::chrono::steady_clock::now();
        auto age = now - first_unrecorded;
        if (now < record_retry_at) {
          wait =
              std::min(wait, duration_cast<milliseconds>(record_retry_at - now) + milliseconds(1));
        } else if (flights.empty() || unrecorded.size() >= 64 || age >= kRecordDelay) {
          if (record(unrecorded)) {
            record_backoff = milliseconds(0);
          } else {
            record_backoff = std::clamp(record_backoff * 2, milliseconds(100), milliseconds(5000));
            record_retry_at = now + record_backoff;
            wait = std::min(wait, record_backoff);
          }
        } else {
          wait = std::min(wait, duration_cast<milliseconds>(kRecordDelay - age) + milliseconds(1));
        }
      }
      if (!flights.empty())
        wait = std::min(wait, std::chrono::milliseconds(100));
      if (!stop && stopping)
        continue;  // stopped meanwhile: no need to wait for the next event
      curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(wait.count()), nullptr);
    }
  }
};

Dispatcher::Dispatcher(orm::Runtime& runtime, Options options)
    : impl_(std::make_unique<Impl>(runtime, options)) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start() {
  internal::register_inbox(&impl_->inbox);
  impl_->thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "outbox");  // as ps and top show it
    impl_->loop();
  });
}

void Dispatcher::stop() {
  // Nothing is handed over once the inbox is unregistered: the loop's next look at it, after it
  // sees `stopping`, gets everything.
  impl_->inbox.close();
  internal::unregister_inbox(&impl_->inbox);
  impl_->stopping = true;
  curl_multi_wakeup(impl_->multi.get());
  if (impl_->thread.joinable())
    impl_->thread.join();
}

void Dispatcher::wake() {
  impl_->inbox.wake_to_claim();
}

DeliveryCounts delivery_counts(const orm::Runtime& runtime) {
  const AttemptCounters& c = runtime.component<AttemptCounters>();
  return DeliveryCounts{c.delivered.load(), c.retried.load(), c.failed.load(), c.dead.load()};
}

}  // namespace autorules::outbox
