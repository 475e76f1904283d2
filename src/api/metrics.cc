#include "api/metrics.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actions/actions.h"
#include "automation/automation.h"
#include "jobs/jobs.h"
#include "orm/env.h"
#include "orm/write_group.h"
#include "outbox/outbox.h"

namespace autorules::api {

namespace {

using Out = std::back_insert_iterator<std::string>;

void header(Out out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(out, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// The outbox's messages not delivered yet, by state, each count on one of the outbox's partial
// indexes (delivered messages, the bulk of the table, are not read). Their conditions are in the
// text as the indexes have them: a partial index is only chosen for a condition that matches it
// when the statement is prepared.
std::map<std::string, std::int64_t> outbox_depth(orm::Runtime& runtime) {
  std::map<std::string, std::int64_t> out;
  orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
  for (const char* state : {"pending", "sending"}) {
    common::Value n = env.cr().scalar(
        fmt::format("SELECT COUNT(*) FROM \"outbox_message\" WHERE \"state\" = '{}'", state), {});
    out[state] = n.is_int() ? n.as_int() : 0;
  }
  env.cr().query(
      "SELECT \"state\", COUNT(*) FROM \"outbox_message\" WHERE \"state\" IN ('failed', "
      "'dead') GROUP BY \"state\"",
      {}, [&](const store::RowView& row) { out[std::string(row.text(0))] = row.int64(1); });
  return out;
}

// How late the most overdue active scheduled job is, in seconds (0 when none is overdue).
std::int64_t cron_lag(orm::Runtime& runtime) {
  std::optional<common::DateTime> next = jobs::next_due(runtime);
  if (!next)
    return 0;
  return std::max<std::int64_t>(runtime.clock().now().seconds - next->seconds, 0);
}

}  // namespace

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

std::string Metrics::render(orm::Runtime& runtime) const {
  std::string text;
  Out out = std::back_inserter(text);

  header(out, "autorules_api_calls_total", "counter", "JSON-2 calls handled, by status class.");
  fmt::format_to(out, "autorules_api_calls_total{{status=\"2xx\"}} {}\n", calls_2xx.load());
  fmt::format_to(out, "autorules_api_calls_total{{status=\"4xx\"}} {}\n", calls_4xx.load());
  fmt::format_to(out, "autorules_api_calls_total{{status=\"5xx\"}} {}\n", calls_5xx.load());
  header(out, "autorules_api_call_seconds_total", "counter", "Time spent in JSON-2 calls.");
  fmt::format_to(out, "autorules_api_call_seconds_total {:.6f}\n",
                 static_cast<double>(call_micros.load()) / 1e6);

  orm::WriteGroupStats groups = orm::write_group_stats(runtime);
  header(out, "autorules_write_groups_total", "counter",
         "Write transactions committed for requests (group commit: each holds one or more).");
  fmt::format_to(out, "autorules_write_groups_total {}\n", groups.groups);
  header(out, "autorules_write_group_works_total", "counter",
         "Requests' writes run in those transactions.");
  fmt::format_to(out, "autorules_write_group_works_total {}\n", groups.works);

  header(out, "autorules_rule_runs_total", "counter",
         "Automation rule runs: a rule's actions run on a set of records, from any trigger.");
  automation::RuleCounts rules = automation::rule_counts(runtime);
  fmt::format_to(out, "autorules_rule_runs_total {}\n", rules.runs);
  header(out, "autorules_rule_failures_total", "counter",
         "Automation rule runs that failed (an action raised).");
  fmt::format_to(out, "autorules_rule_failures_total {}\n", rules.failures);
  header(out, "autorules_time_rule_failures_total", "counter",
         "Records whose time-based rule failed (rolled back alone and logged).");
  fmt::format_to(out, "autorules_time_rule_failures_total {}\n", rules.time_failures);

  std::vector<actions::RunCount> counts = actions::run_counts(runtime);
  header(out, "autorules_action_runs_total", "counter",
         "Server action runs, by action type (an action of a multi action counts too).");
  for (const actions::RunCount& c : counts)
    fmt::format_to(out, "autorules_action_runs_total{{type=\"{}\"}} {}\n", c.type, c.runs);
  header(out, "autorules_action_failures_total", "counter",
         "Server action runs that raised, by action type.");
  for (const actions::RunCount& c : counts)
    fmt::format_to(out, "autorules_action_failures_total{{type=\"{}\"}} {}\n", c.type, c.failures);

  try {
    std::map<std::string, std::int64_t> depth = outbox_depth(runtime);
    header(out, "autorules_outbox_messages", "gauge", "Outgoing messages not delivered, by state.");
    for (const char* state : {"pending", "sending", "failed", "dead"}) {
      auto it = depth.find(state);
      fmt::format_to(out, "autorules_outbox_messages{{state=\"{}\"}} {}\n", state,
                     it == depth.end() ? 0 : it->second);
    }
  } catch (const std::exception& e) {
    spdlog::warn("/metrics: autorules_outbox_messages left out: {}", e.what());
  }

  outbox::DeliveryCounts d = outbox::delivery_counts(runtime);
  header(out, "autorules_outbox_attempts_total", "counter",
         "Delivery attempts of outgoing messages made by this process, by outcome.");
  fmt::format_to(out, "autorules_outbox_attempts_total{{outcome=\"delivered\"}} {}\n", d.delivered);
  fmt::format_to(out, "autorules_outbox_attempts_total{{outcome=\"retry\"}} {}\n", d.retried);
  fmt::format_to(out, "autorules_outbox_attempts_total{{outcome=\"failed\"}} {}\n", d.failed);
  fmt::format_to(out, "autorules_outbox_attempts_total{{outcome=\"dead\"}} {}\n", d.dead);

  try {
    std::int64_t lag = cron_lag(runtime);
    header(out, "autorules_cron_lag_seconds", "gauge",
           "How late the most overdue active scheduled job is (0 when none is overdue).");
    fmt::format_to(out, "autorules_cron_lag_seconds {}\n", lag);
  } catch (const std::exception& e) {
    spdlog::warn("/metrics: autorules_cron_lag_seconds left out: {}", e.what());
  }
  return text;
}

}  // namespace autorules::api
