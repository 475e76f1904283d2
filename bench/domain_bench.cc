// Benchmark (d): the in-memory domain evaluator on 1,000,000 records against a hand-written C++
// loop making the same comparisons on the same values. Prints the ratio; target ≤ 3.
#include <array>
#include <random>

#include <benchmark/benchmark.h>

#include "common/text.h"
#include "domain/domain.h"
#include "domain/evaluate.h"
#include "domain/resolve.h"
#include "schema/registry.h"

namespace {

using autorules::common::Id;
using autorules::common::IdList;
using autorules::common::Value;
namespace schema = autorules::schema;
namespace domain = autorules::domain;

constexpr size_t kRecords = 1'000'000;

struct Table {
  schema::Registry registry;
  const schema::Model* model = nullptr;
  // Columns by field position: name, state, amount, priority, done.
  std::vector<Value> name, state, amount, priority, done;
  IdList ids;
};

Table& table() {
  static Table t = [] {
    Table t;
    schema::Model m("x_bench", "Bench");
    m.add(schema::char_field("x_name", "Name"));
    m.add(schema::selection_field("x_state", "State",
                                  {{"draft", "Draft"}, {"open", "Open"}, {"done", "Done"}}));
    m.add(schema::float_field("x_amount", "Amount"));
    m.add(schema::selection_field("x_priority", "Priority",
                                  {{"0", "0"}, {"1", "1"}, {"2", "2"}, {"3", "3"}}));
    m.add(schema::boolean_field("x_done", "Done"));
    m.add_magic_fields();
    t.registry.put(std::move(m));
    t.model = &t.registry.get("x_bench");
    std::mt19937_64 rng(42);
    const char* names[] = {"Anna", "Bob", "Chantal", "Dmitri", "Éloïse", "Frank", "Grace", "Hans"};
    const char* states[] = {"draft", "open", "done"};
    for (size_t i = 0; i < kRecords; ++i) {
      t.ids.push_back(static_cast<Id>(i + 1));
      t.name.emplace_back(std::string(names[rng() % 8]) + " " + std::to_string(rng() % 1000));
      t.state.emplace_back(states[rng() % 3]);
      t.amount.emplace_back(static_cast<double>(rng() % 100000) / 100.0);
      t.priority.emplace_back(std::to_string(rng() % 4));
      t.done.emplace_back(rng() % 2 == 0);
    }
    return t;
  }();
  return t;
}

// Columns looked up by the field's address, as a real in-memory source would index them.
class MemorySource final : public domain::RecordSource {
 public:
  explicit MemorySource(Table& t) : t_(t) {
    const schema::Model& m = *t.model;
    columns_ = {{{m.field("x_name"), &t.name},
                 {m.field("x_state"), &t.state},
                 {m.field("x_amount"), &t.amount},
                 {m.field("x_priority"), &t.priority},
                 {m.field("x_done"), &t.done}}};
  }
  const Value& get(const schema::Model&, const schema::Field& f, Id id) override {
    for (const auto& [field, column] : columns_) {
      if (field == &f)
        return (*column)[static_cast<size_t>(id - 1)];
    }
    return none_;
  }
  IdList hierarchy(const schema::Model&, const IdList& roots, bool) override { return roots; }

 private:
  Table& t_;
  std::array<std::pair<const schema::Field*, std::vector<Value>*>, 5> columns_{};
  Value none_;
};

const char* kDomain =
    "[('x_state', '=', 'open'), ('x_amount', '>', 500.0), '|', ('x_name', 'ilike', 'an'), "
    "('x_priority', 'in', ['2', '3'])]";

void BM_Evaluator(benchmark::State& state) {
  Table& t = table();
  MemorySource source(t);
  domain::Resolved r = domain::resolve(domain::Domain::from_text(kDomain), *t.model, t.registry);
  size_t n = 0;
  for (auto _ : state) {
    IdList out = domain::filter(r, t.ids, source);
    n = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["matches"] = static_cast<double>(n);
}

// The same comparisons, by hand, on the same values, in the same order.
void BM_HandLoop(benchmark::State& state) {
  Table& t = table();
  size_t n = 0;
  for (auto _ : state) {
    IdList out;
    std::string lower;
    for (size_t i = 0; i < kRecords; ++i) {
      if (t.state[i].as_string() != "open")
        continue;
      if (!(t.amount[i].as_number() > 500.0))
        continue;
      const std::string& p = t.priority[i].as_string();
      bool pri = p == "2" || p == "3";
      if (!pri) {
        // ilike '%an%': the same Unicode lower-casing as the evaluator, into a reused buffer.
        autorules::common::utf8_lower_into(t.name[i].as_string(), lower);
        if (lower.find("an") == std::string::npos)
          continue;
      }
      out.push_back(t.ids[i]);
    }
    n = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["matches"] = static_cast<double>(n);
}

BENCHMARK(BM_Evaluator)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_HandLoop)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
