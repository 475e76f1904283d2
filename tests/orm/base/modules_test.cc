#include "orm/base/modules.h"

#include "common/errors.h"
#include "orm/orm_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(OrmTest, AppsInstallWithDemoDataOnce) {
  auto apps = available_apps(*runtime_);
  ASSERT_GE(apps.size(), 4u);
  install_apps(*runtime_, {"crm", "sale", "project"}, /*demo=*/true);
  Env e = env();
  EXPECT_GT(e["crm.lead"].search_count(Domain()), 0);
  EXPECT_GT(e["sale.order"].search_count(Domain()), 0);
  EXPECT_GT(e["project.task"].search_count(Domain()), 0);
  EXPECT_GT(e["res.partner"].search_count(parse("[('is_company', '=', True)]")),
            0);  // contacts came along
  std::int64_t leads = e["crm.lead"].search_count(Domain());
  e.commit();
  install_apps(*runtime_, {"crm"}, /*demo=*/true);  // nothing loaded twice
  Env e2 = env();
  EXPECT_EQ(e2["crm.lead"].search_count(Domain()), leads);
  // App models and fields have xml ids.
  EXPECT_EQ(e2.ref("crm.model_crm_lead").name(), "ir.model");
  EXPECT_EQ(e2.ref("crm.field_crm_lead__stage_id").name(), "ir.model.fields");
}

TEST_F(OrmTest, AppsWithoutDemoHaveSchemaOnly) {
  install_apps(*runtime_, {"sale"}, /*demo=*/false);
  Env e = env();
  EXPECT_EQ(e["sale.order"].search_count(Domain()), 0);
  EXPECT_TRUE(e.registry().get("sale.order").has_field("currency_id"));
}

TEST_F(OrmTest, UnknownAppsAreAClearError) {
  EXPECT_THROW_MSG(install_apps(*runtime_, {"nope"}, false), common::UserError,
                   "unknown app 'nope'");
}

}  // namespace
}  // namespace autorules::orm::test
