// A small registry for the domain tests: a main model with one field of every type, a tag model
// with a hierarchy and a name, a category model with a hierarchy and no name (display name
// "t.category,<id>"), and order lines (one2many + many2many).
#pragma once

#include "schema/registry.h"

namespace autorules::domain::testing {

inline schema::Registry test_registry() {
  using namespace schema;  // NOLINT(google-build-using-namespace): test helper, local scope
  Registry r;

  Model tag("t.tag", "Tag");
  tag.add(char_field("name", "Name"));
  tag.add(integer_field("color", "Color"));
  tag.add(many2one("parent_id", "Parent", "t.tag"));
  tag.add(one2many("child_ids", "Children", "t.tag", "parent_id"));
  tag.add_magic_fields();
  r.put(std::move(tag));

  Model category("t.category", "Category");
  category.add(char_field("code", "Code"));
  category.add(many2one("parent_id", "Parent", "t.category"));
  category.add_magic_fields();
  r.put(std::move(category));

  Model record("t.record", "Record");
  record.add(char_field("name", "Name"));
  record.add(text_field("note", "Note"));
  record.add(html_field("body", "Body"));
  record.add(integer_field("count", "Count"));
  record.add(float_field("amount", "Amount"));
  record.add(monetary_field("price", "Price"));
  record.add(boolean_field("flag", "Flag"));
  record.add(date_field("day", "Day"));
  record.add(datetime_field("moment", "Moment"));
  record.add(
      selection_field("state", "State", {{"draft", "Draft"}, {"open", "Open"}, {"done", "Done"}}));
  record.add(binary_field("data", "Data"));
  record.add(many2one("category_id", "Category", "t.category"));
  record.add(many2one("tag_id", "Main Tag", "t.tag"));
  record.add(many2one("parent_id", "Parent", "t.record"));
  record.add(one2many("child_ids", "Children", "t.record", "parent_id"));
  record.add(one2many("line_ids", "Lines", "t.line", "record_id"));
  record.add(many2many("tag_ids", "Tags", "t.tag"));
  record.add(char_field("secret_key", "Key").secret());
  record.add(float_field("total", "Total").store(false).compute("record.total = 1", {}));
  record.add_magic_fields();
  r.put(std::move(record));

  Model line("t.line", "Line");
  line.add(char_field("name", "Name"));
  line.add(many2one("record_id", "Record", "t.record"));
  line.add(integer_field("qty", "Quantity"));
  line.add(many2many("tag_ids", "Tags", "t.tag"));
  line.add_magic_fields();
  r.put(std::move(line));
  return r;
}

}  // namespace autorules::domain::testing
