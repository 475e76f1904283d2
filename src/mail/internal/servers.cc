#include "mail/internal/servers.h"

#include <cstdint>
#include <memory>

#include <curl/curl.h>
#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/model_hooks.h"
#include "orm/recordset.h"
#include "outbox/target.h"
#include "store/connection.h"

namespace autorules::mail::internal {

using common::Id;
using common::Json;
using common::Value;
using domain::Domain;

namespace {

struct Settings {
  std::optional<SmtpServer> fallback;  // --smtp-url
};

// The domain part of an address, lower case.
std::string domain_of(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? "" : common::utf8_lower(address.substr(at + 1));
}

// Whether a server's from_filter (comma-separated addresses or domains) allows `from`.
bool filter_allows(const std::string& filter, const std::string& from) {
  std::string address = common::utf8_lower(from);
  std::string domain = domain_of(address);
  size_t start = 0;
  while (start <= filter.size()) {
    size_t comma = filter.find(',', start);
    if (comma == std::string::npos)
      comma = filter.size();
    std::string item = common::utf8_lower(filter.substr(start, comma - start));
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty() && (item == address || item == domain))
      return true;
    start = comma + 1;
  }
  return false;
}

// The URL the outbox calls for a server's host, port and encryption.
std::string server_url(const std::string& host, std::int64_t port, outbox::Encryption encryption) {
  bool tls = encryption == outbox::Encryption::kSsl || encryption == outbox::Encryption::kSslStrict;
  bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", tls ? "smtps" : "smtp", ipv6 ? "[" : "", host,
                     ipv6 ? "]" : "", port);
}

SmtpServer server_of(const orm::Env& env, Id server_id) {
  SmtpServer s;
  Value p[] = {Value(server_id)};
  env.cr().query(
      "SELECT \"smtp_host\", \"smtp_port\", \"smtp_encryption\", \"smtp_user\", \"smtp_pass\", "
      "\"name\" FROM \"ir_mail_server\" WHERE \"id\" = ?",
      p, [&](const store::RowView& r) {
        std::string host = r.is_null(0) ? "" : std::string(r.text(0));
        std::int64_t port = r.is_null(1) ? 25 : r.int64(1);
        std::string mode = r.is_null(2) ? "none" : std::string(r.text(2));
        s.encryption = outbox::parse_encryption(mode).value_or(outbox::Encryption::kNone);
        s.url = server_url(host, port, s.encryption);
        s.user = r.is_null(3) ? "" : std::string(r.text(3));
        s.password = r.is_null(4) ? "" : std::string(r.text(4));
        s.name = r.is_null(5) ? "" : std::string(r.text(5));
      });
  return s;
}

// A CURLU handle, freed with its owner.
struct UrlCleanup {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlCleanup>;

// One part of a parsed URL, URL-decoded; "" when absent.
std::string url_part(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, CURLU_URLDECODE) != CURLUE_OK || !value)
    return "";
  std::string out(value);
  curl_free(value);
  return out;
}

// Refuses a server whose address the outbox would not call, when it is saved.
class ServerChecks : public orm::ModelHooks {
 public:
  void after_create(const orm::RecordSet& records, const Json&) override { check(records); }
  void after_write(const orm::RecordSet& records, const Json& vals) override {
    if (vals.contains("smtp_host") || vals.contains("smtp_port") ||
        vals.contains("smtp_encryption"))
      check(records);
  }

 private:
  static void check(const orm::RecordSet& records) {
    const orm::Env env = records.env().sudo();
    outbox::TargetPolicy policy = outbox::target_policy(env);
    for (Id id : records.ids()) {
      SmtpServer s = server_of(env, id);
      if (std::optional<std::string> why = outbox::check_smtp_url(s.url, policy)) {
        throw common::ValidationError(
            fmt::format("The mail server '{}' cannot be used: {}", s.name, *why));
      }
    }
  }
};

}  // namespace

SmtpServer parse_smtp_url(const std::string& url) {
  auto bad = [&](std::string_view why) {
    return common::ValueError(
        fmt::format("--smtp-url: {} (expected "
                    "smtp://[user[:password]@]host[:port][?encryption=...]"
                    " or smtps://...)",
                    why));
  };
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    throw bad("not a URL");
  std::string scheme = url_part(u.get(), CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps")
    throw bad("the scheme must be smtp or smtps");
  std::string host = url_part(u.get(), CURLUPART_HOST);
  if (host.empty())
    throw bad("no host");
  std::string port = url_part(u.get(), CURLUPART_PORT);
  SmtpServer s;
  s.name = "--smtp-url";
  s.encryption = scheme == "smtps" ? outbox::Encryption::kSslStrict : outbox::Encryption::kNone;
  std::string query = url_part(u.get(), CURLUPART_QUERY);
  if (!query.empty()) {
    static constexpr std::string_view kKey = "encryption=";
    if (query.rfind(kKey, 0) != 0 || query.find('&') != std::string::npos)
      throw bad("the only query parameter is encryption");
    std::optional<outbox::Encryption> e = outbox::parse_encryption(query.substr(kKey.size()));
    if (!e)
      throw bad("encryption is none, starttls, starttls_strict, ssl or ssl_strict");
    bool tls = *e == outbox::Encryption::kSsl || *e == outbox::Encryption::kSslStrict;
    if (tls != (scheme == "smtps"))
      throw bad("ssl and ssl_strict go with smtps://, the others with smtp://");
    s.encryption = *e;
  }
  s.url = fmt::format("{}://{}{}", scheme, host, port.empty() ? "" : ":" + port);
  s.user = url_part(u.get(), CURLUPART_USER);
  s.password = url_part(u.get(), CURLUPART_PASSWORD);
  return s;
}

void set_fallback_server(orm::Runtime& runtime, std::optional<SmtpServer> server) {
  runtime.component<Settings>().fallback = std::move(server);
}

std::optional<SmtpServer> choose_server(const orm::Env& env, Id own, const std::string& from) {
  if (own)
    return server_of(env, own);
  orm::RecordSet servers = env["ir.mail_server"].search(Domain());
  Id unfiltered = 0;
  for (const Json& row : servers.read({"from_filter"})) {
    std::string filter =
        row["from_filter"].is_string() ? row["from_filter"].get<std::string>() : "";
    Id id = row["id"].get<Id>();
    if (filter.empty()) {
      if (!unfiltered)
        unfiltered = id;
    } else if (filter_allows(filter, from)) {
      return server_of(env, id);
    }
  }
  if (unfiltered)
    return server_of(env, unfiltered);
  return env.runtime().component<Settings>().fallback;
}

void install_server_checks(orm::Runtime& runtime) {
  runtime.add_hooks("ir.mail_server", std::make_shared<ServerChecks>());
}

}  // namespace autorules::mail::internal
