#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(OrmTest, OndeleteSetNullClearsReferences) {
  Env e = env();
  RecordSet company = e["res.partner"].create(Json{{"name", "Co"}});
  RecordSet person = e["res.partner"].create(Json{{"name", "P"}, {"parent_id", company.id()}});
  company.unlink();
  EXPECT_EQ(person.read({"parent_id"})[0]["parent_id"], false);
}

TEST_F(OrmTest, OndeleteCascadeDeletesReferencingRecords) {
  Env e = env();
  RecordSet parent = e["res.partner.category"].create(Json{{"name", "Parent"}});
  RecordSet child =
      e["res.partner.category"].create(Json{{"name", "Child"}, {"parent_id", parent.id()}});
  parent.unlink();
  EXPECT_TRUE(child.exists().empty());
}

TEST_F(OrmTest, OndeleteRestrictRefusesAndChangesNothing) {
  Env e = su();
  RecordSet partner = e["res.partner"].create(Json{{"name", "Linked"}});
  e["res.users"].create(Json{{"name", "U"}, {"login", "u"}, {"partner_id", partner.id()}});
  EXPECT_THROW_MSG(partner.unlink(), common::ValidationError, "another model requires the record");
  EXPECT_FALSE(partner.exists().empty());
}

TEST_F(OrmTest, UnlinkRemovesManyToManyLinksAndXmlIds) {
  Env e = su();
  RecordSet tag = e["res.partner.category"].create(Json{{"name", "T"}});
  RecordSet p = e["res.partner"].create(Json{{"name", "P"}, {"category_id", tag.ids()}});
  tag.unlink();
  EXPECT_EQ(p.read({"category_id"})[0]["category_id"], Json::array());
  EXPECT_THROW(e["res.users"].browse({kAdminId}).unlink(), common::UserError);
}

}  // namespace
}  // namespace autorules::orm::test
