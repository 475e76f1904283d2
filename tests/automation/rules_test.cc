// The rule index: an operation finds only the rules that could fire, in creation order.
#include "automation/internal/rules.h"

#include <gtest/gtest.h>

namespace autorules::automation::internal {
namespace {

Rule make(common::Id id, std::string_view trigger, std::set<std::string> watched = {}) {
  Rule r;
  r.id = id;
  r.name = "rule " + std::to_string(id);
  r.model = "res.partner";
  r.trigger = parse_trigger(trigger);
  r.watched = std::move(watched);
  return r;
}

std::vector<common::Id> ids(const std::vector<const Rule*>& rules) {
  std::vector<common::Id> out;
  for (const Rule* r : rules)
    out.push_back(r->id);
  return out;
}

TEST(ModelRulesTest, WritesFindTheRulesWatchingAWrittenFieldOrAnyFieldInCreationOrder) {
  ModelRules m;
  m.rules = {make(1, "on_write", {"email"}),
             make(2, "on_create_or_write"),
             make(3, "on_write", {"name", "email"}),
             make(4, "on_create"),
             make(5, "on_stage_set", {"stage_id"}),
             make(6, "on_unlink"),
             make(7, "on_change"),
             make(8, "on_time")};
  m.index();
  EXPECT_EQ(ids(m.write_rules({"email"})), (std::vector<common::Id>{1, 2, 3}));
  EXPECT_EQ(ids(m.write_rules({"name", "email"})), (std::vector<common::Id>{1, 2, 3}));
  EXPECT_EQ(ids(m.write_rules({"phone"})), (std::vector<common::Id>{2}));
  EXPECT_EQ(ids(m.write_rules({"stage_id", "phone"})), (std::vector<common::Id>{2, 5}));
  EXPECT_EQ(ids(m.of(m.on_create)), (std::vector<common::Id>{2, 4, 5}));
  EXPECT_EQ(ids(m.of(m.on_unlink)), (std::vector<common::Id>{6}));
  EXPECT_EQ(ids(m.of(m.on_change)), (std::vector<common::Id>{7}));
  EXPECT_TRUE(m.any_write_rule({"phone"}));
}

TEST(ModelRulesTest, AWriteOfUnwatchedFieldsFindsNothing) {
  ModelRules m;
  m.rules = {make(1, "on_write", {"email"}), make(2, "on_archive", {"active"}),
             make(3, "on_create")};
  m.index();
  EXPECT_FALSE(m.any_write_rule({"name", "phone"}));
  EXPECT_TRUE(m.write_rules({"name"}).empty());
  EXPECT_TRUE(m.any_write_rule({"active"}));
  EXPECT_EQ(ids(m.write_rules({"active", "email"})), (std::vector<common::Id>{1, 2}));
}

}  // namespace
}  // namespace autorules::automation::internal
