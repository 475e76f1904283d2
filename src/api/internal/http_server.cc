// The HTTP/1.1 front on Boost.Asio and Boost.Beast (see http_server.h). The only translation unit
// that includes Boost: Asio and Beast are header-only and slow to compile.
//
// Design notes. One io_context, run by the thread that calls serve(), owns every socket and timer;
// nothing here is touched by another thread except through asio::post (stop(), and the worker
// that hands a response back). Each connection is one coroutine (session) and one timer:
//
//   kWaiting ─(first byte)─► kHeader ─► kBody ─► kHandling ─► kWriting ─► kWaiting ...
//        └────────── any error, deadline, Connection: close ──► kClosing (lingering close) ─► gone
//
// arm() sets the connection's one deadline; when it passes the socket is closed, which ends the
// pending read or write with an error and so the session. The header deadline is armed once per
// request (at accept for the first one, at the first byte for the next ones), so a header that
// trickles in is cut off after header_timeout however slowly it comes. kHandling has no deadline:
// the handler is bounded by its own limits (script timeout, SQLite busy timeout).
//
// stop() closes the acceptor, closes the connections in kWaiting, kHeader and kClosing, and gives
// those in kBody and kWriting at most stop_grace seconds; a response written after stop() says
// Connection: close. io_context::run() returns once no connection is left, and serve() then joins
// the pool.
#include "api/internal/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <exception>
#include <iterator>
#include <unordered_set>
#include <utility>  // before any Boost header: Boost 1.74's asio/awaitable.hpp needs std::exchange

// Boost 1.74 looks for coroutines under clang only as the Coroutines TS (<experimental/coroutine>,
// libc++'s); clang 14 with libstdc++ has C++20's <coroutine>, which Asio then uses.
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/internal/worker_pool.h"
#include "common/errors.h"

namespace autorules::api::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

// A connection's buffer larger than this is released when the connection goes idle (a 64 KiB
// header must not stay allocated for every idle keep-alive connection).
constexpr std::size_t kIdleBufferCapacity = 16u << 10;
// After an error response or Connection: close, what the client still sends is read and dropped
// for this long (and up to kLingerBytes) before the socket is closed: closing with unread data
// sends a reset, which can destroy the response before the client has read it.
constexpr std::chrono::seconds kLinger{2};
constexpr std::size_t kLingerBytes = 4u << 20;

// Beast 1.74 has its own string_view.
std::string_view sv(beast::string_view v) {
  return {v.data(), v.size()};
}

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// A file descriptor per connection: the soft limit (often 1,024) is raised to the hard one.
void raise_fd_limit(std::size_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      lim = raised;
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
    spdlog::warn(
        "the open-file limit ({}) is below the connection cap ({}): connections beyond it wait "
        "in the listen queue",
        lim.rlim_cur, wanted);
  }
}

enum class Phase { kWaiting, kHeader, kBody, kHandling, kWriting, kClosing };

// The peer's address as text: an IPv4 client on an IPv6 socket as plain IPv4 ("" when unknown).
std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec)
    return "";
  asio::ip::address a = peer.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(tcp::socket s)
      : socket(std::move(s)), timer(socket.get_executor()), remote_address(peer_address(socket)) {}
  tcp::socket socket;
  asio::steady_timer timer;  // the deadline of the current phase
  Phase phase = Phase::kWaiting;
  const std::string remote_address;
};

// Sets the connection's deadline: when it passes, the socket is closed (the pending operation
// then fails and the session ends). Replaces the previous deadline.
void arm(Connection& c, Clock::time_point deadline) {
  c.timer.expires_at(deadline);
  c.timer.async_wait([weak = c.weak_from_this()](const error_code& ec) {
    if (ec)
      return;  // re-armed or cancelled
    auto conn = weak.lock();
    if (!conn || conn->timer.expiry() > Clock::now())
      return;  // re-armed after this wait had completed
    error_code ignored;
    conn->socket.close(ignored);
  });
}

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

std::string response_head(const HttpResponse& res, std::size_t content_length, bool keep_alive,
                          int version) {
  std::string head;
  head.reserve(160 + res.content_type.size());
  auto out = std::back_inserter(head);
  fmt::format_to(out, "HTTP/1.1 {} {}\r\n", res.status,
                 sv(http::obsolete_reason(
                     http::int_to_status(static_cast<unsigned>(std::clamp(res.status, 0, 999))))));
  if (!res.content_type.empty())
    fmt::format_to(out, "Content-Type: {}\r\n", res.content_type);
  for (const auto& [name, value] : res.headers)
    fmt::format_to(out, "{}: {}\r\n", name, value);
  // A 304 has no body, and its Content-Length would be the representation's (RFC 9110 8.6):
  // none is sent; its end is known from its status.
  if (res.status != 304)
    fmt::format_to(out, "Content-Length: {}\r\n", content_length);
  if (!keep_alive)
    head += "Connection: close\r\n";
  else if (version == 10)
    head += "Connection: keep-alive\r\n";
  head += "\r\n";
  return head;
}

}  // namespace

const std::string& HttpRequest::header(std::string_view name) const {
  static const std::string kNone;
  for (const auto& [n, v] : headers) {
    if (iequals(n, name))
      return v;
  }
  return kNone;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

HttpFields parse_query(std::string_view text) {
  HttpFields out;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view item = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    std::size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    if (!key.empty())
      out.emplace_back(percent_decode(key, true), percent_decode(value, true));
  }
  return out;
}

struct HttpServer::Impl {
  Impl(HttpOptions opts, Handler h, ErrorPage e)
      : options(std::move(opts)),
        handler(std::move(h)),
        error_page(std::move(e)),
        pool(options.workers) {}

  const HttpOptions options;
  const Handler handler;
  const ErrorPage error_page;
  int port = 0;  // set by bind()
  std::atomic<std::size_t> open{0};

  // Event-loop state (touched only by the io_context's thread). Declared before io: destroying
  // io destroys the sessions still suspended in it, which unregister themselves from `live`.
  bool stopping = false;
  std::unordered_set<Connection*> live;
  Clock::time_point last_warning{};

  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  // The workers: blocking handlers run here only. Destroyed (joined) first, so no worker posts
  // to io once io is gone.
  WorkerPool pool;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(std::shared_ptr<Connection> c);
  asio::awaitable<void> send(Connection& c, const HttpResponse& res, bool keep_alive, int version,
                             bool head_only, error_code& ec);
  asio::awaitable<void> fail(Connection& c, int status, int version);
  asio::awaitable<void> linger(Connection& c);
  HttpResponse run_handler(const HttpRequest& req) const;
  HttpResponse page(int status) const;
  void begin_stop();
  Clock::time_point deadline(double seconds_from_now) const;
  // At most one warning every 10 s: a flood must not flood the log too.
  void warn_now_and_then(const std::string& message);

  // Runs the handler on the pool and completes (on the event loop) with its response.
  template <typename Token>
  auto async_handle(const HttpRequest& req, Token&& token) {
    return asio::async_initiate<Token, void(HttpResponse)>(
        [this, &req](auto completion) {
          // The event loop must not run out of work while the worker has the request.
          auto work = asio::make_work_guard(io);
          pool.post([this, &req, completion = std::move(completion),
                     work = std::move(work)]() mutable {
            HttpResponse res = run_handler(req);
            auto ex = asio::get_associated_executor(completion, io.get_executor());
            asio::post(ex, [completion = std::move(completion), res = std::move(res)]() mutable {
              std::move(completion)(std::move(res));
            });
          });
        },
        token);
  }
};

Clock::time_point HttpServer::Impl::deadline(double seconds_from_now) const {
  if (stopping)
    seconds_from_now = std::min(seconds_from_now, options.stop_grace);
  return Clock::now() + seconds(seconds_from_now);
}

void HttpServer::Impl::warn_now_and_then(const std::string& message) {
  auto now = Clock::now();
  if (now - last_warning < std::chrono::seconds(10))
    return;
  last_warning = now;
  spdlog::warn("HTTP: {}", message);
}

HttpResponse HttpServer::Impl::page(int status) const {
  try {
    return error_page(status);
  } catch (...) {
    return HttpResponse{status, "text/plain", fmt::format("HTTP error {}", status), {}};
  }
}

HttpResponse HttpServer::Impl::run_handler(const HttpRequest& req) const {
  // The exception firewall: whatever the handler throws becomes a 500, never a crash.
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", req.method, req.path, e.what());
  } catch (...) {
    spdlog::error("{} {}: unknown error", req.method, req.path);
  }
  return page(500);
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  asio::steady_timer pause(io);
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping || !acceptor.is_open())
      co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted)
        co_return;
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE ||
          ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
        // Out of file descriptors or memory: the pending connection stays queued, and accepting
        // again at once would spin. Wait a little for connections to close.
        warn_now_and_then(fmt::format("accepting connections: {}", ec.message()));
        pause.expires_after(std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      continue;
    }
    if (live.size() >= options.max_connections) {
      warn_now_and_then(fmt::format("{} connections open: new connections are closed at once",
                                    options.max_connections));
      socket.close(ec);
      continue;
    }
    // Small responses must not wait for delayed ACKs (Nagle): 40 ms per call otherwise.
    socket.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<Connection>(std::move(socket));
    live.insert(c.get());  // here, not when the session starts: the cap counts it at once
    open = live.size();
    asio::co_spawn(io, session(std::move(c)), [](std::exception_ptr e) {
      if (!e)
        return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("HTTP connection: {}", x.what());
      } catch (...) {
        spdlog::error("HTTP connection: unknown error");
      }
    });
  }
}

asio::awaitable<void> HttpServer::Impl::send(Connection& c, const HttpResponse& res,
                                             bool keep_alive, int version, bool head_only,
                                             error_code& ec) {
  c.phase = Phase::kWriting;
  arm(c, deadline(options.write_timeout));
  std::string head = response_head(res, res.body.size(), keep_alive, version);
  std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head), asio::buffer(res.body.data(), head_only ? 0 : res.body.size())};
  co_await asio::async_write(c.socket, buffers, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> HttpServer::Impl::fail(Connection& c, int status, int version) {
  error_code ec;
  co_await send(c, page(status), /*keep_alive=*/false, version, /*head_only=*/false, ec);
  if (!ec)
    co_await linger(c);
}

asio::awaitable<void> HttpServer::Impl::linger(Connection& c) {
  c.phase = Phase::kClosing;
  if (stopping)
    co_return;
  error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    co_return;
  arm(c, Clock::now() + kLinger);
  std::array<char, 4096> sink;
  std::size_t dropped = 0;
  while (dropped < kLingerBytes) {
    dropped += co_await c.socket.async_read_some(asio::buffer(sink),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
      break;
  }
}

asio::awaitable<void> HttpServer::Impl::session(std::shared_ptr<Connection> c) {
  struct Unregister {
    Impl& impl;
    Connection& conn;
    ~Unregister() {
      impl.live.erase(&conn);
      impl.open = impl.live.size();
      error_code ignored;
      conn.socket.close(ignored);
      try {
        conn.timer.cancel();
      } catch (...) {
      }
    }
  } unregister{*this, *c};

  beast::flat_buffer buffer;
  error_code ec;
  bool first = true;
  arm(*c, deadline(options.header_timeout));  // the first request's header, from accept
  for (;;) {
    // Waiting for a request: no thread, no buffer beyond what is left of a pipelined one.
    c->phase = Phase::kWaiting;
    if (buffer.size() == 0) {
      if (!first) {
        if (buffer.capacity() > kIdleBufferCapacity)
          buffer.shrink_to_fit();
        arm(*c, Clock::now() + seconds(options.keep_alive_timeout));
      }
      co_await c->socket.async_wait(tcp::socket::wait_read,
                                    asio::redirect_error(asio::use_awaitable, ec));
      if (ec || stopping)
        co_return;
    }
    if (stopping)
      co_return;  // a pipelined request after stop(): the client sends it again elsewhere
    c->phase = Phase::kHeader;
    if (!first)
      arm(*c, deadline(options.header_timeout));
    first = false;

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_size));
    parser.body_limit(static_cast<std::uint64_t>(options.max_body_size));
    co_await http::async_read_header(c->socket, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == http::error::header_limit)
        co_await fail(*c, 431, 11);
      else if (ec == http::error::body_limit)  // Content-Length over the limit
        co_await fail(*c, 413, 11);
      else if (is_http_error(ec) && ec != http::error::end_of_stream &&
               ec != http::error::partial_message)
        co_await fail(*c, 400, 11);
      co_return;  // closed, reset, or the header deadline
    }
    const auto& msg = parser.get();
    if (msg.version() != 10 && msg.version() != 11) {
      co_await fail(*c, 400, 11);  // HTTP/1.0 and HTTP/1.1 only
      co_return;
    }
    const int version = msg.version();
    // RFC 9112 6.1 and 6.3: a body whose length cannot be known is refused, not guessed.
    if (auto te = msg.find(http::field::transfer_encoding); te != msg.end()) {
      if (version == 10 || !parser.chunked()) {
        co_await fail(*c, 400, version);
        co_return;
      }
      if (!iequals(sv(te->value()), "chunked")) {
        co_await fail(*c, 501, version);  // a coding besides chunked (gzip, ...)
        co_return;
      }
    }

    c->phase = Phase::kBody;
    arm(*c, deadline(options.body_timeout));
    if (!parser.is_done()) {
      if (version == 11 && iequals(sv(msg[http::field::expect]), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(c->socket, asio::buffer(kContinue.data(), kContinue.size()),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          co_return;
      }
      co_await http::async_read(c->socket, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == http::error::body_limit)  // a chunked body over the limit
          co_await fail(*c, 413, version);
        else if (is_http_error(ec) && ec != http::error::partial_message &&
                 ec != http::error::end_of_stream)
          co_await fail(*c, 400, version);
        co_return;
      }
    }

    // A complete request: to a worker. No deadline while it runs (the handler has its own).
    c->phase = Phase::kHandling;
    c->timer.cancel();
    HttpRequest req;
    req.method = sv(msg.method_string());
    req.target = sv(msg.target());
    req.version = version;
    req.remote_address = c->remote_address;
    std::string_view target = req.target;
    target = target.substr(0, target.find('#'));
    std::size_t question = target.find('?');
    req.path = percent_decode(target.substr(0, question), false);
    if (question != std::string_view::npos)
      req.query = parse_query(target.substr(question + 1));
    req.headers.reserve(8);
    for (const auto& field : msg)
      req.headers.emplace_back(sv(field.name_string()), sv(field.value()));
    bool keep_alive = parser.keep_alive();
    req.body = std::move(parser.get().body());

    HttpResponse res = co_await async_handle(req, asio::use_awaitable);

    if (stopping)
      keep_alive = false;
    co_await send(*c, res, keep_alive, version, req.method == "HEAD", ec);
    if (ec)
      co_return;
    if (!keep_alive) {
      co_await linger(*c);
      co_return;
    }
  }
}

void HttpServer::Impl::begin_stop() {
  if (stopping)
    return;
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  auto grace = Clock::now() + seconds(options.stop_grace);
  for (Connection* c : live) {
    switch (c->phase) {
      case Phase::kWaiting:
      case Phase::kHeader:
      case Phase::kClosing:
        c->socket.close(ignored);
        break;
      case Phase::kBody:
      case Phase::kWriting:
        if (c->timer.expiry() > grace)
          arm(*c, grace);
        break;
      case Phase::kHandling:
        break;  // answered when its handler returns, then closed
    }
  }
  spdlog::debug("HTTP: stopping, {} connection(s) open", live.size());
}

HttpServer::HttpServer(HttpOptions options, Handler handler, ErrorPage error_page) {
  raise_fd_limit(options.max_connections + 64);
  impl_ = std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_page));
}

HttpServer::~HttpServer() = default;

ListeningSocket listen_on(const std::string& host, int port) {
  auto cannot = [&](const std::string& why) {
    return common::UserError(fmt::format("cannot listen on {}:{} ({})", host, port, why));
  };
  asio::io_context io;
  error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec)
    throw cannot(ec.message());
  error_code last = asio::error::address_in_use;
  for (const auto& entry : endpoints) {
    tcp::acceptor acceptor(io);
    acceptor.open(entry.endpoint().protocol(), ec);
    // SO_REUSEADDR only (a restart binds while old connections are in TIME_WAIT); never
    // SO_REUSEPORT, which would let a second server share this port and its connections.
    if (!ec)
      acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acceptor.bind(entry.endpoint(), ec);
    // SOMAXCONN, not a small backlog: a burst of new clients would overflow it and each dropped
    // connection wait a one-second SYN retransmission.
    if (!ec)
      acceptor.listen(tcp::acceptor::max_listen_connections, ec);
    if (ec) {
      last = ec;
      continue;
    }
    ListeningSocket socket;
    socket.port = acceptor.local_endpoint().port();
    socket.v6 = entry.endpoint().protocol() == tcp::v6();
    socket.fd = acceptor.release(ec);
    if (ec)
      throw cannot(ec.message());
    return socket;
  }
  throw cannot(last == asio::error::address_in_use ? "address in use or not available"
                                                   : last.message());
}

void close_socket(ListeningSocket& socket) {
  if (socket.fd >= 0)
    ::close(socket.fd);
  socket.fd = -1;
}

void HttpServer::bind() {
  adopt(listen_on(impl_->options.host, impl_->options.port));
}

void HttpServer::adopt(ListeningSocket socket) {
  Impl& s = *impl_;
  error_code ec;
  s.acceptor.assign(socket.v6 ? tcp::v6() : tcp::v4(), socket.fd, ec);
  if (ec) {
    close_socket(socket);
    throw common::UserError(
        fmt::format("cannot listen on {}:{} ({})", s.options.host, socket.port, ec.message()));
  }
  s.port = socket.port;
}

int HttpServer::port() const {
  return impl_->port;
}

void HttpServer::serve() {
  Impl& s = *impl_;
  asio::co_spawn(s.io, s.accept_loop(), [](std::exception_ptr e) {
    if (e)
      std::rethrow_exception(e);
  });
  s.io.run();
  s.pool.join();
}

void HttpServer::stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->begin_stop(); });
}

std::size_t HttpServer::connections() const {
  return impl_->open.load();
}

}  // namespace autorules::api::internal
