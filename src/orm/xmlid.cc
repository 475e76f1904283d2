// External ids (ir.model.data): see xmlid.h.
#include "orm/xmlid.h"

#include "orm/recordset.h"

namespace autorules::orm {

using common::Id;
using common::Json;
using common::Value;

EnsuredRecord ensure_xmlid_record(const Env& env, const std::string& module,
                                  const std::string& name, const std::string& model,
                                  const Json& vals) {
  Env su = env.sudo();
  if (std::optional<RecordSet> existing = su.find_ref(module + "." + name))
    return {*existing, false};
  RecordSet record = su[model].create(vals);
  set_xmlid(su, module, name, model, record.id(), /*noupdate=*/true);
  return {record, true};
}

void set_xmlid(const Env& env, const std::string& module, const std::string& name,
               const std::string& model, Id res_id, bool noupdate) {
  Value p[] = {Value(module), Value(name)};
  Value existing = env.cr().scalar(
      "SELECT \"id\" FROM \"ir_model_data\" WHERE \"module\" = ? AND \"name\" = ?", p);
  Value now(env.now());
  if (existing.is_int()) {
    Value q[] = {Value(model), Value(res_id), existing};
    env.cr().execute("UPDATE \"ir_model_data\" SET \"model\" = ?, \"res_id\" = ? WHERE \"id\" = ?",
                     q);
    return;
  }
  Value q[] = {Value(module),
               Value(name),
               Value(module + "." + name),
               Value(model),
               Value(res_id),
               Value(std::int64_t{noupdate}),
               Value(env.uid()),
               now,
               Value(env.uid()),
               now};
  env.cr().execute(
      "INSERT INTO \"ir_model_data\" (\"module\", \"name\", \"complete_name\", \"model\", "
      "\"res_id\", \"noupdate\", \"create_uid\", \"create_date\", \"write_uid\", \"write_date\") "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      q);
}

std::string xml_name(const std::string& model) {
  std::string out = model;
  for (char& c : out) {
    if (c == '.')
      c = '_';
  }
  return out;
}

}  // namespace autorules::orm
