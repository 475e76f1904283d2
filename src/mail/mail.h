// Mail threads (docs/mail.md): chatter messages, followers, activities, templates, outgoing email
// through the outbox, incoming email.
#pragma once

#include "orm/runtime.h"

namespace autorules::mail {

// Registers the mail models' behaviour on the runtime.
void install(orm::Runtime& runtime);

}  // namespace autorules::mail
