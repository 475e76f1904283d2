// link_field_id of "Create Record" and "Duplicate Record": how the new record is tied to the
// records the action runs on.
#include "actions/internal/types.h"

namespace autorules::actions::internal {

void link_created(const Run& run, common::Id created) {
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
      common::Json{{name, f->is_x2many() ? common::Json::array({common::Json::array({4, created})})
                                         : common::Json(created)}});
}

}  // namespace autorules::actions::internal
