// Connection: one database connection, used by one thread at a time (a Lease hands it out).
// Statements use "?" placeholders bound to common::Value parameters; rows come back as Values
// (NULL → false, integers, reals, text). Database errors are mapped here, once: a busy or
// serialization failure is a ConflictError, anything else an InternalError naming the SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.h"
#include "store/dialect.h"

namespace autorules::store {

using common::Value;

// One row while it is being read; valid only inside the row callback.
class RowView {
 public:
  virtual ~RowView() = default;
  virtual int size() const = 0;
  virtual Value value(int column) const = 0;
  virtual bool is_null(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual std::string_view text(int column) const = 0;
};

using RowCallback = std::function<void(const RowView&)>;

struct ResultSet {
  std::vector<std::vector<Value>> rows;
  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
};

enum class Access { kRead, kWrite };

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const Dialect& dialect() const = 0;

  // Runs one statement; calls on_row for each result row.
  virtual void query(std::string_view sql, std::span<const Value> params,
                     const RowCallback& on_row) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual std::int64_t execute(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs several statements without parameters (DDL scripts).
  virtual void execute_script(std::string_view sql) = 0;

  ResultSet fetch(std::string_view sql, std::span<const Value> params = {});
  // The first column of the first row, or false when there is no row.
  Value scalar(std::string_view sql, std::span<const Value> params = {});

  virtual void begin(Access access) = 0;
  virtual void commit() = 0;
  // Ends the transaction, if one is open, undoing its work. Never throws: it runs in destructors
  // and on error paths, where the first error is the one to report. A failure is logged (the
  // database then ends the transaction itself, as when its connection is lost).
  virtual void rollback() noexcept = 0;
  virtual void savepoint(std::string_view name) = 0;
  virtual void release(std::string_view name) = 0;
  virtual void rollback_to(std::string_view name) = 0;
  virtual bool in_transaction() const = 0;

  // Metadata for schema synchronisation.
  virtual bool table_exists(std::string_view table) = 0;
  virtual std::vector<std::string> table_columns(std::string_view table) = 0;

 private:
  friend class Savepoint;
  friend class Transaction;
  // How many Savepoints are open: they nest, so each is named by its depth, and the few
  // statements that open and close them are prepared once per connection, not parsed each time.
  int open_savepoints_ = 0;
};

}  // namespace autorules::store
