// How mail.mail reaches the outbox, and the delivery outcomes written back onto the mail and its
// notifications.
#pragma once

#include "orm/runtime.h"

namespace autorules::mail::internal {

// Registers the outbox handler that writes each email's delivery onto its mail.mail (sent and
// deleted when auto_delete, still outgoing with the last error while retried, exception with the
// server's answer when refused for good) and onto its notifications.
void follow_delivery(orm::Runtime& runtime);

}  // namespace autorules::mail::internal
