#include "common/mutex.h"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace autorules::common {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct Counter {
  Mutex mutex;
  CondVar changed;
  int value GUARDED_BY(mutex) = 0;
};

// Whether try_lock() took `mutex` (then released at once).
bool taken_and_released(Mutex& mutex) {
  if (!mutex.try_lock())
    return false;
  mutex.unlock();
  return true;
}

TEST(MutexTest, MutexLockExcludesTheOtherThreads) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(c.mutex);
        ++c.value;
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  MutexLock lock(c.mutex);
  EXPECT_EQ(c.value, 40000);
}

TEST(MutexTest, TryLockFailsWhileAnotherThreadHoldsIt) {
  Mutex mutex;
  MutexLock lock(mutex);
  bool taken = true;
  std::thread([&] { taken = taken_and_released(mutex); }).join();
  EXPECT_FALSE(taken);
}

TEST(MutexTest, TryLockTakesAFreeMutex) {
  Mutex mutex;
  EXPECT_TRUE(taken_and_released(mutex));
}

TEST(CondVarTest, WaitReturnsWithTheMutexHeldOnceNotified) {
  Counter c;
  std::thread producer([&c] {
    for (int i = 0; i < 3; ++i) {
      {
        MutexLock lock(c.mutex);
        ++c.value;
      }
      c.changed.notify_all();
    }
  });
  {
    MutexLock lock(c.mutex);
    while (c.value < 3)
      c.changed.wait(c.mutex);
    EXPECT_EQ(c.value, 3);
    ++c.value;  // still held: nobody else writes it now
  }
  producer.join();
  MutexLock lock(c.mutex);
  EXPECT_EQ(c.value, 4);
}

TEST(CondVarTest, WaitUntilReturnsFalseAtTheDeadlineWithTheMutexHeld) {
  Counter c;
  MutexLock lock(c.mutex);
  auto deadline = steady_clock::now() + milliseconds(20);
  bool woken = true;
  while (c.value == 0 && woken)
    woken = c.changed.wait_until(c.mutex, deadline);
  EXPECT_FALSE(woken);
  EXPECT_GE(steady_clock::now(), deadline);
  // Held: another thread cannot take it.
  bool taken = true;
  std::thread([&] { taken = taken_and_released(c.mutex); }).join();
  EXPECT_FALSE(taken);
}

TEST(CondVarTest, WaitUntilReturnsTrueWhenNotifiedBeforeTheDeadline) {
  Counter c;
  std::thread producer([&c] {
    std::this_thread::sleep_for(milliseconds(10));
    {
      MutexLock lock(c.mutex);
      c.value = 1;
    }
    c.changed.notify_one();
  });
  bool woken = true;
  {
    MutexLock lock(c.mutex);
    auto deadline = steady_clock::now() + std::chrono::seconds(60);
    while (c.value == 0 && woken)
      woken = c.changed.wait_until(c.mutex, deadline);
    EXPECT_EQ(c.value, 1);
  }
  producer.join();
  EXPECT_TRUE(woken);
}

}  // namespace
}  // namespace autorules::common
