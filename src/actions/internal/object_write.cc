// "Update Record" (reference §5.3 object_write): one write of the last field of update_path on
// the records reached by the path's other fields (an x2many fans out). This file does the
// `equation` evaluation type (the value is a Python expression); the other value types arrive
// with the automation engine.
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "common/errors.h"
#include "script/sandbox.h"

namespace autorules::actions::internal {

namespace {

// The field path of the action: update_path, else the name of update_field_id.
std::string update_path(const Run& run) {
  std::string path = text(run, "update_path");
  if (!path.empty())
    return path;
  common::Value field_id = field(run, "update_field_id");
  if (!field_id.is_int())
    return "";
  return run.env["ir.model.fields"].browse({field_id.as_int()}).get("name").as_string();
}

}  // namespace

common::Json run_object_write(const Run& run) {
  std::string path = update_path(run);
  if (path.empty() || run.records.empty())
    return nullptr;  // [19] nothing to do
  std::string type = text(run, "evaluation_type");
  if (type != "equation") {
    throw common::UserError(fmt::format(
        "The '{}' value type of Update Record actions is not available yet (action '{}')",
        type.empty() ? "value" : type, text(run, "name")));
  }
  orm::RecordSet record = run.env[run.model].browse(run.records);
  // Targets: the records the path's relational fields lead to.
  size_t last_dot = path.rfind('.');
  std::string field_name = last_dot == std::string::npos ? path : path.substr(last_dot + 1);
  orm::RecordSet targets = record;
  if (last_dot != std::string::npos) {
    size_t start = 0;
    std::string prefix = path.substr(0, last_dot);
    while (start <= prefix.size()) {
      size_t dot = prefix.find('.', start);
      targets = targets.related(
          prefix.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos)
        break;
      start = dot + 1;
    }
  }
  if (targets.empty())
    return nullptr;
  const schema::Field* target = targets.model().field(field_name);
  if (!target) {
    throw common::UserError(fmt::format("The field '{}' of the path '{}' does not exist on '{}'",
                                        field_name, path, targets.name()));
  }
  script::Context ctx(run.env);
  ctx.model = run.model;
  ctx.records = run.records;
  common::Json value = script::eval(text(run, "value"), ctx);
  // Records given for a many2one: their id.
  if (target->type == schema::FieldType::kMany2one && value.is_array()) {
    value = value.empty() ? common::Json(false) : value[0];
  } else if (target->is_x2many() && value.is_array() &&
             std::all_of(value.begin(), value.end(),
                         [](const common::Json& j) { return j.is_number_integer(); })) {
    value = common::Json::array({common::Json::array({6, 0, value})});
  }
  targets.write(common::Json{{field_name, value}});
  return nullptr;
}

}  // namespace autorules::actions::internal
