// A webhook receiver for the outbox tests: a real cpp-httplib server on 127.0.0.1, on a port the
// system chooses, started by the constructor and stopped by the destructor. It records every
// request as it arrives (path, body, headers) and answers each with the next step of a script —
// a status, optionally after a delay (a receiver that hangs) — and with 200 at once when the
// script is used up. httplib.h stays in receiver.cc.
#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace autorules::outbox::test {

struct Received {
  std::string path;
  std::string body;
  std::multimap<std::string, std::string> headers;  // names in lower case

  // The first value of header `name` (any case), "" when absent.
  std::string header(const std::string& name) const;
  size_t header_count(const std::string& name) const;
};

struct Step {
  int status = 200;
  std::chrono::milliseconds delay{0};  // before answering; cut short by release()
  std::string body;                    // the answer's JSON body; empty: {"status": "ok"}
};

class Receiver {
 public:
  // With `keep_alive`, connections stay open between requests (as most receivers keep them);
  // stop the dispatcher before such a receiver goes away, or its destructor waits for the idle
  // connection's keep-alive timeout. Without, each connection carries one request.
  explicit Receiver(bool keep_alive = false);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  int port() const;
  std::string url(const std::string& path = "/hook") const;

  // Appends steps to the script.
  void script(std::vector<Step> steps);
  void answer(std::initializer_list<int> statuses);

  // Every request received so far, in order of arrival.
  std::vector<Received> requests() const;
  size_t count() const;
  // Requests answered so far (their delay over).
  size_t answered() const;
  // Waits until `n` requests have arrived; false if they have not within `within`.
  bool wait_for_requests(size_t n,
                         std::chrono::milliseconds within = std::chrono::seconds(5)) const;
  // Ends the delays of the requests waiting now and of every later one.
  void release();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autorules::outbox::test
