#include "orm/recordset.h"

#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/rows.h"

namespace autorules::orm {

Value field_value_from_json(const schema::Model& model, const schema::Field& field,
                            const Json& json) {
  if (field.is_x2many()) {
    IdList ids;
    if (json.is_array()) {
      for (const Json& j : json) {
        if (j.is_number_integer())
          ids.push_back(j.get<Id>());
      }
    }
    return Value(ids);
  }
  return json_to_value(model, field, json);
}

RecordSet::RecordSet(Env env, std::shared_ptr<const schema::Model> model, IdList ids)
    : env_(std::move(env)), model_(std::move(model)), ids_(std::move(ids)) {}

Id RecordSet::id() const {
  if (ids_.size() != 1) {
    throw common::ValueError(
        fmt::format("Expected singleton: {}({})", model_->name(), fmt::join(ids_, ", ")));
  }
  return ids_[0];
}

RecordSet RecordSet::browse(IdList ids) const {
  return RecordSet(env_, model_, std::move(ids));
}
RecordSet RecordSet::sudo(bool su) const {
  return RecordSet(env_.sudo(su), model_, ids_);
}
RecordSet RecordSet::with_env(const Env& env) const {
  return RecordSet(env, model_, ids_);
}

RecordSet RecordSet::exists() const {
  return browse(existing_ids(env_, *model_, ids_));
}

void RecordSet::ensure_exist() const {
  IdList found = existing_ids(env_, *model_, ids_);
  if (found.size() == std::unordered_set<Id>(ids_.begin(), ids_.end()).size())
    return;
  std::unordered_set<Id> have(found.begin(), found.end());
  std::vector<Id> missing;
  for (Id id : ids_) {
    if (!have.count(id))
      missing.push_back(id);
  }
  throw common::MissingError(
      fmt::format("Record does not exist or has been deleted.\n(Record: {}({},), User: {})",
                  model_->name(), fmt::join(missing, ", "), env_.uid()));
}

Value RecordSet::get(std::string_view field) const {
  const schema::Field* f = model_->field(field);
  if (!f) {
    throw common::ValueError(fmt::format("Invalid field '{}' on model '{}'", field, name()));
  }
  return read_field(env_, *model_, *f, {id()})[0];
}

std::unordered_map<std::string, Value> RecordSet::row() const {
  std::vector<const schema::Field*> columns;
  for (const schema::Field& f : model_->fields()) {
    if (f.has_column())
      columns.push_back(&f);
  }
  Id self = id();
  auto rows = fetch_columns(env_, *model_, columns, {self});
  auto it = rows.find(self);
  if (it == rows.end()) {
    ensure_exist();  // throws Odoo's MissingError
    return {};
  }
  std::unordered_map<std::string, Value> out;
  out.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i)
    out.emplace(columns[i]->name, std::move(it->second[i]));
  return out;
}

std::vector<Value> RecordSet::mapped(std::string_view field) const {
  const schema::Field* f = model_->field(field);
  if (!f) {
    throw common::ValueError(fmt::format("Invalid field '{}' on model '{}'", field, name()));
  }
  return read_field(env_, *model_, *f, ids_);
}

RecordSet RecordSet::related(std::string_view field) const {
  const schema::Field* f = model_->field(field);
  if (!f || !f->is_relational()) {
    throw common::ValueError(
        fmt::format("'{}' is not a relational field of model '{}'", field, name()));
  }
  IdList out;
  std::unordered_set<Id> seen;
  for (const Value& v : read_field(env_, *model_, *f, ids_)) {
    if (v.is_int() && seen.insert(v.as_int()).second)
      out.push_back(v.as_int());
    if (v.is_ids()) {
      for (Id id : v.as_ids()) {
        if (seen.insert(id).second)
          out.push_back(id);
      }
    }
  }
  return env_[f->relation].browse(std::move(out));
}

std::vector<std::string> RecordSet::display_names() const {
  auto names = fetch_display_names(env_, *model_, ids_);
  std::vector<std::string> out;
  for (Id id : ids_)
    out.push_back(names[id]);
  return out;
}

RecordSet RecordSet::operator|(const RecordSet& other) const {
  IdList out = ids_;
  std::unordered_set<Id> seen(ids_.begin(), ids_.end());
  for (Id id : other.ids_) {
    if (seen.insert(id).second)
      out.push_back(id);
  }
  return browse(std::move(out));
}

bool can_read_field(const Env& env, const schema::Field& field) {
  if (field.secret)
    return false;
  return !field.system_only || env.su() || env.uid() == kSuperuserId || env.is_system();
}

void check_field_access(const Env& env, const schema::Model& model, const schema::Field& field) {
  if (field.secret)
    throw common::ValueError(
        fmt::format("Invalid field '{}' on model '{}'", field.name, model.name()));
  if (!can_read_field(env, field)) {
    throw common::AccessError(fmt::format(
        "You do not have enough rights to access the field '{}' of {} ({}): it is for the group "
        "Administration/Settings only.",
        field.name, model.description(), model.name()));
  }
}

bool RecordSet::has_access(Operation op) const {
  if (env_.su() || env_.uid() == kSuperuserId)
    return true;
  if (env_.has_group("base.group_system"))
    return true;
  ModelAccess access = env_.runtime().access(model_->name());
  bool internal = env_.has_group("base.group_user");
  return internal && (access == ModelAccess::kBusiness ||
                      (access == ModelAccess::kConfiguration && op == Operation::kRead));
}

void RecordSet::check_access(Operation op) const {
  if (has_access(op))
    return;
  ModelAccess access = env_.runtime().access(model_->name());
  const char* verb = op == Operation::kRead     ? "access"
                     : op == Operation::kWrite  ? "modify"
                     : op == Operation::kCreate ? "create"
                                                : "delete";
  std::string groups = access == ModelAccess::kBusiness && op != Operation::kRead
                           ? "\t- User types/Internal User\n\t- Administration/Settings"
                       : access == ModelAccess::kBusiness ? "\t- User types/Internal User"
                                                          : "\t- Administration/Settings";
  throw common::AccessError(fmt::format(
      "You are not allowed to {} '{}' ({}) records.\n\nThis operation is allowed for the "
      "following groups:\n{}\n\nContact your administrator to request access if necessary.",
      verb, model_->description(), model_->name(), groups));
}

}  // namespace autorules::orm
