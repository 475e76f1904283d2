#include "common/clock.h"

#include <chrono>

namespace autorules::common {

DateTime SystemClock::now() const {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return DateTime{secs.count()};
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace autorules::common
