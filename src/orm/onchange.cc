#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/rows.h"
#include "orm/internal/values.h"
#include "orm/recordset.h"
#include "store/database.h"

namespace autorules::orm {

namespace {

// A value in read() form for the form view.
Json form_value(const Env& env, const schema::Field& f, const Value& v) {
  if (f.type == schema::FieldType::kMany2one) {
    if (!v.is_int())
      return false;
    const schema::Model* co = env.registry().find(f.relation);
    auto names = co ? fetch_display_names(env, *co, {v.as_int()})
                    : decltype(fetch_display_names(env, *co, {})){};
    auto it = names.find(v.as_int());
    return it == names.end() ? Json(false) : Json::array({v.as_int(), it->second});
  }
  return value_to_json(f, v);
}

}  // namespace

Json RecordSet::onchange(const Json& values, const std::vector<std::string>& field_names,
                         const Json& fields_spec) const {
  check_access(Operation::kRead);
  if (!values.is_object()) {
    throw common::ValueError(fmt::format("onchange() expects 'values' to be an object, got {}",
                                         common::json_type_name(values)));
  }
  if (!fields_spec.is_object() && !fields_spec.is_null()) {
    throw common::ValueError("onchange() expects 'fields_spec' to be an object of field names");
  }
  if (ids_.size() > 1) {
    throw common::ValueError(
        fmt::format("Expected singleton: {}({})", name(), fmt::join(ids_, ", ")));
  }
  const schema::Model& m = env_.registry().get(name());
  std::set<std::string> spec;
  if (fields_spec.is_object()) {
    for (const auto& [k, _] : fields_spec.items())
      spec.insert(k);
  }
  for (const std::string& f : field_names) {
    if (!m.field(f))
      throw common::ValueError(fmt::format("Invalid field '{}' on model '{}'", f, m.name()));
  }
  // Nothing an onchange does is kept, even what later layers' handlers write.
  store::Savepoint savepoint(env_.cr());
  Json result = Json::object();
  // The form's values, checked like a write would check them.
  std::map<std::string, Value> current;
  if (!ids_.empty()) {
    ensure_exist();
    for (const schema::Field& f : m.fields()) {
      if (f.has_column())
        current[f.name] = read_field(env_, m, f, ids_)[0];
    }
  }
  for (const auto& [k, v] : values.items()) {
    const schema::Field* f = m.field(k);
    if (!f || f->secret)
      throw common::ValueError(fmt::format("Invalid field '{}' on model '{}'", k, m.name()));
    if (f->has_column() && !f->magic)
      current[k] = json_to_value(m, *f, v);
  }
  if (field_names.empty()) {
    // A new record: the defaults of the fields the form shows.
    for (const std::string& name : spec) {
      const schema::Field* f = m.field(name);
      if (!f || values.contains(name) || f->magic)
        continue;
      Json d = default_value(env_, *f);
      if (d.is_null())
        continue;
      if (f->is_x2many()) {
        result[name] = d;
      } else {
        Value v = json_to_value(m, *f, d);
        current[name] = v;
        result[name] = form_value(env_, *f, v);
      }
    }
  }
  // Related fields follow the fields that changed.
  for (const schema::Field& f : m.fields()) {
    if (f.related.empty() || (!spec.empty() && !spec.count(f.name)))
      continue;
    std::string first = f.related.substr(0, f.related.find('.'));
    bool affected = field_names.empty() ||
                    std::find(field_names.begin(), field_names.end(), first) != field_names.end();
    if (!affected)
      continue;
    const schema::Field* head = m.field(first);
    Value v;
    if (head && head->type == schema::FieldType::kMany2one &&
        f.related.find('.') != std::string::npos) {
      Value target = current[first];
      if (target.is_int()) {
        const schema::Model& co = env_.registry().get(head->relation);
        v = read_path(env_.sudo(), co, {target.as_int()}, f.related.substr(first.size() + 1))[0];
      } else if (f.type == schema::FieldType::kBoolean) {
        v = Value(false);
      } else if (f.is_numeric()) {
        v = f.type == schema::FieldType::kInteger ? Value(std::int64_t{0}) : Value(0.0);
      }
    } else {
      v = current[first];
    }
    result[f.name] = form_value(env_, f, v);
  }
  Json out = Json{{"value", result}};
  // The fields whose handlers run: those the client changed; on the first call of a form
  // (none named), every field of the form, as Odoo's onchange does.
  std::vector<std::string> todo = field_names;
  if (todo.empty()) {
    std::set<std::string> all;
    for (const std::string& k : spec) {
      if (m.field(k))
        all.insert(k);
    }
    for (const auto& [k, _] : values.items())
      all.insert(k);  // checked above
    todo.assign(all.begin(), all.end());
  }
  if (!env_.runtime().onchange_handlers().empty() && !todo.empty()) {
    // The form as it stands: the saved values, what the client sent, what was just computed.
    Json form = Json::object();
    for (const auto& [name, v] : current) {
      const schema::Field* f = m.field(name);
      if (f)
        form[name] = value_to_json(*f, v);
    }
    for (const auto& [k, v] : values.items())
      form[k] = v;
    for (const auto& [k, v] : result.items()) {
      form[k] = v.is_array() && v.size() == 2 && v[1].is_string() ? v[0] : v;
    }
    for (const OnchangeHandler& handler : env_.runtime().onchange_handlers()) {
      handler(*this, form, todo, out);
    }
  }
  return out;
}

}  // namespace autorules::orm
