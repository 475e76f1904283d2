// Clock: where the current time comes from. Everything that reads "now" takes a Clock so that
// tests can move time without sleeping. SystemClock is thread-safe; ManualClock is thread-safe
// (an atomic) and only moves when told to.
#pragma once

#include <atomic>

#include "common/datetime.h"

namespace autorules::common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual DateTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  DateTime now() const override;
  static const SystemClock& instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(DateTime start) : now_(start.seconds) {}
  DateTime now() const override { return DateTime{now_.load()}; }
  void set(DateTime t) { now_.store(t.seconds); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace autorules::common
