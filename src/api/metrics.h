// Counters exported at /metrics in Prometheus' text format. Thread-safe (atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace autorules::api {

struct Metrics {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> calls_2xx{0};
  std::atomic<std::uint64_t> calls_4xx{0};
  std::atomic<std::uint64_t> calls_5xx{0};
  std::atomic<std::uint64_t> call_micros{0};

  void record(int status, std::uint64_t micros);
  std::string render() const;
};

}  // namespace autorules::api
