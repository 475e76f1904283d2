#include "orm/base/sequence.h"

#include <limits>
#include <set>
#include <thread>

#include "common/errors.h"
#include "orm/methods.h"
#include "orm/orm_fixture.h"

namespace autorules::orm::test {
namespace {

class SequenceTest : public OrmTest {
 protected:
  Id make(Json vals) {
    Env e = env();
    Id id = e["ir.sequence"].create(vals).id();
    e.commit();
    return id;
  }
  std::string next(Id seq, std::optional<common::Date> date = std::nullopt) {
    Env e = env();
    std::string n = next_by_id(e.sudo()["ir.sequence"].browse({seq}), date);
    e.commit();
    return n;
  }
};

TEST_F(SequenceTest, PrefixSuffixPaddingAndStep) {
  Id s = make(Json{{"name", "Orders"},
                   {"code", "sale.order"},
                   {"prefix", "SO/%(year)s/"},
                   {"suffix", "-%(month)s%%"},
                   {"padding", 5},
                   {"number_increment", 10},
                   {"number_next", 7}});
  EXPECT_EQ(next(s), "SO/2026/00007-01%");
  EXPECT_EQ(next(s), "SO/2026/00017-01%");
  Env e = env();
  EXPECT_EQ(e["ir.sequence"].browse({s}).read(
                {"number_next", "number_next_actual"})[0]["number_next_actual"],
            27);
  EXPECT_EQ(e["ir.sequence"].browse({s}).read({"number_next"})[0]["number_next"],
            7);  // standard: unchanged
}

TEST_F(SequenceTest, PlaceholderFlavoursAndDates) {
  Id s = make(Json{{"name", "S"},
                   {"prefix", "%(y)s|%(doy)s|%(woy)s|%(weekday)s|%(isoyear)s-W%(isoweek)s|"}});
  // 2026-01-15 is a Thursday, day 15, ISO week 3.
  EXPECT_EQ(next(s), "26|015|02|4|2026-W03|1");
  Id t = make(Json{{"name", "T"}, {"prefix", "%(year)s/%(current_year)s/"}});
  EXPECT_EQ(next(t, common::make_date(2021, 3, 1)), "2021/2026/1");
  Id bad = make(Json{{"name", "Bad"}, {"prefix", "%(nope)s"}});
  EXPECT_THROW_MSG(next(bad), common::UserError, "Invalid prefix or suffix for sequence 'Bad'");
}

TEST_F(SequenceTest, StepZeroIsRefused) {
  Env e = env();
  EXPECT_THROW_MSG(e["ir.sequence"].create(Json{{"name", "Z"}, {"number_increment", 0}}),
                   common::ValidationError, "Step must not be zero.");
}

TEST_F(SequenceTest, NoGapMovesNumberNextAndRollbackGivesTheNumberBack) {
  Id s = make(Json{{"name", "NG"}, {"implementation", "no_gap"}});
  EXPECT_EQ(next(s), "1");
  {
    Env e = env();
    EXPECT_EQ(next_by_id(e.sudo()["ir.sequence"].browse({s})), "2");
    // rolled back
  }
  EXPECT_EQ(next(s), "2");
  Env e = env();
  EXPECT_EQ(e["ir.sequence"].browse({s}).read({"number_next"})[0]["number_next"], 3);
}

TEST_F(SequenceTest, DateRangesPerCalendarYearTrimmedAgainstNeighbours) {
  Id s = make(Json{{"name", "R"}, {"use_date_range", true}, {"prefix", "%(range_year)s/"}});
  {
    Env e = env();
    e["ir.sequence.date_range"].create(
        Json{{"sequence_id", s}, {"date_from", "2025-07-01"}, {"date_to", "2025-09-30"}});
    e.commit();
  }
  EXPECT_EQ(next(s, common::make_date(2025, 8, 1)), "2025/1");
  EXPECT_EQ(next(s, common::make_date(2025, 8, 2)), "2025/2");
  EXPECT_EQ(next(s, common::make_date(2025, 3, 1)), "2025/1");  // a new range Jan 1 – Jun 30
  EXPECT_EQ(next(s, common::make_date(2026, 3, 1)), "2026/1");
  Env e = env();
  Json ranges = e["ir.sequence.date_range"].search_read(
      Domain::term("sequence_id", domain::Op::kEq, s), {"date_from", "date_to"},
      {0, std::nullopt, "date_from"});
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0]["date_from"], "2025-01-01");
  EXPECT_EQ(ranges[0]["date_to"], "2025-06-30");
  EXPECT_EQ(ranges[2]["date_from"], "2026-01-01");
  EXPECT_EQ(ranges[2]["date_to"], "2026-12-31");
}

TEST_F(SequenceTest, NextByCodeAndTheApiMethods) {
  make(Json{{"name", "Tickets"}, {"code", "x.ticket"}, {"prefix", "T"}});
  Env e = env();
  EXPECT_EQ(next_by_code(e, "x.ticket"), "T1");
  EXPECT_FALSE(next_by_code(e, "nothing"));
  EXPECT_EQ(
      call_method(e, "ir.sequence", "next_by_code", nullptr, Json{{"sequence_code", "x.ticket"}}),
      "T2");
  EXPECT_EQ(call_method(e, "ir.sequence", "next_by_code", nullptr, Json{{"sequence_code", "none"}}),
            false);
}

// Under concurrent callers no number is handed out twice (8 parallel clients).
TEST_F(SequenceTest, ConcurrentCallersNeverGetTheSameNumber) {
  Id standard = make(Json{{"name", "Concurrent"}});
  Id no_gap = make(Json{{"name", "Concurrent no gap"}, {"implementation", "no_gap"}});
  std::mutex mu;
  std::set<std::string> seen_standard, seen_no_gap;
  std::atomic<int> duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        Env e = Env::begin(*runtime_, kAdminId, store::Access::kWrite);
        std::string a = next_by_id(e.sudo()["ir.sequence"].browse({standard}));
        std::string b = next_by_id(e.sudo()["ir.sequence"].browse({no_gap}));
        e.commit();
        std::lock_guard g(mu);
        if (!seen_standard.insert(a).second)
          ++duplicates;
        if (!seen_no_gap.insert(b).second)
          ++duplicates;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(duplicates.load(), 0);
  EXPECT_EQ(seen_standard.size(), 320u);
  EXPECT_EQ(seen_no_gap.size(), 320u);
  EXPECT_TRUE(seen_no_gap.count("320"));  // no gap
}

TEST_F(SequenceTest, TheLastNumberOf64BitsIsHandedOutThenAClearError) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (const char* implementation : {"standard", "no_gap"}) {
    for (std::int64_t step : {std::int64_t{1}, std::int64_t{7}}) {
      Id s = make(Json{{"name", "Full"},
                       {"implementation", implementation},
                       {"number_increment", step},
                       {"number_next", kMax - step}});
      EXPECT_EQ(next(s), std::to_string(kMax - step));
      EXPECT_THROW_MSG(next(s), common::UserError, "would not fit in 64 bits");
      Env e = env();
      Json row = e["ir.sequence"].browse({s}).read({"number_next_actual"})[0];
      EXPECT_EQ(row["number_next_actual"], kMax) << implementation;
    }
  }
  // Counting down stops at the other end.
  Id down = make(Json{{"name", "Down"},
                      {"number_increment", -1},
                      {"number_next", std::numeric_limits<std::int64_t>::min() + 1}});
  EXPECT_EQ(next(down), std::to_string(std::numeric_limits<std::int64_t>::min() + 1));
  EXPECT_THROW_MSG(next(down), common::UserError, "would not fit in 64 bits");
}

}  // namespace
}  // namespace autorules::orm::test
