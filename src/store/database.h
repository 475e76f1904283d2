// Database: a pool of connections to one database, opened from a URL ("sqlite:PATH",
// "sqlite::memory:"). Thread-safe. acquire(kWrite) hands out the one writer connection of an
// SQLite database (callers queue for it; SQLite has one writer) and acquire(kRead) a reader, which
// sees the last committed state. A Lease gives its connection back when it is destroyed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/connection.h"

namespace autorules::store {

class Lease {
 public:
  Lease() = default;
  Lease(Connection* conn, std::function<void()> release)
      : conn_(conn), release_(std::move(release)) {}
  Lease(Lease&& o) noexcept : conn_(o.conn_), release_(std::move(o.release_)) {
    o.conn_ = nullptr;
    o.release_ = nullptr;
  }
  Lease& operator=(Lease&& o) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { reset(); }

  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_; }
  Connection* get() const { return conn_; }
  explicit operator bool() const { return conn_ != nullptr; }
  void reset();

 private:
  Connection* conn_ = nullptr;
  std::function<void()> release_;
};

struct DatabaseOptions {
  int readers = 4;              // reader connections kept open
  int busy_timeout_ms = 10000;  // how long to wait for another process's lock
  // SQLite's durability: "full" (default: a commit survives a power loss), "normal" (survives
  // a crash of the process, not of the machine). Set in the URL: sqlite:PATH?synchronous=normal
  std::string synchronous = "full";
};

class Database {
 public:
  virtual ~Database() = default;
  // InternalError naming the URL when it cannot be opened; UserError for an unknown scheme or
  // option. URL options (after "?", "&"-separated) override `options`.
  static std::unique_ptr<Database> open(std::string_view url, const DatabaseOptions& options = {});
  // The file of a "sqlite:PATH[?options]" URL (PATH alone), or nothing for another scheme.
  static std::optional<std::string> sqlite_file(std::string_view url);

  virtual const Dialect& dialect() const = 0;
  virtual Lease acquire(Access access) = 0;
  virtual const std::string& url() const = 0;
};

// Runs a transaction on a leased connection: begin on construction, rollback on destruction
// unless commit() was called.
class Transaction {
 public:
  Transaction(Connection& conn, Access access);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();
  void rollback() noexcept;  // as Connection::rollback: never throws
  bool open() const { return open_; }

 private:
  Connection& conn_;
  bool open_ = false;
};

// A savepoint inside a transaction: released by release(), rolled back on destruction otherwise.
class Savepoint {
 public:
  explicit Savepoint(Connection& conn);
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();
  void release();
  // Undoes what was done since the savepoint, now; throws when the database cannot (the
  // destructor's rollback swallows errors, for a transaction that is failing anyway).
  void rollback();

 private:
  void close();  // no longer open, whatever the database says next

  Connection& conn_;
  std::string name_;
  bool open_ = true;
};

}  // namespace autorules::store
