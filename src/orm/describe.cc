#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/values.h"
#include "orm/recordset.h"

namespace autorules::orm {

namespace {

Json describe_field(const schema::Field& f) {
  Json d = Json::object();
  d["name"] = f.name;
  d["type"] = std::string(schema::type_key(f.type));
  d["string"] = f.string;
  d["help"] = f.help;
  d["required"] = f.required;
  d["readonly"] = f.readonly;
  d["store"] = f.store;
  d["searchable"] = f.store || f.name == "display_name";
  d["sortable"] = f.has_column() || f.name == "id";
  d["manual"] = f.manual;
  d["copy"] = f.copy;
  d["index"] = f.index;
  if (f.is_relational()) {
    d["relation"] = f.relation;
    if (f.type == schema::FieldType::kMany2one)
      d["ondelete"] = std::string(schema::ondelete_key(f.ondelete));
  }
  if (f.type == schema::FieldType::kOne2many)
    d["relation_field"] = f.relation_field;
  if (f.type == schema::FieldType::kMany2many) {
    d["relation_table"] = f.relation_table;
    d["column1"] = f.column1;
    d["column2"] = f.column2;
  }
  if (f.type == schema::FieldType::kSelection) {
    Json opts = Json::array();
    for (const auto& o : f.selection)
      opts.push_back(Json::array({o.value, o.label}));
    d["selection"] = opts;
  }
  if (!f.related.empty())
    d["related"] = f.related;
  if (f.is_computed())
    d["depends"] = f.related.empty() ? Json(f.depends) : Json::array({f.related});
  if (f.default_kind == schema::DefaultKind::kValue)
    d["default"] = f.default_value;
  return d;
}

}  // namespace

Json RecordSet::fields_get(const std::vector<std::string>& fields,
                           const std::vector<std::string>& attributes) const {
  check_access(Operation::kRead);
  const schema::Model& m = env_.registry().get(model_->name());
  Json out = Json::object();
  for (const schema::Field& f : m.fields()) {
    if (!can_read_field(env_, f))
      continue;
    if (!fields.empty() && std::find(fields.begin(), fields.end(), f.name) == fields.end())
      continue;
    Json d = describe_field(f);
    if (!attributes.empty()) {
      Json only = Json::object();
      for (const std::string& a : attributes) {
        if (d.contains(a))
          only[a] = d[a];
      }
      d = std::move(only);
    }
    out[f.name] = std::move(d);
  }
  return out;
}

Json RecordSet::default_get(const std::vector<std::string>& fields) const {
  check_access(Operation::kRead);
  const schema::Model& m = env_.registry().get(model_->name());
  Json out = Json::object();
  for (const std::string& name : fields) {
    const schema::Field* f = m.field(name);
    if (!f) {
      throw common::ValueError(fmt::format("Invalid field '{}' on model '{}'", name, m.name()));
    }
    check_field_access(env_, m, *f);
    Json d = default_value(env_, *f);
    if (d.is_null())
      continue;
    if (!f->is_x2many()) {
      // Check the default as a value of the field would be checked.
      d = value_to_json(*f, json_to_value(m, *f, d));
    }
    out[name] = std::move(d);
  }
  return out;
}

Json RecordSet::name_search(const std::string& name, const domain::Domain& d, const std::string& op,
                            std::optional<std::int64_t> limit) const {
  check_access(Operation::kRead);
  auto parsed = domain::parse_op(op);
  if (!parsed) {
    throw common::ValueError(fmt::format("Invalid operator '{}' for name_search", op));
  }
  domain::Domain full = d;
  if (!name.empty() || (*parsed != domain::Op::kIlike && *parsed != domain::Op::kLike)) {
    std::string field = model_->rec_name().empty() ? "display_name" : model_->rec_name();
    full = domain::Domain::conjoin(d, domain::Domain::term(field, *parsed, name));
  }
  SearchOptions options;
  options.limit = limit;
  RecordSet found = search(full, options);
  std::vector<std::string> names = found.display_names();
  Json out = Json::array();
  for (size_t i = 0; i < found.ids().size(); ++i) {
    out.push_back(Json::array({found.ids()[i], names[i]}));
  }
  return out;
}

RecordSet RecordSet::name_create(const std::string& name) const {
  if (model_->rec_name().empty()) {
    throw common::UserError(fmt::format(
        "Cannot create a '{}' record from a name: the model has no name field", model_->name()));
  }
  return create(Json{{model_->rec_name(), name}});
}

}  // namespace autorules::orm
