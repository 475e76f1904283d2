#include "schema/field.h"

#include <array>

namespace autorules::schema {
namespace {

constexpr std::array<std::string_view, 14> kTypeKeys = {
    "char", "text",     "html",      "integer",  "float",    "monetary",  "boolean",
    "date", "datetime", "selection", "many2one", "one2many", "many2many", "binary"};

}  // namespace

std::string_view type_key(FieldType t) {
  return kTypeKeys[static_cast<size_t>(t)];
}

std::optional<FieldType> parse_type_key(std::string_view key) {
  for (size_t i = 0; i < kTypeKeys.size(); ++i) {
    if (kTypeKeys[i] == key) {
      return static_cast<FieldType>(i);
    }
  }
  return std::nullopt;
}

const std::vector<std::string_view>& all_type_keys() {
  static const std::vector<std::string_view> keys(kTypeKeys.begin(), kTypeKeys.end());
  return keys;
}

std::string_view ondelete_key(OnDelete o) {
  switch (o) {
    case OnDelete::kSetNull:
      return "set null";
    case OnDelete::kCascade:
      return "cascade";
    case OnDelete::kRestrict:
      return "restrict";
  }
  return "set null";
}

std::optional<OnDelete> parse_ondelete_key(std::string_view key) {
  if (key == "set null")
    return OnDelete::kSetNull;
  if (key == "cascade")
    return OnDelete::kCascade;
  if (key == "restrict")
    return OnDelete::kRestrict;
  return std::nullopt;
}

const SelectionOption* Field::option(std::string_view key) const {
  for (const auto& o : selection) {
    if (o.value == key) {
      return &o;
    }
  }
  return nullptr;
}

FieldDef::FieldDef(std::string name, FieldType type, std::string label) {
  f_.name = std::move(name);
  f_.type = type;
  f_.string = std::move(label);
  // Odoo: one2many are not copied by default; everything else is.
  f_.copy = type != FieldType::kOne2many;
}

FieldDef& FieldDef::def(common::Json v) {
  f_.default_kind = DefaultKind::kValue;
  f_.default_value = std::move(v);
  return *this;
}

FieldDef& FieldDef::related(std::string path) {
  f_.related = std::move(path);
  f_.readonly = true;
  f_.copy = false;
  f_.store = true;
  return *this;
}

FieldDef& FieldDef::compute(std::string code, std::vector<std::string> depends) {
  f_.compute = std::move(code);
  f_.depends = std::move(depends);
  f_.readonly = true;
  f_.copy = false;
  return *this;
}

FieldDef& FieldDef::relation_table(std::string table, std::string col1, std::string col2) {
  f_.relation_table = std::move(table);
  f_.column1 = std::move(col1);
  f_.column2 = std::move(col2);
  return *this;
}

FieldDef& FieldDef::polymorphic(std::string model_field) {
  f_.relation_model_field = std::move(model_field);
  return *this;
}

FieldDef char_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kChar, std::move(l)};
}
FieldDef text_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kText, std::move(l)};
}
FieldDef html_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kHtml, std::move(l)};
}
FieldDef integer_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kInteger, std::move(l)};
}
FieldDef float_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kFloat, std::move(l)};
}
FieldDef monetary_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kMonetary, std::move(l)};
}
FieldDef boolean_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kBoolean, std::move(l)};
}
FieldDef date_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kDate, std::move(l)};
}
FieldDef datetime_field(std::string n, std::string l) {
  return {std::move(n), FieldType::kDatetime, std::move(l)};
}
FieldDef binary_field(std::string n, std::string l) {
  FieldDef d{std::move(n), FieldType::kBinary, std::move(l)};
  return d;
}

FieldDef selection_field(std::string n, std::string l, std::vector<SelectionOption> options) {
  FieldDef d{std::move(n), FieldType::kSelection, std::move(l)};
  d.f_.selection = std::move(options);
  return d;
}

FieldDef many2one(std::string n, std::string l, std::string comodel) {
  FieldDef d{std::move(n), FieldType::kMany2one, std::move(l)};
  d.f_.relation = std::move(comodel);
  return d;
}

FieldDef one2many(std::string n, std::string l, std::string comodel, std::string inverse) {
  FieldDef d{std::move(n), FieldType::kOne2many, std::move(l)};
  d.f_.relation = std::move(comodel);
  d.f_.relation_field = std::move(inverse);
  return d;
}

FieldDef many2many(std::string n, std::string l, std::string comodel) {
  FieldDef d{std::move(n), FieldType::kMany2many, std::move(l)};
  d.f_.relation = std::move(comodel);
  return d;
}

}  // namespace autorules::schema
