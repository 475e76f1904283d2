// The HTTP server: Odoo's JSON-2 API (/json/2/<model>/<method>), incoming webhooks
// (/web/hook/<uuid>), /web/version, /doc, /health and /metrics, on the event-driven HTTP/1.1 front
// of api/internal/http_server.h (connections cost no thread while they send or idle; a bounded pool
// of workers runs the calls). Every call is authenticated by API key and runs in one transaction of
// the ORM; errors become Odoo's JSON error object with one status each (README, "Configuration"),
// and nothing a client sends can crash the server or produce a 500 for its mistake.
//
// Thread-safety: bind() or listen(), port() and serve() from one thread; stop() from any thread (a
// signal watcher): the server stops accepting, closes idle connections, finishes and answers the
// calls in flight, and serve() returns.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "orm/runtime.h"

namespace autorules::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8069;                        // 0: any free port (see Server::port())
  std::size_t max_body_size = 16u << 20;  // bytes; larger bodies get 413
  int workers = 0;                        // request threads; 0 = twice the cores, at least 8
  double http_header_timeout = 10;        // seconds a client has to send a whole request header
  std::size_t max_connections = 10000;    // open connections; beyond, new ones are closed at once
  // Behind a reverse proxy: the client's address is the last one of X-Forwarded-For (what the
  // proxy saw), not the proxy's. Never set it for a server clients reach directly: they could
  // then claim any address.
  bool proxy_mode = false;
  // The built web interface (static_files.h); "" serves none.
  std::string web_root;
};

// A listening socket opened before the server exists: `serve` opens it before the database, so
// that an address in use is reported before anything is created.
class Listener {
 public:
  // Binds and listens on host:port (0: any free port); common::UserError "cannot listen on
  // host:port (...)" when the address is in use or not available.
  Listener(const std::string& host, int port);
  ~Listener();  // closes the socket unless a Server took it
  Listener(Listener&& other) noexcept;
  Listener& operator=(Listener&&) = delete;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int port() const { return port_; }

 private:
  friend class Server;
  int fd_ = -1;
  int port_ = 0;
  bool v6_ = false;
};

class Server {
 public:
  // UserError when an option is out of range (http_header_timeout not a positive number).
  Server(orm::Runtime& runtime, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; UserError when the address is in use.
  void bind();
  // Serves on `listener`'s socket instead (bind() not called).
  void listen(Listener listener);
  int port() const;
  // Serves until stop() (on the calling thread, which runs the event loop).
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "16M", "512k", "1048576" into bytes; nullopt when malformed.
std::optional<std::size_t> parse_size(const std::string& text);

}  // namespace autorules::api
