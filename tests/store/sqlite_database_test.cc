#include <filesystem>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "store/database.h"
#include "test_support/temp_dir.h"

namespace autorules::store {
namespace {

using common::Value;

TEST(SqliteDatabaseTest, WriterCommitIsVisibleToReaders) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  {
    Lease w = db->acquire(Access::kWrite);
    Transaction t(*w, Access::kWrite);
    w->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
    Value p[] = {Value("x")};
    w->execute("INSERT INTO t (name) VALUES (?)", p);
    // Not committed yet: a reader does not see it.
    Lease r = db->acquire(Access::kRead);
    EXPECT_FALSE(r->table_exists("t"));
    r.reset();
    t.commit();
  }
  Lease r = db->acquire(Access::kRead);
  EXPECT_EQ(r->scalar("SELECT name FROM t").as_string(), "x");
}

TEST(SqliteDatabaseTest, RollbackOnDestructionUndoesEverything) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  {
    Lease w = db->acquire(Access::kWrite);
    w->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  }
  {
    Lease w = db->acquire(Access::kWrite);
    Transaction t(*w, Access::kWrite);
    w->execute("INSERT INTO t DEFAULT VALUES");
  }
  Lease r = db->acquire(Access::kRead);
  EXPECT_EQ(r->scalar("SELECT COUNT(*) FROM t").as_int(), 0);
}

// Rollbacks run in destructors and on error paths: they never throw, and one with no transaction
// open, or a second one, does nothing.
TEST(SqliteDatabaseTest, RollbackNeverThrowsAndIsANoOpOutsideATransaction) {
  static_assert(noexcept(std::declval<Connection&>().rollback()));
  static_assert(noexcept(std::declval<Transaction&>().rollback()));
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  w->rollback();
  w->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Transaction t(*w, Access::kWrite);
  w->execute("INSERT INTO t DEFAULT VALUES");
  t.rollback();
  EXPECT_FALSE(w->in_transaction());
  w->rollback();
  EXPECT_EQ(w->scalar("SELECT COUNT(*) FROM t").as_int(), 0);
}

TEST(SqliteDatabaseTest, SavepointRollsBackOnlyItsPart) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  w->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Transaction t(*w, Access::kWrite);
  w->execute("INSERT INTO t DEFAULT VALUES");
  {
    Savepoint sp(*w);
    w->execute("INSERT INTO t DEFAULT VALUES");
  }
  {
    Savepoint sp(*w);
    w->execute("INSERT INTO t DEFAULT VALUES");
    sp.release();
  }
  t.commit();
  EXPECT_EQ(w->scalar("SELECT COUNT(*) FROM t").as_int(), 2);
}

// Savepoints are named by their depth (so their statements are prepared once): nested ones
// still roll back only their own part, and a name is used again once its savepoint has ended,
// in this transaction or the next.
TEST(SqliteDatabaseTest, NestedSavepointsKeepTheirOwnPartsAndTheirNamesAreUsedAgain) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  w->execute_script("CREATE TABLE t (n INTEGER)");
  auto insert = [&](int n) {
    Value p[] = {Value(n)};
    w->execute("INSERT INTO t (n) VALUES (?)", p);
  };
  for (int round = 0; round < 3; ++round) {
    Transaction t(*w, Access::kWrite);
    insert(1);
    {
      Savepoint outer(*w);
      insert(2);
      {
        Savepoint inner(*w);
        insert(3);
      }  // rolled back: 3 goes
      {
        Savepoint inner(*w);
        insert(4);
        inner.release();
      }
      outer.release();
    }
    {
      Savepoint other(*w);
      insert(5);
      other.rollback();
    }
    if (round == 1) {
      // A transaction that ends with a savepoint still open: the next starts from no savepoint.
      Savepoint left(*w);
      insert(6);
      t.rollback();
      continue;
    }
    t.commit();
  }
  Lease r = db->acquire(Access::kRead);
  EXPECT_EQ(r->scalar("SELECT group_concat(n) FROM (SELECT n FROM t ORDER BY rowid)").as_string(),
            "1,2,4,1,2,4");
}

TEST(SqliteDatabaseTest, TheFileOfAUrlIsItsPathWithoutOptions) {
  EXPECT_EQ(Database::sqlite_file("sqlite:/var/lib/a.db"), "/var/lib/a.db");
  EXPECT_EQ(Database::sqlite_file("sqlite:a.db?synchronous=normal"), "a.db");
  EXPECT_EQ(Database::sqlite_file("sqlite:///srv/a.db?synchronous=full"), "/srv/a.db");
  EXPECT_EQ(Database::sqlite_file("postgresql://h/db"), std::nullopt);
}

TEST(SqliteDatabaseTest, ErrorsNameTheStatement) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  try {
    w->execute("SELECT * FROM nowhere");
    FAIL();
  } catch (const common::InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos);
  }
  Value p[] = {Value(1)};
  EXPECT_THROW(w->execute("SELECT ?, ?", p), common::InternalError);
}

TEST(SqliteDatabaseTest, CaseSensitiveLikeAndUnicodeIlike) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  EXPECT_EQ(w->scalar("SELECT 'ABC' LIKE 'abc'").as_int(), 0);
  EXPECT_EQ(w->scalar("SELECT ar_lower('ÉCLAIR') = 'éclair'").as_int(), 1);
  EXPECT_EQ(w->scalar("SELECT '50%' LIKE '50\\%' ESCAPE '\\'").as_int(), 1);
}

TEST(SqliteDatabaseTest, WritersQueueAcrossThreads) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  {
    Lease w = db->acquire(Access::kWrite);
    w->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)");
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        Lease w = db->acquire(Access::kWrite);
        Transaction t(*w, Access::kWrite);
        w->execute("INSERT INTO t (n) VALUES (1)");
        t.commit();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  Lease r = db->acquire(Access::kRead);
  EXPECT_EQ(r->scalar("SELECT SUM(n) FROM t").as_int(), 200);
}

TEST(DatabaseTest, UnknownUrlIsAClearError) {
  EXPECT_THROW(Database::open("mysql://x"), common::UserError);
  EXPECT_THROW(Database::open("sqlite:/nonexistent-dir/x/y.db"), common::InternalError);
}

}  // namespace
}  // namespace autorules::store
