#include "api/server.h"

#include <chrono>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/doc.h"
#include "api/json2.h"
#include "api/metrics.h"
#include "api/webhook.h"
#include "common/errors.h"
#include "orm/env.h"

namespace autorules::api {

namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

void send_error(httplib::Response& res, int status, const char* name, const std::string& message) {
  res.status = status;
  res.set_content(error_body(name, message, status), kJson);
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
  Impl(orm::Runtime& rt, ServerOptions opts) : runtime(rt), options(std::move(opts)) {}
  orm::Runtime& runtime;
  const ServerOptions options;
  httplib::Server http;
  Metrics metrics;
  int port = 0;
  socket_t listening = INVALID_SOCKET;  // the listening socket, once bound

  void routes();
};

void Server::Impl::routes() {
  http.set_payload_max_length(options.max_body_size);
  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // server start on a port in use and silently share its connections.
  http.set_socket_options([this](socket_t sock) {
    listening = sock;
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  http.set_keep_alive_max_count(1000);
  // Small JSON responses must not wait for delayed ACKs (Nagle): 40 ms per call otherwise.
  http.set_tcp_nodelay(true);
  // An idle keep-alive connection holds a worker until this timeout, and a graceful stop waits
  // for it (cpp-httplib does not interrupt the wait): short, so that SIGTERM ends promptly.
  http.set_keep_alive_timeout(3);
  if (options.workers > 0) {
    int n = options.workers;
    http.new_task_queue = [n] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  }

  http.Post(R"(/json/2/([^/]+)/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res) {
              auto start = std::chrono::steady_clock::now();
              Response r = handle_json2(runtime, req.matches[1], req.matches[2],
                                        req.get_header_value("Authorization"), req.body);
              res.status = r.status;
              res.set_content(r.body, kJson);
              auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start);
              metrics.record(r.status, static_cast<std::uint64_t>(us.count()));
              spdlog::debug("POST {} {} {}us", req.path, r.status, us.count());
            });
  auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", "POST");
    send_error(res, 405, "werkzeug.exceptions.MethodNotAllowed",
               fmt::format("The method {} is not allowed for {}: use POST", req.method, req.path));
  };
  // Incoming webhooks: no login, the uuid is the secret.
  auto webhook = [this](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::pair<std::string, std::string>> query(req.params.begin(), req.params.end());
    Response r = handle_webhook(runtime, req.matches[1], req.body, query);
    res.status = r.status;
    res.set_content(r.body, kJson);
    spdlog::debug("{} /web/hook/... {}", req.method, r.status);
  };
  http.Post(R"(/web/hook/([^/]+))", webhook);
  http.Get(R"(/web/hook/([^/]+))", webhook);
  auto hook_not_allowed = [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", "GET, POST");
    res.status = 405;
    res.set_content(fmt::format("{{\"status\": \"error\", \"message\": \"The method {} is not "
                                "allowed: use POST or GET\"}}",
                                req.method),
                    kJson);
  };
  http.Put(R"(/web/hook/.*)", hook_not_allowed);
  http.Delete(R"(/web/hook/.*)", hook_not_allowed);
  http.Patch(R"(/web/hook/.*)", hook_not_allowed);
  http.Get(R"(/json/2/.*)", not_allowed);
  http.Put(R"(/json/2/.*)", not_allowed);
  http.Delete(R"(/json/2/.*)", not_allowed);
  http.Patch(R"(/json/2/.*)", not_allowed);

  http.Get("/web/version", [](const httplib::Request&, httplib::Response& res) {
    common::Json info = common::Json::array({19, 0, 0, "final", 0, ""});
    common::Json v = {{"server_version", "19.0"},
                      {"server_version_info", info},
                      {"version", "19.0"},
                      {"version_info", info},
                      {"autorules_version", AUTORULES_VERSION},
                      {"protocol_version", 1}};
    res.set_content(v.dump(), kJson);
  });
  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    try {
      orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
      env.cr().scalar("SELECT 1");
      res.set_content(R"({"status": "pass", "database": "ok"})", kJson);
    } catch (const std::exception& e) {
      spdlog::error("/health: {}", e.what());
      res.status = 503;
      res.set_content(R"({"status": "fail", "database": "unavailable"})", kJson);
    }
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(runtime), "text/plain; version=0.0.4");
  });
  http.Get("/doc", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(doc_html(runtime), "text/html; charset=utf-8");
  });
  http.Get(R"(/doc/([^/]+)\.json)", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      res.set_content(doc_model_json(runtime, req.matches[1]), kJson);
    } catch (const common::Error& e) {
      send_error(res, status_of(e.kind()), e.name(), e.what());
    }
  });

  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("{} {}: {}", req.method, req.path, what);
        send_error(res, 500, "werkzeug.exceptions.InternalServerError",
                   "internal server error (details in the server log)");
      });
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) -> httplib::Server::HandlerResponse {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        switch (res.status) {
          case 404:
            send_error(res, 404, "werkzeug.exceptions.NotFound",
                       fmt::format("Nothing at {}", req.path));
            break;
          case 413:
            send_error(res, 413, "werkzeug.exceptions.RequestEntityTooLarge",
                       "The request body is larger than the server accepts (--max-body-size)");
            break;
          case 400:
            send_error(res, 400, "werkzeug.exceptions.BadRequest", "Malformed HTTP request");
            break;
          default:
            send_error(res, res.status, "werkzeug.exceptions.HTTPException",
                       fmt::format("HTTP error {}", res.status));
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
}

Server::Server(orm::Runtime& runtime, ServerOptions options)
    : impl_(std::make_unique<Impl>(runtime, std::move(options))) {
  impl_->routes();
}

Server::~Server() = default;

void Server::bind() {
  if (impl_->options.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(impl_->options.host);
  } else {
    impl_->port = impl_->http.bind_to_port(impl_->options.host, impl_->options.port)
                      ? impl_->options.port
                      : -1;
  }
  if (impl_->port < 0) {
    throw common::UserError(fmt::format("cannot listen on {}:{} (address in use or not available)",
                                        impl_->options.host, impl_->options.port));
  }
  // cpp-httplib listens with a backlog of 5: a burst of new clients overflows it and the dropped
  // connections wait a one-second SYN retransmission. Listening again only raises the backlog.
  ::listen(impl_->listening, SOMAXCONN);
}

int Server::port() const {
  return impl_->port;
}

void Server::serve() {
  impl_->http.listen_after_bind();
}

void Server::stop() {
  impl_->http.stop();
}

}  // namespace autorules::api
