#include "mail/internal/data.h"

#include "orm/xmlid.h"

namespace autorules::mail::internal {

using common::Json;

void ensure_data(const orm::Env& env) {
  struct Subtype {
    const char* xmlid;
    const char* name;
    bool internal;
    bool is_default;
    int sequence;
  };
  // Discussions are followed by default and emailed to every follower; notes and activities are
  // internal (employees only) and followed by nobody by default.
  static constexpr Subtype kSubtypes[] = {
      {"mt_comment", "Discussions", false, true, 0},
      {"mt_note", "Note", true, false, 100},
      {"mt_activities", "Activities", true, false, 90},
  };
  for (const Subtype& s : kSubtypes) {
    orm::ensure_xmlid_record(env, "mail", s.xmlid, "mail.message.subtype",
                             Json{{"name", s.name},
                                  {"internal", s.internal},
                                  {"default", s.is_default},
                                  {"sequence", s.sequence}});
  }

  struct ActivityType {
    const char* xmlid;
    const char* name;
    const char* icon;
    const char* category;
    int delay_count;
    int sequence;
    bool active;
    const char* decoration;
  };
  static constexpr ActivityType kActivityTypes[] = {
      {"mail_activity_data_email", "Email", "fa-envelope", "default", 0, 3, true, nullptr},
      {"mail_activity_data_call", "Call", "fa-phone", "phonecall", 2, 6, true, nullptr},
      {"mail_activity_data_meeting", "Meeting", "fa-users", "default", 0, 9, true, nullptr},
      {"mail_activity_data_todo", "To-Do", "fa-check", "default", 5, 12, true, nullptr},
      {"mail_activity_data_upload_document", "Upload Document", "fa-upload", "upload_file", 5, 25,
       true, nullptr},
      {"mail_activity_data_warning", "Exception", "fa-warning", "default", 0, 99, false, "warning"},
  };
  for (const ActivityType& t : kActivityTypes) {
    Json vals{{"name", t.name},         {"icon", t.icon},
              {"category", t.category}, {"delay_count", t.delay_count},
              {"delay_unit", "days"},   {"sequence", t.sequence},
              {"active", t.active}};
    if (t.decoration)
      vals["decoration_type"] = t.decoration;
    orm::ensure_xmlid_record(env, "mail", t.xmlid, "mail.activity.type", vals);
  }
}

}  // namespace autorules::mail::internal
