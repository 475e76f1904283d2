// The scheduler thread of `serve`.
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "automation/automation.h"
#include "common/mutex.h"
#include "jobs/internal/schedule.h"
#include "jobs/jobs.h"

namespace autorules::jobs {

namespace {

// The running schedulers of one runtime (Runtime::component), for wake_schedulers().
struct Running {
  common::Mutex mutex;
  std::set<Scheduler*> schedulers GUARDED_BY(mutex);
};

}  // namespace

struct Scheduler::Impl {
  orm::Runtime& runtime;
  std::chrono::milliseconds poll;
  common::Mutex mutex;
  common::CondVar cv;
  bool stopping GUARDED_BY(mutex) = false;
  bool woken GUARDED_BY(mutex) = false;
  std::thread thread;

  Impl(orm::Runtime& rt, std::chrono::milliseconds p) : runtime(rt), poll(p) {}

  void wake() EXCLUDES(mutex) {
    {
      common::MutexLock lock(mutex);
      woken = true;
    }
    cv.notify_all();
  }

  // How long to sleep: until the earliest nextcall, at most `poll`.
  std::chrono::milliseconds sleep_time() {
    std::chrono::milliseconds wait = poll;
    try {
      if (auto next = next_due(runtime)) {
        std::int64_t seconds = next->seconds - runtime.clock().now().seconds;
        // nextcall has a one-second resolution: wake just after it.
        auto until = std::chrono::milliseconds(std::max<std::int64_t>(seconds, 0) * 1000 + 50);
        wait = std::min(wait, until);
      }
    } catch (const std::exception& e) {
      spdlog::error("scheduler: {}", e.what());
    }
    return wait;
  }

  void loop() EXCLUDES(mutex) {
    while (true) {
      {
        common::MutexLock lock(mutex);
        if (stopping)
          return;
        woken = false;
      }
      try {
        run_due(runtime);
      } catch (const std::exception& e) {
        spdlog::error("scheduler: {}", e.what());
      }
      // The rules' run counts of the last pass (the jobs' and the requests'), to the database.
      automation::flush_run_stats(runtime);
      auto deadline = std::chrono::steady_clock::now() + sleep_time();
      common::MutexLock lock(mutex);
      while (!stopping && !woken) {
        if (!cv.wait_until(mutex, deadline))
          break;
      }
      if (stopping)
        return;
    }
  }
};

Scheduler::Scheduler(orm::Runtime& runtime, std::chrono::milliseconds poll)
    : impl_(std::make_unique<Impl>(runtime, poll)) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  {
    Running& running = impl_->runtime.component<Running>();
    common::MutexLock lock(running.mutex);
    running.schedulers.insert(this);
  }
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void Scheduler::stop() {
  {
    Running& running = impl_->runtime.component<Running>();
    common::MutexLock lock(running.mutex);
    running.schedulers.erase(this);
  }
  {
    common::MutexLock lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
    automation::flush_run_stats(impl_->runtime);
  }
}

void Scheduler::wake() {
  impl_->wake();
}

namespace internal {

void wake_schedulers(const orm::Runtime& runtime) {
  Running& running = runtime.component<Running>();
  common::MutexLock lock(running.mutex);
  for (Scheduler* s : running.schedulers)
    s->wake();
}

}  // namespace internal

}  // namespace autorules::jobs
