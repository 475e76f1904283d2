// The SMS providers' wire formats (docs/sms.md, "Providers"): the request each provider's API
// takes for one message, what its answers mean, and Twilio's request signature. Pure functions
// but for the provider lookups, which read the sms.provider table in the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/value.h"
#include "orm/env.h"
#include "outbox/outbox.h"

namespace autorules::mail::internal {

// One sms.provider record, secrets included (read from the table: the API never shows them).
struct SmsProvider {
  common::Id id = 0;
  std::string name;
  std::string kind;  // "twilio" or "webhook"
  std::string api_url;
  std::string account_sid, auth_token, from;  // Twilio
  std::string api_token;                      // the JSON webhook's bearer token
};

// The active provider used to send (the first by sequence, then id); nullopt when there is none.
std::optional<SmsProvider> active_sms_provider(const orm::Env& env);
// Any provider by id (a status callback names the one that sent), active or not.
std::optional<SmsProvider> sms_provider(const orm::Env& env, common::Id id);

// Why `p` cannot send (a setting missing or malformed), or nullopt.
std::optional<std::string> sms_provider_problem(const SmsProvider& p);

// The outbox message (kind "sms") that sends `body` to `number` (E.164) through `p`:
//  - Twilio: a form POST of To, From (or MessagingServiceSid for an MG... sender), Body and,
//    when given, StatusCallback to {api_url}/2010-04-01/Accounts/{sid}/Messages.json, with basic
//    authentication and the idempotency key in I-Twilio-Idempotency-Token;
//  - JSON webhook: {"to", "body", "reference"} POSTed to api_url, with "Authorization: Bearer"
//    when a token is set.
// `reference` is the sms.sms's uuid.
outbox::Message sms_request(const SmsProvider& p, const std::string& number,
                            const std::string& body, const std::string& reference,
                            const std::string& status_callback);

// The provider's id of a message it accepted, from its answer: Twilio's "sid", the JSON webhook's
// "id" (or "message_id"); empty when the answer has none (a printable ASCII string of at most 128
// bytes, else ignored: the answer is untrusted).
std::string sms_message_id(std::string_view response);

// Why a provider refused a message for good: an sms.sms failure_type and a reason for people,
// from the HTTP status and the answer (Twilio's {"code", "message"}).
struct SmsFailure {
  std::string type;
  std::string reason;
};
SmsFailure sms_failure(long status, std::string_view error, std::string_view response);

// The failure type of a Twilio delivery report's ErrorCode (undelivered or failed messages).
std::string twilio_error_type(std::string_view error_code);

// Twilio's X-Twilio-Signature of a form POST to `url`: base64(HMAC-SHA1(auth token, the URL
// followed by each parameter's name and value, sorted by name)).
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             std::vector<std::pair<std::string, std::string>> params);

}  // namespace autorules::mail::internal
