#include "store/database.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/errors.h"
#include "store/sqlite/sqlite_database.h"

namespace autorules::store {

std::string Dialect::quote(std::string_view ident) const {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Dialect::column_default(schema::FieldType t) const {
  using T = schema::FieldType;
  switch (t) {
    case T::kInteger:
    case T::kFloat:
    case T::kMonetary:
    case T::kBoolean:
      return " DEFAULT 0";
    default:
      return "";
  }
}

ResultSet Connection::fetch(std::string_view sql, std::span<const Value> params) {
  ResultSet out;
  query(sql, params, [&](const RowView& r) {
    std::vector<Value> row;
    row.reserve(static_cast<size_t>(r.size()));
    for (int i = 0; i < r.size(); ++i) {
      row.push_back(r.value(i));
    }
    out.rows.push_back(std::move(row));
  });
  return out;
}

Value Connection::scalar(std::string_view sql, std::span<const Value> params) {
  Value out;
  bool first = true;
  query(sql, params, [&](const RowView& r) {
    if (first && r.size() > 0) {
      out = r.value(0);
    }
    first = false;
  });
  return out;
}

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    reset();
    conn_ = o.conn_;
    release_ = std::move(o.release_);
    o.conn_ = nullptr;
    o.release_ = nullptr;
  }
  return *this;
}

void Lease::reset() {
  if (release_) {
    release_();
  }
  conn_ = nullptr;
  release_ = nullptr;
}

std::optional<std::string> Database::sqlite_file(std::string_view url) {
  if (!url.starts_with("sqlite:"))
    return std::nullopt;
  std::string_view path = url.substr(7);
  path = path.substr(0, path.find('?'));
  if (path.starts_with("//"))
    path.remove_prefix(2);
  return std::string(path);
}

std::unique_ptr<Database> Database::open(std::string_view url, const DatabaseOptions& options) {
  if (std::optional<std::string> file = sqlite_file(url)) {
    std::string path = *file;
    DatabaseOptions opts = options;
    if (size_t q = url.find('?'); q != std::string::npos) {
      std::string query(url.substr(q + 1));
      size_t start = 0;
      while (start <= query.size()) {
        size_t amp = query.find('&', start);
        std::string item =
            query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq),
                    value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (key == "synchronous" && (value == "full" || value == "normal" || value == "off")) {
          opts.synchronous = value;
        } else if (!item.empty()) {
          throw common::UserError(fmt::format(
              "unknown database URL option '{}' (known: synchronous=full|normal|off)", item));
        }
        if (amp == std::string::npos)
          break;
        start = amp + 1;
      }
    }
    return sqlite::open(path, opts);
  }
  if (url.starts_with("postgresql:") || url.starts_with("postgres:")) {
    throw common::UserError(
        "the PostgreSQL backend is not available in this build yet; use sqlite:PATH");
  }
  throw common::UserError(
      fmt::format("unknown database URL '{}': expected sqlite:PATH or postgresql://...", url));
}

Transaction::Transaction(Connection& conn, Access access) : conn_(conn) {
  conn_.begin(access);
  conn_.open_savepoints_ = 0;
  open_ = true;
}

Transaction::~Transaction() {
  if (open_) {
    conn_.rollback();
  }
}

void Transaction::commit() {
  conn_.commit();
  open_ = false;
}

void Transaction::rollback() noexcept {
  conn_.rollback();
  open_ = false;
}

Savepoint::Savepoint(Connection& conn)
    : conn_(conn), name_(fmt::format("sp{}", conn.open_savepoints_ + 1)) {
  conn_.savepoint(name_);
  ++conn_.open_savepoints_;
}

Savepoint::~Savepoint() {
  if (open_) {
    close();
    try {
      conn_.rollback_to(name_);
      conn_.release(name_);
    } catch (...) {
      // The enclosing transaction is failing anyway; its rollback undoes everything.
    }
  }
}

void Savepoint::close() {
  open_ = false;
  conn_.open_savepoints_ = std::max(0, conn_.open_savepoints_ - 1);
}

void Savepoint::release() {
  close();
  conn_.release(name_);
}

void Savepoint::rollback() {
  close();
  conn_.rollback_to(name_);
  conn_.release(name_);
}

}  // namespace autorules::store
