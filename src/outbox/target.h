// Which URLs and addresses the outbox calls (docs/outbox.md, "Which addresses are called").
//
// An outgoing webhook or email is a connection this server makes on a user's behalf, so its
// target is checked twice:
//   - when the URL is saved (check_target_url for webhooks, check_smtp_url for mail servers): it
//     must be an absolute http(s) (or smtp(s)) URL with a host, parsed by libcurl's URL API (the
//     parser that will fetch it), and a literal IP host must be an address the dispatcher would
//     call;
//   - at delivery, on the address actually connected to, after DNS resolution, for every
//     connection and every request (check_target_address, called by the dispatcher): a name may
//     resolve to anything, and resolve differently later.
// Link-local addresses (169.254.0.0/16, fe80::/10: the cloud metadata service), the unspecified
// addresses (0.0.0.0/8, ::), their IPv4-mapped, IPv4-compatible and NAT64 forms, and the other
// cloud metadata addresses are never called. Loopback and private ranges are called (self-hosted
// users call their own services) unless the system parameter outbox.refuse_private_targets is
// true.
//
// Thread-safety: every function here is pure (no shared state) except target_policy(), which
// reads through the caller's Env.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace autorules::orm {
class Env;
class Runtime;
}  // namespace autorules::orm

namespace autorules::outbox {

// The longest URL accepted, in bytes.
inline constexpr std::size_t kMaxTargetUrlLength = 2048;

// The system parameter (ir.config_parameter) that refuses loopback and private addresses too:
// "1", "true" (any case), "yes" or "on" refuse them; anything else, or no parameter, allows them.
inline constexpr const char* kRefusePrivateTargetsParam = "outbox.refuse_private_targets";

// What the address policy refuses on top of the addresses that are never called.
struct TargetPolicy {
  bool refuse_private = false;  // loopback, private, unique local and shared (100.64/10) ranges
};

// The policy set by the system parameters, read in `env`'s transaction (one indexed query).
TargetPolicy target_policy(const orm::Env& env);

// Whether `value` is a true parameter value for kRefusePrivateTargetsParam.
bool parameter_is_true(std::string_view value);

// The policy as the dispatcher keeps it: read again only when a system parameter has changed
// since the last read. Any change to ir.config_parameter bumps the "outbox.parameters"
// generation (install_target_policy's hooks; parameters change rarely), and Env::begin reads
// every generation in its first query, so get() costs no query while nothing changed, however
// many messages are sent; a change is seen by the next transaction of every process sharing the
// database. Not thread-safe: one owner (the dispatcher's thread).
class TargetPolicyCache {
 public:
  TargetPolicy get(const orm::Env& env);

 private:
  TargetPolicy policy_;
  std::int64_t generation_ = -1;  // of policy_; -1: never read
};

// Registers the hooks that bump the "outbox.parameters" generation on every change to a system
// parameter, and creates its counter at start-up (so that reading it never needs a query of its
// own). Called by install().
void install_target_policy(orm::Runtime& runtime);

// Checks a webhook URL before it is saved. Returns nullopt when it may be saved, else the
// message to show the user (a ValidationError's text), which quotes the URL (shortened when long)
// and says why: "The webhook URL 'ftp://x/' is not a valid http(s) URL: it must start with
// http:// or https://", "The webhook URL 'http://169.254.169.254/' cannot be used: the address
// 169.254.169.254 is refused: link-local addresses (the cloud metadata service) are never
// called".
//
// Accepted: an absolute http or https URL (the scheme in any case) of at most
// kMaxTargetUrlLength bytes, written scheme://host..., with a host, a port between 1 and 65535
// when one is given, no spaces or control characters, and no user name or password (they would
// be shown wherever the URL is: the action, the delivery log; the webhook secret authenticates
// the calls). A host that is a literal IP address (in any form libcurl reads: 2852039166 is
// 169.254.169.254) must pass check_target_address under `policy`; a host name is checked at
// delivery, on the addresses it resolves to then. An empty URL is refused (callers that allow
// "no URL" check for it first).
std::optional<std::string> check_target_url(std::string_view url, TargetPolicy policy = {});

// Checks an email's server URL (Message::url) before it is saved, as check_target_url does a
// webhook's: an absolute smtp or smtps URL (the scheme in any case) of at most
// kMaxTargetUrlLength bytes, written scheme://host..., with a host, a port between 1 and 65535
// when one is given, no spaces or control characters, no query or fragment, and no user name or
// password (Message::smtp_user and smtp_password carry them; the URL is shown in the log). A
// literal IP host must pass check_target_address under `policy`. Returns nullopt, or the message:
// "The SMTP server URL 'http://x' is not a valid smtp(s) URL: it must start with smtp:// or
// smtps://".
std::optional<std::string> check_smtp_url(std::string_view url, TargetPolicy policy = {});

// Checks one IP address, as text ("169.254.169.254", "::ffff:169.254.169.254", "[fe80::1]",
// "fe80::1%eth0"). Returns nullopt when the dispatcher may connect to it, else why not:
// "the address 169.254.169.254 is refused: link-local addresses (the cloud metadata service) are
// never called". Text that is not an IP address is not refused here (nullopt).
std::optional<std::string> check_target_address(std::string_view address, TargetPolicy policy = {});

// scheme://host[:port] of `url`, as libcurl parses it: no user information, path, query or
// fragment (they may hold secrets), for logs. "(an invalid URL)" when libcurl cannot parse it.
std::string target_origin(std::string_view url);

}  // namespace autorules::outbox
