// POST /sms/twilio/status/<provider id>?ref=<sms uuid> (docs/sms.md, "Delivery reports"):
// Twilio's status callback for a text message sent through that provider, a form POST signed
// with X-Twilio-Signature (checked against the provider's auth token). No login: the signature
// is the credential. Answers 204 (applied, or about no message of ours), 403 for a missing or
// wrong signature, 404 for an unknown provider, 400 for a report that is not one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/json2.h"
#include "orm/runtime.h"

namespace autorules::api {

struct SmsStatusRequest {
  std::string provider;           // the path's last segment, as sent
  std::string target;             // the request's target (path and query), as sent
  std::vector<std::string> urls;  // the URLs the request's Host and scheme say it was sent to
  std::vector<std::pair<std::string, std::string>> form, query;
  std::string signature;
};

Response handle_sms_status(orm::Runtime& runtime, const SmsStatusRequest& request);

}  // namespace autorules::api
