#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/rows.h"
#include "orm/recordset.h"

namespace autorules::orm {

namespace {

// The values of a copy of one record: the copied fields, x2many as commands (many2many linked
// again, copied one2many children duplicated without their inverse field).
Json copy_data(const RecordSet& record) {
  const schema::Model& model = record.model();
  const Env& env = record.env();
  Json vals = Json::object();
  for (const schema::Field& f : model.fields()) {
    if (!f.copy || f.magic || f.secret || !f.store || f.is_computed())
      continue;
    if (f.readonly && !env.su())
      continue;  // the caller could not write it either
    Value v = read_field(env, model, f, record.ids())[0];
    if (f.type == schema::FieldType::kMany2many) {
      vals[f.name] = Json::array({Json::array({6, 0, v.as_ids()})});
    } else if (f.type == schema::FieldType::kOne2many) {
      Json cmds = Json::array();
      RecordSet children = env[f.relation].browse(v.as_ids());
      for (Id child : children.ids()) {
        Json cv = copy_data(children.browse({child}));
        cv.erase(f.relation_field);
        cmds.push_back(Json::array({0, 0, cv}));
      }
      vals[f.name] = cmds;
    } else {
      vals[f.name] = value_to_json(f, v);
    }
  }
  for (const auto& h : env.runtime().hooks(model.name()))
    h->copy_data(record, vals);
  return vals;
}

}  // namespace

RecordSet RecordSet::copy(const Json& defaults) const {
  if (!defaults.is_null() && !defaults.is_object()) {
    throw common::ValueError(fmt::format("copy() expects an object of default values, got {}",
                                         common::json_type_name(defaults)));
  }
  check_access(Operation::kRead);
  check_access(Operation::kCreate);
  ensure_exist();
  IdList out;
  for (Id id : ids_) {
    Json vals = copy_data(browse({id}));
    if (defaults.is_object()) {
      for (const auto& [k, v] : defaults.items())
        vals[k] = v;
    }
    RecordSet created = create(vals);
    out.insert(out.end(), created.ids().begin(), created.ids().end());
  }
  return browse(out);
}

}  // namespace autorules::orm
