// /whatsapp/webhook (docs/whatsapp.md, "The webhook"): what Meta calls for the WhatsApp
// accounts. GET is the verification handshake (hub.mode=subscribe, hub.verify_token,
// hub.challenge: the challenge is answered as text when the token is an active account's, else
// 403); POST carries status updates and incoming messages, signed with X-Hub-Signature-256 (a
// wrong or missing signature is 403 and changes nothing). No login: the verify token and the app
// secret are the credentials.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/json2.h"
#include "orm/runtime.h"

namespace autorules::api {

// GET: the status and the body (the challenge as text/plain, or a JSON error).
Response handle_whatsapp_verify(orm::Runtime& runtime,
                                const std::vector<std::pair<std::string, std::string>>& query);
// POST.
Response handle_whatsapp_webhook(orm::Runtime& runtime, const std::string& body,
                                 const std::string& signature);

}  // namespace autorules::api
