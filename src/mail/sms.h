// Text messages (docs/sms.md): an sms.template rendered for records and sent to their phone
// numbers through the configured provider (sms.provider: the Twilio Messages API or a JSON
// webhook), each message an sms.sms row queued in the outbox after the commit; the providers'
// answers and delivery reports move it from outgoing to sent, delivered or error.
//
// Errors: a template that does not render is a common::UserError naming it (nothing is sent or
// posted: the caller's transaction fails, as for email templates); a template of another model
// than the records' is a common::ValueError. A record without a usable number, or no provider,
// is not an error: its sms.sms is created in state error with the reason. Thread-safety: as the
// Env given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/value.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::mail {

// The "Send SMS As" choices (ir.actions.server's sms_method).
enum class SmsMethod {
  kSms,      // "sms": the text message only
  kComment,  // "comment": the text message, and the text on the record's chatter as an SMS note
  kNote,     // "note": only a note on the chatter, nothing sent
};
std::optional<SmsMethod> parse_sms_method(std::string_view text);

// The longest text message sent, in characters (Twilio's limit: ten segments).
inline constexpr std::size_t kMaxSmsLength = 1600;

// Renders the template's body for each record and sends it as `method` says; the sms.sms ids
// created (none for kNote). The number is the record's mobile, else its phone, else its partner's
// (partner_id, or the record itself for a contact), read in the record's country (country_id),
// else its partner's, else the company's, and sent in E.164.
common::IdList send_sms_template(const orm::RecordSet& tmpl, const orm::RecordSet& records,
                                 SmsMethod method);

// The path of a provider's status callback, and its full URL (web.base.url's) for an sms.sms of
// that uuid: what is given to Twilio as StatusCallback.
std::string sms_status_path(common::Id provider_id);
std::string sms_status_url(const orm::Env& env, common::Id provider_id, std::string_view uuid);

// A delivery report as Twilio sends it (a form POST to the status callback), as received.
struct SmsStatusReport {
  common::Id provider_id = 0;
  // The request's target as sent (path and query): Twilio signs the URL it called, which is
  // web.base.url followed by it (the URL autorules gave), or `urls` (as the request's Host and
  // scheme say, behind a proxy that rewrites them).
  std::string target;
  std::vector<std::string> urls;
  std::vector<std::pair<std::string, std::string>> form;   // the body's: signed
  std::vector<std::pair<std::string, std::string>> query;  // the URL's (ref: the sms.sms uuid)
  std::string signature;                                   // X-Twilio-Signature
};
// Checks the signature with the provider's auth token and applies the report (MessageStatus,
// ErrorCode) to its sms.sms: sent, delivered or error, never back to an earlier state. The HTTP
// status to answer: 204 applied (or about an unknown message: nothing to do), 403 for a missing or
// wrong signature, 404 for an unknown provider or one that is not Twilio's, 400 for a report
// without MessageSid or MessageStatus. Opens its own transaction.
int apply_twilio_status(orm::Runtime& runtime, const SmsStatusReport& report);

// Registers what text messages need: access rights, the outbox's "sms" outcome handler, the
// templates' check of their model.
void install_sms(orm::Runtime& runtime);

}  // namespace autorules::mail
