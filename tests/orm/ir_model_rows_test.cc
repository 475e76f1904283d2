// Models and fields as rows: the registry rebuilt from them after a restart, and by another
// process that shares the database file.
#include "orm/ir_model_rows.h"

#include "common/errors.h"
#include "ir_model_fixture.h"

namespace autorules::orm::test {
namespace {

using IrModelRowsTest = IrModelTest;

TEST_F(IrModelRowsTest, RunTimeModelsSurviveARestart) {
  make_ticket_model();
  {
    Env e = env();
    e["x_ticket"].create(Json{{"x_name", "persisted"}});
    e.commit();
  }
  runtime_ =
      std::make_unique<Runtime>(store::Database::open("sqlite:" + dir_.path("test.db")), clock_);
  runtime_->initialize();
  Env e = env();
  EXPECT_EQ(e["x_ticket"].search_read(Domain(), {"x_name"})[0]["x_name"], "persisted");
}

// Two servers on one database file: a model made through one is usable through the other on
// its very next call, and so are group changes (both follow generation counters in the file).
TEST_F(IrModelRowsTest, AnotherProcessSeesSchemaAndSecurityChangesAtOnce) {
  Runtime other(store::Database::open("sqlite:" + dir_.path("test.db")), clock_);
  other.initialize();
  {
    Env b = Env::begin(other, kAdminId, store::Access::kRead);
    EXPECT_THROW(b["x_ticket"], common::NotFoundError);
  }
  make_ticket_model();
  {
    Env b = Env::begin(other, kAdminId, store::Access::kWrite);
    EXPECT_EQ(b["x_ticket"].create(Json{{"x_name", "via B"}}).size(), 1u);
    b.commit();
  }
  Id marc = make_internal_user();
  {
    Env b = Env::begin(other, marc, store::Access::kRead);
    EXPECT_FALSE(b.is_system());
  }
  {
    Env a = su();
    Id system = a.ref("base.group_system").id();
    a["res.users"].browse({marc}).write(
        Json{{"groups_id", Json::array({Json::array({4, system})})}});
    a.commit();
  }
  Env b = Env::begin(other, marc, store::Access::kRead);
  EXPECT_TRUE(b.is_system());
}

}  // namespace
}  // namespace autorules::orm::test
