// Mail's built-in records, made once under their xml ids (noupdate: an administrator's changes
// are kept): the message subtypes mail.mt_comment ("Discussions"), mail.mt_note ("Note",
// internal) and mail.mt_activities ("Activities", internal), and the activity types Email,
// Call, Meeting, To-Do, Upload Document (mail.mail_activity_data_*) and the archived Exception.
#pragma once

#include "orm/env.h"

namespace autorules::mail::internal {

// Idempotent; runs at every start (a runtime initializer).
void ensure_data(const orm::Env& env);

}  // namespace autorules::mail::internal
