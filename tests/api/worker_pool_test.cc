// The HTTP front's worker pool (api/internal/worker_pool.h): every job runs, the last thread to go
// idle gets the next job, move-only jobs, a failing job, and join() running what is queued.
#include "api/internal/worker_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace autorules::api::internal {
namespace {

using namespace std::chrono_literals;

TEST(WorkerPoolTest, RunsEveryJobPostedFromManyThreads) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(4);
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
      posters.emplace_back([&] {
        for (int i = 0; i < 1000; ++i)
          pool.post([&] { ran.fetch_add(1); });
      });
    }
    for (auto& t : posters)
      t.join();
    pool.join();
  }
  EXPECT_EQ(ran.load(), 4000);
}

TEST(WorkerPoolTest, OneJobAtATimeStaysOnTheThreadThatWentIdleLast) {
  WorkerPool pool(8);
  ASSERT_EQ(pool.threads(), 8u);
  std::set<std::thread::id> seen;
  for (int i = 0; i < 200; ++i) {
    // Every thread idle again, the last one to finish on top of the stack.
    while (pool.idle() != 8)
      std::this_thread::sleep_for(50us);
    // The job owns its promise: nothing of this frame is touched once the answer is read.
    std::promise<std::thread::id> where;
    auto done = where.get_future();
    pool.post([p = std::move(where)]() mutable { p.set_value(std::this_thread::get_id()); });
    seen.insert(done.get());
  }
  // A pool that woke its threads in turn would have used all eight.
  EXPECT_EQ(seen.size(), 1u);
}

TEST(WorkerPoolTest, BusyThreadsLeaveTheNextJobToAnIdleOne) {
  // Declared before the pool, so that they outlive its threads (the pool joins first).
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::promise<void> first_started, second_started;
  auto first = first_started.get_future(), second = second_started.get_future();
  WorkerPool pool(3);
  pool.post([&, p = std::move(first_started)]() mutable {
    p.set_value();
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  first.wait();
  pool.post([p = std::move(second_started)]() mutable { p.set_value(); });
  // Runs although the first job still holds its thread.
  EXPECT_EQ(second.wait_for(5s), std::future_status::ready);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.join();
}

TEST(WorkerPoolTest, TakesMoveOnlyJobs) {
  WorkerPool pool(2);
  std::promise<int> result;
  auto answer = result.get_future();
  auto value = std::make_unique<int>(42);
  pool.post([v = std::move(value), p = std::move(result)]() mutable { p.set_value(*v); });
  EXPECT_EQ(answer.get(), 42);
}

TEST(WorkerPoolTest, AFailingJobDoesNotStopItsThread) {
  WorkerPool pool(1);
  pool.post([] { throw std::runtime_error("boom"); });
  std::promise<void> after;
  auto ran = after.get_future();
  pool.post([p = std::move(after)]() mutable { p.set_value(); });
  EXPECT_EQ(ran.wait_for(5s), std::future_status::ready);
}

TEST(WorkerPoolTest, JoinRunsWhatIsQueuedThenReturns) {
  std::atomic<int> ran{0};
  WorkerPool pool(1);
  std::promise<void> go;
  std::shared_future<void> gate = go.get_future().share();
  pool.post([gate] { gate.wait(); });
  for (int i = 0; i < 50; ++i)
    pool.post([&] { ran.fetch_add(1); });  // queued behind the blocked job
  std::thread joiner([&] { pool.join(); });
  go.set_value();
  joiner.join();
  EXPECT_EQ(ran.load(), 50);
  pool.join();  // a second join returns at once
}

}  // namespace
}  // namespace autorules::api::internal
