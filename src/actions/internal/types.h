// What each action type's runner receives, and the runners (one file each).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/json.h"
#include "orm/methods.h"
#include "orm/recordset.h"

namespace autorules::actions::internal {

// One action about to run: the action record (superuser), the Env user code and writes use
// (superuser mode, the caller's uid and context), and the records it runs on.
struct Run {
  orm::RecordSet action;  // one ir.actions.server record, read in superuser mode
  // Its column values, read once (shared by the per-record runs of one action).
  std::shared_ptr<const std::unordered_map<std::string, common::Value>> values;
  orm::Env env;            // superuser mode; uid and context are the caller's
  std::string model;       // the action's model
  common::IdList records;  // the active records of that model (may be empty)
};

// The value of one of the action's fields.
common::Value field(const Run& run, const char* name);
std::string text(const Run& run, const char* name);

// Runners: the client action they return, or null.
common::Json run_code(const Run& run);              // code.cc: once, on all the records
common::Json run_object_write(const Run& run);      // object_write.cc: on one record
common::Json run_object_create(const Run& run);     // object_create.cc
common::Json run_object_copy(const Run& run);       // object_copy.cc
common::Json run_multi(const Run& run);             // multi.cc: once, on all the records
common::Json run_webhook(const Run& run);           // webhook.cc: queued in the outbox
common::Json run_mail_post(const Run& run);         // mail_post.cc: once, on all the records
common::Json run_followers(const Run& run);         // followers.cc: once, on all the records
common::Json run_remove_followers(const Run& run);  // followers.cc
common::Json run_next_activity(const Run& run);     // next_activity.cc: once, on all the records
common::Json run_sms(const Run& run);               // sms.cc: once, on all the records
common::Json run_whatsapp(const Run& run);          // whatsapp.cc: once, on all the records
// The dotted paths of the dynamic followers and activity user, with their defaults.
std::string followers_path(const Run& run);
std::string activity_user_path(const Run& run);
// The webhook's payload for one record (docs/automation.md, "Send Webhook Notification").
common::Json webhook_payload(const Run& run, const orm::RecordSet& record);

// The types of ir.actions.server's `state`; kOther stands for any other text.
enum class Type {
  kObjectWrite,
  kObjectCreate,
  kObjectCopy,
  kCode,
  kWebhook,
  kMulti,
  kMailPost,
  kFollowers,
  kRemoveFollowers,
  kNextActivity,
  kSms,
  kWhatsapp,
  kOther,
};

// One row of the table of action types (run.cc), the one place that says what each type does.
struct TypeInfo {
  Type type;
  std::string_view state;  // its text in `state`, and its name in run_counts()
  // Its runner, or nullptr for a type this build does not run (refused at save, check.cc).
  common::Json (*runner)(const Run& run);
  // Called once with all the records (Odoo's *_multi runners), not once per record.
  bool once_per_batch;

  bool available() const { return runner != nullptr; }
};

// The row of `state`, parsed where an action is loaded (the kOther row for any other text).
const TypeInfo& type_of(std::string_view state);

// The message of a type this build does not run (check.cc).
std::string type_not_available(const orm::RecordSet& action, const std::string& state,
                               const std::string& name);

// Ties a record an action created to the action's records through link_field_id (link.cc).
void link_created(const Run& run, common::Id created);

// Update Record's field path (update_path, else update_field_id's name) and the records its
// relational part leads to from `records`.
std::string update_path(const Run& run);
orm::RecordSet path_targets(const orm::RecordSet& records, const std::string& path);

}  // namespace autorules::actions::internal
