#include "orm/recordset.h"

#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

using domain::Op;

TEST_F(OrmTest, CreateReadWriteUnlinkRoundTrip) {
  Env e = env();
  RecordSet partners = e["res.partner"];
  RecordSet p = partners.create(
      Json{{"name", "Azure Interior"}, {"email", "info@azure.example"}, {"is_company", true}});
  ASSERT_EQ(p.size(), 1u);
  Json rows = p.read({"name", "email", "is_company", "company_type", "parent_id", "display_name"});
  EXPECT_EQ(rows[0]["name"], "Azure Interior");
  EXPECT_EQ(rows[0]["company_type"], "company");  // kept in sync with is_company
  EXPECT_EQ(rows[0]["parent_id"], false);
  EXPECT_EQ(rows[0]["display_name"], "Azure Interior");
  p.write(Json{{"email", false}, {"customer_rank", 3}});
  rows = p.read({"email", "customer_rank"});
  EXPECT_EQ(rows[0]["email"], false);
  EXPECT_EQ(rows[0]["customer_rank"], 3);
  p.unlink();
  EXPECT_TRUE(p.exists().empty());
  EXPECT_THROW(p.read({"name"}), common::MissingError);
}

TEST_F(OrmTest, MagicFieldsAreSetFromTheUserAndTheClock) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "X"}});
  Json row = p.read({"create_uid", "create_date", "write_uid", "write_date"})[0];
  EXPECT_EQ(row["create_uid"][0], kAdminId);
  EXPECT_EQ(row["create_date"], "2026-01-15 10:00:00");
  e.commit();
  clock_.advance(3600);
  Env e2 = env();
  e2["res.partner"].browse(p.ids()).write(Json{{"name", "Y"}});
  row = e2["res.partner"].browse(p.ids()).read({"create_date", "write_date"})[0];
  EXPECT_EQ(row["create_date"], "2026-01-15 10:00:00");
  EXPECT_EQ(row["write_date"], "2026-01-15 11:00:00");
}

TEST_F(OrmTest, ReadWithoutFieldsReturnsEveryFieldButSecrets) {
  Env e = env();
  Json row = e["res.partner"].create(Json{{"name", "X"}}).read()[0];
  EXPECT_TRUE(row.contains("name"));
  EXPECT_TRUE(row.contains("child_ids"));
  EXPECT_TRUE(row.contains("write_date"));
  Json keys = e.sudo()["res.users.apikeys"].search(Domain()).read();
  for (const auto& k : keys)
    EXPECT_FALSE(k.contains("key"));
}

TEST_F(OrmTest, SearchOrdersPaginatesAndCounts) {
  Env e = env();
  RecordSet partners = e["res.partner"];
  for (const char* n : {"c", "a", "b", "d"})
    partners.create(Json{{"name", n}, {"city", "Z"}});
  Domain d = term("city", Op::kEq, "Z");
  SearchOptions o;
  o.order = "name desc";
  o.limit = 2;
  o.offset = 1;
  RecordSet found = partners.search(d, o);
  std::vector<std::string> names = found.display_names();
  EXPECT_EQ(names, (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(partners.search_count(d), 4);
  EXPECT_EQ(partners.search_count(d, 3), 3);
  o.order = "nope desc";
  EXPECT_THROW_MSG(partners.search(d, o), common::ValueError, "nope");
  o.order = "name sideways";
  EXPECT_THROW(partners.search(d, o), common::ValueError);
}

TEST_F(OrmTest, ArchivedRecordsAreHiddenUnlessAsked) {
  Env e = env();
  RecordSet partners = e["res.partner"];
  RecordSet p = partners.create(Json{{"name", "Old"}, {"city", "Q"}, {"active", false}});
  Domain d = term("city", Op::kEq, "Q");
  EXPECT_EQ(partners.search_count(d), 0);
  EXPECT_EQ(partners.search_count(Domain::conjoin(d, term("active", Op::kEq, false))), 1);
  Env all = e.with_context(Json{{"active_test", false}});
  EXPECT_EQ(all["res.partner"].search_count(d), 1);
  // read() of an archived record works.
  EXPECT_EQ(p.read({"name"})[0]["name"], "Old");
}

TEST_F(OrmTest, NameSearchAndNameCreateAndDefaultGet) {
  Env e = env();
  RecordSet partners = e["res.partner"];
  partners.create(Json{{"name", "Deco Addict"}});
  Json found = partners.name_search("deco", Domain());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0][1], "Deco Addict");
  RecordSet created = partners.name_create("Wood Corner");
  EXPECT_EQ(created.display_names()[0], "Wood Corner");
  Json defaults = partners.default_get({"active", "company_type", "name"});
  EXPECT_EQ(defaults["active"], true);
  EXPECT_EQ(defaults["company_type"], "person");
  EXPECT_FALSE(defaults.contains("name"));
  Env ctx = e.with_context(Json{{"default_name", "From context"}});
  EXPECT_EQ(ctx["res.partner"].default_get({"name"})["name"], "From context");
  EXPECT_EQ(ctx["res.partner"].create(Json::object()).display_names()[0], "From context");
}

TEST_F(OrmTest, CopyDuplicatesCopiedFieldsOnly) {
  Env e = env();
  RecordSet cat = e["res.partner.category"].create(Json{{"name", "VIP"}});
  RecordSet p = e["res.partner"].create(
      Json{{"name", "Gemini"}, {"customer_rank", 5}, {"category_id", cat.ids()}});
  RecordSet c = p.copy(Json{{"email", "copy@example.com"}});
  ASSERT_NE(c.id(), p.id());
  Json row = c.read({"name", "customer_rank", "category_id", "email"})[0];
  EXPECT_EQ(row["name"], "Gemini (copy)");
  EXPECT_EQ(row["customer_rank"], 0);  // copy=False
  EXPECT_EQ(row["category_id"], Json(cat.ids()));
  EXPECT_EQ(row["email"], "copy@example.com");
}

TEST_F(OrmTest, FilteredDomainEvaluatesCurrentValuesInMemory) {
  Env e = env();
  RecordSet a = e["res.partner"].create(Json{{"name", "A"}, {"city", "Paris"}});
  RecordSet b = e["res.partner"].create(Json{{"name", "B"}, {"city", "Lyon"}});
  RecordSet both = a | b;
  EXPECT_EQ(both.filtered_domain(parse("[('city', '=', 'Paris')]")).ids(), a.ids());
  b.write(Json{{"city", "Paris"}});
  EXPECT_EQ(both.filtered_domain(parse("[('city', '=', 'Paris')]")).size(), 2u);
}

TEST_F(OrmTest, RollbackUndoesEverythingTheTransactionDid) {
  {
    Env e = env();
    e["res.partner"].create(Json{{"name", "Ghost"}});
    // Destroyed without commit.
  }
  Env e = env();
  EXPECT_EQ(e["res.partner"].search_count(term("name", domain::Op::kEq, "Ghost")), 0);
}

TEST_F(OrmTest, ReadOnlyTransactionsSeeCommittedData) {
  {
    Env e = env();
    e["res.partner"].create(Json{{"name", "Seen"}});
    e.commit();
  }
  Env r = reader();
  EXPECT_EQ(r["res.partner"].search_count(term("name", domain::Op::kEq, "Seen")), 1);
}

TEST_F(OrmTest, UnknownModelIsNotFound) {
  Env e = env();
  EXPECT_THROW(e["no.such.model"], common::NotFoundError);
  EXPECT_THROW(e.ref("base.nothing_here"), common::ValueError);
  EXPECT_EQ(e.ref("base.user_admin").id(), kAdminId);
}

}  // namespace
}  // namespace autorules::orm::test
