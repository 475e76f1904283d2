// An HTTP receiver for the benchmarks, in the benchmark's own process.
#pragma once

#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace autorules::bench {

using Clock = std::chrono::steady_clock;

// A receiver for the benchmarks: minimal HTTP/1.1 with keep-alive, a thread per connection blocked
// in recv(), so that a request is read the moment it arrives. (cpp-httplib waits on an idle
// keep-alive connection in 10 ms selects with a 1 ms sleep between them: a request paced at
// 10 ms often lands in that sleep, and its round trip took about 1.2 ms instead of 75 µs.)
class Receiver {
 public:
  // on_body: called with each request's body as it arrives. answer: the whole HTTP response to
  // send for a body (status line, headers, body); none: 200 with "{}".
  using OnBody = std::function<void(const std::string&, Clock::time_point)>;
  using Answer = std::function<std::string(const std::string& body)>;
  explicit Receiver(OnBody on_body, Answer answer = nullptr)
      : on_body_(std::move(on_body)), answer_(std::move(answer)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
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
        int yes = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        std::lock_guard g(mutex_);
        fds_.push_back(fd);
        connections_.emplace_back([this, fd] { serve(fd); });
      }
    });
  }
  ~Receiver() {
    shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    close(listen_fd_);
    std::lock_guard g(mutex_);
    for (int fd : fds_)
      shutdown(fd, SHUT_RDWR);
    for (auto& t : connections_)
      t.join();
    for (int fd : fds_)
      close(fd);
  }
  int port() const { return port_; }

 private:
  void serve(int fd) {
    static const char kAnswer[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    std::string buffer;
    char chunk[65536];
    auto more = [&] {
      ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0)
        return false;
      buffer.append(chunk, static_cast<size_t>(got));
      return true;
    };
    while (true) {
      size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!more())
          return;
      }
      std::string head = buffer.substr(0, end);
      for (char& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t at = head.find("content-length:");
      size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
      while (buffer.size() < end + 4 + length) {
        if (!more())
          return;
      }
      std::string body = buffer.substr(end + 4, length);
      on_body_(body, Clock::now());
      buffer.erase(0, end + 4 + length);
      if (answer_) {
        std::string a = answer_(body);
        send(fd, a.data(), a.size(), MSG_NOSIGNAL);
      } else {
        send(fd, kAnswer, sizeof kAnswer - 1, MSG_NOSIGNAL);
      }
    }
  }

  OnBody on_body_;
  Answer answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> fds_;                  // GUARDED_BY(mutex_)
  std::vector<std::thread> connections_;  // GUARDED_BY(mutex_)
};

}  // namespace autorules::bench
