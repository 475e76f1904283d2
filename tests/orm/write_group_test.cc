// Group commit (src/orm/write_group.h): concurrent works share one transaction, each keeps or
// loses its own changes, errors stay with their caller, callers return after the commit and run
// their after-commit work themselves, conflicts end the whole group, and a lone work commits at
// once.
#include "orm/write_group.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/errors.h"
#include "orm/orm_fixture.h"

namespace autorules::orm::test {
namespace {

class WriteGroupTest : public OrmTest {
 protected:
  // A work that creates a partner named `name` and commits.
  static std::function<Json(const Env&)> create(const std::string& name) {
    return [name](const Env& txn) {
      Env e = txn.with_user(kSuperuserId).sudo();
      Id id = e["res.partner"].create(Json{{"name", name}}).id();
      e.commit();
      return Json(id);
    };
  }
  std::int64_t count(const std::string& name) {
    return reader().sudo()["res.partner"].search_count(term("name", domain::Op::kEq, name));
  }
  // Waits (briefly sleeping) until `n` works are queued behind the running group.
  void wait_queued(std::uint64_t n) {
    while (write_group_stats(*runtime_).waiting < n)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
};

TEST_F(WriteGroupTest, ALoneWorkCommitsAtOnce) {
  Json id = run_write(*runtime_, create("Alone"));
  EXPECT_TRUE(id.is_number_integer());
  EXPECT_EQ(count("Alone"), 1);
  WriteGroupStats s = write_group_stats(*runtime_);
  EXPECT_EQ(s.groups, 1u);
  EXPECT_EQ(s.works, 1u);
  EXPECT_EQ(s.waiting, 0u);
}

TEST_F(WriteGroupTest, WorksArrivingWhileAGroupRunsJoinIt) {
  std::atomic<bool> started{false}, release{false};
  // The group's first work runs until three more wait; they join it.
  std::thread first([&] {
    run_write(*runtime_, [&](const Env& txn) {
      started = true;
      while (!release.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return create("First")(txn);
    });
  });
  while (!started.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<std::thread> others;
  std::atomic<int> failed{0};
  std::string failure;
  for (int i = 0; i < 3; ++i) {
    others.emplace_back([&, i] {
      try {
        run_write(*runtime_, [&, i](const Env& txn) {
          Json id = create("Other " + std::to_string(i))(txn);
          if (i == 1)
            throw common::ValidationError("the second one fails");
          return id;
        });
      } catch (const common::ValidationError& e) {
        ++failed;
        failure = e.what();
      }
    });
  }
  wait_queued(3);
  release = true;
  first.join();
  for (auto& t : others)
    t.join();
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(failure, "the second one fails");
  EXPECT_EQ(count("First"), 1);
  EXPECT_EQ(count("Other 0"), 1);
  EXPECT_EQ(count("Other 1"), 0);  // its savepoint was rolled back...
  EXPECT_EQ(count("Other 2"), 1);  // ... and the work after it kept
  WriteGroupStats s = write_group_stats(*runtime_);
  EXPECT_EQ(s.works, 4u);
  EXPECT_EQ(s.groups, 1u);  // the three joined the running group: one commit for four works
}

TEST_F(WriteGroupTest, AWorkThatDoesNotCommitLeavesNothingButAnswers) {
  Json answer = run_write(*runtime_, [](const Env& txn) {
    Env e = txn.with_user(kSuperuserId).sudo();
    e["res.partner"].create(Json{{"name", "Not kept"}});
    return Json("answered");  // no commit(): rolled back
  });
  EXPECT_EQ(answer, "answered");
  answer = run_write(*runtime_, [](const Env& txn) {
    Env e = txn.with_user(kSuperuserId).sudo();
    e["res.partner"].create(Json{{"name", "Not kept"}});
    e.rollback();
    return Json("rolled back");
  });
  EXPECT_EQ(answer, "rolled back");
  EXPECT_EQ(count("Not kept"), 0);
}

TEST_F(WriteGroupTest, AfterCommitWorkRunsOnTheCallersThreadOnlyWhenKept) {
  std::vector<std::string> seen;
  std::thread::id ran_on;
  run_write(*runtime_, [&](const Env& txn) {
    txn.after_commit([&](Runtime&) {
      seen.push_back("kept: after_commit");
      ran_on = std::this_thread::get_id();
    });
    txn.after_end([&](Runtime&) { seen.push_back("kept: after_end"); });
    return create("Kept")(txn);
  });
  EXPECT_THROW(
      run_write(*runtime_,
                [&](const Env& txn) -> Json {
                  txn.after_commit([&](Runtime&) { seen.push_back("failed: after_commit"); });
                  txn.after_end([&](Runtime&) { seen.push_back("failed: after_end"); });
                  throw common::UserError("no");
                }),
      common::UserError);
  EXPECT_EQ(seen, (std::vector<std::string>{"kept: after_commit", "kept: after_end",
                                            "failed: after_end"}));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(WriteGroupTest, AConflictEndsTheGroupAndRetryingSucceeds) {
  int attempts = 0, ended = 0;
  std::thread::id ended_on;
  Json id = common::retry_on_conflict([&] {
    return run_write(*runtime_, [&](const Env& txn) -> Json {
      txn.after_end([&](Runtime&) {
        ++ended;
        ended_on = std::this_thread::get_id();
      });
      Json made = create("Conflicted")(txn);
      if (++attempts == 1)
        throw common::ConflictError("database is locked");
      return made;
    });
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(ended, 2);  // the conflicted attempt's after-end work ran too, on the caller's thread
  EXPECT_EQ(ended_on, std::this_thread::get_id());
  EXPECT_EQ(count("Conflicted"), 1);
}

TEST_F(WriteGroupTest, AWorkMayNotBeginAnotherGroupedWrite) {
  EXPECT_THROW_MSG(
      run_write(*runtime_,
                [&](const Env&) -> Json { return run_write(*runtime_, create("Nested")); }),
      common::InternalError, "inside another one's work");
  EXPECT_EQ(count("Nested"), 0);
  EXPECT_TRUE(run_write(*runtime_, create("After")).is_number_integer());  // still serving
}

TEST_F(WriteGroupTest, ManyThreadsLoseNoWrite) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        run_write(*runtime_, create("Many " + std::to_string(t) + "/" + std::to_string(i)));
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(reader().sudo()["res.partner"].search_count(term("name", domain::Op::kLike, "Many ")),
            kThreads * kEach);
  WriteGroupStats s = write_group_stats(*runtime_);
  EXPECT_EQ(s.works, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_LE(s.groups, s.works);
}

TEST_F(WriteGroupTest, ASchemaChangeIsPublishedAndEndsItsGroup) {
  run_write(*runtime_, [](const Env& txn) {
    Env e = txn.with_user(kSuperuserId).sudo();
    Id model = e["ir.model"].create(Json{{"name", "Grouped"}, {"model", "x_grouped"}}).id();
    e["ir.model.fields"].create(Json{
        {"model_id", model}, {"name", "x_name"}, {"ttype", "char"}, {"field_description", "Name"}});
    e.commit();
    return Json();
  });
  EXPECT_TRUE(runtime_->registry()->find("x_grouped"));
  Json id = run_write(*runtime_, [](const Env& txn) {
    Env e = txn.with_user(kSuperuserId).sudo();
    Id made = e["x_grouped"].create(Json{{"x_name", "in the new model"}}).id();
    e.commit();
    return Json(made);
  });
  EXPECT_TRUE(id.is_number_integer());
}

}  // namespace
}  // namespace autorules::orm::test
