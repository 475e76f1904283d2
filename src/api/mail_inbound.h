// POST /mail/inbound (docs/mail.md, "Incoming email"): one raw RFC 822 message as the body, from
// an administrator's API key (a mail server's hook, a relay), processed as `autorules mailgate`
// does. Answers 200 with {"result": "posted"|"duplicate"|"bounce", "model", "res_id",
// "message_id"}; 404 for a message with no route (no known thread, no alias), 429 for a mail loop,
// 400 for bytes that are not a message, 413 past the size limit, 503 when the database stays
// busy (the caller retries later), 401/403 for a missing key or a user who is not an
// administrator.
#pragma once

#include <string>

#include "api/json2.h"
#include "orm/runtime.h"

namespace autorules::api {

Response handle_mail_inbound(orm::Runtime& runtime, const std::string& authorization,
                             const std::string& body);

}  // namespace autorules::api
