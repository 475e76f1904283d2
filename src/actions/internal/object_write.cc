// "Update Record" (docs/automation.md): one write of the last field of update_path on
// the records reached by the path's other fields (an x2many fans out), with the value computed
// by the evaluation type: `value` (typed by the target field: many2many operations, booleans,
// selections, ids, numbers, text), `equation` (a Python expression), `sequence` (the next
// number of sequence_id).
#include <fmt/format.h>

#include "actions/internal/ai_update.h"
#include "actions/internal/types.h"
#include "common/errors.h"
#include "script/sandbox.h"

namespace autorules::actions::internal {

namespace {

using common::Json;
using schema::FieldType;

// The record id that `resource_ref` ("model,id") or `value` holds, or nullopt.
std::optional<common::Id> ref_id(const Run& run) {
  std::string ref = text(run, "resource_ref");
  size_t comma = ref.find(',');
  std::string digits = comma == std::string::npos ? text(run, "value") : ref.substr(comma + 1);
  try {
    size_t used = 0;
    long long id = std::stoll(digits, &used);
    if (used == digits.size() && id > 0)
      return id;
  } catch (...) {
  }
  return std::nullopt;
}

// The value of evaluation type `value` for the target field (docs/automation.md, the table).
Json typed_value(const Run& run, const schema::Field& target) {
  std::string raw = text(run, "value");
  switch (target.type) {
    case FieldType::kMany2many:
    case FieldType::kOne2many: {
      std::string op = text(run, "update_m2m_operation");
      if (op == "clear")
        return Json::array({Json::array({5})});
      auto id = ref_id(run);
      if (!id) {
        throw common::UserError(
            fmt::format("The action '{}' needs a record to {} (value or resource_ref)",
                        text(run, "name"), op.empty() ? "add" : op));
      }
      if (op == "remove")
        return Json::array({Json::array({3, *id})});
      if (op == "set")
        return Json::array({Json::array({6, 0, Json::array({*id})})});
      return Json::array({Json::array({4, *id})});
    }
    case FieldType::kBoolean:
      return text(run, "update_boolean_value") != "false";
    case FieldType::kMany2one: {
      auto id = ref_id(run);
      return id ? Json(*id) : Json(false);  // [19] 0 or nothing means empty
    }
    case FieldType::kInteger:
      try {
        size_t used = 0;
        long long n = std::stoll(raw, &used);
        if (used == raw.size())
          return n;
      } catch (...) {
      }
      return raw;
    case FieldType::kFloat:
    case FieldType::kMonetary:
      try {
        size_t used = 0;
        double d = std::stod(raw, &used);
        if (used == raw.size())
          return d;
      } catch (...) {
      }
      return raw;
    case FieldType::kHtml:
      return text(run, "html_value");
    case FieldType::kSelection: {
      common::Value sel = field(run, "selection_value");
      if (sel.is_int()) {
        return run.env["ir.model.fields.selection"].browse({sel.as_int()}).get("value").as_string();
      }
      return raw.empty() ? Json(false) : Json(raw);
    }
    default:
      return raw.empty() ? Json(false) : Json(raw);
  }
}

}  // namespace

std::string update_path(const Run& run) {
  std::string path = text(run, "update_path");
  if (!path.empty())
    return path;
  common::Value field_id = field(run, "update_field_id");
  if (!field_id.is_int())
    return "";
  return run.env["ir.model.fields"].browse({field_id.as_int()}).get("name").as_string();
}

orm::RecordSet path_targets(const orm::RecordSet& records, const std::string& path) {
  // Every segment but the last, followed on the records (related() rejects a segment that is
  // not a relational field).
  auto walked = records.env().registry().resolve_path(records.model(), path,
                                                      schema::Registry::OnBadPath::kStop);
  orm::RecordSet targets = records;
  for (size_t i = 0; i + 1 < walked.segments.size(); ++i)
    targets = targets.related(walked.segments[i]);
  return targets;
}

Json run_object_write(const Run& run) {
  std::string path = update_path(run);
  if (path.empty() || run.records.empty())
    return nullptr;  // [19] nothing to do
  orm::RecordSet targets = path_targets(run.env[run.model].browse(run.records), path);
  if (targets.empty())
    return nullptr;
  std::string field_name =
      path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  const schema::Field* target = targets.model().field(field_name);
  if (!target) {
    throw common::UserError(fmt::format("The field '{}' of the path '{}' does not exist on '{}'",
                                        field_name, path, targets.name()));
  }
  std::string type = text(run, "evaluation_type");
  Json value;
  if (type == "ai") {
    queue_ai_updates(run, targets, *target);  // written later, when the model answers
    return nullptr;
  }
  if (type == "equation") {
    script::Context ctx(run.env);
    ctx.model = run.model;
    ctx.records = run.records;
    value = script::eval(text(run, "value"), ctx);
    // Records given for a relation: their ids.
    if (target->type == FieldType::kMany2one && value.is_array()) {
      value = value.empty() ? Json(false) : value[0];
    } else if (target->is_x2many() && value.is_array() &&
               std::all_of(value.begin(), value.end(),
                           [](const Json& j) { return j.is_number_integer(); })) {
      value = Json::array({Json::array({6, 0, value})});
    }
  } else if (type == "sequence") {
    common::Value seq = field(run, "sequence_id");
    if (!seq.is_int()) {
      throw common::UserError(fmt::format("The action '{}' needs a sequence", text(run, "name")));
    }
    value = orm::call_method(run.env, "ir.sequence", "next_by_id", Json::array({seq.as_int()}),
                             Json::object());
  } else {
    value = typed_value(run, *target);
  }
  targets.write(Json{{field_name, value}});
  return nullptr;
}

}  // namespace autorules::actions::internal
