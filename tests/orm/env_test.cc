// Work registered on a transaction for after it ends: after_end always runs, after_commit only
// when the transaction committed, and before the after_end work.
#include <string>
#include <vector>

#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

using EnvTest = OrmTest;

TEST_F(EnvTest, AfterCommitRunsOnlyOnCommitAndBeforeAfterEnd) {
  std::vector<std::string> ran;
  {
    Env e = env();
    e.after_end([&](Runtime&) { ran.push_back("end"); });
    e.after_commit([&](Runtime&) { ran.push_back("commit"); });
    EXPECT_TRUE(ran.empty());
    e.commit();
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"commit", "end"}));

  ran.clear();
  {
    Env e = env();
    e.after_commit([&](Runtime&) { ran.push_back("commit"); });
    e.after_end([&](Runtime&) { ran.push_back("end"); });
    e.rollback();
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"end"}));

  ran.clear();
  {
    Env e = env();  // dropped without commit: rolled back
    e.after_commit([&](Runtime&) { ran.push_back("commit"); });
    e.after_end([&](Runtime&) { ran.push_back("end"); });
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"end"}));
}

TEST_F(EnvTest, AWorkFailureIsReportedAndTheOthersStillRun) {
  std::vector<std::string> ran;
  {
    Env e = env();
    e.after_commit([](Runtime&) { throw std::runtime_error("boom"); });
    e.after_commit([&](Runtime&) { ran.push_back("second"); });
    e.after_end([&](Runtime&) { ran.push_back("end"); });
    e.commit();
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"second", "end"}));
}

}  // namespace
}  // namespace autorules::orm::test
