// Which URLs may be saved and which addresses are called (outbox/target.h): the URL check with
// its exact messages, the address policy on every form of an address, the parameter that refuses
// private ranges and how the dispatcher keeps it, and deliveries refused on the address actually
// connected to (names resolved by CURLOPT_RESOLVE entries, so no DNS is needed and nothing is
// ever sent to a refused address).
#include "outbox/target.h"

#include <string>

#include <fmt/format.h>

#include "orm/base/users.h"
#include "orm/methods.h"
#include "outbox_fixture.h"

namespace autorules::outbox::test {
namespace {

using namespace std::chrono_literals;

std::string why(std::string_view url, TargetPolicy policy = {}) {
  return check_target_url(url, policy).value_or("(accepted)");
}

std::string invalid(std::string_view url, std::string_view reason) {
  return fmt::format("The webhook URL '{}' is not a valid http(s) URL: {}", url, reason);
}

std::string refused(std::string_view url, std::string_view address, std::string_view reason) {
  return fmt::format("The webhook URL '{}' cannot be used: the address {} is refused: {}", url,
                     address, reason);
}

constexpr const char* kLinkLocal =
    "link-local addresses (the cloud metadata service) are never called";
constexpr const char* kUnspecified = "unspecified addresses (0.0.0.0/8, ::) are never called";
constexpr const char* kMetadata = "cloud metadata addresses are never called";
constexpr const char* kLoopback =
    "loopback addresses are refused by the system parameter outbox.refuse_private_targets";
constexpr const char* kPrivate =
    "private addresses are refused by the system parameter outbox.refuse_private_targets";

TEST(TargetUrlTest, AcceptsAbsoluteHttpAndHttpsUrlsInAnyCase) {
  for (const char* url :
       {"HTTP://example.com/x", "https://h:8443/p?q=1", "http://[::1]:8080/", "hTTpS://Example.COM",
        "http://127.0.0.1:8069/web/hook/0b3c", "http://localhost:1/", "http://10.1.2.3/",
        "http://192.168.1.10:8080/hook", "http://[fc00::1]/", "http://h:65535/#frag",
        "http://example.com/caf%C3%A9?x=%20", "http://my_host.internal/",
        "http://caf\xc3\xa9.fr/"}) {
    EXPECT_EQ(check_target_url(url), std::nullopt) << url;
  }
}

TEST(TargetUrlTest, RefusesSpacesAndControlCharacters) {
  EXPECT_EQ(why("http://exa mple.com/"),
            invalid("http://exa mple.com/", "it contains a space (write it as %20)"));
  EXPECT_EQ(why("http://example.com/a b"),
            invalid("http://example.com/a b", "it contains a space (write it as %20)"));
  EXPECT_EQ(why(" http://example.com/"),
            invalid(" http://example.com/", "it contains a space (write it as %20)"));
  EXPECT_EQ(why("http://example.com/\x01x"),
            invalid("http://example.com/\\x01x", "it contains a control character (\\x01)"));
  EXPECT_EQ(why("http://example.com/\r\nX-Injected: 1"),
            invalid("http://example.com/\\x0d\\x0aX-Injected: 1",
                    "it contains a control character (\\x0d)"));
  EXPECT_EQ(why("http://example.com/\t"),
            invalid("http://example.com/\\x09", "it contains a control character (\\x09)"));
  EXPECT_EQ(why("http://example.com/\x7f"),
            invalid("http://example.com/\\x7f", "it contains a control character (\\x7f)"));
  EXPECT_EQ(why(std::string_view("http://a\0b/", 11)),
            invalid("http://a\\x00b/", "it contains a control character (\\x00)"));
}

TEST(TargetUrlTest, RefusesPortsOutside1To65535) {
  const char* reason = "the port must be a number between 1 and 65535";
  EXPECT_EQ(why("http://example.com:99999/"), invalid("http://example.com:99999/", reason));
  EXPECT_EQ(why("http://example.com:0/"), invalid("http://example.com:0/", reason));
  EXPECT_EQ(why("http://example.com:65536/"), invalid("http://example.com:65536/", reason));
  EXPECT_EQ(why("http://example.com:-1/"), invalid("http://example.com:-1/", reason));
  EXPECT_EQ(why("http://example.com:http/"), invalid("http://example.com:http/", reason));
}

TEST(TargetUrlTest, RefusesOtherSchemesAndUrlsWithoutAHost) {
  const char* scheme = "it must start with http:// or https://";
  EXPECT_EQ(why("ftp://example.com/x"), invalid("ftp://example.com/x", scheme));
  EXPECT_EQ(why("file:///etc/passwd"), invalid("file:///etc/passwd", scheme));
  EXPECT_EQ(why("javascript:alert(1)"), invalid("javascript:alert(1)", scheme));
  EXPECT_EQ(why("gopher://example.com/"), invalid("gopher://example.com/", scheme));
  EXPECT_EQ(why("example.com/hook"), invalid("example.com/hook", scheme));
  EXPECT_EQ(why("//example.com/hook"), invalid("//example.com/hook", scheme));
  EXPECT_EQ(why("http:/example.com/"), invalid("http:/example.com/", scheme));
  EXPECT_EQ(why("http:example.com"), invalid("http:example.com", scheme));
  EXPECT_EQ(why("http://"), invalid("http://", "it has no host"));
  EXPECT_EQ(why("https://"), invalid("https://", "it has no host"));
  EXPECT_EQ(why("http:///x"), invalid("http:///x", "it has no host"));
  EXPECT_EQ(why("http://?q=1"), invalid("http://?q=1", "it has no host"));
  EXPECT_EQ(why(""), invalid("", "it is empty"));
  EXPECT_EQ(why("http://exa%mple.com/"),
            invalid("http://exa%mple.com/", "the host is not a valid host name or IP address"));
  EXPECT_EQ(why("http://a~b/"),
            invalid("http://a~b/", "the host is not a valid host name or IP address"));
  EXPECT_EQ(why("http://[::1/"),
            invalid("http://[::1/", "the host is not a valid host name or IP address"));
}

TEST(TargetUrlTest, RefusesCredentialsInTheUrl) {
  const char* reason =
      "it must not contain a user name or password (user:password@): they would be shown "
      "wherever the URL is; the webhook secret authenticates the calls";
  EXPECT_EQ(why("https://user:secret@example.com/hook"),
            invalid("https://user:secret@example.com/hook", reason));
  EXPECT_EQ(why("https://user@example.com/hook"), invalid("https://user@example.com/hook", reason));
  EXPECT_EQ(why("https://:secret@example.com/"), invalid("https://:secret@example.com/", reason));
}

TEST(TargetUrlTest, RefusesLongUrlsAndQuotesThemShortened) {
  std::string url = "https://example.com/" + std::string(10 * 1024, 'a');
  std::string message = why(url);
  EXPECT_EQ(message, fmt::format("The webhook URL '{}...' is not a valid http(s) URL: it is {} "
                                 "bytes long, and at most 2048 are allowed",
                                 url.substr(0, 100), url.size()));
  EXPECT_LT(message.size(), 250u);
  std::string longest = "https://example.com/" + std::string(kMaxTargetUrlLength - 20, 'a');
  ASSERT_EQ(longest.size(), kMaxTargetUrlLength);
  EXPECT_EQ(check_target_url(longest), std::nullopt);
  EXPECT_NE(check_target_url(longest + "a"), std::nullopt);
}

// A URL refused at save, with the address the check reads in it and why.
struct Refused {
  const char* url;
  const char* address;
  std::string_view reason;
};

void expect_refused(std::initializer_list<Refused> cases, TargetPolicy policy = {}) {
  for (const Refused& c : cases)
    EXPECT_EQ(why(c.url, policy), refused(c.url, c.address, c.reason)) << c.url;
}

TEST(TargetUrlTest, RefusesLiteralAddressesThatAreNeverCalled) {
  // The same addresses written otherwise too: libcurl reads them as the dispatcher would connect.
  expect_refused({
      {"http://169.254.169.254/latest/meta-data", "169.254.169.254", kLinkLocal},
      {"http://0.0.0.0:80/", "0.0.0.0", kUnspecified},
      {"http://[fe80::1]/", "fe80::1", kLinkLocal},
      {"http://[::ffff:169.254.169.254]/", "::ffff:169.254.169.254", kLinkLocal},
      {"http://2852039166/", "169.254.169.254", kLinkLocal},
      {"http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254", kLinkLocal},
      {"http://%31%36%39.254.169.254/", "169.254.169.254", kLinkLocal},
      {"http://0/", "0.0.0.0", kUnspecified},
      {"http://[::]:8080/", "::", kUnspecified},
      {"http://[::ffff:a9fe:a9fe]/", "::ffff:169.254.169.254", kLinkLocal},
      {"http://[fe80::1%25eth0]/", "fe80::1", kLinkLocal},
      {"http://[fd00:ec2::254]/latest/meta-data", "fd00:ec2::254", kMetadata},
      {"http://100.100.100.200/latest/meta-data", "100.100.100.200", kMetadata},
  });
  // A host name is checked at delivery, on the addresses it resolves to then.
  EXPECT_EQ(check_target_url("http://169.254.169.254.nip.io/"), std::nullopt);
}

TEST(TargetUrlTest, TheParameterRefusesLiteralLoopbackAndPrivateAddresses) {
  TargetPolicy strict{true};
  expect_refused(
      {
          {"http://127.0.0.1:8069/hook", "127.0.0.1", kLoopback},
          {"http://[::1]:8080/", "::1", kLoopback},
          {"http://10.1.2.3/", "10.1.2.3", kPrivate},
          {"http://[fd12::1]/", "fd12::1", kPrivate},
      },
      strict);
  // Names and public addresses are not refused at save.
  EXPECT_EQ(check_target_url("http://localhost:8069/", strict), std::nullopt);
  EXPECT_EQ(check_target_url("https://93.184.216.34/", strict), std::nullopt);
}

TEST(TargetAddressTest, NeverCallsLinkLocalUnspecifiedOrMetadataAddresses) {
  for (const char* address :
       {"169.254.169.254", "169.254.0.1", "169.254.255.255", "0.0.0.0", "0.1.2.3", "fe80::1",
        "febf:ffff::1", "[fe80::1]", "fe80::1%eth0", "::", "::ffff:169.254.169.254",
        "::ffff:0.0.0.0", "::169.254.169.254", "64:ff9b::169.254.169.254", "fd00:ec2::254",
        "100.100.100.200", "168.63.129.16", "::ffff:100.100.100.200"}) {
    EXPECT_NE(check_target_address(address), std::nullopt) << address;
    EXPECT_NE(check_target_address(address, TargetPolicy{true}), std::nullopt) << address;
  }
}

TEST(TargetAddressTest, PrivateRangesAreCalledUnlessTheParameterRefusesThem) {
  for (const char* address :
       {"127.0.0.1", "127.255.255.254", "::1", "10.0.0.1", "10.255.255.255", "172.16.0.1",
        "172.31.255.255", "192.168.0.1", "192.168.255.255", "100.64.0.1", "100.127.255.255",
        "fc00::1", "fdff::1", "fec0::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fd00:ec2::253"}) {
    EXPECT_EQ(check_target_address(address), std::nullopt) << address;
    EXPECT_NE(check_target_address(address, TargetPolicy{true}), std::nullopt) << address;
  }
  EXPECT_EQ(check_target_address("127.0.0.1", TargetPolicy{true}),
            fmt::format("the address 127.0.0.1 is refused: {}", kLoopback));
  EXPECT_EQ(check_target_address("::ffff:10.0.0.1", TargetPolicy{true}),
            fmt::format("the address ::ffff:10.0.0.1 is refused: {}", kPrivate));
}

TEST(TargetAddressTest, PublicAddressesAndNamesAreCalled) {
  for (const char* address :
       {"93.184.216.34", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "169.253.255.255", "169.255.0.1", "2606:4700::1111", "::ffff:1.1.1.1", "64:ff9b::1.1.1.1",
        "fe00::1", "localhost", "example.com", ""}) {
    EXPECT_EQ(check_target_address(address, TargetPolicy{true}), std::nullopt) << address;
  }
  EXPECT_EQ(check_target_address("169.254.169.254"),
            fmt::format("the address 169.254.169.254 is refused: {}", kLinkLocal));
}

TEST(TargetPolicyTest, TrueValuesOfTheParameter) {
  for (const char* v : {"1", "true", "True", "TRUE", "yes", "on", " true "})
    EXPECT_TRUE(parameter_is_true(v)) << v;
  for (const char* v : {"0", "false", "False", "", "no", "off", "2", "truthy"})
    EXPECT_FALSE(parameter_is_true(v)) << v;
}

class TargetDeliveryTest : public OutboxTest {
 protected:
  void set_param(const std::string& value) {
    orm::Env e = su();
    orm::set_param(e, kRefusePrivateTargetsParam, value);
    e.commit();
  }

  // Waits for the message's first attempt to be recorded.
  Json first_attempt(Id id) {
    Json row = wait_for(id, [](const Json& r) { return r["attempts"] == 1; });
    EXPECT_EQ(row["attempts"], 1) << row.dump();
    return row;
  }

  // Expects the message failed at its first attempt, for `error`, and is not tried again: an
  // hour of the manual clock later, after a wake-up, it has still one attempt.
  void expect_refused(Id id, const std::string& error) {
    Json row = first_attempt(id);
    EXPECT_EQ(str(row["state"]), "failed") << row.dump();
    EXPECT_EQ(row["last_status"], 0);
    EXPECT_EQ(row["last_error"], error);
    Json log = attempts(id);
    ASSERT_EQ(log.size(), 1u) << log.dump();
    EXPECT_EQ(str(log[0]["outcome"]), "failed");
    EXPECT_EQ(log[0]["status"], 0);
    EXPECT_EQ(log[0]["error"], error);
    clock_.set(common::add_seconds(clock_.now(), 3600));
    dispatcher_->wake();
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(message(id)["attempts"], 1);
    EXPECT_EQ(attempts(id).size(), 1u);
  }

  Message to(const std::string& host, const std::string& path = "/hook") const {
    Message m = webhook("{}", path);
    m.url = fmt::format("http://{}:{}{}", host, receiver_.port(), path);
    return m;
  }

  std::string resolve(const std::string& host, const std::string& addresses) const {
    return fmt::format("{}:{}:{}", host, receiver_.port(), addresses);
  }
};

TEST_F(TargetDeliveryTest, ANameThatResolvesToALinkLocalAddressIsRefusedAndNotRetried) {
  Options o = fast();
  o.resolve_for_testing = {resolve("metadata.test", "169.254.169.254")};
  start(o);
  Id id = queue(to("metadata.test", "/latest/meta-data"));
  expect_refused(id,
                 "the address 169.254.169.254 is refused: link-local addresses (the cloud "
                 "metadata service) are never called (not retried)");
  EXPECT_EQ(receiver_.count(), 0u);
}

TEST_F(TargetDeliveryTest, ANameThatResolvesToAnIpv4MappedMetadataAddressIsRefused) {
  Options o = fast();
  o.resolve_for_testing = {resolve("mapped.test", "[::ffff:169.254.169.254]")};
  start(o);
  Id id = queue(to("mapped.test"));
  expect_refused(id,
                 "the address ::ffff:169.254.169.254 is refused: link-local addresses (the cloud "
                 "metadata service) are never called (not retried)");
}

TEST_F(TargetDeliveryTest, ANameWithARefusedAndAnAllowedAddressIsDeliveredToTheAllowedOne) {
  Options o = fast();
  o.resolve_for_testing = {resolve("mixed.test", "169.254.169.254,127.0.0.1")};
  start(o);
  Id id = queue(to("mixed.test"));
  Json row = wait_state(id, "delivered", 1);
  EXPECT_EQ(str(row["state"]), "delivered") << row.dump();
  EXPECT_EQ(receiver_.count(), 1u);
}

TEST_F(TargetDeliveryTest, AnUpperCaseSchemeIsDelivered) {
  start();
  Message m = webhook("{}");
  m.url = fmt::format("HTTP://127.0.0.1:{}/hook", receiver_.port());
  Id id = queue(m);
  EXPECT_EQ(str(wait_state(id, "delivered", 1)["state"]), "delivered");
}

TEST_F(TargetDeliveryTest, WithTheParameterLocalhostIsRefusedAfterResolution) {
  set_param("True");
  start();
  Id id = queue(to("localhost"));
  // localhost resolves to 127.0.0.1, and to ::1 where IPv6 is set up: both refused.
  Json row = first_attempt(id);
  std::string error = str(row["last_error"]);
  EXPECT_TRUE(error ==
                  fmt::format("the address 127.0.0.1 is refused: {} (not retried)", kLoopback) ||
              error == fmt::format("the address ::1 is refused: {} (not retried)", kLoopback))
      << error;
  EXPECT_EQ(str(row["state"]), "failed");
  EXPECT_EQ(receiver_.count(), 0u);
}

TEST_F(TargetDeliveryTest, TheParameterRefusesLoopbackFromTheNextMessageOnAndAllowsItAgain) {
  // A receiver that keeps connections open, as most do.
  Receiver kept(true);
  auto to_kept = [&](const std::string& body) {
    Message m = webhook(body);
    m.url = kept.url("/hook");
    return m;
  };
  // Without the parameter: delivered, and the connection stays open for the next message.
  start();
  Id first = queue(to_kept(R"({"n": 1})"));
  EXPECT_EQ(str(wait_state(first, "delivered", 1)["state"]), "delivered");
  ASSERT_EQ(kept.count(), 1u);

  // Set while the dispatcher runs: the next message is refused, although its connection to the
  // receiver is open already (the check before each request covers reused connections).
  set_param("1");
  Id second = queue(to_kept(R"({"n": 2})"));
  expect_refused(second,
                 fmt::format("the address 127.0.0.1 is refused: {} (not retried)", kLoopback));
  EXPECT_EQ(kept.count(), 1u);

  // Set to false again: delivered; and the refused message is delivered when retried by hand.
  set_param("0");
  Id third = queue(to_kept(R"({"n": 3})"));
  EXPECT_EQ(str(wait_state(third, "delivered", 1)["state"]), "delivered");
  {
    orm::Env e = su();
    orm::call_method(e, "outbox.message", "action_retry", Json::array({second}), Json::object());
    e.commit();
  }
  EXPECT_EQ(str(wait_state(second, "delivered", 1)["state"]), "delivered");
  EXPECT_EQ(kept.count(), 3u);
  dispatcher_.reset();  // closes its connections before `kept` stops
}

TEST_F(TargetDeliveryTest, TheParameterIsReadAgainOnlyWhenAParameterChanged) {
  // The generation exists from the start, so reading it costs no query of its own.
  EXPECT_GT(reader().generation("outbox.parameters"), 0);
  TargetPolicyCache cache;
  EXPECT_FALSE(cache.get(reader()).refuse_private);
  std::int64_t before = reader().generation("outbox.parameters");
  set_param("true");
  EXPECT_GT(reader().generation("outbox.parameters"), before);
  EXPECT_TRUE(cache.get(reader()).refuse_private);
  {
    // Removed: allowed again.
    orm::Env e = su();
    e["ir.config_parameter"]
        .search(term("key", domain::Op::kEq, kRefusePrivateTargetsParam))
        .unlink();
    e.commit();
  }
  EXPECT_FALSE(cache.get(reader()).refuse_private);
  // An unrelated parameter changes nothing but the generation.
  orm::Env e = su();
  orm::set_param(e, "web.base.url", "http://example.com");
  e.commit();
  EXPECT_FALSE(cache.get(reader()).refuse_private);
}

}  // namespace
}  // namespace autorules::outbox::test
