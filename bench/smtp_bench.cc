// Emails per second handed to an SMTP server, by the outbox against a bare libcurl client, in
// one process so that nothing else is measured:
//   smtp_bench sink N ROUNDS
//     (a) a bare libcurl SMTP client sends N messages one after the other on one kept-alive
//         connection (one easy handle, curl_easy_perform per message) to a minimal SMTP server
//         in this process (the sink below, which answers every command at once);
//     (b) the same N messages through outbox::enqueue (one transaction, committed) and a running
//         dispatcher, to the same sink, from the first enqueue to the last message received;
//     (c) the dispatcher alone: N messages committed before it starts, from its start to the
//         last message received (outbox_bench's (c), for emails).
//     (b) and (c) run twice: with the dispatcher limited to one connection (as the bare client)
//     and with its default of 8 per host. Rounds alternate them with (a); prints one line
//     "A B1 B8 C1 C8 B1/A B8/A C1/A C8/A QUEUED": the medians in emails per second, the medians
//     of the rounds' paired ratios (the machine's drift cancels out of each pair), and the
//     median rate of the enqueue calls and their commit alone (a part of (b)'s time).
//   smtp_bench server URL N
//     (a) alone against another server (e.g. tests/support/smtp_server.py): prints its rate, to
//     see whether that server would be the bottleneck.
//
// The sink: aiosmtpd takes about 550 messages per second from the bare client, a fraction of
// what the client sends to the sink; the server, not the client, would be measured. The sink is a
// thread per connection blocked in recv(), answering each line as it arrives and counting the
// messages whose final dot it has read.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "orm/env.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"
#include "store/database.h"

namespace {

namespace orm = autorules::orm;
namespace outbox = autorules::outbox;
namespace store = autorules::store;
using Clock = std::chrono::steady_clock;

// A typical notification email, about 1.5 KB.
std::string message_of(long i) {
  std::string body =
      "From: \"Sales\" <sales@example.com>\r\n"
      "To: \"Customer " +
      std::to_string(i) +
      "\" <customer@example.org>\r\n"
      "Subject: Your order S" +
      std::to_string(10000 + i) +
      " is confirmed\r\n"
      "Message-Id: <" +
      std::to_string(i) +
      ".bench@example.com>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  for (int line = 0; line < 20; ++line)
    body += "Dear customer, your order is confirmed and will ship soon. Thank you.\r\n";
  return body;
}

// The minimal SMTP server (see the file's comment). Counts messages received.
class Sink {
 public:
  Sink() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, SOMAXCONN);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      while (true) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0)
          return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::lock_guard g(mutex_);
        fds_.push_back(fd);
        threads_.emplace_back([this, fd] { serve(fd); });
      }
    });
  }
  ~Sink() {
    shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    close(listen_fd_);
    std::lock_guard g(mutex_);
    for (int fd : fds_)
      shutdown(fd, SHUT_RDWR);
    for (auto& t : threads_)
      t.join();
    for (int fd : fds_)
      close(fd);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  long count() const { return count_.load(); }
  // Waits until `target` messages were received; false after 60 s.
  bool wait_for(long target) const {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (count_.load() < target) {
      if (Clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }

 private:
  void serve(int fd) {
    auto say = [&](const char* line) { send(fd, line, std::strlen(line), MSG_NOSIGNAL); };
    say("220 sink ESMTP\r\n");
    std::string buffer;
    bool data = false;
    char chunk[65536];
    size_t scanned = 0;  // of `buffer`, in the data
    while (true) {
      ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0)
        return;
      buffer.append(chunk, static_cast<size_t>(got));
      while (true) {
        if (data) {
          size_t end = buffer.find("\r\n.\r\n", scanned > 4 ? scanned - 4 : 0);
          if (end == std::string::npos) {
            scanned = buffer.size();
            break;
          }
          buffer.erase(0, end + 5);
          scanned = 0;
          data = false;
          count_.fetch_add(1);
          say("250 OK queued\r\n");
          continue;
        }
        size_t eol = buffer.find("\r\n");
        if (eol == std::string::npos)
          break;
        std::string verb = buffer.substr(0, std::min<size_t>(4, eol));
        for (char& c : verb)
          c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        buffer.erase(0, eol + 2);
        if (verb == "EHLO" || verb == "HELO") {
          say("250 sink\r\n");
        } else if (verb == "DATA") {
          say("354 go ahead\r\n");
          data = true;
        } else if (verb == "QUIT") {
          say("221 bye\r\n");
          return;
        } else {
          say("250 OK\r\n");  // MAIL, RCPT, RSET, NOOP
        }
      }
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<long> count_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> fds_;              // GUARDED_BY(mutex_)
  std::vector<std::thread> threads_;  // GUARDED_BY(mutex_)
};

// The bare client's body source.
struct Upload {
  const std::string* body = nullptr;
  size_t at = 0;
};
size_t read_upload(char* buffer, size_t size, size_t n, void* clientp) {
  auto* u = static_cast<Upload*>(clientp);
  size_t k = std::min(size * n, u->body->size() - u->at);
  std::memcpy(buffer, u->body->data() + u->at, k);
  u->at += k;
  return k;
}

// (a): N messages on one connection, one after the other. Returns emails per second, 0 when one
// failed.
double bare_round(const std::string& url, long n) {
  std::vector<std::string> bodies;
  for (long i = 0; i < n; ++i)
    bodies.push_back(message_of(i));
  CURL* easy = curl_easy_init();
  curl_slist* rcpt = curl_slist_append(nullptr, "customer@example.org");
  Upload upload;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_MAIL_FROM, "sales@example.com");
  curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(easy, CURLOPT_READDATA, &upload);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  long ok = 0;
  auto t0 = Clock::now();
  for (long i = 0; i < n; ++i) {
    upload.body = &bodies[static_cast<size_t>(i)];
    upload.at = 0;
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.body->size()));
    ok += curl_easy_perform(easy) == CURLE_OK;
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(easy);
  return ok == n ? static_cast<double>(n) / s : 0;
}

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<orm::Runtime> runtime;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / "autorules-bench-smtp";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    runtime = std::make_unique<orm::Runtime>(
        store::Database::open("sqlite:" + (dir / "bench.db").string() + "?synchronous=normal"),
        autorules::common::SystemClock::instance());
    outbox::install(*runtime);
    runtime->initialize();
  }
  ~Fixture() {
    runtime.reset();
    std::filesystem::remove_all(dir);
  }
};

// The bodies of messages `first` .. `first + n - 1`.
std::vector<std::string> bodies_of(long first, long n) {
  std::vector<std::string> bodies;
  for (long i = first; i < first + n; ++i)
    bodies.push_back(message_of(i));
  return bodies;
}

// Queues `bodies` (messages `first`...) in one transaction and commits it.
void queue(Fixture& fx, const Sink& sink, long first, std::vector<std::string> bodies) {
  const long n = static_cast<long>(bodies.size());
  orm::Env env = orm::Env::begin(*fx.runtime, orm::kSuperuserId, store::Access::kWrite);
  for (long i = 0; i < n; ++i) {
    outbox::Message m;
    m.kind = "email";
    m.name = "bench";
    m.url = sink.url();
    m.mail_from = "sales@example.com";
    m.recipients = {"customer@example.org"};
    m.body = std::move(bodies[static_cast<size_t>(i)]);
    m.res_model = "mail.mail";
    m.res_id = first + i;
    outbox::enqueue(env, m);
  }
  env.commit();
}

// (b) with `queue_first` false: N messages queued in one transaction with a running dispatcher,
// from the first enqueue to the last message received; `queued` receives the rate of the
// enqueue calls and the commit alone. (c) with `queue_first`: N messages committed, then the
// dispatcher started, from its start to the last message received. Returns emails per second,
// 0 when they did not all arrive.
double outbox_round(Fixture& fx, Sink& sink, long n, long connections, bool queue_first,
                    double& queued) {
  outbox::Options options;
  options.max_per_host = connections;
  const long before = sink.count();
  // The bodies are made before the clock starts, as the bare client's are.
  std::vector<std::string> bodies = bodies_of(before, n);
  if (queue_first)
    queue(fx, sink, before, std::move(bodies));
  outbox::Dispatcher dispatcher(*fx.runtime, options);
  Clock::time_point t0;
  if (queue_first) {
    t0 = Clock::now();
    dispatcher.start();
  } else {
    dispatcher.start();
    t0 = Clock::now();
    queue(fx, sink, before, std::move(bodies));
    queued = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  if (!sink.wait_for(before + n)) {
    std::fprintf(stderr, "smtp_bench: %ld of %ld messages delivered\n", sink.count() - before, n);
    return 0;
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  dispatcher.stop();  // records the last attempts, not timed
  return static_cast<double>(n) / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int with_sink(long n, int rounds) {
  Sink sink;
  Fixture fx;
  // Per kind of round: the rates, and the ratios to the bare round of the same round.
  std::vector<double> bare, queued;
  std::vector<double> rate[4], ratio[4];  // B1 B8 C1 C8
  for (int r = 0; r < rounds; ++r) {
    double a = bare_round(sink.url(), n);
    if (a == 0) {
      std::fprintf(stderr, "smtp_bench: round %d: the bare client failed\n", r);
      return 1;
    }
    bare.push_back(a);
    for (int k = 0; k < 4; ++k) {
      double q = 0;
      double b = outbox_round(fx, sink, n, k % 2 ? 8 : 1, k >= 2, q);
      if (b == 0)
        return 1;
      if (k < 2)
        queued.push_back(q);
      rate[k].push_back(b);
      ratio[k].push_back(b / a);
    }
  }
  std::printf("%.0f %.0f %.0f %.0f %.0f %.2f %.2f %.2f %.2f %.0f\n", median(bare), median(rate[0]),
              median(rate[1]), median(rate[2]), median(rate[3]), median(ratio[0]), median(ratio[1]),
              median(ratio[2]), median(ratio[3]), median(queued));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::string what = argc > 1 ? argv[1] : "";
  if (what == "sink" && argc == 4)
    return with_sink(std::stol(argv[2]), std::stoi(argv[3]));
  if (what == "server" && argc == 4) {
    double a = bare_round(argv[2], std::stol(argv[3]));
    std::printf("%.0f\n", a);
    return a > 0 ? 0 : 1;
  }
  std::fprintf(stderr,
               "usage: smtp_bench sink N ROUNDS\n"
               "       smtp_bench server URL N\n");
  return 2;
}
