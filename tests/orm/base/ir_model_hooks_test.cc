// The hooks of ir.model, ir.model.fields and ir.model.fields.selection: records that change
// the schema at once, Odoo's checks on names and base data, failed transactions forgotten.
#include "orm/base/ir_model_hooks.h"

#include "common/errors.h"
#include "orm/ir_model_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(IrModelTest, ModelCreatedInOneCallIsUsableAtOnce) {
  make_ticket_model();
  Env e = env();
  RecordSet t =
      e["x_ticket"].create(Json{{"x_name", "First"}, {"x_qty", 3}, {"x_partner_id", kAdminId}});
  Json row = t.read({"x_name", "x_qty", "x_partner_id", "display_name"})[0];
  EXPECT_EQ(row["x_name"], "First");
  EXPECT_EQ(row["display_name"], "First");  // x_name names the record
  EXPECT_EQ(row["x_partner_id"][1], "Administrator");
  // Every field, magic ones included, has its ir.model.fields row.
  EXPECT_EQ(e["ir.model.fields"].search_count(parse("[('model', '=', 'x_ticket')]")), 9);
  EXPECT_EQ(
      e["ir.model.fields"].search_count(parse("[('model', '=', 'x_ticket'), ('name', 'in', ['id', "
                                              "'create_date', 'write_uid', 'display_name'])]")),
      4);
}

TEST_F(IrModelTest, CustomNamesMustStartWithX) {
  Env e = env();
  EXPECT_THROW_MSG(e["ir.model"].create(Json{{"name", "T"}, {"model", "ticket"}}),
                   common::ValidationError, "must start with 'x_'");
  EXPECT_THROW_MSG(e["ir.model.fields"].create(Json{{"model", "res.partner"},
                                                    {"name", "nick"},
                                                    {"ttype", "char"},
                                                    {"field_description", "Nick"}}),
                   common::ValidationError, "starts with 'x_'");
  EXPECT_THROW_MSG(e["ir.model"].create(Json{{"name", "T"}, {"model", "x_Bad Name"}}),
                   common::ValidationError, "lowercase");
}

TEST_F(IrModelTest, FieldsAreAddedRenamedAndDroppedLive) {
  make_ticket_model();
  Env e = env();
  RecordSet f = e["ir.model.fields"].create(Json{
      {"model", "x_ticket"}, {"name", "x_note"}, {"ttype", "text"}, {"field_description", "Note"}});
  e["x_ticket"].create(Json{{"x_name", "t"}, {"x_note", "hello"}});
  f.write(Json{{"name", "x_comment"}, {"field_description", "Comment"}});
  Json rows = e["x_ticket"].search_read(Domain(), {"x_comment"});
  EXPECT_EQ(rows[0]["x_comment"], "hello");
  EXPECT_THROW_MSG(f.write(Json{{"ttype", "integer"}}), common::UserError, "Changing the type");
  f.unlink();
  EXPECT_THROW(e["x_ticket"].search_read(Domain(), {"x_comment"}), common::ValueError);
  // A field on a built-in model.
  e["ir.model.fields"].create(Json{{"model", "res.partner"},
                                   {"name", "x_nick"},
                                   {"ttype", "char"},
                                   {"field_description", "Nick"}});
  RecordSet p = e["res.partner"].create(Json{{"name", "N"}, {"x_nick", "nn"}});
  EXPECT_EQ(p.read({"x_nick"})[0]["x_nick"], "nn");
}

TEST_F(IrModelTest, BaseFieldsAndModelsCannotBeRemoved) {
  Env e = env();
  RecordSet name =
      e["ir.model.fields"].search(parse("[('model', '=', 'res.partner'), ('name', '=', 'name')]"));
  ASSERT_EQ(name.size(), 1u);
  EXPECT_THROW_MSG(name.unlink(), common::UserError, "module data");
  EXPECT_THROW(name.write(Json{{"field_description", "Nom"}}), common::UserError);
  RecordSet model = e["ir.model"].search(parse("[('model', '=', 'res.partner')]"));
  EXPECT_THROW_MSG(model.unlink(), common::UserError, "module data");
}

TEST_F(IrModelTest, DroppingAModelRemovesItsTableAndEndpoint) {
  make_ticket_model();
  Env e = env();
  e["ir.model.fields"].create(Json{{"model", "res.partner"},
                                   {"name", "x_ticket_id"},
                                   {"ttype", "many2one"},
                                   {"relation", "x_ticket"},
                                   {"field_description", "Ticket"}});
  e["ir.model"].search(parse("[('model', '=', 'x_ticket')]")).unlink();
  e.commit();
  Env e2 = env();
  EXPECT_THROW(e2["x_ticket"], common::NotFoundError);
  EXPECT_FALSE(e2.registry().get("res.partner").has_field("x_ticket_id"));
  EXPECT_EQ(e2["ir.model.fields"].search_count(parse("[('model', '=', 'x_ticket')]")), 0);
}

TEST_F(IrModelTest, SchemaChangesOfAFailedTransactionAreForgotten) {
  {
    Env e = env();
    e["ir.model"].create(Json{{"name", "Temp"},
                              {"model", "x_temp"},
                              {"field_id", Json::array({field("x_name", "char")})}});
    EXPECT_NO_THROW(e["x_temp"]);
    // No commit: rolled back.
  }
  Env e = env();
  EXPECT_THROW(e["x_temp"], common::NotFoundError);
  // The same name can be created again.
  e["ir.model"].create(Json{{"name", "Temp"}, {"model", "x_temp"}});
  e.commit();
}

TEST_F(IrModelTest, SelectionOptionsAndOneToManyInverses) {
  Env e = env();
  e["ir.model"].create(Json{
      {"name", "Order"},
      {"model", "x_order"},
      {"field_id",
       Json::array(
           {field("x_name", "char"),
            field(
                "x_state", "selection",
                {{"selection_ids",
                  Json::array({Json::array({0, 0, {{"value", "draft"}, {"name", "Draft"}}}),
                               Json::array({0, 0, {{"value", "done"}, {"name", "Done"}}})})}})})}});
  e["ir.model"].create(Json{
      {"name", "Line"},
      {"model", "x_line"},
      {"field_id", Json::array({field("x_name", "char"),
                                field("x_order_id", "many2one",
                                      {{"relation", "x_order"}, {"on_delete", "cascade"}})})}});
  e["ir.model.fields"].create(Json{{"model", "x_order"},
                                   {"name", "x_line_ids"},
                                   {"ttype", "one2many"},
                                   {"relation", "x_line"},
                                   {"relation_field", "x_order_id"},
                                   {"field_description", "Lines"}});
  EXPECT_THROW_MSG(e["ir.model.fields"].create(Json{{"model", "x_order"},
                                                    {"name", "x_bad_ids"},
                                                    {"ttype", "one2many"},
                                                    {"relation", "x_line"},
                                                    {"relation_field", "x_nope"},
                                                    {"field_description", "Bad"}}),
                   common::ValidationError, "inverse many2one");
  RecordSet o = e["x_order"].create(
      Json{{"x_name", "O"},
           {"x_state", "draft"},
           {"x_line_ids", Json::array({Json::array({0, 0, {{"x_name", "l1"}}})})}});
  EXPECT_EQ(o.read({"x_line_ids"})[0]["x_line_ids"].size(), 1u);
  EXPECT_THROW_MSG(o.write(Json{{"x_state", "sent"}}), common::ValueError, "'sent'");
  // Adding an option makes it valid at once.
  RecordSet state =
      e["ir.model.fields"].search(parse("[('model', '=', 'x_order'), ('name', '=', 'x_state')]"));
  e["ir.model.fields.selection"].create(
      Json{{"field_id", state.id()}, {"value", "sent"}, {"name", "Sent"}});
  EXPECT_NO_THROW(o.write(Json{{"x_state", "sent"}}));
  o.unlink();
  EXPECT_EQ(e["x_line"].search_count(Domain()), 0);  // cascade
}

}  // namespace
}  // namespace autorules::orm::test
