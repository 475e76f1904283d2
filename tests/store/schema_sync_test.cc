#include "store/schema_sync.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "test_support/temp_dir.h"

namespace autorules::store {
namespace {

using namespace schema;

TEST(SchemaSyncTest, CreatesTablesColumnsAndRelationTables) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  Registry r = builtin_registry();
  sync_schema(*w, r);
  EXPECT_TRUE(w->table_exists("res_partner"));
  EXPECT_TRUE(w->table_exists("res_partner_res_partner_category_rel"));
  auto cols = w->table_columns("res_partner");
  EXPECT_NE(std::find(cols.begin(), cols.end(), "email"), cols.end());
  EXPECT_EQ(std::find(cols.begin(), cols.end(), "child_ids"), cols.end());  // one2many: no column
  // Idempotent.
  sync_schema(*w, r);
}

TEST(SchemaSyncTest, AddsAndDropsColumnsLive) {
  test::TempDir dir;
  auto db = Database::open("sqlite:" + dir.path("a.db"));
  Lease w = db->acquire(Access::kWrite);
  Model m("x_thing", "Thing");
  m.add(char_field("x_name", "Name"));
  m.add_magic_fields();
  sync_model(*w, m);
  w->execute("INSERT INTO x_thing (x_name) VALUES ('a')");
  Field qty = integer_field("x_qty", "Qty").index();
  m.add(qty);
  add_field(*w, m, *m.field("x_qty"));
  // Existing rows read 0, never NULL, for numbers.
  EXPECT_EQ(w->scalar("SELECT x_qty FROM x_thing").as_int(), 0);
  drop_field(*w, m, *m.field("x_qty"));
  auto cols = w->table_columns("x_thing");
  EXPECT_EQ(std::find(cols.begin(), cols.end(), "x_qty"), cols.end());
  drop_model(*w, m);
  EXPECT_FALSE(w->table_exists("x_thing"));
}

}  // namespace
}  // namespace autorules::store
