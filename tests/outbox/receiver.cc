#include "receiver.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <httplib.h>

namespace autorules::outbox::test {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string Received::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

size_t Received::header_count(const std::string& name) const {
  return headers.count(lower(name));
}

struct Receiver::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<Step> steps;     // GUARDED_BY(mutex)
  std::vector<Received> got;  // GUARDED_BY(mutex)
  size_t answered = 0;        // GUARDED_BY(mutex)
  bool released = false;      // GUARDED_BY(mutex)

  void handle(const httplib::Request& req, httplib::Response& res) {
    Step step;
    {
      std::unique_lock lock(mutex);
      Received r{req.path, req.body, {}};
      for (const auto& [name, value] : req.headers)
        r.headers.emplace(lower(name), value);
      got.push_back(std::move(r));
      if (!steps.empty()) {
        step = steps.front();
        steps.pop_front();
      }
      changed.notify_all();
      if (step.delay.count() > 0)
        changed.wait_for(lock, step.delay, [this] { return released; });
      ++answered;
      changed.notify_all();
    }
    res.status = step.status;
    res.set_content(step.body.empty() ? std::string(R"({"status": "ok"})") : step.body,
                    "application/json");
  }
};

Receiver::Receiver(bool keep_alive) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  // By default one request per connection: an idle keep-alive connection kept by the
  // dispatcher's libcurl would hold stop() for httplib's keep-alive timeout.
  if (!keep_alive)
    s.server.set_keep_alive_max_count(1);
  s.server.Post(".*",
                [&s](const httplib::Request& req, httplib::Response& res) { s.handle(req, res); });
  s.port = s.server.bind_to_any_port("127.0.0.1");
  if (s.port <= 0)
    throw std::runtime_error("receiver: cannot bind a port on 127.0.0.1");
  // Bound and listening already: connections made before the accept loop runs wait in the
  // backlog.
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  while (!s.server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Receiver::~Receiver() {
  release();
  impl_->server.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

int Receiver::port() const {
  return impl_->port;
}

std::string Receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

void Receiver::script(std::vector<Step> steps) {
  std::lock_guard lock(impl_->mutex);
  for (Step& s : steps)
    impl_->steps.push_back(s);
}

void Receiver::answer(std::initializer_list<int> statuses) {
  std::vector<Step> steps;
  for (int s : statuses)
    steps.push_back(Step{s, std::chrono::milliseconds(0)});
  script(std::move(steps));
}

std::vector<Received> Receiver::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->got;
}

size_t Receiver::count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->got.size();
}

size_t Receiver::answered() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->answered;
}

bool Receiver::wait_for_requests(size_t n, std::chrono::milliseconds within) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, within, [&] { return impl_->got.size() >= n; });
}

void Receiver::release() {
  std::lock_guard lock(impl_->mutex);
  impl_->released = true;
  impl_->changed.notify_all();
}

}  // namespace autorules::outbox::test
