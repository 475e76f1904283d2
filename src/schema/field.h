// Field: the definition of one field of a model: its type, its attributes, and what the
// store needs to know to keep it in a column or a relation table. Plain data, immutable once the
// model that holds it is published in a Registry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace autorules::schema {

enum class FieldType {
  kChar,
  kText,
  kHtml,
  kInteger,
  kFloat,
  kMonetary,
  kBoolean,
  kDate,
  kDatetime,
  kSelection,
  kMany2one,
  kOne2many,
  kMany2many,
  kBinary,
};

// Odoo's type keys ("char", "many2one", ...).
std::string_view type_key(FieldType t);
std::optional<FieldType> parse_type_key(std::string_view key);
// Every type key, in declaration order (for messages and ir.model.fields' selection).
const std::vector<std::string_view>& all_type_keys();

enum class OnDelete { kSetNull, kCascade, kRestrict };
std::string_view ondelete_key(OnDelete o);  // "set null", "cascade", "restrict"
std::optional<OnDelete> parse_ondelete_key(std::string_view key);

struct SelectionOption {
  std::string value;
  std::string label;
  friend bool operator==(const SelectionOption&, const SelectionOption&) = default;
};

// Where a field's default comes from when the caller gives no value and the context has no
// "default_<field>" key.
enum class DefaultKind {
  kNone,
  kValue,  // `default_value` (JSON)
  kUid,    // the current user's id (e.g. user_id)
  kNow,    // the current datetime
  kToday,  // the current date
  kUuid,   // a fresh random UUID4 (e.g. webhook secrets)
};

struct Field {
  std::string name;
  FieldType type = FieldType::kChar;
  std::string string;  // label ("field_description")
  std::string help;
  bool required = false;
  bool readonly = false;
  bool store = true;
  bool index = false;
  bool copy = true;
  DefaultKind default_kind = DefaultKind::kNone;
  common::Json default_value;  // with kValue
  std::vector<SelectionOption> selection;
  std::string relation;        // comodel of relational fields
  std::string relation_field;  // inverse many2one of a one2many
  // A one2many whose inverse is a record id of any model (an integer field, e.g. mail.message's
  // res_id) together with this char field of the comodel naming the model (e.g. "model"): the
  // children are the comodel's rows with relation_field = the id and this field = the model.
  std::string relation_model_field;
  std::string relation_table;  // many2many: the relation table and its two columns
  std::string column1;
  std::string column2;
  OnDelete ondelete = OnDelete::kSetNull;
  std::string related;               // dotted path, e.g. "partner_id.email"
  std::string compute;               // Python code (Studio's computed fields)
  std::vector<std::string> depends;  // what a compute depends on (dotted paths)
  // Computed when read by C++ code a layer registers on the runtime (orm::Runtime::
  // add_native_compute), e.g. mail.activity's state; never stored.
  bool native_compute = false;
  bool magic = false;        // id, display_name, create_/write_ uid and date
  bool manual = false;       // created at run time (ir.model.fields state "manual")
  bool system_only = false;  // read, searched, ordered, written only by base.group_system
  bool secret = false;       // stored, never read, searched or written through the API
  bool write_only = false;   // a secret the API may write (never read back)
  // An html field's value is made safe to show when written (orm::Runtime::set_html_sanitizer):
  // no script, no event handlers, no javascript: links. Off for html that is code (QWeb).
  bool sanitize = true;

  bool is_relational() const {
    return type == FieldType::kMany2one || type == FieldType::kOne2many ||
           type == FieldType::kMany2many;
  }
  bool is_x2many() const { return type == FieldType::kOne2many || type == FieldType::kMany2many; }
  bool is_numeric() const {
    return type == FieldType::kInteger || type == FieldType::kFloat || type == FieldType::kMonetary;
  }
  bool is_textual() const {
    return type == FieldType::kChar || type == FieldType::kText || type == FieldType::kHtml;
  }
  bool is_computed() const { return !related.empty() || !compute.empty() || native_compute; }
  // Kept in a column of the model's table (many2many live in relation tables, one2many nowhere).
  bool has_column() const { return store && !is_x2many(); }
  const SelectionOption* option(std::string_view key) const;
};

// Builders for concise model definitions: char_field("name", "Name").required().index().
class FieldDef {
 public:
  FieldDef(std::string name, FieldType type, std::string label);
  FieldDef& required(bool v = true) {
    f_.required = v;
    return *this;
  }
  FieldDef& readonly(bool v = true) {
    f_.readonly = v;
    return *this;
  }
  FieldDef& index(bool v = true) {
    f_.index = v;
    return *this;
  }
  FieldDef& copy(bool v) {
    f_.copy = v;
    return *this;
  }
  FieldDef& store(bool v) {
    f_.store = v;
    return *this;
  }
  FieldDef& help(std::string h) {
    f_.help = std::move(h);
    return *this;
  }
  FieldDef& def(common::Json v);
  FieldDef& def(DefaultKind k) {
    f_.default_kind = k;
    return *this;
  }
  FieldDef& ondelete(OnDelete o) {
    f_.ondelete = o;
    return *this;
  }
  FieldDef& related(std::string path);
  FieldDef& compute(std::string code, std::vector<std::string> depends);
  FieldDef& system_only() {
    f_.system_only = true;
    return *this;
  }
  FieldDef& secret() {
    f_.secret = true;
    f_.readonly = true;
    f_.copy = false;
    return *this;
  }
  // A secret its owner sets through the API (a signing secret) and never reads back.
  FieldDef& write_only() {
    secret();
    f_.write_only = true;
    f_.readonly = false;
    return *this;
  }
  FieldDef& relation_table(std::string table, std::string col1, std::string col2);
  // An html field kept as written (Field::sanitize): for QWeb templates, which are code.
  FieldDef& unsanitized() {
    f_.sanitize = false;
    return *this;
  }
  // Computed by C++ code when read (Field::native_compute): not stored, read-only.
  FieldDef& computed_natively() {
    f_.native_compute = true;
    f_.store = false;
    f_.readonly = true;
    return *this;
  }
  // A one2many on a polymorphic inverse (Field::relation_model_field).
  FieldDef& polymorphic(std::string model_field);
  operator Field() const { return f_; }  // NOLINT(google-explicit-constructor)
  Field& field() { return f_; }

 private:
  friend FieldDef selection_field(std::string, std::string, std::vector<SelectionOption>);
  friend FieldDef many2one(std::string, std::string, std::string);
  friend FieldDef one2many(std::string, std::string, std::string, std::string);
  friend FieldDef many2many(std::string, std::string, std::string);
  Field f_;
};

FieldDef char_field(std::string name, std::string label);
FieldDef text_field(std::string name, std::string label);
FieldDef html_field(std::string name, std::string label);
FieldDef integer_field(std::string name, std::string label);
FieldDef float_field(std::string name, std::string label);
FieldDef monetary_field(std::string name, std::string label);
FieldDef boolean_field(std::string name, std::string label);
FieldDef date_field(std::string name, std::string label);
FieldDef datetime_field(std::string name, std::string label);
FieldDef binary_field(std::string name, std::string label);
FieldDef selection_field(std::string name, std::string label, std::vector<SelectionOption> options);
FieldDef many2one(std::string name, std::string label, std::string comodel);
FieldDef one2many(std::string name, std::string label, std::string comodel, std::string inverse);
FieldDef many2many(std::string name, std::string label, std::string comodel);

}  // namespace autorules::schema
