// The HTTP/1.1 front (api/internal/http_server.h) on raw sockets: framing (RFC 9112), limits,
// deadlines (short ones here, so that the tests are fast), the connection cap and graceful stop.
#include "api/internal/http_server.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/server.h"
#include "common/clock.h"
#include "common/errors.h"
#include "orm/runtime.h"
#include "store/database.h"
#include "test_support/temp_dir.h"

namespace autorules::api::internal {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One client connection with a receive timeout.
class Conn {
 public:
  explicit Conn(int port, double timeout = 5) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout);
    tv.tv_usec = static_cast<suseconds_t>((timeout - static_cast<double>(tv.tv_sec)) * 1e6);
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Conn() { ::close(fd_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool send(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  struct Reply {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
    bool has(const std::string& header_line) const {
      return head.find("\r\n" + header_line + "\r\n") != std::string::npos;
    }
  };

  // The next response; status 0 when the connection closed or timed out first.
  Reply reply(bool head_request = false) {
    Reply r;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill())
        return r;
    }
    r.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    std::size_t length = 0;
    if (auto p = r.head.find("Content-Length: "); p != std::string::npos && !head_request)
      length = std::stoul(r.head.substr(p + 16));
    while (buffer_.size() < length) {
      if (!fill())
        return Reply{};
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // True when the server closed the connection (within the receive timeout).
  bool closed_by_server() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool fill() {
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0)
      return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(
        options,
        [this](const HttpRequest& req) {
          calls_++;
          if (handler_)
            return handler_(req);
          return HttpResponse{200, "text/plain", req.method + " " + req.path + " " + req.body, {}};
        },
        [](int status) {
          return HttpResponse{
              status, "application/json", "{\"error\": " + std::to_string(status) + "}", {}};
        });
    server_->bind();
    port_ = server_->port();
    thread_ = std::thread([this] { server_->serve(); });
  }
  void stop() {
    if (!thread_.joinable())
      return;
    server_->stop();
    thread_.join();
  }
  void TearDown() override { stop(); }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::function<HttpResponse(const HttpRequest&)> handler_;
};

TEST_F(HttpServerTest, AnswersRequestsOnOneKeepAliveConnection) {
  start();
  Conn c(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/a%20b?x=1")));
    Conn::Reply r = c.reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /a b ");
    EXPECT_TRUE(r.has("Content-Type: text/plain")) << r.head;
    EXPECT_FALSE(r.has("Connection: close")) << r.head;
  }
}

TEST_F(HttpServerTest, PassesTheQueryHeadersAndBody) {
  handler_ = [](const HttpRequest& req) {
    std::string out = req.header("x-custom") + "|" + req.body + "|";
    for (const auto& [k, v] : req.query)
      out += k + "=" + v + ";";
    return HttpResponse{201, "text/plain", out, {{"Allow", "GET, POST"}}};
  };
  start();
  Conn c(port_);
  ASSERT_TRUE(
      c.send("POST /p?a=1&b=x+y%21&a=2&&c HTTP/1.1\r\nHost: x\r\nX-Custom: yes\r\n"
             "Content-Length: 5\r\n\r\nhello"));
  Conn::Reply r = c.reply();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "yes|hello|a=1;b=x y!;a=2;c=;");
  EXPECT_TRUE(r.has("Allow: GET, POST")) << r.head;
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  handler_ = [](const HttpRequest& req) {
    if (req.path == "/slow")
      std::this_thread::sleep_for(100ms);
    return HttpResponse{200, "text/plain", req.path, {}};
  };
  start();
  Conn c(port_);
  ASSERT_TRUE(
      c.send(get("/slow") + get("/fast") + "POST /post HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(c.reply().body, "/slow");
  EXPECT_EQ(c.reply().body, "/fast");
  EXPECT_EQ(c.reply().body, "/post");
}

TEST_F(HttpServerTest, TwoDifferentContentLengthsAre400AndClose) {
  start();
  Conn c(port_);
  ASSERT_TRUE(
      c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"));
  Conn::Reply r = c.reply();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\": 400}");
  EXPECT_TRUE(r.has("Connection: close")) << r.head;
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, TheSameContentLengthTwiceIsAccepted) {
  start();
  Conn c(port_);
  ASSERT_TRUE(
      c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"));
  EXPECT_EQ(c.reply().body, "POST /x abc");
}

TEST_F(HttpServerTest, ChunkedBodiesAreReadAndOverTheLimitAre413) {
  HttpOptions o;
  o.max_body_size = 10;
  start(o);
  Conn c(port_);
  std::string head = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  ASSERT_TRUE(c.send(head + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  EXPECT_EQ(c.reply().body, "POST /c abcdefg");
  ASSERT_TRUE(c.send(head + "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"));
  Conn::Reply r = c.reply();
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.has("Connection: close")) << r.head;
  EXPECT_TRUE(c.closed_by_server());
  Conn d(port_);  // and a Content-Length over the limit, before any body byte is read
  ASSERT_TRUE(d.send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"));
  EXPECT_EQ(d.reply().status, 413);
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, ARequestWithoutLengthOrChunkedHasAnEmptyBody) {
  start();
  Conn c(port_, 2);
  ASSERT_TRUE(c.send("PUT /hook HTTP/1.1\r\nHost: x\r\n\r\n"));
  Conn::Reply r = c.reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "PUT /hook ");
}

TEST_F(HttpServerTest, TransferEncodingsOtherThanChunkedAreRefused) {
  start();
  for (const char* te : {"gzip", "chunked, gzip"}) {
    Conn c(port_);
    ASSERT_TRUE(c.send(std::string("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + te +
                       "\r\n\r\n"));
    EXPECT_EQ(c.reply().status, 400) << te;
  }
  Conn c(port_);
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"));
  EXPECT_EQ(c.reply().status, 501);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, Expect100ContinueIsAnsweredBeforeTheBody) {
  start();
  Conn c(port_);
  ASSERT_TRUE(
      c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  Conn::Reply first = c.reply();
  EXPECT_EQ(first.status, 100);
  ASSERT_TRUE(c.send("body"));
  EXPECT_EQ(c.reply().body, "POST /e body");
}

TEST_F(HttpServerTest, Http10AndConnectionCloseCloseAfterTheAnswer) {
  start();
  {
    Conn c(port_);
    ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
    Conn::Reply r = c.reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.head.substr(0, 9), "HTTP/1.1 ");
    EXPECT_TRUE(r.has("Connection: close")) << r.head;
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    Conn c(port_);
    ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_TRUE(c.reply().has("Connection: keep-alive"));
    ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_EQ(c.reply().status, 200);
  }
  {
    Conn c(port_);
    ASSERT_TRUE(c.send(get("/x", "Connection: close\r\n") + get("/never")));
    EXPECT_TRUE(c.reply().has("Connection: close"));
    EXPECT_TRUE(c.closed_by_server());
  }
  EXPECT_EQ(calls_, 4);  // "/never", after Connection: close, was not handled
}

TEST_F(HttpServerTest, HeadSendsTheLengthButNoBody) {
  start();
  Conn c(port_);
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n" + get("/after")));
  Conn::Reply r = c.reply(/*head_request=*/true);
  EXPECT_TRUE(r.has("Content-Length: 8")) << r.head;  // "HEAD /h "
  EXPECT_EQ(c.reply().body, "GET /after ");
}

TEST_F(HttpServerTest, MalformedRequestsAndHugeHeadersAreRefused) {
  HttpOptions o;
  o.max_header_size = 1024;
  start(o);
  const std::pair<std::string, int> cases[] = {
      {"NOT A REQUEST\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n", 431},
  };
  for (const auto& [request, status] : cases) {
    Conn c(port_);
    ASSERT_TRUE(c.send(request));
    Conn::Reply r = c.reply();
    EXPECT_EQ(r.status, status) << request.substr(0, 40);
    EXPECT_EQ(r.body, "{\"error\": " + std::to_string(status) + "}");
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, AHandlerExceptionIs500AndTheConnectionGoesOn) {
  handler_ = [](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/throw")
      throw std::runtime_error("boom");
    return HttpResponse{200, "text/plain", "fine", {}};
  };
  start();
  Conn c(port_);
  ASSERT_TRUE(c.send(get("/throw") + get("/ok")));
  EXPECT_EQ(c.reply().status, 500);
  EXPECT_EQ(c.reply().body, "fine");
}

TEST_F(HttpServerTest, TheHeaderDeadlineIsForTheWholeHeader) {
  HttpOptions o;
  o.header_timeout = 0.4;
  start(o);
  Conn c(port_, 3);
  auto begin = Clock::now();
  bool closed = false;
  // One byte every 50 ms: each read is quick, the whole header never comes.
  std::string line = "GET / HTTP/1.1\r\nX-Slow: ";
  for (int i = 0; i < 60 && !closed; ++i) {
    closed = !c.send(std::string(1, line[static_cast<std::size_t>(i) % line.size()]));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(closed || c.closed_by_server());
  auto took = Clock::now() - begin;
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, AKeepAliveRequestGetsItsOwnHeaderDeadline) {
  HttpOptions o;
  o.header_timeout = 0.3;
  start(o);
  Conn c(port_);
  ASSERT_TRUE(c.send(get("/1")));
  EXPECT_EQ(c.reply().status, 200);
  std::this_thread::sleep_for(500ms);  // idle longer than the header deadline: still open
  ASSERT_TRUE(c.send(get("/2")));
  EXPECT_EQ(c.reply().status, 200);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionsAreClosedAfterTheirTimeout) {
  HttpOptions o;
  o.keep_alive_timeout = 0.3;
  start(o);
  Conn c(port_);
  ASSERT_TRUE(c.send(get("/")));
  EXPECT_EQ(c.reply().status, 200);
  auto begin = Clock::now();
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(Clock::now() - begin, 2s);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  HttpOptions o;
  o.max_connections = 2;
  start(o);
  auto a = std::make_unique<Conn>(port_);
  Conn b(port_);
  ASSERT_TRUE(a->send(get("/a")));
  ASSERT_TRUE(b.send(get("/b")));
  EXPECT_EQ(a->reply().status, 200);
  EXPECT_EQ(b.reply().status, 200);
  Conn over(port_);
  EXPECT_TRUE(over.closed_by_server());
  a.reset();
  for (int i = 0; i < 100 && server_->connections() > 1; ++i)
    std::this_thread::sleep_for(10ms);
  Conn again(port_);
  ASSERT_TRUE(again.send(get("/again")));
  EXPECT_EQ(again.reply().status, 200);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndAnswersTheRequestsInFlight) {
  std::mutex m;
  std::condition_variable cv;
  bool entered = false, release = false;
  handler_ = [&](const HttpRequest& req) {
    if (req.path == "/block") {
      std::unique_lock lock(m);
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
    return HttpResponse{200, "text/plain", "done " + req.path, {}};
  };
  start();
  Conn idle(port_), trickling(port_), fresh(port_), busy(port_);
  ASSERT_TRUE(idle.send(get("/idle")));
  EXPECT_EQ(idle.reply().status, 200);
  ASSERT_TRUE(trickling.send("GET /t HTTP/1.1\r\nX-Slow: 1\r\n"));
  ASSERT_TRUE(busy.send(get("/block")));
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return entered; });
  }
  auto begin = Clock::now();
  server_->stop();
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(trickling.closed_by_server());
  EXPECT_TRUE(fresh.closed_by_server());
  EXPECT_LT(Clock::now() - begin, 1s);
  EXPECT_THROW(Conn late(port_), std::runtime_error);  // no longer accepting
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  Conn::Reply r = busy.reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done /block");
  EXPECT_TRUE(r.has("Connection: close")) << r.head;
  thread_.join();  // serve() returned
}

TEST_F(HttpServerTest, ASecondServerOnTheSamePortFailsToBind) {
  start();
  HttpOptions o;
  o.port = port_;
  HttpServer second(
      o, [](const HttpRequest&) { return HttpResponse{}; },
      [](int status) {
        return HttpResponse{status, "", "", {}};
      });
  EXPECT_THROW(second.bind(), common::UserError);
}

TEST(HttpQueryTest, DecodesPercentAndPlus) {
  EXPECT_EQ(percent_decode("a%20b+c%2", false), "a b+c%2");
  EXPECT_EQ(percent_decode("a%20b+c%zz", true), "a b c%zz");
  HttpFields q = parse_query("a=1&&=x&b=%41+B&c&a=2&d=x=y");
  HttpFields want = {{"a", "1"}, {"b", "A B"}, {"c", ""}, {"a", "2"}, {"d", "x=y"}};
  EXPECT_EQ(q, want);
}

}  // namespace
}  // namespace autorules::api::internal

namespace autorules::api {
namespace {

TEST(ServerOptionsTest, TheHeaderTimeoutMustBeAPositiveNumberOfSeconds) {
  test::TempDir dir;
  common::ManualClock clock(*common::parse_datetime("2026-01-15 10:00:00"));
  orm::Runtime runtime(store::Database::open("sqlite:" + dir.path("a.db")), clock);
  for (double bad : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    ServerOptions o;
    o.port = 0;
    o.http_header_timeout = bad;
    EXPECT_THROW(Server(runtime, o), common::UserError) << bad;
  }
  ServerOptions o;
  o.port = 0;
  o.http_header_timeout = 0.5;
  Server server(runtime, o);
  server.bind();
  EXPECT_GT(server.port(), 0);
}

}  // namespace
}  // namespace autorules::api
