// Benchmarks of the Python sandbox (issue figures):
//  (a) bare CPython executing a compiled snippet with a plain dict context built per run;
//  (b) our evaluation of the same snippet as a code action on one record: context built,
//      proxies made, limits armed, code run. Target (b) <= 3 x (a).
// Also: evaluations per second of a one-line expression, and reading one field through a proxy
// against reading it from C++.
#include <filesystem>
#include <memory>

#include <Python.h>
#include <benchmark/benchmark.h>
#include <pybind11/embed.h>

#include "common/clock.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "script/sandbox.h"
#include "store/database.h"

namespace {

namespace py = pybind11;
namespace orm = autorules::orm;
namespace script = autorules::script;
using autorules::common::Json;

constexpr const char* kSnippet = "x = record.id * 2 + uid";

struct Fixture {
  std::unique_ptr<orm::Runtime> runtime;
  std::unique_ptr<orm::Env> env;
  autorules::common::Id partner = 0;

  Fixture() {
    auto dir = std::filesystem::temp_directory_path() / "autorules-bench-script";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    runtime = std::make_unique<orm::Runtime>(
        autorules::store::Database::open("sqlite:" + (dir / "bench.db").string()),
        autorules::common::SystemClock::instance());
    script::install(*runtime);
    runtime->initialize();
    env = std::make_unique<orm::Env>(
        orm::Env::begin(*runtime, orm::kAdminId, autorules::store::Access::kWrite));
    partner = (*env)["res.partner"].create(Json{{"name", "Bench"}}).id();
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_BareExec(benchmark::State& state) {
  fixture();
  py::gil_scoped_acquire gil;
  py::object code = py::module_::import("builtins").attr("compile")(kSnippet, "<code>", "exec");
  py::object ns = py::module_::import("types").attr("SimpleNamespace");
  py::dict base = py::dict(py::module_::import("builtins").attr("__dict__"));
  for (auto _ : state) {
    // A plain context, built per run as ours is: the record, the user, the names.
    py::dict g;
    g["__builtins__"] = base;
    g["record"] = ns(py::arg("id") = 7, py::arg("name") = "Bench");
    g["records"] = py::list();
    g["uid"] = 2;
    g["user"] = ns(py::arg("id") = 2);
    g["env"] = py::dict();
    PyObject* r = PyEval_EvalCode(code.ptr(), g.ptr(), g.ptr());
    Py_XDECREF(r);
    g.clear();
  }
}

void BM_SandboxCodeAction(benchmark::State& state) {
  Fixture& f = fixture();
  script::Context ctx(f.env->sudo());
  ctx.model = "res.partner";
  ctx.records = {f.partner};
  for (auto _ : state) {
    Json r = script::exec(kSnippet, ctx);
    benchmark::DoNotOptimize(r);
  }
}

void BM_SandboxOneLineExpression(benchmark::State& state) {
  Fixture& f = fixture();
  script::Context ctx(f.env->sudo());
  for (auto _ : state) {
    Json r = script::eval("uid * 2 + 1", ctx);
    benchmark::DoNotOptimize(r);
  }
  state.counters["evals_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// One field read through a proxy (`record.name`, within one evaluation) against the same read
// from C++: each iteration reads it 100 times.
void BM_ProxyFieldRead(benchmark::State& state) {
  Fixture& f = fixture();
  script::Context ctx(f.env->sudo());
  ctx.model = "res.partner";
  ctx.records = {f.partner};
  for (auto _ : state) {
    Json r = script::exec("for i in range(100):\n    n = record.name", ctx);
    benchmark::DoNotOptimize(r);
  }
}

void BM_CppFieldRead(benchmark::State& state) {
  Fixture& f = fixture();
  orm::RecordSet rs = f.env->sudo()["res.partner"].browse({f.partner});
  for (auto _ : state) {
    for (int i = 0; i < 100; ++i) {
      auto v = rs.get("name");
      benchmark::DoNotOptimize(v);
    }
  }
}

BENCHMARK(BM_BareExec)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_SandboxCodeAction)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_SandboxOneLineExpression)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_ProxyFieldRead)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_CppFieldRead)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
