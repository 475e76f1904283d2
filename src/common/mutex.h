// Mutexes whose use the compiler checks. Every mutex of src/ is a common::Mutex, every piece of
// data it protects says so (GUARDED_BY), and under clang -Wthread-safety (an error in CI) proves
// that each read and write of that data holds the mutex, that a function marked REQUIRES(mu) is
// only called with `mu` held and one marked EXCLUDES(mu) only without it. Under gcc the
// annotations expand to nothing.
//
//   class Cache {
//    public:
//     void put(int k, int v) EXCLUDES(mutex_) {
//       common::MutexLock lock(mutex_);
//       map_[k] = v;
//     }
//    private:
//     void evict() REQUIRES(mutex_);  // called with mutex_ held
//     common::Mutex mutex_;
//     std::map<int, int> map_ GUARDED_BY(mutex_);
//   };
//
// std::mutex and std::lock_guard carry no annotations in libstdc++, so the analysis cannot see
// them: use Mutex, MutexLock and CondVar instead. The analysis looks at one function at a time
// and does not follow a lock into a lambda: a lambda that touches guarded data takes the lock
// itself. See clang's documentation, "Thread Safety Analysis".
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define AUTORULES_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define AUTORULES_THREAD_ANNOTATION(x)
#endif

// A type that is a lock (Mutex).
#define CAPABILITY(name) AUTORULES_THREAD_ANNOTATION(capability(name))
// A type that holds a lock from its construction to its destruction (MutexLock).
#define SCOPED_CAPABILITY AUTORULES_THREAD_ANNOTATION(scoped_lockable)
// Data that is only read or written with the mutex held.
#define GUARDED_BY(mu) AUTORULES_THREAD_ANNOTATION(guarded_by(mu))
// A pointer whose pointee is only read or written with the mutex held.
#define PT_GUARDED_BY(mu) AUTORULES_THREAD_ANNOTATION(pt_guarded_by(mu))
// Lock order: this mutex is taken before / after the others when both are held.
#define ACQUIRED_BEFORE(...) AUTORULES_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) AUTORULES_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
// A function called with the mutexes held, which it does not release.
#define REQUIRES(...) AUTORULES_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) AUTORULES_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// A function that takes the mutexes (and returns with them held) / releases them.
#define ACQUIRE(...) AUTORULES_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) AUTORULES_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// TRY_ACQUIRE(result, mu...): a function that takes the mutexes when it returns `result`.
#define TRY_ACQUIRE(...) AUTORULES_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// A function called without the mutexes held (typically because it takes them).
#define EXCLUDES(...) AUTORULES_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// A function that returns only if the calling thread holds the mutex.
#define ASSERT_CAPABILITY(mu) AUTORULES_THREAD_ANNOTATION(assert_capability(mu))
// A function that returns a reference to the mutex.
#define RETURN_CAPABILITY(mu) AUTORULES_THREAD_ANNOTATION(lock_returned(mu))
// Turns the analysis off for one function: say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS AUTORULES_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace autorules::common {

// std::mutex, annotated. Not recursive. Also a BasicLockable (lock/unlock), but lock it through
// MutexLock.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope, like std::lock_guard.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// std::condition_variable waited on with a Mutex held: a wait releases the mutex, sleeps, and
// takes it again before it returns. A wait may also return without a notification, so wait in a
// loop on the condition itself, which the analysis then checks like any other read:
//
//   common::MutexLock lock(mutex_);
//   while (!ready_)
//     cv_.wait(mutex_);
class CondVar {
 public:
  void wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's lock releases it
  }
  // Returns false once `deadline` has passed, true when woken before it.
  bool wait_until(Mutex& mu, std::chrono::steady_clock::time_point deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }

  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace autorules::common
