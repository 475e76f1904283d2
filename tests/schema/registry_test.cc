#include "schema/registry.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "test_support/expect_throw.h"

namespace autorules::schema {
namespace {

TEST(RegistryTest, BuiltinModelsHaveMagicFields) {
  Registry r = builtin_registry();
  for (const char* name :
       {"res.users", "res.groups", "res.users.apikeys", "res.partner", "res.partner.category",
        "res.currency", "ir.model", "ir.model.fields", "ir.model.fields.selection", "ir.model.data",
        "ir.config_parameter", "ir.logging"}) {
    const Model* m = r.find(name);
    ASSERT_NE(m, nullptr) << name;
    for (const char* magic :
         {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}) {
      EXPECT_TRUE(m->has_field(magic)) << name << "." << magic;
    }
  }
}

TEST(RegistryTest, DerivesNameActiveAndParentFields) {
  Registry r = builtin_registry();
  const Model& partner = r.get("res.partner");
  EXPECT_EQ(partner.rec_name(), "name");
  EXPECT_EQ(partner.active_field(), "active");
  EXPECT_EQ(partner.parent_field(), "parent_id");
  EXPECT_EQ(partner.table(), "res_partner");
  EXPECT_EQ(r.get("ir.model.data").active_field(), "");
}

TEST(RegistryTest, ManyToManyGetsOdooTableNames) {
  Model m("x_a", "A");
  m.add(many2many("x_tags", "Tags", "x_b"));
  const Field* f = m.field("x_tags");
  EXPECT_EQ(f->relation_table, "x_a_x_b_rel");
  EXPECT_EQ(f->column1, "x_a_id");
  EXPECT_EQ(f->column2, "x_b_id");
}

TEST(RegistryTest, ResolvesDottedPathsAndNamesBadSegments) {
  Registry r = builtin_registry();
  auto end = r.resolve_path(r.get("res.users"), "partner_id.parent_id.email");
  EXPECT_EQ(end.model->name(), "res.partner");
  EXPECT_EQ(end.field->name, "email");
  EXPECT_THROW(r.resolve_path(r.get("res.users"), "partner_id.nope"), common::ValueError);
  EXPECT_THROW(r.resolve_path(r.get("res.users"), "login.x"), common::ValueError);
  EXPECT_THROW(r.get("no.such"), common::NotFoundError);
}

TEST(RegistryTest, ResolvingAsFarAsAPathGoesTellsWhereAndWhyItStopped) {
  using Stop = Registry::ResolvedPath::Stop;
  Registry r = builtin_registry();
  const Model& users = r.get("res.users");
  auto whole = r.resolve_path(users, "partner_id.parent_id.email", Registry::OnBadPath::kStop);
  EXPECT_EQ(whole.stop, Stop::kNone);
  ASSERT_EQ(whole.steps.size(), 3u);
  EXPECT_EQ(whole.steps[0].model, &users);
  EXPECT_EQ(whole.steps[0].field->name, "partner_id");
  EXPECT_EQ(whole.steps[1].model->name(), "res.partner");
  EXPECT_EQ(whole.steps[2].field, whole.field);
  EXPECT_EQ(whole.segments, (std::vector<std::string_view>{"partner_id", "parent_id", "email"}));

  auto missing = r.resolve_path(users, "partner_id.nope.x", Registry::OnBadPath::kStop);
  EXPECT_EQ(missing.stop, Stop::kNoField);
  EXPECT_EQ(missing.steps.size(), 1u);
  EXPECT_EQ(missing.model->name(), "res.partner");
  EXPECT_EQ(missing.field, nullptr);
  EXPECT_EQ(missing.segments[missing.steps.size()], "nope");

  auto flat = r.resolve_path(users, "login.x", Registry::OnBadPath::kStop);
  EXPECT_EQ(flat.stop, Stop::kNotRelational);
  ASSERT_EQ(flat.steps.size(), 1u);
  EXPECT_EQ(flat.field->name, "login");
  EXPECT_THROW_MSG(r.resolve_path(users, "login.x"), common::ValueError, "is not relational");
}

TEST(RegistryTest, CopiesShareModelsUntilChanged) {
  Registry a = builtin_registry();
  Registry b = a;
  EXPECT_EQ(a.find("res.partner"), b.find("res.partner"));
  Model changed = b.get("res.partner");
  changed.add(char_field("x_nick", "Nick"));
  b.put(std::move(changed));
  EXPECT_FALSE(a.get("res.partner").has_field("x_nick"));
  EXPECT_TRUE(b.get("res.partner").has_field("x_nick"));
}

TEST(FieldTest, TypeKeysRoundTrip) {
  for (auto key : all_type_keys()) {
    auto t = parse_type_key(key);
    ASSERT_TRUE(t);
    EXPECT_EQ(type_key(*t), key);
  }
  EXPECT_FALSE(parse_type_key("reference"));
}

}  // namespace
}  // namespace autorules::schema
