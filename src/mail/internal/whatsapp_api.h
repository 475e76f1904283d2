// Meta's WhatsApp Cloud API (docs/whatsapp.md): the request that sends an approved template, what
// its answers mean, the webhook's X-Hub-Signature-256, and the webhook's payload (status updates
// and incoming messages) read into plain structures. Pure functions but for the account lookups,
// which read the whatsapp.account table in the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.h"
#include "orm/env.h"
#include "outbox/outbox.h"

namespace autorules::mail::internal {

// One whatsapp.account record, secrets included (read from the table: the API never shows them).
struct WhatsappAccount {
  common::Id id = 0;
  std::string name;
  std::string phone_uid;  // the Phone Number ID messages are sent from
  std::string app_secret, token, verify_token;
  std::string api_url, api_version;
};

std::optional<WhatsappAccount> whatsapp_account(const orm::Env& env, common::Id id);
// The active accounts, by id.
std::vector<WhatsappAccount> active_whatsapp_accounts(const orm::Env& env);

// Why `a` cannot send (a setting missing or malformed), or nullopt.
std::optional<std::string> whatsapp_account_problem(const WhatsappAccount& a);

// The outbox message (kind "whatsapp") that sends the approved template `name` in `language` to
// `number` (E.164), its body's parameters in order ({{1}}, {{2}}, ...):
// POST {api_url}/{api_version}/{phone_uid}/messages with the account's bearer token and
// {"messaging_product": "whatsapp", "recipient_type": "individual", "to": <digits>,
//  "type": "template", "template": {"name", "language": {"code"}, "components": [{"type":
//  "body", "parameters": [{"type": "text", "text"}...]}]}}.
outbox::Message whatsapp_request(const WhatsappAccount& a, const std::string& number,
                                 const std::string& name, const std::string& language,
                                 const std::vector<std::string>& parameters);

// A template parameter as Meta takes it: line breaks and tabs as spaces, no run of more than four
// spaces (Meta refuses those, error 132018), trimmed, at most 1,024 characters (cut on a code
// point).
std::string whatsapp_parameter(std::string_view text);

// Meta's id of a message it accepted ("wamid...."), from its answer; empty when there is none
// (a printable ASCII string of at most 256 bytes, else ignored: the answer is untrusted).
std::string whatsapp_message_id(std::string_view response);

// Why Meta refused a message for good: a whatsapp.message failure_type and a reason, from the
// HTTP status and the answer's {"error": {"code", "message"}}.
struct WhatsappFailure {
  std::string type;
  std::string reason;
};
WhatsappFailure whatsapp_failure(long status, std::string_view error, std::string_view response);
// The failure type of one of Meta's error codes (in answers and in failed statuses).
std::string whatsapp_error_type(long long code);

// X-Hub-Signature-256 of a webhook call: "sha256=" and the lower-case hex HMAC-SHA256 of the
// raw body keyed with the app secret.
std::string whatsapp_signature(std::string_view app_secret, std::string_view body);

// What a webhook call reports, for one phone number.
struct WhatsappStatus {
  std::string phone_number_id;
  std::string id;      // our message's wamid
  std::string status;  // sent, delivered, read, failed
  long long error_code = 0;
  std::string error_title;
};
struct WhatsappIncoming {
  std::string phone_number_id;
  std::string from;        // the sender's number, digits as Meta gives them
  std::string id;          // its wamid
  std::string context_id;  // the wamid of the message it answers, if any
  std::string type;        // text, button, image, ...
  std::string text;        // the text (text.body, button.text), else empty
  std::string profile_name;
};
struct WhatsappEvents {
  std::vector<WhatsappStatus> statuses;
  std::vector<WhatsappIncoming> messages;
};
// The events of a webhook body (object "whatsapp_business_account"); nullopt when the body is not
// such a payload. Strings are kept as they come (bounded by the body's size); what is not a
// string where one is expected is left out.
std::optional<WhatsappEvents> parse_whatsapp_webhook(std::string_view body);

}  // namespace autorules::mail::internal
