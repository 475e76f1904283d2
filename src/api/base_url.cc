#include "api/base_url.h"

#include <atomic>
#include <cctype>

#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/base/users.h"
#include "orm/env.h"

namespace autorules::api {

namespace {

struct Learning {
  std::atomic<bool> on{false};
};

// The host of an http(s) URL, without its port; "" when it has none.
std::string host_of(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    return close == std::string::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

// Whether the address is one only this machine reaches: what autorules sets by itself, never
// what a person would give other systems.
bool is_loopback(const std::optional<std::string>& url) {
  if (!url || url->empty())
    return true;
  std::string host = host_of(*url);
  for (char& c : host)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host == "localhost" || host.starts_with("127.") || host == "[::1]";
}

bool frozen(const orm::Env& env) {
  std::optional<std::string> freeze = orm::get_param(env, "web.base.url.freeze");
  return freeze && !freeze->empty() && *freeze != "False" && *freeze != "false" && *freeze != "0";
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::optional<std::string> base_url_of_host(const std::string& host_header) {
  const std::string& h = host_header;
  if (h.empty() || h.size() > 261)
    return std::nullopt;
  size_t port_at = std::string::npos;
  if (h.front() == '[') {
    size_t close = h.find(']');
    if (close == std::string::npos || close < 3)
      return std::nullopt;
    for (size_t i = 1; i < close; ++i) {
      if (!std::isxdigit(static_cast<unsigned char>(h[i])) && h[i] != ':' && h[i] != '.')
        return std::nullopt;
    }
    if (close + 1 < h.size()) {
      if (h[close + 1] != ':')
        return std::nullopt;
      port_at = close + 1;
    }
  } else {
    port_at = h.find(':');
    size_t end = port_at == std::string::npos ? h.size() : port_at;
    if (end == 0 || end > 253)
      return std::nullopt;
    for (size_t i = 0; i < end; ++i) {
      if (!host_char(h[i]))
        return std::nullopt;
    }
  }
  if (port_at != std::string::npos) {
    std::string port = h.substr(port_at + 1);
    if (port.empty() || port.size() > 5)
      return std::nullopt;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return std::nullopt;
    }
    if (std::stoi(port) == 0 || std::stoi(port) > 65535)
      return std::nullopt;
  }
  return "http://" + h;
}

void init_base_url(orm::Runtime& runtime, const std::string& host, int port) {
  std::string shown = host.empty() || host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host;
  if (shown.find(':') != std::string::npos)
    shown = "[" + shown + "]";
  std::string url = "http://" + shown + ":" + std::to_string(port);
  bool learn = false;
  common::retry_on_conflict([&] {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    std::optional<std::string> current = orm::get_param(env, "web.base.url");
    learn = false;
    if (frozen(env) || !is_loopback(current))
      return;
    if (current != url) {
      orm::set_param(env, "web.base.url", url);
      spdlog::info("web.base.url is {} until an administrator's request tells the address", url);
    }
    env.commit();
    learn = true;
  });
  runtime.component<Learning>().on = learn;
}

bool learning_base_url(orm::Runtime& runtime) {
  return runtime.component<Learning>().on.load(std::memory_order_relaxed);
}

void learn_base_url(orm::Runtime& runtime, const std::string& url) {
  Learning& learning = runtime.component<Learning>();
  if (!learning.on || is_loopback(url))
    return;  // a request to this machine's own address tells nothing new
  common::retry_on_conflict([&] {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    std::optional<std::string> current = orm::get_param(env, "web.base.url");
    if (frozen(env) || !is_loopback(current)) {
      learning.on = false;  // a person set it meanwhile
      return;
    }
    orm::set_param(env, "web.base.url", url);
    env.commit();
    learning.on = false;
    spdlog::info("web.base.url is now {}, from an administrator's request", url);
  });
}

}  // namespace autorules::api
