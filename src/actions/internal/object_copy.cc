// "Duplicate Record" (docs/automation.md): a copy of resource_ref, then linked to the
// active record through link_field_id when set.
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "common/errors.h"

namespace autorules::actions::internal {

common::Json run_object_copy(const Run& run) {
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
  link_created(run, copy.id());
  return nullptr;
}

}  // namespace autorules::actions::internal
