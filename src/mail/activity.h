// Activities (docs/mail.md, "Activities"): things to do on a record of a mail thread, assigned to
// a user, due on a date — Odoo's mail.activity. Scheduling one subscribes the assigned user and
// tells them if someone else assigned it; marking it done posts what was done on the record's
// chatter and archives it (its state becomes "done"); a type that chains triggers the next one.
//
// Errors: common::ValueError for a record that is not a mail thread or an unknown type; the ORM's
// errors otherwise. Thread-safety: as the Env given.
#pragma once

#include <optional>
#include <string>

#include "common/datetime.h"
#include "common/value.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::mail {

struct ActivityValues {
  common::Id activity_type_id = 0;
  std::string act_type_xmlid;  // wins over activity_type_id; neither: mail.mail_activity_data_todo
  std::optional<common::Date> date_deadline;  // none: today in the assigned user's time zone
  std::string summary;                        // none: the type's summary
  std::string note;                           // HTML; none: the type's default note
  common::Id user_id = 0;                     // none: the type's default user, else the caller
};

// Odoo's activity_schedule on each of `records` (the context's mail_activity_automation_skip
// skips it); the activities' ids, automated ones.
common::IdList activity_schedule(const orm::RecordSet& records, const ActivityValues& values);

// Today for the one acting, as Odoo's context_today: in the context's tz, else the current
// user's time zone, else UTC. Deadlines and done dates are counted from it.
common::Date context_today(const orm::Env& env);

// The type's own deadline for a new activity: today in `tz`, plus the type's delay.
common::Date type_deadline(const orm::Env& env, common::Id type_id, const std::string& tz);

// Marks activities done with an optional feedback (Odoo's action_feedback): a message on each
// record (subtype Activities), the activity archived with its feedback and date done, the next
// activity of a chaining type scheduled. Returns the first message's id (0 for none).
common::Id action_feedback(const orm::RecordSet& activities, const std::string& feedback);

// Registers mail.activity's behaviour: its computed state, what creating one does, and the
// JSON-2 methods action_done, action_feedback and (on mail threads) activity_schedule.
void install_activities(orm::Runtime& runtime);

}  // namespace autorules::mail
