// Internal to outbox/: statements over a batch of rows, in a few shapes. A batch is split into
// runs of 64, 32, …, 1 rows, so that the statements take one of seven shapes and the connection's
// statement cache keeps them.
//
// Thread-safety: pure.
#pragma once

#include <cstddef>
#include <string>

namespace autorules::outbox::internal {

// Splits n items into runs of 64, 32, …, 1 and calls fn(first, count) for each.
template <typename Fn>
void for_each_run(std::size_t n, Fn fn) {
  std::size_t first = 0;
  for (std::size_t run = 64; run > 0; run /= 2) {
    while (n - first >= run) {
      fn(first, run);
      first += run;
    }
  }
}

// "?, ?, …" for n parameters, or n groups of `group` when group is set: "(?, ?), (?, ?)".
inline std::string marks(std::size_t n, const char* group = "?") {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i)
      out += ", ";
    out += group;
  }
  return out;
}

}  // namespace autorules::outbox::internal
