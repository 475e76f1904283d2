// Which URLs and addresses the outbox calls: the URL check at save (libcurl's URL API) and the
// address policy the dispatcher applies to every connection (target.h).
#include "outbox/target.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <memory>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>

#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/model_hooks.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::outbox {

namespace {

// The generation counter of the system parameters the outbox reads (TargetPolicyCache).
constexpr const char* kParametersGeneration = "outbox.parameters";

class ParameterHooks final : public orm::ModelHooks {
 public:
  void after_create(const orm::RecordSet& records, const common::Json&) override {
    records.env().bump_generation(kParametersGeneration);
  }
  void after_write(const orm::RecordSet& records, const common::Json&) override {
    records.env().bump_generation(kParametersGeneration);
  }
  void after_unlink(const orm::Env& env, const std::string&, const common::IdList&) override {
    env.bump_generation(kParametersGeneration);
  }
};

// What an address is, for the policy. The order does not matter; kAllowed is anything else.
enum class AddressKind {
  kAllowed,
  kLinkLocal,    // never called: 169.254.0.0/16, fe80::/10 (the cloud metadata service)
  kUnspecified,  // never called: 0.0.0.0/8, :: (Linux connects them to this machine)
  kMetadata,     // never called: cloud metadata addresses outside the link-local range
  kLoopback,     // refused with the parameter: 127.0.0.0/8, ::1
  kPrivate,      // refused with the parameter: 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7,
                 // fec0::/10
};

// `a` in host byte order.
AddressKind classify_v4(std::uint32_t a) {
  if ((a >> 24) == 0)
    return AddressKind::kUnspecified;
  if ((a >> 16) == 0xA9FE)  // 169.254/16
    return AddressKind::kLinkLocal;
  // Alibaba Cloud's metadata service (100.100.100.200, inside 100.64/10) and Azure's platform
  // address (168.63.129.16, the WireServer: VM configuration and extension settings).
  if (a == 0x646464C8 || a == 0xA83F8110)
    return AddressKind::kMetadata;
  if ((a >> 24) == 127)
    return AddressKind::kLoopback;
  if ((a >> 24) == 10 || (a & 0xFFF00000) == 0xAC100000 || (a >> 16) == 0xC0A8 ||
      (a & 0xFFC00000) == 0x64400000)
    return AddressKind::kPrivate;
  return AddressKind::kAllowed;
}

AddressKind classify_v6(const std::array<unsigned char, 16>& b) {
  auto zero = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (b[i] != 0)
        return false;
    }
    return true;
  };
  auto embedded_v4 = [&] {
    return classify_v4(static_cast<std::uint32_t>(b[12]) << 24 |
                       static_cast<std::uint32_t>(b[13]) << 16 |
                       static_cast<std::uint32_t>(b[14]) << 8 | static_cast<std::uint32_t>(b[15]));
  };
  if (zero(0, 16))
    return AddressKind::kUnspecified;  // ::
  if (zero(0, 15) && b[15] == 1)
    return AddressKind::kLoopback;  // ::1
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
  // addresses reach the IPv4 address they embed: they are what it is.
  if (zero(0, 10) && b[10] == 0xFF && b[11] == 0xFF)
    return embedded_v4();
  if (zero(0, 12))
    return embedded_v4();
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && zero(4, 12))
    return embedded_v4();
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
    return AddressKind::kLinkLocal;  // fe80::/10
  // AWS's metadata service over IPv6 (fd00:ec2::254), inside the unique local range.
  static constexpr std::array<unsigned char, 16> kAwsMetadata = {
      0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (b == kAwsMetadata)
    return AddressKind::kMetadata;
  if ((b[0] & 0xFE) == 0xFC)
    return AddressKind::kPrivate;  // fc00::/7, unique local
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
    return AddressKind::kPrivate;  // fec0::/10, the former site-local range
  return AddressKind::kAllowed;
}

// Why an address of `kind` is refused under `policy`, or nullopt.
std::optional<std::string> refusal(AddressKind kind, TargetPolicy policy) {
  switch (kind) {
    case AddressKind::kAllowed:
      return std::nullopt;
    case AddressKind::kLinkLocal:
      return "link-local addresses (the cloud metadata service) are never called";
    case AddressKind::kUnspecified:
      return "unspecified addresses (0.0.0.0/8, ::) are never called";
    case AddressKind::kMetadata:
      return "cloud metadata addresses are never called";
    case AddressKind::kLoopback:
      if (!policy.refuse_private)
        return std::nullopt;
      return fmt::format("loopback addresses are refused by the system parameter {}",
                         kRefusePrivateTargetsParam);
    case AddressKind::kPrivate:
      if (!policy.refuse_private)
        return std::nullopt;
      return fmt::format("private addresses are refused by the system parameter {}",
                         kRefusePrivateTargetsParam);
  }
  return std::nullopt;
}

// The URL as quoted in a message: control characters as \xNN, at most 100 bytes (cut on a
// character boundary) and "..." when longer.
std::string quoted(std::string_view url) {
  constexpr size_t kShown = 100;
  std::string_view shown = url;
  if (shown.size() > kShown) {
    size_t n = kShown;
    while (n > 0 && (static_cast<unsigned char>(url[n]) & 0xC0) == 0x80)
      --n;  // not inside a UTF-8 sequence
    shown = url.substr(0, n);
  }
  std::string out;
  for (char c : shown) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  if (shown.size() < url.size())
    out += "...";
  return out;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

// The URLs one kind of target accepts: two schemes (the plain and the TLS one), how they are
// named in messages, and why a URL carries no credentials.
struct UrlKind {
  std::string_view plain, tls;
  std::string_view what;         // "webhook URL"
  std::string_view schemes;      // "http(s)"
  std::string_view must_start;   // "it must start with http:// or https://"
  std::string_view credentials;  // why no user:password@
  bool allow_query = true;
};

constexpr UrlKind kWebhookUrl{
    "http",
    "https",
    "webhook URL",
    "http(s)",
    "it must start with http:// or https://",
    "it must not contain a user name or password (user:password@): they would be shown wherever "
    "the URL is; the webhook secret authenticates the calls",
    true};
constexpr UrlKind kSmtpUrl{
    "smtp",
    "smtps",
    "SMTP server URL",
    "smtp(s)",
    "it must start with smtp:// or smtps://",
    "it must not contain a user name or password (user:password@): they would be shown wherever "
    "the URL is; the server's user and password are given apart",
    false};

// libcurl's parse errors in words, for the message.
std::string parse_error(CURLUcode code, const UrlKind& kind) {
  switch (code) {
    case CURLUE_BAD_SCHEME:
    case CURLUE_UNSUPPORTED_SCHEME:
    case CURLUE_BAD_SLASHES:
    case CURLUE_MALFORMED_INPUT:
      return std::string(kind.must_start);
    case CURLUE_NO_HOST:
      return "it has no host";
    case CURLUE_BAD_PORT_NUMBER:
      return "the port must be a number between 1 and 65535";
    case CURLUE_BAD_HOSTNAME:
    case CURLUE_BAD_IPV6:
      return "the host is not a valid host name or IP address";
    case CURLUE_BAD_LOGIN:
    case CURLUE_BAD_USER:
    case CURLUE_BAD_PASSWORD:
      return "it must not contain a user name or password";
    default: {
      std::string text = curl_url_strerror(code);
      if (!text.empty())
        text[0] = lower(text[0]);
      return text;
    }
  }
}

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlText {
  char* text = nullptr;
  ~CurlText() { curl_free(text); }
  CurlText() = default;
  CurlText(const CurlText&) = delete;
  CurlText& operator=(const CurlText&) = delete;
};

// The text of one part of `url`, or nullopt when it has none.
std::optional<std::string> part(CURLU* url, CURLUPart which) {
  CurlText got;
  if (curl_url_get(url, which, &got.text, 0) != CURLUE_OK || got.text == nullptr)
    return std::nullopt;
  return std::string(got.text);
}

// Why `url` is not a valid URL of `kind`, or nullopt; `host` receives its host.
std::optional<std::string> syntax_error(std::string_view url, const UrlKind& kind,
                                        std::string& host) {
  if (url.empty())
    return "it is empty";
  if (url.size() > kMaxTargetUrlLength) {
    return fmt::format("it is {} bytes long, and at most {} are allowed", url.size(),
                       kMaxTargetUrlLength);
  }
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u == ' ')
      return "it contains a space (write it as %20)";
    if (u < 0x20 || u == 0x7F)
      return fmt::format("it contains a control character (\\x{:02x})", u);
  }
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed)
    throw std::bad_alloc();
  // No CURLU_NON_SUPPORT_SCHEME, CURLU_DEFAULT_SCHEME or CURLU_GUESS_SCHEME: only absolute URLs
  // of a scheme libcurl fetches; the kind's schemes are checked below.
  const std::string text(url);
  if (CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0); rc != CURLUE_OK)
    return parse_error(rc, kind);
  std::string scheme = part(parsed.get(), CURLUPART_SCHEME).value_or("");
  if (!iequals(scheme, kind.plain) && !iequals(scheme, kind.tls))
    return std::string(kind.must_start);
  // libcurl also reads "http:/host" and "http:///host"; only scheme://host is accepted.
  std::string_view rest = url.substr(scheme.size());
  if (!iequals(url.substr(0, scheme.size()), scheme) || rest.substr(0, 3) != "://")
    return std::string(kind.must_start);
  if (rest.size() == 3 || rest[3] == '/' || rest[3] == '?' || rest[3] == '#')
    return "it has no host";
  if (part(parsed.get(), CURLUPART_USER) || part(parsed.get(), CURLUPART_PASSWORD))
    return std::string(kind.credentials);
  host = part(parsed.get(), CURLUPART_HOST).value_or("");
  if (host.empty())
    return "it has no host";
  // libcurl lets a few characters through that no host name has ("exa%mple.com", "a~b"): a name
  // is letters, digits, '-', '_' and '.', or non-ASCII (an internationalised name).
  if (host.front() != '[') {
    for (char c : host) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x80 && !std::isalnum(u) && c != '-' && c != '_' && c != '.')
        return "the host is not a valid host name or IP address";
    }
  }
  // libcurl refuses ports above 65535 but reads port 0.
  if (auto port = part(parsed.get(), CURLUPART_PORT); port && *port == "0")
    return "the port must be a number between 1 and 65535";
  if (!kind.allow_query &&
      (part(parsed.get(), CURLUPART_QUERY) || part(parsed.get(), CURLUPART_FRAGMENT)))
    return "it must not have a query or a fragment (?…, #…)";
  return std::nullopt;
}

// check_target_url and check_smtp_url: the syntax, then a literal IP host under `policy`.
std::optional<std::string> check_url(std::string_view url, const UrlKind& kind,
                                     TargetPolicy policy) {
  std::string host;
  if (std::optional<std::string> error = syntax_error(url, kind, host)) {
    return fmt::format("The {} '{}' is not a valid {} URL: {}", kind.what, quoted(url),
                       kind.schemes, *error);
  }
  // A literal IP host is checked now: it is the address the dispatcher would connect to.
  if (std::optional<std::string> refused = check_target_address(host, policy))
    return fmt::format("The {} '{}' cannot be used: {}", kind.what, quoted(url), *refused);
  return std::nullopt;
}

}  // namespace

bool parameter_is_true(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  return value == "1" || iequals(value, "true") || iequals(value, "yes") || iequals(value, "on");
}

TargetPolicy target_policy(const orm::Env& env) {
  std::optional<std::string> value = orm::get_param(env, kRefusePrivateTargetsParam);
  return TargetPolicy{value && parameter_is_true(*value)};
}

TargetPolicy TargetPolicyCache::get(const orm::Env& env) {
  std::int64_t generation = env.generation(kParametersGeneration);
  if (generation != generation_) {
    policy_ = target_policy(env);
    generation_ = generation;
  }
  return policy_;
}

void install_target_policy(orm::Runtime& runtime) {
  runtime.add_hooks("ir.config_parameter", std::make_shared<ParameterHooks>());
  // The counter exists from the start: Env::begin reads the existing counters in its first query,
  // and looks a missing one up with a query of its own each transaction.
  runtime.add_initializer([](const orm::Env& env) { env.bump_generation(kParametersGeneration); });
}

std::optional<std::string> check_target_address(std::string_view address, TargetPolicy policy) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  if (size_t zone = address.find('%'); zone != std::string_view::npos)
    address = address.substr(0, zone);  // fe80::1%eth0
  if (address.empty() || address.size() >= INET6_ADDRSTRLEN)
    return std::nullopt;
  const std::string text(address);
  AddressKind kind;
  char shown[INET6_ADDRSTRLEN] = {};
  if (in_addr v4{}; inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    kind = classify_v4(ntohl(v4.s_addr));
    inet_ntop(AF_INET, &v4, shown, sizeof shown);
  } else if (in6_addr v6{}; inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::array<unsigned char, 16> bytes{};
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = v6.s6_addr[i];
    kind = classify_v6(bytes);
    inet_ntop(AF_INET6, &v6, shown, sizeof shown);
  } else {
    return std::nullopt;  // a host name
  }
  std::optional<std::string> why = refusal(kind, policy);
  if (!why)
    return std::nullopt;
  return fmt::format("the address {} is refused: {}", shown, *why);
}

std::string target_origin(std::string_view url) {
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed)
    throw std::bad_alloc();
  const std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
    return "(an invalid URL)";
  std::string origin = part(parsed.get(), CURLUPART_SCHEME).value_or("") + "://" +
                       part(parsed.get(), CURLUPART_HOST).value_or("");
  if (std::optional<std::string> port = part(parsed.get(), CURLUPART_PORT))
    origin += ":" + *port;
  return origin;
}

std::optional<std::string> check_target_url(std::string_view url, TargetPolicy policy) {
  return check_url(url, kWebhookUrl, policy);
}

std::optional<std::string> check_smtp_url(std::string_view url, TargetPolicy policy) {
  return check_url(url, kSmtpUrl, policy);
}

}  // namespace autorules::outbox
