// External ids: records made once under an xml id, and looking ids up without an exception.
#include "orm/xmlid.h"

#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

class XmlidTest : public OrmTest {};

TEST_F(XmlidTest, EnsuredRecordIsCreatedOnceThenFound) {
  Env e = env();
  Json vals = {{"name", "Made once"}};
  EnsuredRecord first = ensure_xmlid_record(e, "test", "partner_once", "res.partner", vals);
  EXPECT_TRUE(first.created);
  EnsuredRecord again = ensure_xmlid_record(e, "test", "partner_once", "res.partner", vals);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.record.id(), first.record.id());
  EXPECT_EQ(e["res.partner"].search_count(parse("[('name', '=', 'Made once')]")), 1);
  EXPECT_EQ(e.ref("test.partner_once").id(), first.record.id());
}

TEST_F(XmlidTest, AnUnknownIdIsNotFoundWithoutAnException) {
  Env e = env();
  EXPECT_FALSE(e.find_ref("test.nothing_here").has_value());
  EXPECT_THROW_MSG(e.ref("test.nothing_here"), common::ValueError, "not found");
  EXPECT_THROW_MSG(e.find_ref("no_module"), common::ValueError, "expected 'module.name'");
  ASSERT_TRUE(e.find_ref("base.group_system").has_value());
  EXPECT_EQ(e.find_ref("base.group_system")->name(), "res.groups");
}

}  // namespace
}  // namespace autorules::orm::test
