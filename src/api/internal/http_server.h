// The HTTP/1.1 front of the server: one event loop (Boost.Asio, on the thread that calls serve())
// accepts connections and reads requests, and only a complete request is handed to a bounded pool
// of worker threads, which run the blocking handler (SQLite, Python); the response is written back
// by the event loop. A connection therefore costs no thread while it is idle or while its request
// trickles in, and every phase of a connection has a deadline:
//
//   accepted ──► header ──► body ──► handler (worker) ──► write ──► idle (keep-alive) ──► header …
//   deadline:    header_timeout     body_timeout  none     write_timeout  keep_alive_timeout
//
// The header deadline is for the whole header (from the connection's start, or from the first
// byte of a keep-alive request), not per read: a client sending one byte a second is closed when
// it expires. The parser is Boost.Beast's (RFC 9112 framing: conflicting Content-Length headers,
// chunked bodies, limits); Beast is included by http_server.cc only, which keeps it out of every
// other translation unit.
//
// Thread-safety: bind(), port() and serve() from one thread; stop() from any thread, any number
// of times; connections() from any thread. The handler runs on the worker threads, concurrently
// with itself: it must be thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autorules::api::internal {

using HttpFields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent ("GET", "POST", ...)
  std::string target;  // as sent, e.g. "/web/hook/x?a=1"
  std::string path;    // the target before '?' (and '#'), percent-decoded
  HttpFields query;    // the query string's parameters in order: percent-decoded, '+' as space
  HttpFields headers;  // as sent, in order
  std::string body;    // empty when the request has neither Content-Length nor chunked body
  int version = 11;    // 10 or 11
  std::string remote_address;  // the client's IP address as text ("" when unknown)

  // The first header of that name (case-insensitive), "" when absent.
  const std::string& header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // none sent when empty
  std::string body;
  HttpFields headers;  // more headers (e.g. Allow); never Content-Length or Connection
};

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  int workers = 1;
  std::size_t max_body_size = 16u << 20;    // larger bodies get 413 (Content-Length or chunked)
  std::size_t max_header_size = 64u << 10;  // request line and headers; larger get 431
  std::size_t max_connections = 10000;      // beyond it, new connections are closed at once
  double header_timeout = 10;               // seconds for a whole request header
  double body_timeout = 60;                 // seconds for a whole request body
  double write_timeout = 30;                // seconds to write a whole response
  double keep_alive_timeout = 30;           // seconds an idle keep-alive connection stays open
  double stop_grace = 3;  // seconds a body being read or a response being written has after stop()
};

// A bound, listening TCP socket: its descriptor belongs to whoever holds the value (to
// HttpServer::adopt(), or closed with close_socket()).
struct ListeningSocket {
  int fd = -1;
  int port = 0;  // the bound port (the one the system picked when asked for 0)
  bool v6 = false;
};

// Opens, binds (SO_REUSEADDR, no SO_REUSEPORT) and listens (backlog SOMAXCONN) on host:port, the
// first of host's addresses that works; throws common::UserError "cannot listen on host:port
// (...)" when none does.
ListeningSocket listen_on(const std::string& host, int port);
void close_socket(ListeningSocket& socket);

class HttpServer {
 public:
  // Runs on a worker thread; may throw (the error page for 500 is sent and the error logged).
  using Handler = std::function<HttpResponse(const HttpRequest& request)>;
  // The response for an error the front answers itself (400, 413, 431, 501, and 500 when the
  // handler throws); on any thread, must not throw.
  using ErrorPage = std::function<HttpResponse(int status)>;

  HttpServer(HttpOptions options, Handler handler, ErrorPage error_page);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // listen_on(options' host and port), then adopt().
  void bind();
  // Serves on `socket` (from listen_on(); the server now owns its descriptor).
  void adopt(ListeningSocket socket);
  // The bound port (the one picked when HttpOptions::port is 0); 0 before bind().
  int port() const;
  // Serves until stop(): then the listening socket is closed, idle connections and requests still
  // sending their header are closed at once, bodies being read and responses being written get
  // stop_grace seconds, the requests being handled finish and are answered, and serve() returns.
  void serve();
  void stop();

  // Connections open now (for tests and logs).
  std::size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The parameters of a query string ("a=1&b=x+y%21"): percent-decoded, '+' as a space, in order;
// empty keys skipped; "a" alone is ("a", "").
HttpFields parse_query(std::string_view text);
// %XX sequences decoded (invalid ones kept as they are); '+' becomes a space when plus_is_space.
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace autorules::api::internal
