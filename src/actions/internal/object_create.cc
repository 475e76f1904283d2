// "Create Record" (docs/automation.md): one new record of crud_model_id from a display
// name (`value`), then linked to the active record through link_field_id when set.
#include "actions/internal/types.h"

namespace autorules::actions::internal {

common::Json run_object_create(const Run& run) {
  std::string model = run.model;
  common::Value crud = field(run, "crud_model_id");
  if (crud.is_int())
    model = run.env["ir.model"].browse({crud.as_int()}).get("model").as_string();
  orm::RecordSet created = run.env[model].name_create(text(run, "value"));
  link_created(run, created.id());
  return nullptr;
}

}  // namespace autorules::actions::internal
