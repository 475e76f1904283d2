// "Create Record" and "Duplicate Record" (reference §5.3 object_create, object_copy): one new
// record of crud_model_id — from a display name (`value`), or a copy of resource_ref — then
// linked to the active record through link_field_id when set.
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "common/errors.h"

namespace autorules::actions::internal {

namespace {

using common::Json;

std::string target_model(const Run& run) {
  common::Value crud = field(run, "crud_model_id");
  if (!crud.is_int())
    return run.model;
  return run.env["ir.model"].browse({crud.as_int()}).get("model").as_string();
}

// link_field_id on the action's model: an x2many links the new record, anything else is set to
// it.
void link(const Run& run, common::Id created) {
  common::Value link_field = field(run, "link_field_id");
  if (!link_field.is_int() || run.records.empty())
    return;
  std::string name =
      run.env["ir.model.fields"].browse({link_field.as_int()}).get("name").as_string();
  orm::RecordSet records = run.env[run.model].browse(run.records);
  const schema::Field* f = records.model().field(name);
  if (!f)
    return;
  records.write(
      Json{{name, f->is_x2many() ? Json::array({Json::array({4, created})}) : Json(created)}});
}

}  // namespace

Json run_object_create(const Run& run) {
  std::string model = target_model(run);
  orm::RecordSet created = run.env[model].name_create(text(run, "value"));
  link(run, created.id());
  return nullptr;
}

Json run_object_copy(const Run& run) {
  std::string ref = text(run, "resource_ref");
  size_t comma = ref.find(',');
  if (comma == std::string::npos) {
    throw common::UserError(
        fmt::format("The action '{}' needs the record to duplicate (resource_ref \"model,id\")",
                    text(run, "name")));
  }
  std::string model = ref.substr(0, comma);
  common::Id id = 0;
  try {
    id = std::stoll(ref.substr(comma + 1));
  } catch (...) {
    throw common::UserError(fmt::format("Invalid record reference '{}'", ref));
  }
  orm::RecordSet copy = run.env[model].browse({id}).copy();
  link(run, copy.id());
  return nullptr;
}

}  // namespace autorules::actions::internal
