// The differential test (docs/domains.md: the in-memory evaluator and the SQL compiler give the
// same answers). A temporary SQLite database gets the test schema and a few hundred random records
// (NULLs, empty strings, Unicode in several cases, %, _ and \ in values, a parent cycle); then
// thousands of random domains (dotted paths, every operator, False and lists, wildcards, nested &,
// |, !, any / not any, child_of / parent_of) are run both ways:
//   - filter() with a RecordSource that reads the same database, and
//   - SELECT id FROM table AS t WHERE <to_sql(...)>,
// and the two id sets must be equal. The seed is fixed; a mismatch prints the domain.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/text.h"
#include "domain/evaluate.h"
#include "domain/sql.h"
#include "domain/test_schema.h"
#include "store/database.h"
#include "store/schema_sync.h"

namespace autorules::domain {
namespace {

// ------------------------------------------------------------------------------- the source

// Reads field values from the database by id, caching them: numbers and booleans as 0/false
// when NULL, x2many as id lists, dates parsed, display_name as "model,id" for a model without
// a name field.
class DbSource : public RecordSource {
 public:
  DbSource(store::Connection& conn, const schema::Registry& registry)
      : conn_(conn), registry_(registry) {}

  void prefetch(const schema::Model& model, std::span<const schema::Field* const> fields,
                std::span<const Id> ids) override {
    ++prefetch_calls;
    for (const schema::Field* f : fields) {
      auto& cache = cache_[key(model, *f)];
      IdList missing;
      for (Id id : ids) {
        if (!cache.contains(id)) {
          missing.push_back(id);
        }
      }
      if (!missing.empty()) {
        load(model, *f, missing, cache);
      }
    }
  }

  const Value& get(const schema::Model& model, const schema::Field& field, Id id) override {
    auto& cache = cache_[key(model, field)];
    auto it = cache.find(id);
    if (it == cache.end()) {
      ++unprefetched_gets;
      load(model, field, IdList{id}, cache);
      it = cache.find(id);
    }
    return it->second;
  }

  IdList hierarchy(const schema::Model& model, const IdList& roots, bool descendants) override {
    std::map<Id, Value> parent;
    conn_.query("SELECT \"id\", \"" + model.parent_field() + "\" FROM \"" + model.table() + "\"",
                {}, [&](const store::RowView& r) { parent[r.int64(0)] = r.value(1); });
    std::set<Id> out;
    for (Id r : roots) {
      if (parent.contains(r)) {
        out.insert(r);
      }
    }
    bool grew = true;
    while (grew) {
      grew = false;
      for (const auto& [id, p] : parent) {
        if (!p.is_int())
          continue;
        if (descendants && out.contains(p.as_int()) && out.insert(id).second)
          grew = true;
        if (!descendants && out.contains(id) && out.insert(p.as_int()).second)
          grew = true;
      }
    }
    return IdList(out.begin(), out.end());
  }

  int prefetch_calls = 0;
  int unprefetched_gets = 0;

 private:
  using Cache = std::unordered_map<Id, Value>;

  static std::string key(const schema::Model& m, const schema::Field& f) {
    return m.name() + "/" + f.name;
  }
  static std::string id_list(const IdList& ids) {
    std::string s;
    for (Id id : ids) {
      s += (s.empty() ? "" : ",") + std::to_string(id);
    }
    return s;
  }

  void load(const schema::Model& model, const schema::Field& f, const IdList& ids, Cache& cache) {
    using T = schema::FieldType;
    for (Id id : ids) {
      cache[id] = default_value(f);
    }
    if (f.name == "display_name" && !f.store) {
      for (Id id : ids) {
        cache[id] = Value(model.name() + "," + std::to_string(id));
      }
      return;
    }
    std::string in = id_list(ids);
    if (f.type == T::kOne2many) {
      const schema::Model& co = registry_.get(f.relation);
      conn_.query("SELECT \"" + f.relation_field + "\", \"id\" FROM \"" + co.table() +
                      "\" WHERE \"" + f.relation_field + "\" IN (" + in + ") ORDER BY \"id\"",
                  {}, [&](const store::RowView& r) { append(cache[r.int64(0)], r.int64(1)); });
      return;
    }
    if (f.type == T::kMany2many) {
      conn_.query("SELECT \"" + f.column1 + "\", \"" + f.column2 + "\" FROM \"" + f.relation_table +
                      "\" WHERE \"" + f.column1 + "\" IN (" + in + ") ORDER BY 2",
                  {}, [&](const store::RowView& r) { append(cache[r.int64(0)], r.int64(1)); });
      return;
    }
    conn_.query("SELECT \"id\", \"" + f.name + "\" FROM \"" + model.table() +
                    "\" WHERE \"id\" IN (" + in + ")",
                {}, [&](const store::RowView& r) {
                  Value& v = cache[r.int64(0)];
                  if (r.is_null(1)) {
                    return;
                  }
                  switch (f.type) {
                    case T::kInteger:
                    case T::kMany2one:
                      v = Value(r.int64(1));
                      break;
                    case T::kFloat:
                    case T::kMonetary:
                      v = Value(r.real(1));
                      break;
                    case T::kBoolean:
                      v = Value(r.int64(1) != 0);
                      break;
                    case T::kDate:
                      v = Value(*common::parse_date(r.text(1)));
                      break;
                    case T::kDatetime:
                      v = Value(*common::parse_datetime(r.text(1)));
                      break;
                    default:
                      v = Value(std::string(r.text(1)));
                  }
                });
  }

  static void append(Value& v, Id id) {
    IdList ids = v.is_ids() ? v.as_ids() : IdList{};
    ids.push_back(id);
    v = Value(std::move(ids));
  }

  static Value default_value(const schema::Field& f) {
    using T = schema::FieldType;
    switch (f.type) {
      case T::kInteger:
        return Value(std::int64_t{0});
      case T::kFloat:
      case T::kMonetary:
        return Value(0.0);
      case T::kBoolean:
        return Value(false);
      case T::kOne2many:
      case T::kMany2many:
        return Value(IdList{});
      default:
        return Value();
    }
  }

  store::Connection& conn_;
  const schema::Registry& registry_;
  std::unordered_map<std::string, Cache> cache_;
};

class SqlNames : public NameLookup {
 public:
  explicit SqlNames(store::Connection& conn) : conn_(conn) {}
  IdList ids_by_name(const schema::Model& model, const std::string& name) override {
    IdList out;
    std::string expr =
        model.rec_name().empty() ? "(? || CAST(\"id\" AS TEXT))" : "\"" + model.rec_name() + "\"";
    std::vector<Value> params;
    if (model.rec_name().empty())
      params.emplace_back(model.name() + ",");
    params.emplace_back("%" + name + "%");
    conn_.query(
        "SELECT \"id\" FROM \"" + model.table() + "\" WHERE " + conn_.dialect().ilike(expr, "?"),
        params, [&](const store::RowView& r) { out.push_back(r.int64(0)); });
    return out;
  }

 private:
  store::Connection& conn_;
};

// ------------------------------------------------------------------------------- the data

const std::vector<std::string>& string_pool() {
  static const std::vector<std::string> pool = {
      "Alpha",  "alpha",   "ALPHA",  "beta", "Beta Max", "Éclair", "ÉCLAIR", "éclair",
      "straße", "STRASSE", "Straße", "50%",  "5_0",      "a\\b",   "back\\", "%",
      "_",      "\\",      "",       "x y",  "naïve",    "NAÏVE",  "Ωmega",  "ωmega",
      "日本",   "O'Brien", "Ÿes",    "ÿes",  "Москва",   "МОСКВА", "a%b_c",  "100\\%"};
  return pool;
}

struct Fixture {
  ~Fixture() {
    db.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((path + suffix).c_str());
    }
  }
  std::string path;
  std::unique_ptr<store::Database> db;
  schema::Registry registry = testing::test_registry();
  std::map<std::string, IdList> ids;  // per model
};

Fixture& fixture() {
  static std::unique_ptr<Fixture> f = [] {
    auto fx = std::make_unique<Fixture>();
    fx->path = "/tmp/autorules_domain_diff_" + std::to_string(::getpid()) + ".db";
    std::remove(fx->path.c_str());
    fx->db = store::Database::open("sqlite:" + fx->path);
    store::Lease conn = fx->db->acquire(store::Access::kWrite);
    store::Transaction tx(*conn, store::Access::kWrite);
    store::sync_schema(*conn, fx->registry);

    std::mt19937_64 rng(424242);
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
    auto text = [&]() -> Value {
      return chance(12) ? Value() : Value(string_pool()[pick(string_pool().size())]);
    };
    auto ref = [&](const IdList& among) -> Value {
      return among.empty() || chance(20) ? Value() : Value(among[pick(among.size())]);
    };
    auto insert = [&](const std::string& table, const std::vector<std::string>& cols,
                      std::vector<Value> vals) -> Id {
      std::string sql = "INSERT INTO \"" + table + "\" (";
      std::string qs;
      for (size_t i = 0; i < cols.size(); ++i) {
        sql += (i ? ", \"" : "\"") + cols[i] + "\"";
        qs += i ? ", ?" : "?";
      }
      conn->execute(sql + ") VALUES (" + qs + ")", vals);
      return conn->scalar("SELECT last_insert_rowid()").as_int();
    };
    auto date_text = [&](bool with_time) -> Value {
      if (chance(15))
        return Value();
      common::Date d =
          common::add_days(common::make_date(2024, 1, 1), static_cast<std::int64_t>(pick(90)));
      if (!with_time)
        return Value(common::format_date(d));
      return Value(common::format_datetime(
          common::make_datetime(d, static_cast<int>(pick(24)), static_cast<int>(pick(4)) * 15, 0)));
    };

    IdList& cats = fx->ids["t.category"];
    for (int i = 0; i < 30; ++i) {
      cats.push_back(insert("t_category", {"code", "parent_id"}, {text(), ref(cats)}));
    }
    IdList& tags = fx->ids["t.tag"];
    for (int i = 0; i < 40; ++i) {
      Value color = chance(10) ? Value() : Value(static_cast<std::int64_t>(pick(6)));
      tags.push_back(insert("t_tag", {"name", "color", "parent_id"}, {text(), color, ref(tags)}));
    }
    // A cycle in the tag hierarchy: recursive queries and the source must both stop.
    conn->execute("UPDATE \"t_tag\" SET \"parent_id\" = ? WHERE \"id\" = ?",
                  std::vector<Value>{Value(tags[39]), Value(tags[38])});
    conn->execute("UPDATE \"t_tag\" SET \"parent_id\" = ? WHERE \"id\" = ?",
                  std::vector<Value>{Value(tags[38]), Value(tags[39])});

    IdList& recs = fx->ids["t.record"];
    const char* states[] = {"draft", "open", "done", ""};
    for (int i = 0; i < 300; ++i) {
      // (Built in place: GCC 12 reports false -Wmaybe-uninitialized on moved-from variants.)
      std::vector<Value> vals;
      vals.reserve(14);
      vals.push_back(text());
      vals.push_back(text());
      vals.push_back(text());
      if (chance(5)) {
        vals.emplace_back();
      } else {
        vals.emplace_back(static_cast<std::int64_t>(pick(14)) - 3);
      }
      if (chance(5)) {
        vals.emplace_back();
      } else if (chance(30)) {
        vals.emplace_back(static_cast<double>(pick(5)));
      } else {
        vals.emplace_back(static_cast<double>(pick(40)) / 4.0 - 2.0);
      }
      if (chance(50)) {
        vals.emplace_back(0.0);
      } else {
        vals.emplace_back(static_cast<double>(pick(100)) / 10.0);
      }
      if (chance(5)) {
        vals.emplace_back();
      } else {
        vals.emplace_back(static_cast<std::int64_t>(pick(2)));
      }
      vals.push_back(date_text(false));
      vals.push_back(date_text(true));
      if (chance(15)) {
        vals.emplace_back();
      } else {
        vals.emplace_back(states[pick(4)]);
      }
      if (chance(40)) {
        vals.emplace_back();
      } else {
        vals.emplace_back(common::base64_encode(string_pool()[pick(10)]));
      }
      vals.push_back(ref(cats));
      vals.push_back(ref(tags));
      vals.push_back(ref(recs));
      recs.push_back(insert("t_record",
                            {"name", "note", "body", "count", "amount", "price", "flag", "day",
                             "moment", "state", "data", "category_id", "tag_id", "parent_id"},
                            std::move(vals)));
      size_t n_tags = pick(4);
      std::set<Id> chosen;
      for (size_t k = 0; k < n_tags; ++k)
        chosen.insert(tags[pick(tags.size())]);
      for (Id t : chosen) {
        conn->execute("INSERT INTO \"t_record_t_tag_rel\" VALUES (?, ?)",
                      std::vector<Value>{Value(recs.back()), Value(t)});
      }
    }
    IdList& lines = fx->ids["t.line"];
    for (int i = 0; i < 400; ++i) {
      Value qty = Value(static_cast<std::int64_t>(pick(5)));
      lines.push_back(insert("t_line", {"name", "record_id", "qty"}, {text(), ref(recs), qty}));
      if (chance(50)) {
        conn->execute("INSERT INTO \"t_line_t_tag_rel\" VALUES (?, ?)",
                      std::vector<Value>{Value(lines.back()), Value(tags[pick(tags.size())])});
      }
    }
    tx.commit();
    return fx;
  }();
  return *f;
}

// ------------------------------------------------------------------------------- the domains

class DomainGenerator {
 public:
  DomainGenerator(const schema::Registry& registry, std::map<std::string, IdList> ids,
                  std::uint64_t seed)
      : registry_(registry), ids_(std::move(ids)), rng_(seed) {}

  Json domain(const schema::Model& m, int depth) {
    Json out = Json::array();
    int n = 1 + static_cast<int>(pick(depth > 1 ? 3 : 2));
    for (int i = 0; i < n; ++i) {
      expression(m, depth, out);
    }
    return out;
  }

 private:
  size_t pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  void expression(const schema::Model& m, int depth, Json& out) {
    int r = static_cast<int>(pick(100));
    if (depth > 0 && r < 15) {
      out.push_back(chance(50) ? "&" : "|");
      expression(m, depth - 1, out);
      expression(m, depth - 1, out);
    } else if (depth > 0 && r < 25) {
      out.push_back("!");
      expression(m, depth - 1, out);
    } else if (r < 27) {
      out.push_back(Json::array({chance(50) ? 1 : 0, "=", 1}));
    } else {
      out.push_back(term(m, depth));
    }
  }

  static bool searchable(const schema::Model& m, const schema::Field& f,
                         const schema::Registry& reg) {
    if (f.secret || (!f.store && f.name != "display_name"))
      return false;
    if (f.is_relational() && !reg.contains(f.relation))
      return false;
    (void)m;
    return true;
  }

  const schema::Field& random_field(const schema::Model& m) {
    std::vector<const schema::Field*> fs;
    for (const schema::Field& f : m.fields()) {
      if (searchable(m, f, registry_))
        fs.push_back(&f);
    }
    return *fs[pick(fs.size())];
  }

  Json term(const schema::Model& m, int depth) {
    // A path: up to two relational steps.
    std::string path;
    const schema::Model* model = &m;
    const schema::Field* f = &random_field(*model);
    for (int step = 0; step < 2 && f->is_relational() && chance(45); ++step) {
      path += f->name + ".";
      model = &registry_.get(f->relation);
      f = &random_field(*model);
    }
    path += f->name;
    std::string op = random_op(*model, *f);
    if (op == "any" || op == "not any") {
      return Json::array({path, op, domain(registry_.get(f->relation), std::max(0, depth - 1))});
    }
    return Json::array({path, op, value(*model, *f, op)});
  }

  std::string random_op(const schema::Model& model, const schema::Field& f) {
    static const char* all[] = {"=",     "!=",        "<>",    "<",         ">",      "<=",
                                ">=",    "=?",        "in",    "not in",    "like",   "not like",
                                "ilike", "not ilike", "=like", "not =like", "=ilike", "not =ilike"};
    bool hierarchy_ok = (f.name == "id" && !model.parent_field().empty()) ||
                        (f.is_relational() && !registry_.get(f.relation).parent_field().empty());
    if (f.is_relational() && chance(20))
      return chance(50) ? "any" : "not any";
    if (hierarchy_ok && chance(20))
      return chance(50) ? "child_of" : "parent_of";
    bool text_like = f.type == schema::FieldType::kChar || f.type == schema::FieldType::kText ||
                     f.type == schema::FieldType::kHtml ||
                     f.type == schema::FieldType::kSelection || f.name == "display_name";
    static const char* likes[] = {"like",  "not like",  "ilike",  "not ilike",
                                  "=like", "not =like", "=ilike", "not =ilike"};
    if (text_like && chance(40)) {
      return likes[pick(std::size(likes))];
    }
    bool numeric = f.is_numeric() || f.type == schema::FieldType::kBoolean;
    if (numeric && !chance(3)) {
      return all[pick(10)];  // the like family on numbers is an error: only now and then
    }
    return all[pick(std::size(all))];
  }

  std::string sub_text(const std::string& s) {
    // A random run of code points (never a broken UTF-8 sequence).
    std::vector<size_t> starts;
    for (size_t i = 0; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
        starts.push_back(i);
    }
    starts.push_back(s.size());
    size_t a = pick(starts.size()), b = pick(starts.size());
    if (a > b)
      std::swap(a, b);
    return s.substr(starts[a], starts[b] - starts[a]);
  }

  Json pattern() {
    std::string base = sub_text(string_pool()[pick(string_pool().size())]);
    std::string out;
    for (char c : base) {
      bool boundary = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      if (boundary && chance(8))
        out += chance(50) ? "%" : "_";
      if (boundary && chance(3))
        out += '\\';
      out += (chance(20) && c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    }
    if (chance(10))
      out += chance(50) ? "\\" : "%";
    return out;
  }

  Json scalar(const schema::Model& model, const schema::Field& f, const std::string& op) {
    using T = schema::FieldType;
    if (chance(8))
      return false;
    if (op.find("like") != std::string::npos) {
      if (chance(5))
        return "";
      if (f.type == T::kDate || f.type == T::kDatetime)
        return "2024-0" + std::to_string(1 + pick(3));
      return pattern();
    }
    if (f.name == "id") {
      const IdList& ids = ids_[model.name()];
      return chance(10) ? Json(999) : Json(ids[pick(ids.size())]);
    }
    if (f.name == "display_name" && model.rec_name().empty()) {
      return model.name() + "," + std::to_string(1 + pick(35));
    }
    switch (f.type) {
      case T::kChar:
      case T::kText:
      case T::kHtml:
        return chance(70) ? Json(string_pool()[pick(string_pool().size())]) : pattern();
      case T::kInteger:
        if (chance(10))
          return std::to_string(static_cast<int>(pick(8)) - 2);
        return static_cast<int>(pick(14)) - 3;
      case T::kFloat:
      case T::kMonetary:
        if (chance(10))
          return "2.5";
        return chance(50) ? Json(static_cast<int>(pick(6)) - 1)
                          : Json(static_cast<double>(pick(40)) / 4.0 - 2.0);
      case T::kBoolean: {
        static const Json bools[] = {true, false, 0, 1, "true", "False"};
        return bools[pick(std::size(bools))];
      }
      case T::kDate:
      case T::kDatetime: {
        common::Date d = common::add_days(common::make_date(2024, 1, 1),
                                          static_cast<std::int64_t>(pick(92)) - 1);
        if (chance(30)) {
          return common::format_datetime(
              common::make_datetime(d, static_cast<int>(pick(24)), 0, 0));
        }
        return common::format_date(d);
      }
      case T::kSelection: {
        static const char* keys[] = {"draft", "open", "done", "", "nope"};
        return keys[pick(std::size(keys))];
      }
      case T::kBinary:
        return common::base64_encode(string_pool()[pick(10)]);
      case T::kMany2one:
      case T::kOne2many:
      case T::kMany2many: {
        const schema::Model& co = registry_.get(f.relation);
        if (chance(20)) {
          // A name.
          if (co.rec_name().empty())
            return co.name() + "," + std::to_string(1 + pick(35));
          return chance(50) ? Json(string_pool()[pick(string_pool().size())]) : pattern();
        }
        const IdList& ids = ids_[co.name()];
        return chance(5) ? Json(999) : Json(ids[pick(ids.size())]);
      }
    }
    return false;
  }

  // The i-th value of `f`'s type that no record holds (null for types without one).
  static Json filler(const schema::Field& f, int i) {
    using T = schema::FieldType;
    if (f.name == "id" || f.is_relational())
      return 100000 + i;
    switch (f.type) {
      case T::kChar:
      case T::kText:
      case T::kHtml:
      case T::kSelection:
        return "filler-" + std::to_string(i);
      case T::kInteger:
        return 100000 + i;
      case T::kFloat:
      case T::kMonetary:
        return 100000.5 + i;
      case T::kDate:
        return common::format_date(
            common::add_days(common::make_date(2030, 1, 1), static_cast<std::int64_t>(i)));
      case T::kDatetime:
        return common::format_datetime(common::make_datetime(
            common::add_days(common::make_date(2030, 1, 1), static_cast<std::int64_t>(i)), 1, 2,
            3));
      default:
        return nullptr;
    }
  }

  Json value(const schema::Model& model, const schema::Field& f, const std::string& op) {
    bool list_op = op == "in" || op == "not in" || op == "child_of" || op == "parent_of";
    if ((list_op && chance(80)) || ((op == "=" || op == "!=") && chance(10))) {
      Json list = Json::array();
      size_t n = pick(5);
      bool names = f.is_relational() && chance(30);
      for (size_t i = 0; i < n; ++i) {
        Json v = scalar(model, f, "=");
        if (names && !v.is_string() && !v.is_boolean())
          continue;
        if (!names && f.is_relational() && v.is_string())
          continue;
        list.push_back(v);
      }
      if ((op == "in" || op == "not in") && !names && chance(8)) {
        // A long list: SQL binds it as one JSON parameter instead of one per value, which must
        // mean the same. Fillers of the field's type that match nothing make it long.
        for (int i = 0; i < 300; ++i) {
          Json x = filler(f, i);
          if (!x.is_null())
            list.push_back(std::move(x));
        }
      }
      return list;
    }
    if (op == "child_of" || op == "parent_of") {
      const schema::Model& h = f.name == "id" ? model : registry_.get(f.relation);
      if (chance(15))
        return string_pool()[pick(8)];  // a name to look up
      const IdList& ids = ids_[h.name()];
      return ids[pick(ids.size())];
    }
    return scalar(model, f, op);
  }

  const schema::Registry& registry_;
  std::map<std::string, IdList> ids_;
  std::mt19937_64 rng_;
};

// Python text for a JSON domain, to check the text parser on the same domains.
std::string python(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return j.get<bool>() ? "True" : "False";
    case Json::value_t::string: {
      std::string out = "'";
      for (char c : j.get_ref<const std::string&>()) {
        if (c == '\\' || c == '\'')
          out += '\\';
        out += c;
      }
      return out + "'";
    }
    case Json::value_t::array: {
      bool term = j.size() == 3 && j[1].is_string();
      std::string out = term ? "(" : "[";
      for (size_t i = 0; i < j.size(); ++i)
        out += (i ? ", " : "") + python(j[i]);
      return out + (term ? ")" : "]");
    }
    default:
      return j.dump();
  }
}

// ------------------------------------------------------------------------------- the test

TEST(DomainDifferentialTest, SqlAndMemoryAgreeOnRandomDomains) {
  Fixture& fx = fixture();
  store::Lease conn = fx.db->acquire(store::Access::kRead);
  DbSource source(*conn, fx.registry);
  SqlNames names(*conn);
  DomainGenerator gen(fx.registry, fx.ids, 20240607);

  struct Target {
    const char* model;
    int domains;
  };
  const Target targets[] = {
      {"t.record", 12000}, {"t.line", 3000}, {"t.tag", 2500}, {"t.category", 1500}};
  int total = 0, rejected = 0, failures = 0, nontrivial = 0;
  size_t records = 0;
  auto start = std::chrono::steady_clock::now();
  for (const Target& target : targets) {
    const schema::Model& model = fx.registry.get(target.model);
    const IdList& all = fx.ids[target.model];
    records += all.size();
    for (int i = 0; i < target.domains && failures < 10; ++i) {
      Json json = gen.domain(model, 3);
      ++total;
      Domain domain = Domain::from_json(json);
      // The text form parses to the same tree.
      ASSERT_EQ(Domain::from_text(python(json)).to_json(), domain.to_json()) << python(json);
      Resolved resolved;
      try {
        resolved = resolve(domain, model, fx.registry, &names);
      } catch (const common::ValueError& e) {
        ++rejected;
        if (std::getenv("DIFF_VERBOSE")) {
          std::printf("rejected: %s\n", e.what());
        }
        continue;
      }
      IdList memory = filter(resolved, all, source);
      SqlCondition cond = to_sql(resolved, fx.registry, conn->dialect(), "t");
      IdList sql;
      try {
        conn->query("SELECT \"id\" FROM \"" + model.table() + "\" AS \"t\" WHERE " + cond.sql +
                        " ORDER BY \"id\"",
                    cond.params, [&](const store::RowView& r) { sql.push_back(r.int64(0)); });
      } catch (const std::exception& e) {
        ADD_FAILURE() << "SQL failed: " << e.what() << "\ndomain: " << domain.to_json().dump()
                      << "\nsql: " << cond.sql;
        ++failures;
        continue;
      }
      std::sort(memory.begin(), memory.end());
      if (!memory.empty() && memory.size() != all.size()) {
        ++nontrivial;
      }
      if (memory != sql) {
        ++failures;
        IdList only_memory, only_sql;
        std::set_difference(memory.begin(), memory.end(), sql.begin(), sql.end(),
                            std::back_inserter(only_memory));
        std::set_difference(sql.begin(), sql.end(), memory.begin(), memory.end(),
                            std::back_inserter(only_sql));
        ADD_FAILURE() << "memory and SQL disagree on " << target.model
                      << "\ndomain: " << domain.to_json().dump()
                      << "\nresolved: " << debug_string(resolved) << "\nsql: " << cond.sql
                      << "\nonly in memory: " << ::testing::PrintToString(only_memory)
                      << "\nonly in SQL: " << ::testing::PrintToString(only_sql);
      }
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "differential: %d domains (%d rejected by resolve, %d with a non-trivial result) "
      "over %zu records of 4 models, %.2f s\n",
      total, rejected, nontrivial, records, seconds);
  EXPECT_EQ(failures, 0);
  // The generator must mostly produce meaningful domains.
  EXPECT_LT(rejected, total / 3);
  EXPECT_GT(nontrivial, total / 3);
  // Evaluation prefetched what it read.
  EXPECT_EQ(source.unprefetched_gets, 0);
}

}  // namespace
}  // namespace autorules::domain
