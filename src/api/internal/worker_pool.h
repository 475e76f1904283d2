// The threads that run the HTTP front's blocking handlers (api/internal/http_server.h).
//
// A job goes to the thread that went idle last (a stack of idle threads, not a queue): under a
// light load the same few threads do all the work, with their caches warm, and the others sleep
// until a burst or a blocking handler (a group commit's fsync, a slow script) needs them. A pool
// that wakes its idle threads in turn (Asio's thread_pool, a shared condition variable) spreads
// even four clients' requests over every thread, and on this project's benchmarks each
// additional idle thread made a request dearer (docs/architecture.md, "How many workers").
//
// Thread-safety: post() from any thread; join() from one thread, once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace autorules::api::internal {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` (a callable, which may be move-only) on one of the threads. After join(), never.
  template <typename F>
  void post(F&& job) {
    enqueue(std::make_unique<Job<std::decay_t<F>>>(std::forward<F>(job)));
  }

  // Runs every job posted so far, then stops and joins the threads.
  void join();

  std::size_t threads() const { return threads_.size(); }
  // How many threads wait for a job now.
  std::size_t idle() const;

 private:
  struct AnyJob {
    virtual ~AnyJob() = default;
    virtual void run() = 0;
  };
  template <typename F>
  struct Job final : AnyJob {
    explicit Job(F&& f) : fn(std::move(f)) {}
    explicit Job(const F& f) : fn(f) {}
    void run() override { fn(); }
    F fn;
  };
  // One thread, and the slot through which it is handed a job when idle.
  struct Worker {
    std::condition_variable wake;
    std::unique_ptr<AnyJob> handed;
  };

  void enqueue(std::unique_ptr<AnyJob> job);
  void run(Worker& me);

  mutable std::mutex mu_;
  std::deque<std::unique_ptr<AnyJob>> queue_;  // jobs waiting for a thread (none is idle)
  std::vector<Worker*> idle_;                  // a stack: the last to go idle is woken first
  bool stopping_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace autorules::api::internal
