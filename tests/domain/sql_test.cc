// The SQL compiler's output: bound parameters in text order, quoted identifiers, the sub-query
// shapes of many2one / one2many / many2many / hierarchies, and NULL handling. That the SQL means
// what the evaluator computes is the differential test's job (differential_test.cc).
#include "domain/sql.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "domain/test_schema.h"
#include "store/database.h"
#include "store/schema_sync.h"

namespace autorules::domain {
namespace {

class SqlTest : public ::testing::Test {
 protected:
  SqlCondition sql(std::string_view json, std::string_view model = "t.record") {
    Resolved r = resolve(Domain::from_json(Json::parse(json)), registry_.get(model), registry_);
    SqlCondition c = to_sql(r, registry_, db_->dialect(), "t");
    EXPECT_EQ(static_cast<size_t>(std::count(c.sql.begin(), c.sql.end(), '?')), c.params.size())
        << c.sql;
    return c;
  }
  std::string text(std::string_view json, std::string_view model = "t.record") {
    return sql(json, model).sql;
  }

  schema::Registry registry_ = testing::test_registry();
  std::unique_ptr<store::Database> db_ = store::Database::open("sqlite::memory:");
};

TEST_F(SqlTest, ConstantsAndBooleanOperators) {
  EXPECT_EQ(text("[]"), "1=1");
  EXPECT_EQ(text(R"([[0, "=", 1]])"), "1=0");
  EXPECT_EQ(text(R"(["|", ["name", "=", "a"], ["state", "=", "b"]])"),
            R"((("t"."name" = ?) OR ("t"."state" = ?)))");
}

TEST_F(SqlTest, ValuesAreBoundNeverSpliced) {
  SqlCondition c = sql(R"([["name", "=", "O'Brien\"; DROP TABLE x; --"]])");
  EXPECT_EQ(c.sql, R"(("t"."name" = ?))");
  ASSERT_EQ(c.params.size(), 1u);
  EXPECT_EQ(c.params[0], Value("O'Brien\"; DROP TABLE x; --"));
}

TEST_F(SqlTest, NegativeComparisonsMatchNull) {
  EXPECT_EQ(text(R"([["name", "!=", "a"]])"), R"(("t"."name" IS NULL OR "t"."name" <> ?))");
  EXPECT_EQ(text(R"([["state", "not in", ["a", "b"]]])"),
            R"(("t"."state" IS NULL OR "t"."state" NOT IN (?, ?)))");
  EXPECT_EQ(text(R"([["tag_id", "<", 3]])"), R"(("t"."tag_id" < ?))");
}

TEST_F(SqlTest, UnsetTests) {
  SqlCondition c = sql(R"([["name", "=", false]])");
  EXPECT_EQ(c.sql, R"(("t"."name" IS NULL OR "t"."name" = ?))");
  EXPECT_EQ(c.params[0], Value(std::string()));
  EXPECT_EQ(text(R"([["name", "!=", false]])"), R"(("t"."name" <> ?))");
  EXPECT_EQ(text(R"([["tag_id", "=", false]])"), R"(("t"."tag_id" IS NULL))");
  EXPECT_EQ(text(R"([["day", "!=", false]])"), R"(("t"."day" IS NOT NULL))");
  c = sql(R"([["flag", "=", false]])");
  EXPECT_EQ(c.sql, R"(("t"."flag" IS NULL OR "t"."flag" = ?))");
  EXPECT_EQ(c.params[0], Value(false));
}

TEST_F(SqlTest, NumbersMatchNullWhereZeroWould) {
  EXPECT_EQ(text(R"([["count", "<", 5]])"), R"(("t"."count" IS NULL OR "t"."count" < ?))");
  EXPECT_EQ(text(R"([["count", ">", 5]])"), R"(("t"."count" > ?))");
  EXPECT_EQ(text(R"([["count", "!=", 0]])"), R"(("t"."count" <> ?))");
  EXPECT_EQ(text(R"([["amount", "in", [0, 1]]])"),
            R"(("t"."amount" IS NULL OR "t"."amount" IN (?, ?)))");
}

TEST_F(SqlTest, LikeUsesTheDialect) {
  SqlCondition c = sql(R"([["name", "ilike", "x_"]])");
  EXPECT_EQ(c.sql, R"((ar_lower("t"."name") LIKE ar_lower(?) ESCAPE '\'))");
  EXPECT_EQ(c.params[0], Value("%x_%"));
  EXPECT_EQ(text(R"([["name", "not like", "x"]])"),
            R"(("t"."name" IS NULL OR NOT ("t"."name" LIKE ? ESCAPE '\')))");
}

TEST_F(SqlTest, DisplayNameWithoutRecNameIsModelAndId) {
  SqlCondition c = sql(R"([["display_name", "=", "t.category,3"]])", "t.category");
  EXPECT_EQ(c.sql, R"(((? || CAST("t"."id" AS TEXT)) = ?))");
  EXPECT_EQ(c.params, (std::vector<Value>{Value("t.category,"), Value("t.category,3")}));
}

TEST_F(SqlTest, Many2oneAny) {
  EXPECT_EQ(
      text(R"([["tag_id.color", "=", 1]])"),
      R"(("t"."tag_id" IN (SELECT "t_1"."id" FROM "t_tag" AS "t_1" WHERE ("t_1"."color" = ?))))");
  EXPECT_EQ(
      text(R"([["tag_id", "not any", [["color", "=", 1]]]])"),
      R"(("t"."tag_id" IS NULL OR "t"."tag_id" NOT IN (SELECT "t_1"."id" FROM "t_tag" AS "t_1" WHERE ("t_1"."color" = ?))))");
  EXPECT_EQ(text(R"([["tag_id", "any", []]])"), R"("t"."tag_id" IS NOT NULL)");
}

TEST_F(SqlTest, One2manyAny) {
  EXPECT_EQ(
      text(R"([["line_ids.qty", ">", 1]])"),
      R"("t"."id" IN (SELECT "t_1"."record_id" FROM "t_line" AS "t_1" WHERE "t_1"."record_id" IS NOT NULL AND ("t_1"."qty" > ?)))");
  EXPECT_EQ(
      text(R"([["line_ids", "=", false]])"),
      R"("t"."id" NOT IN (SELECT "t_1"."record_id" FROM "t_line" AS "t_1" WHERE "t_1"."record_id" IS NOT NULL))");
}

TEST_F(SqlTest, Many2manyAny) {
  EXPECT_EQ(
      text(R"([["tag_ids", "in", [1, 2]]])"),
      R"("t"."id" IN (SELECT "t_1"."t_record_id" FROM "t_record_t_tag_rel" AS "t_1" WHERE ("t_1"."t_tag_id" IN (?, ?))))");
  EXPECT_EQ(
      text(R"([["tag_ids.name", "=", "x"]])"),
      R"("t"."id" IN (SELECT "t_1"."t_record_id" FROM "t_record_t_tag_rel" AS "t_1" JOIN "t_tag" AS "t_2" ON "t_2"."id" = "t_1"."t_tag_id" WHERE ("t_2"."name" = ?)))");
  EXPECT_EQ(text(R"([["tag_ids", "!=", false]])"),
            R"("t"."id" IN (SELECT "t_1"."t_record_id" FROM "t_record_t_tag_rel" AS "t_1"))");
}

TEST_F(SqlTest, NestedSubQueriesGetDistinctAliases) {
  std::string s = text(R"([["line_ids.tag_ids.parent_id.name", "=", "x"]])");
  for (const char* alias : {R"("t_1")", R"("t_2")", R"("t_3")", R"("t_4")"}) {
    EXPECT_NE(s.find(alias), std::string::npos) << alias << " in " << s;
  }
}

TEST_F(SqlTest, HierarchiesUseRecursiveQueries) {
  SqlCondition c = sql(R"([["tag_id", "child_of", [3, 1]]])");
  EXPECT_EQ(
      c.sql,
      R"("t"."tag_id" IN (WITH RECURSIVE "t_1"("id") AS (SELECT "id" FROM "t_tag" WHERE "id" IN (?, ?) UNION SELECT "t_2"."id" FROM "t_tag" AS "t_2" JOIN "t_1" ON "t_2"."parent_id" = "t_1"."id") SELECT "id" FROM "t_1"))");
  EXPECT_EQ(c.params, (std::vector<Value>{Value(std::int64_t{1}), Value(std::int64_t{3})}));
  std::string up = text(R"([["id", "parent_of", 3]])", "t.tag");
  EXPECT_NE(
      up.find(
          R"(SELECT "t_2"."parent_id" FROM "t_tag" AS "t_2" JOIN "t_1" ON "t_2"."id" = "t_1"."id" WHERE "t_2"."parent_id" IS NOT NULL)"),
      std::string::npos)
      << up;
  EXPECT_EQ(text(R"(["!", ["tag_id", "child_of", 3]])").rfind("NOT COALESCE(", 0), 0u);
}

TEST_F(SqlTest, NegatedInequalityKeepsNull) {
  EXPECT_EQ(text(R"(["!", ["name", "<", "m"]])"), R"(NOT COALESCE(("t"."name" < ?), FALSE))");
}

TEST_F(SqlTest, TheConditionRunsInSqlite) {
  store::Lease conn = db_->acquire(store::Access::kWrite);
  store::sync_schema(*conn, registry_);
  // Tags: 1, 2 under 1, 3 alone. Records: 1 tagged 2 with a line of 1; 2 tagged 3 with a line of
  // 5; 3 tagged 3 with a line of 1; 4 with neither tags nor lines.
  conn->execute(R"(INSERT INTO "t_tag" ("id", "name", "parent_id") VALUES (1, 'a', NULL), )"
                R"((2, 'b', 1), (3, 'c', NULL))");
  conn->execute(R"(INSERT INTO "t_record" ("id", "name") VALUES (1, 'r1'), (2, 'r2'), (3, 'r3'), )"
                R"((4, 'r4'))");
  conn->execute(R"(INSERT INTO "t_record_t_tag_rel" VALUES (1, 2), (2, 3), (3, 3))");
  conn->execute(R"(INSERT INTO "t_line" ("id", "record_id", "qty") VALUES (1, 1, 1), (2, 2, 5), )"
                R"((3, 3, 1))");
  SqlCondition c = sql(
      R"(["|", ["tag_ids.parent_id", "child_of", 1], "!", ["line_ids", "any", [["qty", "<", 2]]]])");
  store::ResultSet rows = conn->fetch(
      R"(SELECT "id" FROM "t_record" AS "t" WHERE )" + c.sql + R"( ORDER BY "id")", c.params);
  std::vector<std::int64_t> ids;
  for (const auto& row : rows.rows)
    ids.push_back(row[0].as_int());
  // 1 by its tag's parent; 2 and 4 for having no line under 2; not 3.
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 4}));
}

TEST_F(SqlTest, LongDisjunctionsRunInSqlite) {
  store::Lease conn = db_->acquire(store::Access::kWrite);
  store::sync_schema(*conn, registry_);
  Json items = Json::array();
  for (int i = 0; i < 5000; ++i)
    items.push_back("|");
  for (int i = 0; i <= 5000; ++i)
    items.push_back(Json::array({"name", "=", std::to_string(i)}));
  SqlCondition c = sql(items.dump());
  conn->fetch(R"(SELECT "id" FROM "t_record" AS "t" WHERE )" + c.sql, c.params);
}

TEST_F(SqlTest, LongInListsAreOneJsonParameter) {
  Json ids = Json::array();
  for (int i = 1; i <= 300000; ++i)
    ids.push_back(i);
  SqlCondition c = sql(Json::array({Json::array({"id", "in", ids})}).dump());
  EXPECT_EQ(c.params.size(), 1u);
  EXPECT_NE(c.sql.find("json_each"), std::string::npos) << c.sql;
  SqlCondition few = sql(R"([["id", "in", [1, 2, 3]]])");
  EXPECT_EQ(few.params.size(), 3u);

  store::Lease conn = db_->acquire(store::Access::kWrite);
  store::sync_schema(*conn, registry_);
  conn->execute(R"(INSERT INTO "t_record" ("id", "name", "day") VALUES (7, 'seven', '2024-01-02'),
                   (400000, 'far', '2024-01-03'))");
  auto count = [&](const SqlCondition& cond) {
    return conn->scalar(R"(SELECT COUNT(*) FROM "t_record" AS "t" WHERE )" + cond.sql, cond.params)
        .as_int();
  };
  EXPECT_EQ(count(c), 1);
  EXPECT_EQ(count(sql(Json::array({Json::array({"id", "not in", ids})}).dump())), 1);
  Json names = Json::array({"seven"});
  Json days = Json::array({"2024-01-03"});
  for (int i = 0; i < 1000; ++i) {
    names.push_back("n" + std::to_string(i));
    days.push_back(std::to_string(2100 + i) + "-01-01");
  }
  EXPECT_EQ(count(sql(Json::array({Json::array({"name", "in", names})}).dump())), 1);
  EXPECT_EQ(count(sql(Json::array({Json::array({"day", "in", days})}).dump())), 1);
  EXPECT_EQ(count(sql(Json::array({Json::array({"name", "not in", names})}).dump())), 1);
}

}  // namespace
}  // namespace autorules::domain
