#include "jobs/internal/schedule.h"

#include <algorithm>

namespace autorules::jobs::internal {

common::DateTime next_call(common::DateTime from, std::int64_t number, const std::string& unit,
                           common::DateTime now) {
  number = std::max<std::int64_t>(number, 1);
  if (from > now)
    return from;
  if (unit == "months") {
    // Calendar months from the original moment, so that Jan 31 gives Feb 28 then Mar 31.
    std::int64_t k = 1;
    common::DateTime next = common::add_months(from, number);
    while (next <= now)
      next = common::add_months(from, number * ++k);
    return next;
  }
  std::int64_t step = number * (unit == "minutes" ? 60
                                : unit == "hours" ? 3600
                                : unit == "days"  ? 86400
                                                  : 7 * 86400);
  std::int64_t behind = now.seconds - from.seconds;  // >= 0
  return common::DateTime{from.seconds + (behind / step + 1) * step};
}

}  // namespace autorules::jobs::internal
