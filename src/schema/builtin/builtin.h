// Built-in model definitions, one function per app area. builtin_registry() (builtin.cc) calls
// them in order; a new area is a new file with one function, added to that list.
#pragma once

#include "schema/registry.h"

namespace autorules::schema::builtin {

void add_base_models(Registry& r);
void add_sequence_models(Registry& r);
void add_action_models(Registry& r);
void add_automation_models(Registry& r);  // after the actions
void add_cron_models(Registry& r);
void add_outbox_models(Registry& r);
void add_attachment_models(Registry& r);
void add_mail_models(Registry& r);      // after the base models and attachments
void add_sms_models(Registry& r);       // after mail
void add_whatsapp_models(Registry& r);  // after mail
void add_ai_models(Registry& r);        // after the actions

}  // namespace autorules::schema::builtin
