// "Create Activity" (docs/automation.md): one activity per record, of the action's type, with
// its title (else the type's summary) and note, due in N days, weeks or months from today in the
// user's time zone (else the activity's own default), assigned to a specific user or to the user
// a dotted path gives on the record (the first one of a many-valued field; without a path, Odoo's
// default: user_id, else the model's first field by name to users); without one, the
// type's default user, else the current user. As in Odoo, a user found for an earlier record is
// kept for a later record whose path gives none.
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "common/errors.h"
#include "mail/activity.h"

namespace autorules::actions::internal {

using common::Id;
using common::Json;

std::string activity_user_path(const Run& run) {
  std::string path = text(run, "activity_user_field_name");
  if (!path.empty())
    return path;
  // Odoo fills the field when "Dynamic User" is chosen: user_id if it is a field to users, else
  // the first such field by name (ir.model.fields' order).
  const schema::Model* model = run.env.registry().find(run.model);
  if (!model)
    return "user_id";
  const schema::Field* preferred = model->field("user_id");
  if (preferred && preferred->is_relational() && preferred->relation == "res.users")
    return "user_id";
  std::string first;
  for (const schema::Field& f : model->fields()) {
    if (f.is_relational() && f.relation == "res.users" && (first.empty() || f.name < first))
      first = f.name;
  }
  return first.empty() ? std::string("user_id") : first;
}

Json run_next_activity(const Run& run) {
  common::Value type = field(run, "activity_type_id");
  if (!type.is_int() || run.records.empty())
    return nullptr;
  mail::ActivityValues values;
  values.activity_type_id = type.as_int();
  values.summary = text(run, "activity_summary");
  values.note = text(run, "activity_note");
  common::Value range = field(run, "activity_date_deadline_range");
  std::int64_t count = range.is_int() ? range.as_int() : 0;
  if (count > 0) {
    common::Date today = mail::context_today(run.env);
    std::string unit = text(run, "activity_date_deadline_range_type");
    values.date_deadline = unit == "weeks"    ? common::add_days(today, count * 7)
                           : unit == "months" ? common::add_months(today, count)
                                              : common::add_days(today, count);
  }
  bool dynamic = text(run, "activity_user_type") == "generic";
  if (!dynamic) {
    common::Value user = field(run, "activity_user_id");
    values.user_id = user.is_int() ? user.as_int() : 0;
  }
  std::string path = activity_user_path(run);
  for (Id rid : run.records) {
    orm::RecordSet record = run.env[run.model].browse({rid});
    if (dynamic) {
      auto walked = record.env().registry().resolve_path(record.model(), path,
                                                         schema::Registry::OnBadPath::kStop);
      orm::RecordSet users = record;
      for (std::string_view segment : walked.segments)
        users = users.related(segment);
      if (users.name() != "res.users")
        throw common::UserError(fmt::format("The field '{}' is not a user field.", path));
      if (!users.empty())
        values.user_id = users.ids().front();
    }
    mail::activity_schedule(record, values);
  }
  return nullptr;
}

}  // namespace autorules::actions::internal
