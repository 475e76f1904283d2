// The delivery thread: claims due messages, sends them with libcurl's multi interface (webhooks
// over HTTP, emails over SMTP), records each attempt and what comes next, and tells the layers
// above (on_outcome). Every connection and every request is checked against the address policy
// (target.h) on the address actually connected to.
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
#include <unordered_map>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "common/mutex.h"
#include "common/text.h"
#include "orm/crypto.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "outbox/internal/http_headers.h"
#include "outbox/internal/inbox.h"
#include "outbox/internal/recorder.h"
#include "outbox/internal/smtp.h"
#include "outbox/internal/sql_batches.h"
#include "outbox/outbox.h"
#include "outbox/target.h"
#include "store/database.h"

namespace autorules::outbox {

using common::DateTime;
using common::Id;
using common::Json;
using common::Value;

namespace {

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

// The columns of outbox_message an attempt needs, in MessageRow::from's order.
constexpr const char* kMessageColumns =
    "\"id\", \"url\", \"headers\", \"body\", \"idempotency_key\", \"attempts\", "
    "\"signing_secret\", \"kind\", \"res_model\", \"res_id\", \"mail_from\", \"recipients\", "
    "\"smtp_encryption\", \"smtp_user\", \"smtp_password\", \"content_type\", "
    "\"authorization\", \"idempotency_header\", \"timeout_ms\"";

// One message about to be sent, read from a row of kMessageColumns.
struct MessageRow {
  Id id = 0;
  std::string url;
  std::string headers = "{}";  // a JSON object of extra request headers
  std::string body;
  std::optional<std::string> idempotency_key;  // nullopt for a NULL column
  std::int64_t attempts = 0;                   // those made before
  std::string signing_secret;
  std::string kind;
  std::string res_model;
  Id res_id = 0;
  // Emails.
  std::string mail_from;
  std::vector<std::string> recipients;
  std::optional<Encryption> encryption;  // nullopt: none or not a valid one
  std::string smtp_user, smtp_password;
  // A provider's API.
  std::string content_type, authorization, idempotency_header;
  std::int64_t timeout_ms = 0;

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
    m.kind = text(7);
    m.res_model = text(8);
    m.res_id = r[9].is_int() ? r[9].as_int() : 0;
    m.mail_from = text(10);
    // Written by enqueue() as a JSON array of strings; anything else is no recipient (the
    // attempt then fails before it starts).
    Json rcpt = Json::parse(text(11), nullptr, false);
    if (rcpt.is_array()) {
      for (const Json& a : rcpt) {
        if (a.is_string())
          m.recipients.push_back(a.get<std::string>());
      }
    }
    m.encryption = parse_encryption(text(12));
    m.smtp_user = text(13);
    m.smtp_password = text(14);
    m.content_type = text(15);
    m.authorization = text(16);
    m.idempotency_header = text(17);
    m.timeout_ms = r[18].is_int() ? r[18].as_int() : 0;
    return m;
  }
};

// How a message travels.
enum class Transport { kHttp, kSmtp };

// The connections of one SMTP server that libcurl must not share between messages of different
// encryption modes. libcurl (7.88) reuses a connection for any message to the same host, port
// and credentials over smtp://, whatever CURLOPT_USE_SSL and the certificate checks asked for:
// a message that requires STARTTLS could go over a plain connection, a strict one over a
// connection whose certificate nobody verified. (smtps:// connections are matched on their TLS
// options, so ssl and ssl_strict do not mix.) So a message whose mode is stricter than one used
// before with its server by this dispatcher opens a fresh connection (CURLOPT_FRESH_CONNECT);
// with one mode per server, the usual case, every connection is reused.
enum class SmtpClass : unsigned { kPlain = 1, kStarttls = 2, kStarttlsStrict = 4 };

// One message being sent.
struct Flight {
  Id id = 0;
  int attempt = 0;  // this attempt's number (1 for the first)
  Transport transport = Transport::kHttp;
  std::string kind, res_model;
  Id res_id = 0;
  std::string url, body;
  HeaderList headers;
  std::string response;  // the answer's body, its first kMaxResponseLength bytes
  long timeout_ms = 0;
  DateTime started;
  std::chrono::steady_clock::time_point t0;
  EasyHandle easy;
  TargetPolicy policy;  // in force when the attempt started
  // Set by the socket and request callbacks: connections libcurl tried to open, how many of them
  // the policy refused, whether it refused the request itself (on a reused connection), and why.
  int connections = 0, refusals = 0;
  bool request_refused = false;
  std::string refused;
  // Emails: the envelope, the login, how much of the body is uploaded, the conversation, and
  // libcurl's words for a failure.
  std::string mail_from, smtp_user, smtp_password;
  std::vector<std::string> recipients;
  HeaderList rcpt;
  size_t uploaded = 0;
  internal::SmtpDialogue dialogue;
  std::unique_ptr<char[]> error_buffer;  // CURL_ERROR_SIZE bytes
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

// An email's bytes, from the flight's memory (libcurl adds the SMTP dot-stuffing and the final
// dot).
size_t read_body(char* buffer, size_t size, size_t n, void* clientp) {
  auto* f = static_cast<Flight*>(clientp);
  size_t k = std::min(size * n, f->body.size() - f->uploaded);
  std::memcpy(buffer, f->body.data() + f->uploaded, k);
  f->uploaded += k;
  return k;
}

// Back to `offset`, when libcurl sends the body again (on a fresh connection).
int seek_body(void* clientp, curl_off_t offset, int origin) {
  auto* f = static_cast<Flight*>(clientp);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > f->body.size())
    return CURL_SEEKFUNC_FAIL;
  f->uploaded = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// libcurl's debug callback (CURLOPT_VERBOSE) on SMTP transfers: the commands it sends and the
// server's replies, which the flight's dialogue follows (internal/smtp.h). Nothing else is kept:
// not the message's bytes, not the lines of an AUTH exchange.
int smtp_debug(CURL*, curl_infotype type, char* data, size_t size, void* clientp) {
  auto* f = static_cast<Flight*>(clientp);
  if (f == nullptr)
    return 0;
  if (type == CURLINFO_HEADER_OUT) {
    f->dialogue.command(std::string_view(data, size));
  } else if (type == CURLINFO_HEADER_IN) {
    f->dialogue.reply_line(std::string_view(data, size));
  }
  return 0;
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

// "host:port" of an SMTP URL in lower case, the port libcurl uses by default when none is given
// (what libcurl matches connections on); the URL itself when libcurl cannot parse it.
std::string smtp_server(const std::string& url) {
  struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
  };
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return url;
  auto get = [&](CURLUPart what, unsigned flags) {
    char* text = nullptr;
    std::string out;
    if (curl_url_get(parsed.get(), what, &text, flags) == CURLUE_OK && text != nullptr)
      out = text;
    curl_free(text);
    return out;
  };
  std::string server = get(CURLUPART_HOST, 0) + ":" + get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  for (char& c : server)
    c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return server;
}

// Keeps the first kMaxResponseLength bytes of an answer's body in its flight; the rest is read
// and dropped.
size_t keep_response(char* data, size_t size, size_t n, void* userdata) {
  auto* f = static_cast<Flight*>(userdata);
  const size_t bytes = size * n;
  if (f->response.size() < kMaxResponseLength)
    f->response.append(data, std::min(bytes, kMaxResponseLength - f->response.size()));
  return bytes;
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
  // Attempts finished in this turn of the loop, handed to the recorder at its end.
  std::vector<internal::FinishedAttempt> finished;
  internal::Recorder recorder;
  // Finished easy handles, used again, by transport (their common options differ).
  std::vector<EasyHandle> spare_http, spare_smtp;
  // The SMTP encryption modes used with each server ("host:port", lower case) since the start, as
  // SmtpClass bits: a stricter message than one before opens a fresh connection.
  std::map<std::string, unsigned> smtp_classes;
  std::atomic<bool> woken{false};  // by a commit that queued messages: claim without looking
  // The last claim took as many messages as it had room for: more may be due at once.
  bool claimed_full = false;
  // The messages of `flights` and of the attempts the recorder has not recorded yet, with the
  // number of that attempt: a message claimed again (its lease expired) is not sent again while
  // the row's count of attempts is below it.
  std::unordered_map<Id, int> flying;
  std::chrono::steady_clock::time_point stopped_at;  // when the loop first saw `stopping`
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
        recorder(rt, o),
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

  // An easy handle with the options every attempt of `transport` shares; a finished one is used
  // again as it is (the options stay set: each attempt sets its own).
  EasyHandle take_handle(Transport transport) {
    std::vector<EasyHandle>& spare = transport == Transport::kSmtp ? spare_smtp : spare_http;
    if (!spare.empty()) {
      EasyHandle easy = std::move(spare.back());
      spare.pop_back();
      return easy;
    }
    EasyHandle handle(curl_easy_init());
    CURL* easy = handle.get();
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, before_request);
    if (resolve.get())
      curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve.get());
    if (!options.ca_file_for_testing.empty())
      curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file_for_testing.c_str());
    if (transport == Transport::kSmtp) {
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
      curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, seek_body);
      // The replies are followed through the debug callback, which sees both directions.
      curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
      curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, smtp_debug);
      // One refused recipient does not stop the others (libcurl 7.88 spells it with three L's;
      // 8.2 added CURLOPT_MAIL_RCPT_ALLOWFAILS, the same option).
      curl_easy_setopt(easy, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
      return handle;
    }
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep_response);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "autorules");
    // Redirects are not followed (CURLOPT_FOLLOWLOCATION stays off): a 3xx is an answer that is
    // not retried, and no connection goes anywhere but to the message's URL.
    return handle;
  }
  // Keeps a finished handle for the next attempt, or cleans it up when enough are kept. An SMTP
  // handle forgets its flight's memory first.
  void give_back(EasyHandle easy, Transport transport) {
    if (transport == Transport::kSmtp) {
      CURL* e = easy.get();
      curl_easy_setopt(e, CURLOPT_DEBUGDATA, nullptr);
      curl_easy_setopt(e, CURLOPT_ERRORBUFFER, nullptr);
      curl_easy_setopt(e, CURLOPT_PASSWORD, nullptr);
    }
    std::vector<EasyHandle>& spare = transport == Transport::kSmtp ? spare_smtp : spare_http;
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
    claimed_full = static_cast<int>(rows.rows.size()) >= n;
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
      internal::for_each_run(handed.size(), [&](size_t first, size_t count) {
        std::vector<Value> ids;
        for (size_t i = first; i < first + count; ++i)
          ids.emplace_back(handed[i].id);
        auto got = env.cr().fetch(
            fmt::format("SELECT {} FROM \"outbox_message\" WHERE \"state\" = 'sending' AND "
                        "\"id\" IN ({})",
                        kMessageColumns, internal::marks(count)),
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
        start(std::move(it->second), t, in_force);
    }
  }

  // Puts one message in flight, under the address policy `in_force`.
  void start(MessageRow m, DateTime t, TargetPolicy in_force) {
    const int attempt = static_cast<int>(m.attempts) + 1;
    auto [known, fresh] = flying.try_emplace(m.id, attempt);
    if (!fresh) {
      if (known->second > m.attempts)
        return;  // being sent, or its answer not recorded yet (a lease that expired meanwhile)
      known->second = attempt;
    }
    Flight f;
    f.id = m.id;
    f.attempt = attempt;
    f.transport = m.kind == "email" ? Transport::kSmtp : Transport::kHttp;
    f.kind = std::move(m.kind);
    f.res_model = std::move(m.res_model);
    f.res_id = m.res_id;
    f.url = std::move(m.url);
    f.body = std::move(m.body);
    if (f.transport == Transport::kHttp) {
      const std::string key = m.idempotency_key.value_or("");
      if (std::optional<std::string> why = internal::http_headers_problem(
              m.content_type, m.authorization, m.idempotency_header)) {
        f.started = t;
        f.t0 = std::chrono::steady_clock::now();
        fail_before_start(std::move(f), std::move(*why));
        return;
      }
      f.headers.append("Content-Type: " +
                       (m.content_type.empty() ? std::string("application/json") : m.content_type));
      f.headers.append(
          (m.idempotency_header.empty() ? std::string("Idempotency-Key") : m.idempotency_header) +
          ": " + key);
      if (!m.authorization.empty())
        f.headers.append("Authorization: " + m.authorization);
      if (m.timeout_ms > 0)
        f.timeout_ms = static_cast<long>(std::min<std::int64_t>(m.timeout_ms, kMaxTimeout.count()));
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
    } else {
      // The row may have been written through the API since enqueue() checked it.
      if (std::optional<std::string> why =
              internal::email_problem(f.url, m.encryption, m.mail_from, m.recipients)) {
        f.started = t;
        f.t0 = std::chrono::steady_clock::now();
        fail_before_start(std::move(f), std::move(*why));
        return;
      }
      f.mail_from = std::move(m.mail_from);
      f.recipients = std::move(m.recipients);
      for (const std::string& r : f.recipients)
        f.rcpt.append(r);
      f.smtp_user = std::move(m.smtp_user);
      f.smtp_password = std::move(m.smtp_password);
      f.error_buffer = std::make_unique<char[]>(CURL_ERROR_SIZE);
      f.error_buffer[0] = '\0';
    }
    f.started = t;
    f.t0 = std::chrono::steady_clock::now();
    f.policy = in_force;
    f.easy = take_handle(f.transport);
    CURL* easy = f.easy.get();
    // The body is sent from the flight itself (no copy), and the callbacks write to it: map
    // nodes do not move.
    Flight& flight = flights.emplace(easy, std::move(f)).first->second;
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_URL, flight.url.c_str());
    if (flight.transport == Transport::kHttp) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(flight.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, flight.body.c_str());
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, flight.headers.get());
      curl_easy_setopt(easy, CURLOPT_WRITEDATA, &flight);
      curl_easy_setopt(
          easy, CURLOPT_TIMEOUT_MS,
          flight.timeout_ms > 0 ? flight.timeout_ms : static_cast<long>(options.timeout.count()));
    } else {
      set_smtp_options(easy, flight, *m.encryption);
    }
    curl_multi_add_handle(multi.get(), easy);
    inbox.set_in_flight(static_cast<int>(flights.size()));
  }

  // An attempt that cannot start: recorded as failed, not retried.
  void fail_before_start(Flight f, std::string error) {
    internal::FinishedAttempt r = attempt_of(f);
    r.outcome = Outcome::kFailed;
    r.error = std::move(error) + " (not retried)";
    finished.push_back(std::move(r));
  }

  // What the recorder keeps of a flight (moved out of it).
  static internal::FinishedAttempt attempt_of(Flight& f) {
    internal::FinishedAttempt r;
    r.message_id = f.id;
    r.number = f.attempt;
    r.kind = std::move(f.kind);
    r.res_model = std::move(f.res_model);
    r.res_id = f.res_id;
    r.url = std::move(f.url);
    r.started = f.started;
    r.response = std::move(f.response);
    return r;
  }

  // An email's own options: envelope, body, login, encryption.
  void set_smtp_options(CURL* easy, Flight& flight, Encryption encryption) {
    curl_easy_setopt(easy, CURLOPT_READDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &flight);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, flight.error_buffer.get());
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(flight.body.size()));
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, flight.mail_from.c_str());
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, flight.rcpt.get());
    const bool user = !flight.smtp_user.empty();
    curl_easy_setopt(easy, CURLOPT_USERNAME, user ? flight.smtp_user.c_str() : nullptr);
    curl_easy_setopt(easy, CURLOPT_PASSWORD, user ? flight.smtp_password.c_str() : nullptr);
    const bool strict =
        encryption == Encryption::kStarttlsStrict || encryption == Encryption::kSslStrict;
    const bool starttls =
        encryption == Encryption::kStarttls || encryption == Encryption::kStarttlsStrict;
    curl_easy_setopt(easy, CURLOPT_USE_SSL, starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, strict ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, strict ? 2L : 0L);
    long fresh = 0;
    if (encryption != Encryption::kSsl && encryption != Encryption::kSslStrict) {
      const SmtpClass c = encryption == Encryption::kNone       ? SmtpClass::kPlain
                          : encryption == Encryption::kStarttls ? SmtpClass::kStarttls
                                                                : SmtpClass::kStarttlsStrict;
      const auto bit = static_cast<unsigned>(c);
      unsigned& used = smtp_classes[smtp_server(flight.url)];
      fresh = (used & (bit - 1)) != 0 ? 1L : 0L;  // a laxer mode was used with this server
      used |= bit;
    }
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, fresh);
  }

  // Takes a finished transfer off the multi handle and classifies its outcome.
  std::optional<internal::FinishedAttempt> finish(CURL* easy, CURLcode code) {
    auto it = flights.find(easy);
    if (it == flights.end())
      return std::nullopt;
    // Off the multi handle first: no callback reaches the flight once it moves.
    curl_multi_remove_handle(multi.get(), easy);
    Flight f = std::move(it->second);
    flights.erase(it);
    inbox.set_in_flight(static_cast<int>(flights.size()));
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    give_back(std::move(f.easy), f.transport);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - f.t0).count();
    internal::FinishedAttempt r = attempt_of(f);
    r.ms = ms;
    const bool refused =
        code != CURLE_OK && (f.request_refused || (f.refusals > 0 && f.refusals == f.connections));
    if (refused) {
      // Every address tried was refused by the policy: so would the next attempt be.
      r.error = fmt::format("{} (not retried)", f.refused);
      r.outcome = Outcome::kFailed;
    } else if (f.transport == Transport::kSmtp) {
      classify_smtp(f, code, r);
    } else if (code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT) {
      r.error = fmt::format("{} (not retried)", curl_easy_strerror(code));
      r.outcome = Outcome::kFailed;  // no attempt can succeed
    } else if (code != CURLE_OK) {
      // Some of the host's addresses may have been refused and the others not reached: retried,
      // for the ones not refused.
      r.error = f.refused.empty() ? std::string(curl_easy_strerror(code))
                                  : fmt::format("{} ({})", curl_easy_strerror(code), f.refused);
      r.outcome = Outcome::kRetry;
    } else if (status >= 200 && status < 300) {
      r.status = status;
      r.outcome = Outcome::kDelivered;
    } else if (status == 429 || status >= 500) {
      r.status = status;
      r.error = fmt::format("HTTP {}", status);
      r.outcome = Outcome::kRetry;
    } else {
      r.status = status;
      r.error = fmt::format("HTTP {} (not retried)", status);
      r.outcome = Outcome::kFailed;
    }
    if (r.outcome == Outcome::kRetry && f.attempt >= options.max_attempts)
      r.outcome = Outcome::kDead;
    return r;
  }

  // An SMTP transfer's outcome, from the replies that ended it (internal/smtp.h): 2xx delivered,
  // 4xx and network, TLS and time-out errors retried, 5xx failed.
  static void classify_smtp(const Flight& f, CURLcode code, internal::FinishedAttempt& r) {
    const std::optional<internal::SmtpReply>& last = f.dialogue.last();
    const bool replied_no = last && last->code >= 400;
    internal::TransferEnd end = internal::TransferEnd::kFailed;
    if (code == CURLE_OK) {
      end = internal::TransferEnd::kOk;
    } else if (code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT) {
      end = internal::TransferEnd::kNotRetried;
    } else if ((code == CURLE_USE_SSL_FAILED || code == CURLE_LOGIN_DENIED) && !replied_no) {
      // No STARTTLS offered though it is required, no AUTH mechanism in common: the server's
      // configuration, which the next attempt would meet again. A refusal in words (454, 535)
      // is judged by its code below.
      end = internal::TransferEnd::kNotRetried;
    }
    std::string curl_error;
    if (code != CURLE_OK) {
      curl_error = curl_easy_strerror(code);
      std::string detail;
      for (const char* p = f.error_buffer ? f.error_buffer.get() : ""; *p && detail.size() < 256;
           ++p) {
        auto u = static_cast<unsigned char>(*p);
        detail += u >= 0x20 && u < 0x7F ? *p : '?';
      }
      while (!detail.empty() && detail.back() == '?')
        detail.pop_back();  // libcurl's trailing line end
      if (!detail.empty() && detail != curl_error)
        curl_error += " (" + detail + ")";
      if (!f.refused.empty())
        curl_error += " (" + f.refused + ")";
    }
    internal::SmtpVerdict v = internal::classify(end, curl_error, f.dialogue, f.recipients);
    r.outcome = v.outcome;
    r.status = v.status;
    r.error = std::move(v.error);
    r.accepted = std::move(v.accepted);
    r.refused = std::move(v.refused);
    r.deferred = std::move(v.deferred);
    r.recipients_after = std::move(v.recipients_after);
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
      // Messages whose last attempt is recorded: claimed again, they are sent again.
      for (const auto& [id, number] : recorder.recorded()) {
        auto it = flying.find(id);
        if (it != flying.end() && it->second <= number)
          flying.erase(it);
      }
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
            // After a claim that filled its room, claim again without looking first (more were
            // due); until a claim fills its room again.
            const bool more = claimed_full;
            claimed_full = false;
            if (woken.exchange(false) || more || due(wait))
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
        if (auto r = finish(easy, code))
          finished.push_back(std::move(*r));
      }
      // To the recorder: at once when nothing else is in flight, else batched with those that
      // finish in the next few milliseconds.
      if (!finished.empty()) {
        recorder.add(std::move(finished), flights.empty());
        finished.clear();
      }
      if (stop && flights.empty())
        break;  // Dispatcher::stop() has the recorder record what is left
      if (!flights.empty())
        wait = std::min(wait, std::chrono::milliseconds(100));
      // The last claim filled every slot and slots are free again: claim the rest now, not after
      // a poll's wait (nothing else would wake the loop once the last transfer has ended).
      if (!stop && claimed_full &&
          (flights.empty() || options.max_in_flight - static_cast<int>(flights.size()) >=
                                  std::max(1, options.max_in_flight / 4)))
        wait = std::chrono::milliseconds(0);
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
  impl_->recorder.start();
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
  // The deliveries in progress are over: their answers are recorded, the database given until
  // 10 s after the stop began.
  impl_->recorder.stop(impl_->stopped_at + std::chrono::seconds(10));
}

void Dispatcher::wake() {
  impl_->inbox.wake_to_claim();
}

}  // namespace autorules::outbox
