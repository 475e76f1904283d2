// The time-based rules' check (issue figures): with N records of which 1,000 are due in the
// window, (a) the bare indexed SQL query selecting exactly those ids, (b) one pass of the check
// with a trivial action, and (b0) the same pass with a rule without actions (selection, one
// savepoint per due record, last_run), so that (b) minus the action cost is (b0). Each pass runs
// in a write transaction that is rolled back, so every iteration sees the same due records.
// N = 100,000 and 1,000,000: the pass must cost the same (it grows with the due records, not the
// table).
#include <filesystem>
#include <map>
#include <memory>

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include "api/runtime.h"
#include "common/clock.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "store/database.h"

namespace {

using autorules::common::Id;
using autorules::common::Json;
namespace api = autorules::api;
namespace common = autorules::common;
namespace orm = autorules::orm;
namespace store = autorules::store;

constexpr int kDue = 1000;
const char* kNow = "2026-01-15 10:00:00";
const char* kLastRun = "2026-01-15 09:00:00";

struct Fixture {
  std::string path;
  common::ManualClock clock{*common::parse_datetime(kNow)};
  std::unique_ptr<orm::Runtime> runtime;
  Id with_action = 0, without_action = 0;

  explicit Fixture(int records) {
    auto dir = std::filesystem::temp_directory_path() /
               ("autorules-bench-time-" + std::to_string(records));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "bench.db").string();
    runtime =
        api::make_runtime({.database = "sqlite:" + path + "?synchronous=normal", .clock = &clock});
    orm::Env env = orm::Env::begin(*runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    env["ir.model"].create(Json{
        {"name", "Bench"},
        {"model", "x_bench_time"},
        {"field_id",
         Json::array(
             {Json::array(
                  {0, 0, {{"name", "x_name"}, {"ttype", "char"}, {"field_description", "Name"}}}),
              Json::array({0,
                           0,
                           {{"name", "x_when"},
                            {"ttype", "datetime"},
                            {"field_description", "When"}}})})}});
    // The rows are inserted directly: 1,000 in the window [09:00, 10:00), the rest days earlier.
    env.cr().execute_script(fmt_rows(records));
    Id field = env["ir.model.fields"]
                   .search(autorules::domain::Domain::from_text(
                       "[('model', '=', 'x_bench_time'), ('name', '=', 'x_when')]"))
                   .id();
    auto rule = [&](const char* name, Json actions) {
      return env["base.automation"]
          .create(Json{{"name", name},
                       {"model_name", "x_bench_time"},
                       {"trigger", "on_time"},
                       {"trg_date_id", field},
                       {"trg_date_range", 0},
                       {"trg_date_range_type", "minutes"},
                       {"active", false},
                       {"action_server_ids", actions}})
          .id();
    };
    with_action = rule("trivial action",
                       Json::array({Json::array(
                           {0, 0, {{"name", "trivial"}, {"state", "code"}, {"code", "x = 1"}}})}));
    without_action = rule("no action", Json::array());
    env.commit();
  }

  static std::string fmt_rows(int records) {
    return "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
           std::to_string(records - 1) +
           ") INSERT INTO x_bench_time (x_name, x_when, create_uid, write_uid) "
           "SELECT 'Record ' || i, CASE WHEN i % " +
           std::to_string(records / kDue) +
           " = 0 THEN datetime('2026-01-15 09:00:00', '+' || ((i / " +
           std::to_string(records / kDue) +
           ") * 3) || ' seconds') ELSE datetime('2026-01-13 00:00:00', '-' || (i % 100000) || "
           "' seconds') END, 1, 1 FROM n";
  }

  // Only `rule` is active, with last_run an hour ago.
  void activate(Id rule) {
    orm::Env env = orm::Env::begin(*runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    env["base.automation"].browse({with_action, without_action}).write(Json{{"active", false}});
    env["base.automation"].browse({rule}).write(Json{{"active", true}, {"last_run", kLastRun}});
    env.commit();
  }
};

Fixture& fixture(int records) {
  static std::map<int, std::unique_ptr<Fixture>> all;
  auto& f = all[records];
  if (!f)
    f = std::make_unique<Fixture>(records);
  return *f;
}

void BM_BareWindowQuery(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  sqlite3* db = nullptr;
  sqlite3_open(f.path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT id FROM x_bench_time WHERE x_when >= ? AND x_when < ? "
                     "ORDER BY id",
                     -1, &stmt, nullptr);
  std::int64_t rows = 0;
  for (auto _ : state) {
    sqlite3_bind_text(stmt, 1, kLastRun, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, kNow, -1, SQLITE_STATIC);
    std::vector<std::int64_t> ids;
    while (sqlite3_step(stmt) == SQLITE_ROW)
      ids.push_back(sqlite3_column_int64(stmt, 0));
    sqlite3_reset(stmt);
    rows = static_cast<std::int64_t>(ids.size());
    benchmark::DoNotOptimize(ids);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  state.counters["due"] = static_cast<double>(rows);
}

void pass(benchmark::State& state, bool with_action) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  f.activate(with_action ? f.with_action : f.without_action);
  const orm::Method* check =
      f.runtime->method("base.automation", "_cron_process_time_based_actions");
  Json processed;
  for (auto _ : state) {
    orm::Env env = orm::Env::begin(*f.runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    processed = check->fn(env["base.automation"], Json::object());
    // Rolled back: the next iteration finds the same due records.
  }
  state.counters["due"] = processed.get<double>();
}

void BM_CheckPassTrivialAction(benchmark::State& state) {
  pass(state, true);
}
void BM_CheckPassNoAction(benchmark::State& state) {
  pass(state, false);
}

BENCHMARK(BM_BareWindowQuery)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckPassNoAction)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckPassTrivialAction)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
