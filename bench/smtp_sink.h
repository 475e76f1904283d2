// What the SMTP benchmarks share (smtp_bench, mail_bench): a minimal SMTP server in the process
// (the sink), a typical notification email, and the bare libcurl client that is their limit.
//
// The sink: aiosmtpd takes about 550 messages per second from the bare client, a fraction of
// what the client sends to the sink; the server, not the client, would be measured. The sink is a
// thread per connection blocked in recv(), answering each line as it arrives and counting the
// messages whose final dot it has read.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace autorules::bench {

using Clock = std::chrono::steady_clock;

// A typical notification email, about 1.5 KB.
inline std::string message_of(long i) {
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
inline size_t read_upload(char* buffer, size_t size, size_t n, void* clientp) {
  auto* u = static_cast<Upload*>(clientp);
  size_t k = std::min(size * n, u->body->size() - u->at);
  std::memcpy(buffer, u->body->data() + u->at, k);
  u->at += k;
  return k;
}

// (a): N messages on one connection, one after the other. Returns emails per second, 0 when one
// failed.
inline double bare_round(const std::string& url, long n) {
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

}  // namespace autorules::bench
