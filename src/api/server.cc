#include "api/server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/doc.h"
#include "api/internal/http_server.h"
#include "api/json2.h"
#include "api/jsonrpc.h"
#include "api/mail_inbound.h"
#include "api/metrics.h"
#include "api/sms_status.h"
#include "api/static_files.h"
#include "api/web_session.h"
#include "api/webhook.h"
#include "api/whatsapp_webhook.h"
#include "api/xmlrpc.h"
#include "common/errors.h"
#include "common/text.h"
#include "orm/env.h"

namespace autorules::api {

using internal::HttpRequest;
using internal::HttpResponse;

namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

// Who the request says it is: its API key, or its session cookie and CSRF token (auth.h).
Credentials credentials_of(const internal::HttpRequest& req) {
  Credentials c;
  c.authorization = req.header("Authorization");
  c.session = session_cookie(req.header("Cookie"));
  c.csrf = req.header("X-CSRF-Token");
  c.state_changing = req.method != "GET" && req.method != "HEAD";
  return c;
}

HttpResponse error_response(int status, const char* name, const std::string& message) {
  return HttpResponse{status, kJson, error_body(name, message, status), {}};
}

// 405 for a route that takes POST only.
HttpResponse post_only(const std::string& method, const std::string& path) {
  HttpResponse r =
      error_response(405, "werkzeug.exceptions.MethodNotAllowed",
                     fmt::format("The method {} is not allowed for {}: use POST", method, path));
  r.headers.emplace_back("Allow", "POST");
  return r;
}

// The error pages: Odoo's error object with werkzeug's exception names.
HttpResponse error_page(int status, std::string_view path = "") {
  switch (status) {
    case 400:
      return error_response(400, "werkzeug.exceptions.BadRequest", "Malformed HTTP request");
    case 404:
      return error_response(404, "werkzeug.exceptions.NotFound",
                            fmt::format("Nothing at {}", path));
    case 413:
      return error_response(413, "werkzeug.exceptions.RequestEntityTooLarge",
                            "The request body is larger than the server accepts (--max-body-size)");
    case 431:
      return error_response(431, "werkzeug.exceptions.RequestHeaderFieldsTooLarge",
                            "The request header is larger than the server accepts (64 KiB)");
    case 500:
      return error_response(500, "werkzeug.exceptions.InternalServerError",
                            "internal server error (details in the server log)");
    case 501:
      return error_response(501, "werkzeug.exceptions.NotImplemented",
                            "Transfer-Encoding other than chunked is not supported");
    default:
      return error_response(status, "werkzeug.exceptions.HTTPException",
                            fmt::format("HTTP error {}", status));
  }
}

// The segments of `path` after `prefix` when they are exactly `n` non-empty ones: "/json/2/a/b"
// with prefix "/json/2/" and n = 2 gives {"a", "b"} (the routes' "([^/]+)/([^/]+)").
std::optional<std::vector<std::string>> segments(std::string_view path, std::string_view prefix,
                                                 std::size_t n) {
  if (!path.starts_with(prefix))
    return std::nullopt;
  std::vector<std::string> out;
  std::string_view rest = path.substr(prefix.size());
  for (;;) {
    std::size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty() || out.size() == n)
      return std::nullopt;
    out.emplace_back(part);
    if (slash == std::string_view::npos)
      break;
    rest = rest.substr(slash + 1);
  }
  if (out.size() != n)
    return std::nullopt;
  return out;
}

// Twice the cores, at least 8: a handler is partly CPU (Python, the ORM) and partly waiting (a
// group's commit and its fsync, the writer), and the threads that wait are what lets a group
// grow. An idle worker costs nothing: the pool hands work to the last thread that went idle
// (docs/architecture.md, "How many workers").
int default_workers() {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::max(8u, 2 * cores));
}

}  // namespace

std::optional<std::size_t> parse_size(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  std::size_t pos = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(text, &pos);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(pos);
  std::size_t mult = 1;
  if (unit == "" || unit == "B")
    mult = 1;
  else if (unit == "k" || unit == "K" || unit == "KB" || unit == "KiB")
    mult = 1u << 10;
  else if (unit == "M" || unit == "MB" || unit == "MiB")
    mult = 1u << 20;
  else if (unit == "G" || unit == "GB" || unit == "GiB")
    mult = 1u << 30;
  else
    return std::nullopt;
  return static_cast<std::size_t>(n) * mult;
}

struct Server::Impl {
  Impl(orm::Runtime& rt, ServerOptions opts)
      : runtime(rt),
        options(std::move(opts)),
        http(
            http_options(options), [this](const HttpRequest& req) { return route(req); },
            [](int status) { return error_page(status); }),
        web(std::filesystem::path(options.web_root)) {}

  orm::Runtime& runtime;
  const ServerOptions options;
  Metrics metrics;
  internal::HttpServer http;
  const StaticFiles web;

  static internal::HttpOptions http_options(const ServerOptions& o);
  // Runs on a worker thread. Exceptions are the front's firewall's (500, logged).
  HttpResponse route(const HttpRequest& req);
  HttpResponse sms_status(const HttpRequest& req, const std::string& provider);
  HttpResponse json2(const HttpRequest& req, const std::string& model, const std::string& method);
  HttpResponse webhook(const HttpRequest& req, const std::string& uuid);
  HttpResponse get(const HttpRequest& req);
  RpcOrigin rpc_origin(const HttpRequest& req) const;
  // A file of the web interface, or nullopt when `req` names none.
  std::optional<HttpResponse> web_file(const HttpRequest& req) const;
};

std::optional<HttpResponse> Server::Impl::web_file(const HttpRequest& req) const {
  const StaticFile* f = web.find(req.path);
  if (!f) {
    if (req.path != "/")
      return std::nullopt;
    return HttpResponse{503,
                        "text/plain; charset=utf-8",
                        "The web interface is not built: `make build` (or `make run`) builds it "
                        "into web/dist, and `--web-root` says where it is.\n",
                        {}};
  }
  HttpResponse r{200, f->content_type, "", {}};
  r.headers.emplace_back("ETag", f->etag);
  r.headers.emplace_back("Cache-Control",
                         f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (f->content_type.starts_with("text/html")) {
    // The page loads only its own scripts and talks only to this server; no other site frames it.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; script-src 'self'; style-src 'self' "
                           "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  if (!f->gzip_body.empty())
    r.headers.emplace_back("Vary", "Accept-Encoding");
  // If-None-Match: the copy the browser has is this one.
  const std::string& match = req.header("If-None-Match");
  if (!match.empty() &&
      (match == f->etag || match == "*" || match.find(f->etag) != std::string::npos)) {
    r.status = 304;
    return r;
  }
  const std::string& accept = req.header("Accept-Encoding");
  if (!f->gzip_body.empty() && accept.find("gzip") != std::string::npos) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = f->gzip_body;
  } else {
    r.body = f->body;
  }
  return r;
}

RpcOrigin Server::Impl::rpc_origin(const HttpRequest& req) const {
  RpcOrigin origin{req.header("Host"), req.remote_address};
  if (options.proxy_mode) {
    // The proxy appends the address it saw to whatever the client sent: only the last is true.
    const std::string& forwarded = req.header("X-Forwarded-For");
    std::string last = common::trim(forwarded.substr(forwarded.rfind(',') + 1));
    if (!last.empty() && last.size() <= 64)
      origin.address = std::move(last);
  }
  return origin;
}

internal::HttpOptions Server::Impl::http_options(const ServerOptions& o) {
  if (!std::isfinite(o.http_header_timeout) || o.http_header_timeout <= 0) {
    throw common::UserError(
        fmt::format("--http-header-timeout must be a positive number of seconds, not {}",
                    o.http_header_timeout));
  }
  if (o.max_connections < 1 || o.max_connections > 1000000) {
    throw common::UserError(
        fmt::format("--max-connections must be between 1 and 1000000, not {}", o.max_connections));
  }
  internal::HttpOptions h;
  h.host = o.host;
  h.port = o.port;
  h.workers = o.workers > 0 ? o.workers : default_workers();
  h.max_body_size = o.max_body_size;
  h.header_timeout = o.http_header_timeout;
  h.max_connections = o.max_connections;
  return h;
}

HttpResponse Server::Impl::route(const HttpRequest& req) {
  const std::string& m = req.method;
  const std::string& path = req.path;
  // Methods as cpp-httplib routed them: HEAD as GET (the body is not sent), OPTIONS to no
  // route, CONNECT, TRACE and unknown methods refused.
  const bool get_like = m == "GET" || m == "HEAD";
  if (m == "OPTIONS")
    return error_page(404, path);
  if (!get_like && m != "POST" && m != "PUT" && m != "DELETE" && m != "PATCH")
    return error_page(400);

  if (path.starts_with("/json/2/")) {
    if (m == "POST") {
      if (auto s = segments(path, "/json/2/", 2))
        return json2(req, (*s)[0], (*s)[1]);
      return error_page(404, path);
    }
    return post_only(m, path);
  }
  if (path.starts_with("/web/hook/")) {
    if (m == "POST" || get_like) {
      // Incoming webhooks: no login, the uuid is the secret.
      if (auto s = segments(path, "/web/hook/", 1))
        return webhook(req, (*s)[0]);
      return error_page(404, path);
    }
    HttpResponse r{405,
                   kJson,
                   fmt::format("{{\"status\": \"error\", \"message\": \"The method {} is not "
                               "allowed: use POST or GET\"}}",
                               m),
                   {{"Allow", "GET, POST"}}};
    return r;
  }
  // Odoo's older RPC protocols (docs/rpc.md): POST only, as Odoo's.
  if (path.starts_with("/xmlrpc/2/") || path == "/jsonrpc") {
    if (m != "POST") {
      return post_only(m, path);
    }
    if (path == "/jsonrpc") {
      Response r = handle_jsonrpc(runtime, req.body, rpc_origin(req));
      return HttpResponse{r.status, kJson, std::move(r.body), {}};
    }
    auto s = segments(path, "/xmlrpc/2/", 1);
    if (!s)
      return error_page(404, path);
    Response r = handle_xmlrpc(runtime, (*s)[0], req.body, rpc_origin(req));
    return HttpResponse{r.status, "text/xml; charset=utf-8", std::move(r.body), {}};
  }
  // The browser's session (web_session.h): POST only, as Odoo's JSON routes.
  if (path.starts_with("/web/session/")) {
    if (m != "POST") {
      return post_only(m, path);
    }
    auto s = segments(path, "/web/session/", 1);
    if (!s)
      return error_page(404, path);
    SessionRequest sr;
    sr.body = req.body;
    sr.content_type = req.header("Content-Type");
    sr.cookie = req.header("Cookie");
    sr.csrf = req.header("X-CSRF-Token");
    sr.address = rpc_origin(req).address;  // what login failures are counted against
    sr.user_agent = req.header("User-Agent");
    // Behind a TLS-terminating proxy (--proxy-mode), the cookie is for HTTPS only when the proxy
    // says the browser came over HTTPS. The server itself speaks plain HTTP.
    if (options.proxy_mode) {
      std::string proto = common::trim(req.header("X-Forwarded-Proto"));
      for (char& c : proto)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      sr.https = proto == "https";
    }
    SessionResponse r = handle_session(runtime, (*s)[0], sr);
    HttpResponse out{r.status, kJson, std::move(r.body), {}};
    for (auto& h : r.headers)
      out.headers.push_back(std::move(h));
    // Never kept by a cache between the server and the browser.
    out.headers.emplace_back("Cache-Control", "no-store");
    return out;
  }
  // Providers' delivery reports (sms_status.h): POST only, signed by the provider.
  if (path.starts_with("/sms/twilio/status/")) {
    if (m != "POST")
      return post_only(m, path);
    auto s = segments(path, "/sms/twilio/status/", 1);
    if (!s)
      return error_page(404, path);
    return sms_status(req, (*s)[0]);
  }
  if (path == "/whatsapp/webhook" || path == "/whatsapp/webhook/") {
    if (get_like) {
      Response r = handle_whatsapp_verify(runtime, req.query);
      return HttpResponse{
          r.status, r.status == 200 ? "text/plain; charset=utf-8" : kJson, std::move(r.body), {}};
    }
    if (m != "POST") {
      HttpResponse r = error_response(
          405, "werkzeug.exceptions.MethodNotAllowed",
          fmt::format("The method {} is not allowed for {}: use GET or POST", m, path));
      r.headers.emplace_back("Allow", "GET, POST");
      return r;
    }
    Response r = handle_whatsapp_webhook(runtime, req.body, req.header("X-Hub-Signature-256"));
    return HttpResponse{r.status, kJson, std::move(r.body), {}};
  }
  if (path == "/mail/inbound") {
    if (m == "POST") {
      Response r = handle_mail_inbound(runtime, req.header("Authorization"), req.body);
      return HttpResponse{r.status, kJson, std::move(r.body), {}};
    }
    return post_only(m, path);
  }
  if (get_like)
    return get(req);
  return error_page(404, path);
}

HttpResponse Server::Impl::json2(const HttpRequest& req, const std::string& model,
                                 const std::string& method) {
  auto start = std::chrono::steady_clock::now();
  Response r =
      handle_json2(runtime, model, method, credentials_of(req), req.body, req.header("Host"));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  metrics.record(r.status, static_cast<std::uint64_t>(us.count()));
  spdlog::debug("POST {} {} {}us", req.path, r.status, us.count());
  return HttpResponse{r.status, kJson, std::move(r.body), {}};
}

HttpResponse Server::Impl::webhook(const HttpRequest& req, const std::string& uuid) {
  // The query string's parameters, then a form body's (as Odoo's request.params).
  internal::HttpFields params = req.query;
  if (req.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    for (auto& p : internal::parse_query(req.body))
      params.push_back(std::move(p));
  }
  Response r = handle_webhook(runtime, uuid, req.body, params);
  spdlog::debug("{} /web/hook/... {}", req.method, r.status);
  return HttpResponse{r.status, kJson, std::move(r.body), {}};
}

HttpResponse Server::Impl::sms_status(const HttpRequest& req, const std::string& provider) {
  SmsStatusRequest r;
  r.provider = provider;
  r.target = req.target;
  r.query = req.query;
  if (req.header("Content-Type").starts_with("application/x-www-form-urlencoded"))
    r.form = internal::parse_query(req.body);
  r.signature = req.header("X-Twilio-Signature");
  // The URL as this request says it was sent: its Host, and its scheme (behind a proxy that
  // terminates TLS, as the proxy says).
  const std::string& host = req.header("Host");
  if (!host.empty() && host.find_first_of("/ \t") == std::string::npos) {
    std::string scheme = "http";
    if (options.proxy_mode &&
        common::ascii_lower(common::trim(req.header("X-Forwarded-Proto"))) == "https")
      scheme = "https";
    r.urls.push_back(scheme + "://" + host + req.target);
  }
  Response out = handle_sms_status(runtime, r);
  spdlog::debug("POST /sms/twilio/status/... {}", out.status);
  return HttpResponse{out.status, out.body.empty() ? "" : kJson, std::move(out.body), {}};
}

HttpResponse Server::Impl::get(const HttpRequest& req) {
  const std::string& path = req.path;
  if (path == "/web/version") {
    common::Json info = common::Json::array({19, 0, 0, "final", 0, ""});
    common::Json v = {{"server_version", "19.0"},
                      {"server_version_info", info},
                      {"version", "19.0"},
                      {"version_info", info},
                      {"autorules_version", AUTORULES_VERSION},
                      {"protocol_version", 1}};
    return HttpResponse{200, kJson, v.dump(), {}};
  }
  if (path == "/health") {
    try {
      orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
      env.cr().scalar("SELECT 1");
      return HttpResponse{200, kJson, R"({"status": "pass", "database": "ok"})", {}};
    } catch (const std::exception& e) {
      spdlog::error("/health: {}", e.what());
      return HttpResponse{503, kJson, R"({"status": "fail", "database": "unavailable"})", {}};
    }
  }
  if (path == "/metrics")
    return HttpResponse{200, "text/plain; version=0.0.4", metrics.render(runtime), {}};
  if (path == "/doc") {
    try {
      return HttpResponse{
          200, "text/html; charset=utf-8", doc_html(runtime, credentials_of(req)), {}};
    } catch (const common::AccessDenied& e) {
      return error_response(status_of(e.kind()), e.name(), e.what());
    }
  }
  if (path.starts_with("/doc/") && path.ends_with(".json") && path.size() > 10) {
    std::string_view model(path);
    model = model.substr(5, model.size() - 10);
    if (model.find('/') == std::string_view::npos) {
      try {
        return HttpResponse{
            200, kJson, doc_model_json(runtime, credentials_of(req), std::string(model)), {}};
      } catch (const common::Error& e) {
        return error_response(status_of(e.kind()), e.name(), e.what());
      }
    }
  }
  if (auto file = web_file(req))
    return std::move(*file);
  return error_page(404, path);
}

Server::Server(orm::Runtime& runtime, ServerOptions options)
    : impl_(std::make_unique<Impl>(runtime, std::move(options))) {}

Server::~Server() = default;

void Server::bind() {
  impl_->http.bind();
}

void Server::listen(Listener listener) {
  internal::ListeningSocket socket{listener.fd_, listener.port_, listener.v6_};
  listener.fd_ = -1;
  impl_->http.adopt(socket);
}

Listener::Listener(const std::string& host, int port) {
  internal::ListeningSocket socket = internal::listen_on(host, port);
  fd_ = socket.fd;
  port_ = socket.port;
  v6_ = socket.v6;
}

Listener::~Listener() {
  internal::ListeningSocket socket{fd_, port_, v6_};
  internal::close_socket(socket);
}

Listener::Listener(Listener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_), v6_(other.v6_) {}

int Server::port() const {
  return impl_->http.port();
}

void Server::serve() {
  impl_->http.serve();
}

void Server::stop() {
  impl_->http.stop();
}

}  // namespace autorules::api
