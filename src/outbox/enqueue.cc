// Queuing messages (and checking an email's envelope), retrying dead ones by hand, and the
// backoff.
#include <array>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/methods.h"
#include "orm/recordset.h"
#include "outbox/internal/http_headers.h"
#include "outbox/internal/inbox.h"
#include "outbox/internal/smtp.h"
#include "outbox/outbox.h"
#include "outbox/target.h"

namespace autorules::outbox {

using common::Id;
using common::Json;
using common::Value;

namespace {

constexpr std::array<std::pair<Encryption, std::string_view>, 5> kEncryptions{{
    {Encryption::kNone, "none"},
    {Encryption::kStarttls, "starttls"},
    {Encryption::kStarttlsStrict, "starttls_strict"},
    {Encryption::kSsl, "ssl"},
    {Encryption::kSslStrict, "ssl_strict"},
}};

// The SMTP user or password `value` may be used: UTF-8 without NUL, CR or LF (libcurl takes C
// strings, and a line end has no place in a credential).
void check_credential(std::string_view what, std::string_view value) {
  if (value.size() > kMaxSmtpCredentialLength) {
    throw common::ValueError(
        fmt::format("The email's SMTP {} is longer than {} bytes", what, kMaxSmtpCredentialLength));
  }
  if (value.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
    throw common::ValueError(fmt::format("The email's SMTP {} contains a NUL or line end", what));
  if (!internal::valid_utf8(value))
    throw common::ValueError(fmt::format("The email's SMTP {} is not valid UTF-8", what));
}

// Checks an HTTP message's own headers and timeout.
void check_http(const Message& m) {
  if (std::optional<std::string> why =
          internal::http_headers_problem(m.content_type, m.authorization, m.idempotency_header)) {
    throw common::ValueError(*why);
  }
  if (m.timeout.count() < 0 || m.timeout > kMaxTimeout) {
    throw common::ValueError(
        fmt::format("The message's timeout is not between 0 and {} ms", kMaxTimeout.count()));
  }
}

// Checks an email's server, envelope and credentials (enqueue's contract, outbox.h); returns its
// recipients without repeats, in their order.
std::vector<std::string> checked_email(const Message& m) {
  if (std::optional<std::string> why =
          internal::email_problem(m.url, m.encryption, m.mail_from, m.recipients)) {
    throw common::ValueError(*why);
  }
  std::vector<std::string> recipients;
  std::set<std::string_view> seen;
  for (const std::string& r : m.recipients) {
    if (seen.insert(r).second)
      recipients.push_back(r);
  }
  check_credential("user", m.smtp_user);
  check_credential("password", m.smtp_password);
  return recipients;
}

// `body` with every line ending in CRLF (SMTP's line end): bare LF and bare CR become CRLF.
std::string crlf_lines(const std::string& body) {
  bool bare = false;  // a CR or LF that is not part of a CRLF
  for (size_t i = body.find_first_of("\r\n"); i != std::string::npos && !bare;
       i = body.find_first_of("\r\n", i + 2)) {
    bare = body[i] == '\n' || i + 1 == body.size() || body[i + 1] != '\n';
  }
  if (!bare)
    return body;
  std::string out;
  out.reserve(body.size() + body.size() / 32);
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < body.size() && body[i + 1] == '\n')
        ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string_view encryption_text(Encryption e) {
  for (const auto& [value, text] : kEncryptions) {
    if (value == e)
      return text;
  }
  return "none";
}

std::optional<Encryption> parse_encryption(std::string_view text) {
  for (const auto& [value, name] : kEncryptions) {
    if (name == text)
      return value;
  }
  return std::nullopt;
}

Id enqueue(const orm::Env& env, const Message& m) {
  const bool email = m.kind == "email";
  std::vector<std::string> recipients;
  if (email) {
    recipients = checked_email(m);
  } else {
    check_http(m);
  }
  orm::Env su = env.sudo();
  std::string key = common::random_uuid4();
  Json vals{{"kind", m.kind},
            {"name", m.name},
            {"url", m.url},
            {"headers", m.headers.dump()},
            {"body", email ? crlf_lines(m.body) : m.body},
            {"idempotency_key", key},
            {"res_model", m.res_model},
            {"res_id", m.res_id},
            {"next_attempt", common::format_datetime(su.now())}};
  if (email) {
    vals["mail_from"] = m.mail_from;
    vals["recipients"] = Json(recipients).dump();
    vals["smtp_encryption"] = std::string(encryption_text(m.encryption));
    vals["smtp_user"] = m.smtp_user;
  } else {
    if (!m.content_type.empty())
      vals["content_type"] = m.content_type;
    if (!m.idempotency_header.empty())
      vals["idempotency_header"] = m.idempotency_header;
    if (m.timeout.count() > 0)
      vals["timeout_ms"] = static_cast<std::int64_t>(m.timeout.count());
  }
  // A dispatcher of this process with room takes the message at the commit, already claimed.
  std::optional<common::DateTime> lease = internal::reserve_hand_off(env);
  if (lease) {
    vals["state"] = "sending";
    vals["lease_until"] = common::format_datetime(*lease);
  }
  Id id = su["outbox.message"].create(vals).id();
  // Secret fields: never readable through the API, so written here directly.
  if (!m.signing_secret.empty()) {
    su.cr().execute("UPDATE \"outbox_message\" SET \"signing_secret\" = ? WHERE \"id\" = ?",
                    std::vector<Value>{Value(m.signing_secret), Value(id)});
  }
  if (email && !m.smtp_password.empty()) {
    su.cr().execute("UPDATE \"outbox_message\" SET \"smtp_password\" = ? WHERE \"id\" = ?",
                    std::vector<Value>{Value(m.smtp_password), Value(id)});
  }
  if (!email && !m.authorization.empty()) {
    su.cr().execute("UPDATE \"outbox_message\" SET \"authorization\" = ? WHERE \"id\" = ?",
                    std::vector<Value>{Value(m.authorization), Value(id)});
  }
  if (lease) {
    internal::hand_off(env, id, std::move(key));
  } else {
    env.after_end([](orm::Runtime&) { internal::wake_dispatchers(); });
  }
  return id;
}

std::chrono::milliseconds backoff(const Options& o, int attempt) {
  std::chrono::milliseconds d = o.retry_base;
  for (int i = 1; i < attempt && d < o.retry_cap; ++i)
    d *= 2;
  return std::min(d, o.retry_cap);
}

void install(orm::Runtime& runtime) {
  install_retention(runtime);
  install_target_policy(runtime);
  // The dispatcher's lookups, on partial indexes that hold only the messages still to deliver
  // (delivered ones, the bulk of the table, are in none): the earliest due pending message, the
  // earliest lease, and failed or dead messages (for /metrics). A state change then touches one
  // small index instead of every (state, …) index. The earlier full indexes are dropped.
  runtime.add_initializer([](const orm::Env& env) {
    env.cr().execute_script(
        "DROP INDEX IF EXISTS \"outbox_message__state_next_attempt_index\"; "
        "DROP INDEX IF EXISTS \"outbox_message__state_lease_until_index\"; "
        "DROP INDEX IF EXISTS \"outbox_message__state_index\"; "
        "DROP INDEX IF EXISTS \"outbox_message__next_attempt_index\"; "
        "CREATE INDEX IF NOT EXISTS \"outbox_message__pending_index\" ON \"outbox_message\" "
        "(\"next_attempt\") WHERE \"state\" = 'pending'; "
        "CREATE INDEX IF NOT EXISTS \"outbox_message__sending_index\" ON \"outbox_message\" "
        "(\"lease_until\") WHERE \"state\" = 'sending'; "
        "CREATE INDEX IF NOT EXISTS \"outbox_message__stopped_index\" ON \"outbox_message\" "
        "(\"state\") WHERE \"state\" IN ('failed', 'dead')");
  });
  runtime.add_method(
      "outbox.message", "action_retry",
      orm::Method{.fn = [](const orm::RecordSet& messages, const Json&) {
        messages.check_access(orm::RecordSet::Operation::kWrite);
        messages.ensure_exist();
        for (Id id : messages.ids()) {
          orm::RecordSet m = messages.sudo().browse({id});
          std::string state = m.get("state").as_string();
          if (state != "dead" && state != "failed") {
            throw common::UserError(fmt::format(
                "Only a dead or failed message can be retried; message {} is {}", id, state));
          }
          m.write(Json{{"state", "pending"},
                       {"attempts", 0},
                       {"next_attempt", common::format_datetime(messages.env().now())}});
        }
        messages.env().after_end([](orm::Runtime&) { internal::wake_dispatchers(); });
        return Json(true);
      }});
}

}  // namespace autorules::outbox
