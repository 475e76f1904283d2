#include "api/metrics.h"

#include <fmt/format.h>

#include "automation/automation.h"

namespace autorules::api {

void Metrics::record(int status, std::uint64_t micros) {
  ++calls;
  if (status < 300) {
    ++calls_2xx;
  } else if (status < 500) {
    ++calls_4xx;
  } else {
    ++calls_5xx;
  }
  call_micros += micros;
}

std::string Metrics::render() const {
  return fmt::format(
      "# HELP autorules_api_calls_total JSON-2 calls handled, by status class.\n"
      "# TYPE autorules_api_calls_total counter\n"
      "autorules_api_calls_total{{status=\"2xx\"}} {}\n"
      "autorules_api_calls_total{{status=\"4xx\"}} {}\n"
      "autorules_api_calls_total{{status=\"5xx\"}} {}\n"
      "# HELP autorules_api_call_seconds_total Time spent in JSON-2 calls.\n"
      "# TYPE autorules_api_call_seconds_total counter\n"
      "autorules_api_call_seconds_total {:.6f}\n"
      "# HELP autorules_time_rule_failures_total Records whose time-based rule failed (rolled "
      "back alone and logged).\n"
      "# TYPE autorules_time_rule_failures_total counter\n"
      "autorules_time_rule_failures_total {}\n",
      calls_2xx.load(), calls_4xx.load(), calls_5xx.load(),
      static_cast<double>(call_micros.load()) / 1e6, automation::time_rule_failures());
}

}  // namespace autorules::api
