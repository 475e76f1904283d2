#include "api/internal/worker_pool.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace autorules::api::internal {

WorkerPool::WorkerPool(int threads) {
  const auto n = static_cast<std::size_t>(std::max(1, threads));
  workers_.reserve(n);
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    threads_.emplace_back([this, w = workers_.back().get()] { run(*w); });
  }
}

WorkerPool::~WorkerPool() {
  join();
}

std::size_t WorkerPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

void WorkerPool::enqueue(std::unique_ptr<AnyJob> job) {
  std::unique_lock<std::mutex> lock(mu_);
  if (idle_.empty()) {
    queue_.push_back(std::move(job));
    return;
  }
  Worker* w = idle_.back();
  idle_.pop_back();
  w->handed = std::move(job);
  lock.unlock();
  w->wake.notify_one();
}

void WorkerPool::run(Worker& me) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::unique_ptr<AnyJob> job;
    if (me.handed) {
      job = std::move(me.handed);
    } else if (!queue_.empty()) {
      job = std::move(queue_.front());
      queue_.pop_front();
    } else if (stopping_) {
      return;
    } else {
      idle_.push_back(&me);
      me.wake.wait(lock, [&] { return me.handed || stopping_; });
      if (!me.handed)  // stopping: no longer idle, and nothing can be handed to it now
        idle_.erase(std::find(idle_.begin(), idle_.end(), &me));
      continue;
    }
    lock.unlock();
    try {
      job->run();
    } catch (const std::exception& e) {
      spdlog::error("a worker's job failed: {}", e.what());
    } catch (...) {
      spdlog::error("a worker's job failed");
    }
    job.reset();  // its captures are destroyed outside the lock, on this thread
    lock.lock();
  }
}

void WorkerPool::join() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_)
      return;
    stopping_ = true;
  }
  for (auto& w : workers_)
    w->wake.notify_one();
  for (auto& t : threads_) {
    if (t.joinable())
      t.join();
  }
}

}  // namespace autorules::api::internal
