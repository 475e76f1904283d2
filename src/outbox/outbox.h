// The outbox (DESIGN "side effects go through the outbox"): outgoing messages are rows written in
// the transaction of the change that caused them — a rollback sends nothing — and a dispatcher
// delivers them after commit: woken at once by the commit, many in parallel (libcurl's multi
// interface, a bounded number of connections per host), retried with exponential backoff until
// they are delivered or have no attempts left ("dead"); answers that say no for good are not
// retried ("failed"). Webhooks (kind "webhook") are HTTP POSTs: network errors, timeouts, 429 and
// 5xx are retried, and each message keeps one Idempotency-Key for all its attempts. Emails (kind
// "email") go over SMTP: network and TLS errors, timeouts and 4xx replies are retried, 5xx
// replies are not. Every attempt is logged (outbox.attempt), and a layer above can follow the
// attempts of a kind of message in the transaction that records them (on_outcome). A message
// claimed by a process that dies is taken again once its lease expires: at least once, nothing
// lost. A message queued while a dispatcher of the process has room is handed to it at the
// commit, already claimed (internal/inbox.h). Only allowed addresses are connected to
// (target.h): a message whose host's addresses are all refused fails without retries.
//
// Thread-safety: enqueue() runs in the caller's transaction; on_outcome() may be called from any
// thread (usually at start-up, before the dispatchers run); a Dispatcher's methods are called by
// its owner, and the handlers run on its recorder's thread (internal/recorder.h), one recording
// after the other.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/value.h"
#include "orm/runtime.h"

namespace autorules::outbox {

// How an email's connection is encrypted (Odoo's ir.mail_server.smtp_encryption). The strict
// modes verify the server's certificate and host name; the others encrypt without verifying, as
// Odoo's do (many self-hosted servers have self-signed certificates).
enum class Encryption {
  kNone,            // smtp://, no TLS
  kStarttls,        // smtp://, STARTTLS required, the certificate not verified
  kStarttlsStrict,  // smtp://, STARTTLS required, the certificate and host name verified
  kSsl,             // smtps:// (TLS from the start), not verified
  kSslStrict,       // smtps://, verified
};
// "none", "starttls", "starttls_strict", "ssl", "ssl_strict" (the outbox.message field's values).
std::string_view encryption_text(Encryption e);
std::optional<Encryption> parse_encryption(std::string_view text);

struct Message {
  std::string kind = "webhook";  // webhook, email, sms, whatsapp, ai
  std::string name;              // what it is, for people reading the log
  // A webhook's http(s) URL, or an email's server: smtp://host[:port] (encryption none or
  // starttls*) or smtps://host[:port] (ssl*), without user or password; an optional path is the
  // name the outbox gives itself in EHLO (libcurl uses the machine's host name without one).
  std::string url;
  common::Json headers = common::Json::object();  // a webhook's extra request headers
  // A webhook's JSON body, or an email's complete RFC 5322 message (headers and body), sent as it
  // is: bare LF and bare CR line ends are stored as CRLF, which SMTP requires.
  std::string body;
  std::string res_model;
  common::Id res_id = 0;
  std::string signing_secret;  // set: Standard Webhooks signature headers on every attempt
  // HTTP kinds other than webhooks (a provider's API): the body's media type (empty:
  // application/json), the Authorization header's value (a secret, like smtp_password: "Basic
  // ...", "Bearer ..."), the header that carries the message's idempotency key (empty:
  // Idempotency-Key; e.g. Twilio's I-Twilio-Idempotency-Token), and how long one attempt may take
  // (0: Options::timeout; a language model may think longer than a webhook receiver answers).
  std::string content_type;
  std::string authorization;
  std::string idempotency_header;
  std::chrono::milliseconds timeout{0};

  // Email only. The SMTP envelope: the sender (MAIL FROM; empty for the null sender "<>", as
  // bounces use) and the recipients (RCPT TO), plain addresses (local@domain) without angle
  // brackets or names, not necessarily those of the message's headers (Bcc).
  std::string mail_from;
  std::vector<std::string> recipients;
  Encryption encryption = Encryption::kNone;
  std::string smtp_user;      // set: AUTH (the best mechanism both sides know) before MAIL FROM
  std::string smtp_password;  // a secret field: never readable through the API, never logged
};

// Limits on an email's envelope, checked by enqueue().
inline constexpr std::size_t kMaxRecipients = 1000;
inline constexpr std::size_t kMaxAddressLength = 254;  // RFC 5321's path, without "<>"
inline constexpr std::size_t kMaxSmtpCredentialLength = 1024;
// Limits on an HTTP message's own headers (content_type, authorization, idempotency_header),
// checked by enqueue(): printable ASCII, no line ends.
inline constexpr std::size_t kMaxHeaderValueLength = 4096;
// How much of an HTTP answer's body an OutcomeEvent carries; the rest is read and dropped.
inline constexpr std::size_t kMaxResponseLength = 64 * 1024;
// The longest attempt a message may ask for (Message::timeout).
inline constexpr std::chrono::milliseconds kMaxTimeout{600'000};

// Queues `message` in `env`'s transaction (its id); the dispatchers of this process are woken
// when the transaction ends. An email is checked first (ValueError, nothing queued): its URL
// (check_smtp_url's syntax rules, target.h), an encryption that matches the URL's scheme, a
// sender (or none) and 1 to kMaxRecipients recipients that are addresses (local@domain in UTF-8,
// at most kMaxAddressLength bytes, no spaces, control characters or angle brackets), and a user
// and password in UTF-8 without NUL, CR or LF, of at most kMaxSmtpCredentialLength bytes.
// Recipients given twice are kept once. The dispatcher checks the server and envelope again on
// the row it reads: a row changed since (through the API) that fails them is not sent (failed).
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
  // Tests only: a PEM file of the certificate authorities that verify servers (strict TLS),
  // instead of the system's.
  std::string ca_file_for_testing;
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

// What an attempt leads to: the message is delivered; it will be tried again (pending, with its
// next attempt later); it failed on an answer that is not retried; or it is dead (the attempt
// would have been retried, but it was the last one allowed).
enum class Outcome { kDelivered, kRetry, kFailed, kDead };
std::string_view outcome_text(Outcome o);  // "delivered", "retry", "failed", "dead"

// One recipient's answer to RCPT TO: its address, the reply code and the server's reply.
struct RecipientReply {
  std::string address;
  int code = 0;
  std::string reply;  // "550 5.1.1 <x@example.com>: user unknown" (printable ASCII, bounded)
};

// One recorded attempt, as the layer above sees it (on_outcome).
struct OutcomeEvent {
  common::Id message_id = 0;
  std::string kind;
  std::string res_model;  // the record the message is about, as queued
  common::Id res_id = 0;
  int attempt = 0;  // 1 for the first
  Outcome outcome = Outcome::kFailed;
  // The HTTP status, or the SMTP reply code that decided the outcome (250 when delivered); 0
  // without an answer (a network or TLS error, a time-out, an address the policy refuses).
  long status = 0;
  std::string error;  // the attempt's error, as logged in outbox.attempt; empty when delivered
  // HTTP only: the answer's body, its first kMaxResponseLength bytes (a provider's message id,
  // a model's answer), as received: untrusted.
  std::string response;
  // Email only, this attempt's answers per recipient (a message refused before RCPT TO, or after
  // the data, has none). When several recipients are given, one refused does not stop the
  // others: the message goes to those that accept it (`accepted`, only once the server took the
  // message); those refused for good (5xx, `refused`) are dropped from the message; those
  // refused for now (4xx, `deferred`) stay its recipients and are tried again with the backoff
  // (the message is then `kRetry`, or `kDead` when no attempt is left) — the others do not get
  // it twice.
  std::vector<std::string> accepted;
  std::vector<RecipientReply> refused;
  std::vector<RecipientReply> deferred;
};

// Called for every attempt at a message of the kind it was registered for, in the transaction
// that records the attempt (superuser), after the attempt's row and the message's new state are
// written: what the handler writes commits with them, or not at all.
//
// A handler runs on the dispatcher's thread, inside a savepoint. When it throws, what it wrote is
// rolled back, the error is logged (spdlog, error level, with the kind and the message's id) and
// the attempt is recorded as if the handler had not run: a handler cannot stop the outbox's
// bookkeeping. If the recording transaction itself fails (the database busy), it is done again
// later, so a handler may be called more than once for one attempt; only the call whose
// transaction commits leaves anything behind. Handlers must not block on the network.
using OutcomeHandler = std::function<void(const orm::Env&, const OutcomeEvent&)>;

// Registers `handler` for the messages of `kind` of `runtime` (several handlers for one kind run
// in the order they were registered). Thread-safe; a dispatcher sees it from its next recording.
void on_outcome(orm::Runtime& runtime, std::string kind, OutcomeHandler handler);

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
