#include "store/sqlite/sqlite_database.h"

#include <deque>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "common/date_group.h"
#include "common/errors.h"
#include "common/mutex.h"
#include "common/text.h"

namespace autorules::store::sqlite {
namespace {

using common::ConflictError;
using common::InternalError;

class SqliteDialect final : public Dialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string column_type(schema::FieldType t) const override {
    using T = schema::FieldType;
    switch (t) {
      case T::kInteger:
      case T::kBoolean:
      case T::kMany2one:
        return "INTEGER";
      case T::kFloat:
      case T::kMonetary:
        return "REAL";
      default:
        return "TEXT";
    }
  }
  std::string id_column_definition() const override {
    return "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT";
  }
  // case_sensitive_like is on for every connection, so LIKE is byte-exact.
  std::string like(std::string_view expr, std::string_view pattern) const override {
    return fmt::format("{} LIKE {} ESCAPE '\\'", expr, pattern);
  }
  std::string ilike(std::string_view expr, std::string_view pattern) const override {
    return fmt::format("ar_lower({}) LIKE ar_lower({}) ESCAPE '\\'", expr, pattern);
  }
  std::string json_array_values(std::string_view placeholder) const override {
    return fmt::format("SELECT \"value\" FROM json_each({})", placeholder);
  }
  std::string array_agg(std::string_view expr, bool distinct) const override {
    return fmt::format("json_group_array({}{})", distinct ? "DISTINCT " : "", expr);
  }
  std::string date_group(std::string_view expr) const override {
    return fmt::format("ar_date_group({}, ?, ?, ?)", expr);
  }
};

const SqliteDialect kDialect;

// Lower-cases UTF-8 text the way the in-memory evaluator does (common case folding of Latin,
// Greek and Cyrillic letters), so that ilike gives the same answer in SQL and in memory.
void ar_lower_fn(sqlite3_context* ctx, int, sqlite3_value** argv);
// ar_date_group(value, granularity, tz, week_start): common::date_group_key in SQL.
void ar_date_group_fn(sqlite3_context* ctx, int, sqlite3_value** argv);

bool is_busy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

class SqliteConnection;

class SqliteRow final : public RowView {
 public:
  explicit SqliteRow(sqlite3_stmt* st) : st_(st), n_(sqlite3_column_count(st)) {}
  int size() const override { return n_; }
  bool is_null(int c) const override { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
  std::int64_t int64(int c) const override { return sqlite3_column_int64(st_, c); }
  double real(int c) const override { return sqlite3_column_double(st_, c); }
  std::string_view text(int c) const override {
    const unsigned char* p = sqlite3_column_text(st_, c);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<size_t>(sqlite3_column_bytes(st_, c)))
             : std::string_view();
  }
  Value value(int c) const override {
    switch (sqlite3_column_type(st_, c)) {
      case SQLITE_NULL:
        return Value();
      case SQLITE_INTEGER:
        return Value(static_cast<std::int64_t>(sqlite3_column_int64(st_, c)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(st_, c));
      default:
        return Value(std::string(text(c)));
    }
  }

 private:
  sqlite3_stmt* st_;
  int n_;
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, const DatabaseOptions& options, bool writer) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (!writer) {
      flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
    }
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw InternalError(fmt::format("cannot open the SQLite database '{}': {}", path, msg));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    sqlite3_create_function(db_, "ar_lower", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                            ar_lower_fn, nullptr, nullptr);
    sqlite3_create_function(db_, "ar_date_group", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                            ar_date_group_fn, nullptr, nullptr);
    if (writer) {
      execute_script(connection_pragmas(options.synchronous));
    } else {
      execute_script("PRAGMA case_sensitive_like = ON; PRAGMA temp_store = MEMORY;");
    }
  }
  ~SqliteConnection() override {
    for (auto& [_, st] : cache_) {
      sqlite3_finalize(st);
    }
    sqlite3_close_v2(db_);
  }

  const Dialect& dialect() const override { return kDialect; }

  void query(std::string_view sql, std::span<const Value> params,
             const RowCallback& on_row) override {
    sqlite3_stmt* st = prepare(sql);
    StatementReset guard{st};
    bind(st, sql, params);
    SqliteRow row(st);
    while (true) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        on_row(row);
      } else if (rc == SQLITE_DONE) {
        break;
      } else {
        fail(rc, sql);
      }
    }
  }

  std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
    sqlite3_stmt* st = prepare(sql);
    StatementReset guard{st};
    bind(st, sql, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      fail(rc, sql);
    }
    return sqlite3_changes64(db_);
  }

  void execute_script(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      raise(rc, msg, sql);
    }
  }

  // Transaction control goes through the statement cache like any statement: these few texts
  // are parsed once per connection (a savepoint is named by its depth, see Savepoint).
  void begin(Access access) override {
    execute(access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", {});
  }
  void commit() override { execute("COMMIT", {}); }
  void rollback() noexcept override {
    if (sqlite3_get_autocommit(db_))
      return;
    // Called from destructors and error paths: a failure is logged, never thrown (it would hide
    // the error being reported, or end the process from a destructor).
    char* err = nullptr;
    int rc = sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      try {
        spdlog::error("store: rollback failed: {}", err ? err : sqlite3_errstr(rc));
      } catch (...) {
        // Not even logged (out of memory): a rollback must not throw.
      }
    }
    sqlite3_free(err);
  }
  void savepoint(std::string_view name) override {
    execute(fmt::format("SAVEPOINT \"{}\"", name), {});
  }
  void release(std::string_view name) override {
    execute(fmt::format("RELEASE SAVEPOINT \"{}\"", name), {});
  }
  void rollback_to(std::string_view name) override {
    execute(fmt::format("ROLLBACK TO SAVEPOINT \"{}\"", name), {});
  }
  bool in_transaction() const override { return !sqlite3_get_autocommit(db_); }

  bool table_exists(std::string_view table) override {
    Value p[] = {Value(table)};
    return !fetch("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", p).empty();
  }
  std::vector<std::string> table_columns(std::string_view table) override {
    std::vector<std::string> out;
    Value p[] = {Value(table)};
    query("SELECT name FROM pragma_table_info(?)", p,
          [&](const RowView& r) { out.emplace_back(r.text(0)); });
    return out;
  }

 private:
  struct StatementReset {
    sqlite3_stmt* st;
    ~StatementReset() {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    }
  };

  sqlite3_stmt* prepare(std::string_view sql) {
    auto it = cache_.find(sql);  // no string made to look it up
    if (it != cache_.end()) {
      return it->second;
    }
    if (cache_.size() >= kMaxCachedStatements) {
      // A statement still being stepped (a query whose row callback runs this one) stays.
      std::erase_if(cache_, [](const auto& entry) {
        if (sqlite3_stmt_busy(entry.second))
          return false;
        sqlite3_finalize(entry.second);
        return true;
      });
    }
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) {
      fail(rc, sql);
    }
    cache_.emplace(std::string(sql), st);
    return st;
  }

  void bind(sqlite3_stmt* st, std::string_view sql, std::span<const Value> params) {
    int expected = sqlite3_bind_parameter_count(st);
    if (expected != static_cast<int>(params.size())) {
      throw InternalError(
          fmt::format("SQL expects {} parameters, {} given: {}", expected, params.size(), sql));
    }
    for (int i = 0; i < expected; ++i) {
      const Value& v = params[static_cast<size_t>(i)];
      int rc = SQLITE_OK;
      switch (v.kind()) {
        case Value::Kind::kFalse:
          rc = sqlite3_bind_null(st, i + 1);
          break;
        case Value::Kind::kBool:
          rc = sqlite3_bind_int64(st, i + 1, v.as_bool() ? 1 : 0);
          break;
        case Value::Kind::kInt:
          rc = sqlite3_bind_int64(st, i + 1, v.as_int());
          break;
        case Value::Kind::kFloat:
          rc = sqlite3_bind_double(st, i + 1, v.as_float());
          break;
        case Value::Kind::kString:
          rc = sqlite3_bind_text(st, i + 1, v.as_string().data(),
                                 static_cast<int>(v.as_string().size()), SQLITE_TRANSIENT);
          break;
        case Value::Kind::kDate: {
          std::string s = common::format_date(v.as_date());
          rc = sqlite3_bind_text(st, i + 1, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
          break;
        }
        case Value::Kind::kDateTime: {
          std::string s = common::format_datetime(v.as_datetime());
          rc = sqlite3_bind_text(st, i + 1, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
          break;
        }
        case Value::Kind::kIds:
          throw InternalError(fmt::format("cannot bind an id list as a parameter: {}", sql));
      }
      if (rc != SQLITE_OK) {
        fail(rc, sql);
      }
    }
  }

  [[noreturn]] void fail(int rc, std::string_view sql) { raise(rc, sqlite3_errmsg(db_), sql); }

  [[noreturn]] static void raise(int rc, const std::string& msg, std::string_view sql) {
    if (is_busy(rc)) {
      throw ConflictError(fmt::format("the database is busy, try again ({})", msg));
    }
    throw InternalError(fmt::format("database error: {} (in: {})", msg, sql.substr(0, 300)));
  }

  static constexpr size_t kMaxCachedStatements = 512;
  sqlite3* db_ = nullptr;
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options)
      : path_(std::move(path)), url_("sqlite:" + path_), options_(options) {
    writer_ = std::make_unique<SqliteConnection>(path_, options_, /*writer=*/true);
    memory_ = path_ == ":memory:" || path_.empty();
  }

  const Dialect& dialect() const override { return kDialect; }
  const std::string& url() const override { return url_; }

  Lease acquire(Access access) override EXCLUDES(writer_mutex_, readers_mutex_) {
    if (access == Access::kWrite || memory_) {
      common::MutexLock lock(writer_mutex_);
      if (writer_busy_ && writer_owner_ == std::this_thread::get_id()) {
        // Waiting would never end: the lease is held further up this thread's stack.
        throw InternalError("this thread already holds the database's writer connection");
      }
      while (writer_busy_)
        writer_cv_.wait(writer_mutex_);
      writer_busy_ = true;
      writer_owner_ = std::this_thread::get_id();
      return Lease(writer_.get(), [this] {
        {
          common::MutexLock released(writer_mutex_);
          writer_busy_ = false;
          writer_owner_ = std::thread::id();
        }
        writer_cv_.notify_one();
      });
    }
    std::unique_ptr<SqliteConnection> conn;
    {
      common::MutexLock lock(readers_mutex_);
      if (!readers_.empty()) {
        conn = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!conn) {
      conn = std::make_unique<SqliteConnection>(path_, options_, /*writer=*/false);
    }
    SqliteConnection* raw = conn.release();
    return Lease(raw, [this, raw] {
      std::unique_ptr<SqliteConnection> back(raw);
      back->rollback();
      common::MutexLock lock(readers_mutex_);
      if (readers_.size() < static_cast<size_t>(options_.readers)) {
        readers_.push_back(std::move(back));
      }
    });
  }

 private:
  const std::string path_;
  const std::string url_;
  const DatabaseOptions options_;
  bool memory_ = false;

  std::unique_ptr<SqliteConnection> writer_;
  common::Mutex writer_mutex_;
  common::CondVar writer_cv_;
  bool writer_busy_ GUARDED_BY(writer_mutex_) = false;
  std::thread::id writer_owner_ GUARDED_BY(writer_mutex_);

  common::Mutex readers_mutex_;
  std::deque<std::unique_ptr<SqliteConnection>> readers_ GUARDED_BY(readers_mutex_);
};

}  // namespace

std::string connection_pragmas(const std::string& synchronous) {
  return "PRAGMA journal_mode = WAL;"
         "PRAGMA synchronous = " +
         synchronous +
         ";"
         "PRAGMA foreign_keys = OFF;"
         "PRAGMA temp_store = MEMORY;"
         "PRAGMA cache_size = -32000;"
         "PRAGMA case_sensitive_like = ON;";
}

std::unique_ptr<Database> open(const std::string& path, const DatabaseOptions& options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

}  // namespace autorules::store::sqlite

namespace autorules::store::sqlite {
namespace {

void ar_lower_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const unsigned char* p = sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]);
  std::string lower = common::utf8_lower(
      std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n)));
  sqlite3_result_text(ctx, lower.data(), static_cast<int>(lower.size()), SQLITE_TRANSIENT);
}

std::string_view value_text(sqlite3_value* v) {
  const unsigned char* p = sqlite3_value_text(v);
  return p ? std::string_view(reinterpret_cast<const char*>(p),
                              static_cast<size_t>(sqlite3_value_bytes(v)))
           : std::string_view();
}

void ar_date_group_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_null(ctx);
    return;
  }
  Value key = common::date_group_key(value_text(argv[0]), value_text(argv[1]), value_text(argv[2]),
                                     sqlite3_value_int(argv[3]));
  if (key.is_int()) {
    sqlite3_result_int64(ctx, key.as_int());
  } else if (key.is_string()) {
    const std::string& text = key.as_string();
    sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  } else {
    sqlite3_result_null(ctx);
  }
}

}  // namespace
}  // namespace autorules::store::sqlite
