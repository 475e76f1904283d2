// Benchmark (c): search_read of 80 records by an indexed domain through the ORM (one call as the
// API makes it: open the transaction, resolve and compile the domain, search, read, build the
// JSON result) against the bare SQL query returning the same rows from the same database file.
// Target: ≤ 3×.
// Benchmark (c2): formatted_read_group of the 8,000 records of 100 codes into 100 groups (count
// and sum per code) against the bare GROUP BY statement. Target: ≤ 2×.
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include "common/clock.h"
#include "orm/env.h"
#include "orm/read_group.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "store/database.h"

namespace {

using autorules::common::Json;
using autorules::common::Value;
namespace orm = autorules::orm;
namespace store = autorules::store;

constexpr int kRecords = 100'000;
constexpr int kCodes = kRecords / 80;  // 80 records per code

struct Fixture {
  std::string path;
  std::unique_ptr<orm::Runtime> runtime;

  Fixture() {
    auto dir = std::filesystem::temp_directory_path() / "autorules-bench-orm";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "bench.db").string();
    runtime = std::make_unique<orm::Runtime>(store::Database::open("sqlite:" + path),
                                             autorules::common::SystemClock::instance());
    runtime->initialize();
    orm::Env env = orm::Env::begin(*runtime, orm::kSuperuserId, store::Access::kWrite).sudo();
    auto field = [](const char* name, const char* type, Json extra = Json::object()) {
      Json f = {{"name", name}, {"ttype", type}, {"field_description", name}};
      for (const auto& [k, v] : extra.items())
        f[k] = v;
      return Json::array({0, 0, f});
    };
    env["ir.model"].create(
        Json{{"name", "Bench"},
             {"model", "x_bench"},
             {"field_id",
              Json::array({field("x_name", "char"), field("x_code", "integer", {{"index", true}}),
                           field("x_amount", "float"), field("x_date", "date"),
                           field("x_note", "char")})}});
    // The rows themselves are inserted directly: this benchmark is about reading them.
    for (int i = 0; i < kRecords; ++i) {
      Value p[] = {Value("Record " + std::to_string(i)), Value(std::int64_t{i % kCodes}),
                   Value(i * 1.25), Value("2026-01-15"), Value("note")};
      env.cr().execute(
          "INSERT INTO x_bench (x_name, x_code, x_amount, x_date, x_note, create_uid, write_uid) "
          "VALUES (?, ?, ?, ?, ?, 1, 1)",
          p);
    }
    env.commit();
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_OrmSearchRead(benchmark::State& state) {
  Fixture& f = fixture();
  std::vector<std::string> fields = {"x_name", "x_code", "x_amount", "x_date", "x_note"};
  int code = 0;
  size_t rows = 0;
  for (auto _ : state) {
    orm::Env env = orm::Env::begin(*f.runtime, orm::kAdminId, store::Access::kRead);
    Json result = env["x_bench"].search_read(
        autorules::domain::Domain::term("x_code", autorules::domain::Op::kEq, code), fields);
    rows = result.size();
    benchmark::DoNotOptimize(result);
    code = (code + 1) % kCodes;
  }
  state.counters["rows"] = static_cast<double>(rows);
}

struct Row {
  long long id;
  std::string name;
  long long code;
  double amount;
  std::string date;
  std::string note;
};

void BM_BareQuery(benchmark::State& state) {
  Fixture& f = fixture();
  sqlite3* db = nullptr;
  sqlite3_open_v2(f.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT id, x_name, x_code, x_amount, x_date, x_note FROM x_bench "
                     "WHERE x_code = ? ORDER BY id",
                     -1, &st, nullptr);
  int code = 0;
  size_t rows = 0;
  auto text = [&](int c) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
                       static_cast<size_t>(sqlite3_column_bytes(st, c)));
  };
  for (auto _ : state) {
    std::vector<Row> out;
    sqlite3_bind_int64(st, 1, code);
    while (sqlite3_step(st) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(st, 0), text(1), sqlite3_column_int64(st, 2),
                     sqlite3_column_double(st, 3), text(4), text(5)});
    }
    sqlite3_reset(st);
    rows = out.size();
    benchmark::DoNotOptimize(out.data());
    code = (code + 1) % kCodes;
  }
  state.counters["rows"] = static_cast<double>(rows);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

constexpr int kGroupedCodes = 100;

void BM_OrmReadGroup(benchmark::State& state) {
  Fixture& f = fixture();
  size_t groups = 0;
  for (auto _ : state) {
    orm::Env env = orm::Env::begin(*f.runtime, orm::kAdminId, store::Access::kRead);
    orm::GroupQuery q;
    q.domain = autorules::domain::Domain::term("x_code", autorules::domain::Op::kLt, kGroupedCodes);
    q.groupby = {"x_code"};
    q.aggregates = {"__count", "x_amount:sum"};
    Json result = orm::formatted_read_group(env["x_bench"], q);
    groups = result.size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["groups"] = static_cast<double>(groups);
}

void BM_BareGroupBy(benchmark::State& state) {
  Fixture& f = fixture();
  sqlite3* db = nullptr;
  sqlite3_open_v2(f.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     // The condition the domain [("x_code", "<", 100)] compiles to: an empty
                     // number counts as 0, as in Odoo.
                     "SELECT x_code, COUNT(*), SUM(x_amount) FROM x_bench "
                     "WHERE x_code IS NULL OR x_code < ? GROUP BY x_code ORDER BY x_code",
                     -1, &st, nullptr);
  size_t groups = 0;
  struct Group {
    long long code;
    long long count;
    double sum;
  };
  for (auto _ : state) {
    std::vector<Group> out;
    sqlite3_bind_int64(st, 1, kGroupedCodes);
    while (sqlite3_step(st) == SQLITE_ROW) {
      out.push_back(
          {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_double(st, 2)});
    }
    sqlite3_reset(st);
    groups = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["groups"] = static_cast<double>(groups);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

BENCHMARK(BM_OrmReadGroup)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_BareGroupBy)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_OrmSearchRead)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_BareQuery)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
