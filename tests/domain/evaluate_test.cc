// In-memory evaluation (docs/domains.md) on a hand-filled RecordSource: comparison semantics,
// unset values, x2many membership, any / not any, hierarchies, and how prefetching is asked
// for (once per level, before the per-record tests).
#include "domain/evaluate.h"

#include <deque>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "domain/test_schema.h"

namespace autorules::domain {
namespace {

class MemorySource : public RecordSource {
 public:
  void set(const std::string& model, const std::string& field, Id id, Value v) {
    values_[{model, field}][id] = std::move(v);
  }
  void prefetch(const schema::Model& model, std::span<const schema::Field* const> fields,
                std::span<const Id> ids) override {
    std::string call = model.name() + ":";
    for (const schema::Field* f : fields) {
      call += f->name + ",";
    }
    call += ":";
    for (Id id : ids) {
      call += std::to_string(id) + ",";
    }
    prefetches.push_back(call);
  }
  const Value& get(const schema::Model& model, const schema::Field& field, Id id) override {
    ++gets;
    if (field.name == "display_name" && model.rec_name().empty()) {
      names_.emplace_back(model.name() + "," + std::to_string(id));
      return names_.back();
    }
    auto it = values_.find({model.name(), field.name});
    if (it == values_.end()) {
      return kFalse;
    }
    auto v = it->second.find(id);
    return v == it->second.end() ? kFalse : v->second;
  }
  IdList hierarchy(const schema::Model& model, const IdList& roots, bool descendants) override {
    const std::string parent = model.parent_field();
    std::set<Id> out(roots.begin(), roots.end());
    const auto& parents = values_[{model.name(), parent}];
    bool grew = true;
    while (grew) {
      grew = false;
      for (const auto& [id, p] : parents) {
        if (!p.is_int())
          continue;
        if (descendants && out.count(p.as_int()) && out.insert(id).second)
          grew = true;
        if (!descendants && out.count(id) && out.insert(p.as_int()).second)
          grew = true;
      }
    }
    return IdList(out.begin(), out.end());
  }

  std::vector<std::string> prefetches;
  int gets = 0;

 private:
  static inline const Value kFalse{};
  std::map<std::pair<std::string, std::string>, std::map<Id, Value>> values_;
  std::deque<Value> names_;
};

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Records 1..5 of t.record.
    src_.set("t.record", "name", 1, "Alpha");
    src_.set("t.record", "name", 2, "");
    src_.set("t.record", "name", 3, "beta");
    src_.set("t.record", "name", 5, "ÉCLAIR 50%");
    // 4 has no name (false)
    src_.set("t.record", "count", 1, 0);
    src_.set("t.record", "count", 2, 5);
    src_.set("t.record", "count", 3, 10);
    src_.set("t.record", "count", 5, -1);
    src_.set("t.record", "amount", 1, 5.0);
    src_.set("t.record", "amount", 2, 2.5);
    src_.set("t.record", "amount", 3, 0.0);
    src_.set("t.record", "flag", 1, true);
    src_.set("t.record", "flag", 2, false);
    src_.set("t.record", "day", 1, common::make_date(2024, 1, 31));
    src_.set("t.record", "day", 2, common::make_date(2024, 2, 1));
    src_.set("t.record", "moment", 1, common::make_datetime(common::make_date(2024, 1, 31), 10));
    src_.set("t.record", "tag_id", 1, 11);
    src_.set("t.record", "tag_id", 2, 12);
    src_.set("t.record", "tag_id", 3, 13);
    src_.set("t.record", "tag_ids", 1, IdList{11, 12});
    src_.set("t.record", "tag_ids", 2, IdList{13});
    src_.set("t.record", "tag_ids", 3, IdList{});
    src_.set("t.record", "category_id", 1, 21);
    src_.set("t.record", "category_id", 2, 22);
    // Tags 11 (root) > 12 > 13; 14 alone.
    src_.set("t.tag", "name", 11, "Root");
    src_.set("t.tag", "name", 12, "Child");
    src_.set("t.tag", "name", 13, "Grandchild");
    src_.set("t.tag", "name", 14, "Alone");
    src_.set("t.tag", "parent_id", 12, 11);
    src_.set("t.tag", "parent_id", 13, 12);
    src_.set("t.tag", "color", 11, 1);
    src_.set("t.tag", "color", 12, 2);
    src_.set("t.tag", "color", 13, 3);
  }

  IdList run(std::string_view json, IdList ids = {1, 2, 3, 4, 5}) {
    Resolved r =
        resolve(Domain::from_json(Json::parse(json)), registry_.get("t.record"), registry_);
    return filter(r, ids, src_);
  }

  schema::Registry registry_ = testing::test_registry();
  MemorySource src_;
};

TEST_F(EvaluateTest, KeepsInputOrder) {
  EXPECT_EQ(run(R"([["count", ">=", 0]])", {5, 3, 1, 2, 4}), (IdList{3, 1, 2, 4}));
  EXPECT_EQ(run("[]", {3, 1}), (IdList{3, 1}));
  EXPECT_EQ(run(R"([[0, "=", 1]])", {3, 1}), IdList{});
}

TEST_F(EvaluateTest, TextComparisons) {
  EXPECT_EQ(run(R"([["name", "=", "beta"]])"), (IdList{3}));
  EXPECT_EQ(run(R"([["name", "!=", "beta"]])"), (IdList{1, 2, 4, 5}));  // unset included
  EXPECT_EQ(run(R"([["name", "=", false]])"), (IdList{2, 4}));          // '' and unset
  EXPECT_EQ(run(R"([["name", "!=", false]])"), (IdList{1, 3, 5}));
  EXPECT_EQ(run(R"([["name", "in", ["beta", false]]])"), (IdList{2, 3, 4}));
  EXPECT_EQ(run(R"([["name", "not in", ["beta"]]])"), (IdList{1, 2, 4, 5}));
  // Bytewise: "Alpha" < "a" < "beta" < "É..."
  EXPECT_EQ(run(R"([["name", "<", "a"]])"), (IdList{1, 2}));
  EXPECT_EQ(run(R"([["name", ">", "beta"]])"), (IdList{5}));
  // Unset values never satisfy an inequality, and its negation keeps them.
  EXPECT_EQ(run(R"(["!", ["name", "<", "a"]])"), (IdList{3, 4, 5}));
}

TEST_F(EvaluateTest, LikeFamily) {
  EXPECT_EQ(run(R"([["name", "like", "lph"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["name", "like", "LPH"]])"), IdList{});
  EXPECT_EQ(run(R"([["name", "ilike", "LPH"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["name", "ilike", "éclair"]])"), (IdList{5}));
  EXPECT_EQ(run(R"([["name", "like", "50\\%"]])"), (IdList{5}));
  EXPECT_EQ(run(R"([["name", "=like", "_eta"]])"), (IdList{3}));
  EXPECT_EQ(run(R"([["name", "=ilike", "a%"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["name", "not ilike", "a"]])"), (IdList{2, 4}));  // unset included
  EXPECT_EQ(run(R"([["name", "ilike", ""]])"), (IdList{1, 2, 3, 4, 5}));
  EXPECT_EQ(run(R"([["name", "=like", ""]])"), (IdList{2, 4}));
  EXPECT_EQ(run(R"([["name", "=like", "%"]])"), (IdList{1, 2, 3, 5}));  // '' matches, unset not
}

TEST_F(EvaluateTest, NumbersCompareNumerically) {
  EXPECT_EQ(run(R"([["count", "=", 5.0]])"), (IdList{2}));
  EXPECT_EQ(run(R"([["amount", "=", 5]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["amount", "in", [5, 2.5]]])"), (IdList{1, 2}));
  EXPECT_EQ(run(R"([["amount", ">", 2]])"), (IdList{1, 2}));
  // An unset number reads as 0.
  EXPECT_EQ(run(R"([["count", "=", 0]])"), (IdList{1, 4}));
  EXPECT_EQ(run(R"([["count", "=", false]])"), (IdList{1, 4}));
  EXPECT_EQ(run(R"([["count", "!=", false]])"), (IdList{2, 3, 5}));
  EXPECT_EQ(run(R"([["amount", "<", 1]])"), (IdList{3, 4, 5}));
  EXPECT_EQ(run(R"(["!", ["count", "<", 1]])"), (IdList{2, 3}));
}

TEST_F(EvaluateTest, LongInListsUseSets) {
  Json many = Json::array();
  for (int i = 100; i < 150; ++i)
    many.push_back(i);
  many.push_back(10);
  EXPECT_EQ(run(Json::array({Json::array({"count", "in", many})}).dump()), (IdList{3}));
  EXPECT_EQ(run(Json::array({Json::array({"count", "not in", many})}).dump()),
            (IdList{1, 2, 4, 5}));
  Json names = Json::array();
  for (int i = 0; i < 30; ++i)
    names.push_back("n" + std::to_string(i));
  names.push_back("Alpha");
  EXPECT_EQ(run(Json::array({Json::array({"name", "in", names})}).dump()), (IdList{1}));
}

TEST_F(EvaluateTest, Booleans) {
  EXPECT_EQ(run(R"([["flag", "=", true]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["flag", "=", false]])"), (IdList{2, 3, 4, 5}));
  EXPECT_EQ(run(R"([["flag", "!=", "true"]])"), (IdList{2, 3, 4, 5}));
}

TEST_F(EvaluateTest, Dates) {
  EXPECT_EQ(run(R"([["day", "=", "2024-01-31"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["day", ">", "2024-01-31 12:00:00"]])"), (IdList{2}));
  EXPECT_EQ(run(R"([["day", "!=", "2024-01-31"]])"), (IdList{2, 3, 4, 5}));
  EXPECT_EQ(run(R"([["day", "=", false]])"), (IdList{3, 4, 5}));
  EXPECT_EQ(run(R"([["day", "like", "-02-"]])"), (IdList{2}));
  EXPECT_EQ(run(R"([["moment", ">=", "2024-01-31"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["moment", "like", "10:00"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["moment", "<", "2024-01-31 10:00:00"]])"), IdList{});
}

TEST_F(EvaluateTest, X2manyMembership) {
  EXPECT_EQ(run(R"([["tag_ids", "in", [12]]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["tag_ids", "in", [12, 13]]])"), (IdList{1, 2}));
  EXPECT_EQ(run(R"([["tag_ids", "not in", [12]]])"), (IdList{2, 3, 4, 5}));  // no tags included
  EXPECT_EQ(run(R"([["tag_ids", "=", 13]])"), (IdList{2}));
  EXPECT_EQ(run(R"([["tag_ids", "!=", 13]])"), (IdList{1, 3, 4, 5}));
  EXPECT_EQ(run(R"([["tag_ids", "!=", false]])"), (IdList{1, 2}));
  EXPECT_EQ(run(R"([["tag_ids", "=", false]])"), (IdList{3, 4, 5}));
}

TEST_F(EvaluateTest, AnyAndNotAny) {
  EXPECT_EQ(run(R"([["tag_id", "any", [["color", ">", 1]]]])"), (IdList{2, 3}));
  EXPECT_EQ(run(R"([["tag_id", "not any", [["color", ">", 1]]]])"), (IdList{1, 4, 5}));
  EXPECT_EQ(run(R"([["tag_id.name", "ilike", "child"]])"), (IdList{2, 3}));
  EXPECT_EQ(run(R"([["tag_id", "ilike", "child"]])"), (IdList{2, 3}));
  EXPECT_EQ(run(R"([["tag_id", "not ilike", "child"]])"), (IdList{1, 4, 5}));
  EXPECT_EQ(run(R"([["tag_ids.name", "=", "Root"]])"), (IdList{1}));
  EXPECT_EQ(run(R"([["tag_ids", "any", [["parent_id.name", "=", "Child"]]]])"), (IdList{2}));
  EXPECT_EQ(run(R"([["tag_id", "=", "Grandchild"]])"), (IdList{3}));
  EXPECT_EQ(run(R"([["tag_id.parent_id", "=", false]])"), (IdList{1}));
}

TEST_F(EvaluateTest, DisplayNameWithoutRecName) {
  EXPECT_EQ(run(R"([["category_id", "=", "t.category,22"]])"), (IdList{2}));
  EXPECT_EQ(run(R"([["category_id", "ilike", "T.CATEGORY,2"]])"), (IdList{1, 2}));
  EXPECT_EQ(run(R"([["category_id.display_name", "like", "%,21"]])"), (IdList{1}));
}

TEST_F(EvaluateTest, Hierarchies) {
  EXPECT_EQ(run(R"([["tag_id", "child_of", 12]])"), (IdList{2, 3}));
  EXPECT_EQ(run(R"([["tag_id", "parent_of", 12]])"), (IdList{1, 2}));
  EXPECT_EQ(run(R"([["tag_ids", "child_of", 13]])"), (IdList{2}));
  EXPECT_EQ(run(R"(["!", ["tag_id", "child_of", 12]])"), (IdList{1, 4, 5}));
  Resolved r = resolve(Domain::from_json(Json::parse(R"([["id", "child_of", 11]])")),
                       registry_.get("t.tag"), registry_);
  EXPECT_EQ(filter(r, IdList{14, 13, 12, 11}, src_), (IdList{13, 12, 11}));
  r = resolve(Domain::from_json(Json::parse(R"([["id", "parent_of", 13]])")),
              registry_.get("t.tag"), registry_);
  EXPECT_EQ(filter(r, IdList{14, 13, 12, 11}, src_), (IdList{13, 12, 11}));
}

TEST_F(EvaluateTest, BooleanOperators) {
  EXPECT_EQ(run(R"(["|", ["count", "=", 5], ["name", "=", "beta"]])"), (IdList{2, 3}));
  EXPECT_EQ(
      run(R"(["|", ["count", "=", 5], "|", ["count", "=", 5], ["name", "=", "beta"]])", {3, 2, 1}),
      (IdList{3, 2}));
  EXPECT_EQ(run(R"(["!", "|", ["count", "=", 5], ["name", "=", "beta"]])"), (IdList{1, 4, 5}));
  EXPECT_EQ(run(R"([["count", ">", 0], ["name", "ilike", "a"]])"), (IdList{3}));
}

TEST_F(EvaluateTest, IdComparisonsNeedNoValues) {
  src_.gets = 0;
  EXPECT_EQ(run(R"([["id", "in", [2, 4, 9]]])"), (IdList{2, 4}));
  EXPECT_EQ(run(R"([["id", ">", 3]])"), (IdList{4, 5}));
  EXPECT_EQ(src_.gets, 0);
  EXPECT_TRUE(src_.prefetches.empty());
}

TEST_F(EvaluateTest, PrefetchesLevelByLevel) {
  run(R"([["name", "!=", "x"], ["tag_id", "any", [["color", ">", 1], ["parent_id.name", "=", "Root"]]]])",
      {1, 2, 3});
  ASSERT_EQ(src_.prefetches.size(), 3u);
  EXPECT_EQ(src_.prefetches[0], "t.record:name,tag_id,:1,2,3,");
  EXPECT_EQ(src_.prefetches[1], "t.tag:color,parent_id,:11,12,13,");
  // Only the parents of the tags still candidates after color > 1 are read.
  EXPECT_EQ(src_.prefetches[2], "t.tag:name,:11,12,");
}

TEST_F(EvaluateTest, MatchesOneRecord) {
  Resolved r = resolve(Domain::from_json(Json::parse(R"([["name", "ilike", "alp"]])")),
                       registry_.get("t.record"), registry_);
  EXPECT_TRUE(matches(r, 1, src_));
  EXPECT_FALSE(matches(r, 2, src_));
}

}  // namespace
}  // namespace autorules::domain
