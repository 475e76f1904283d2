// The metrics exported at /metrics in Prometheus' text format: the API calls counted here
// (thread-safe atomics), the counters kept by the engine, the actions and the outbox, and what is
// read from the database at scrape time (outbox depth, cron lag).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace autorules::orm {
class Runtime;
}  // namespace autorules::orm

namespace autorules::api {

struct Metrics {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> calls_2xx{0};
  std::atomic<std::uint64_t> calls_4xx{0};
  std::atomic<std::uint64_t> calls_5xx{0};
  std::atomic<std::uint64_t> call_micros{0};

  void record(int status, std::uint64_t micros);
  // Every metric, each with its # HELP and # TYPE lines. A metric read from the database whose
  // query fails is left out (and logged); the others are still rendered.
  std::string render(orm::Runtime& runtime) const;
};

}  // namespace autorules::api
