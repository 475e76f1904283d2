// "Send SMS" (docs/automation.md): the action's SMS template rendered for each record and sent
// as a text message (method "sms"), sent and also logged on the chatter ("comment"), or only
// logged as a note ("note") — mail/sms.h does the work.
#include "mail/sms.h"

#include "actions/internal/types.h"

namespace autorules::actions::internal {

common::Json run_sms(const Run& run) {
  common::Value template_id = field(run, "sms_template_id");
  if (!template_id.is_int() || run.records.empty())
    return nullptr;
  orm::RecordSet tmpl = run.env["sms.template"].browse({template_id.as_int()}).exists();
  if (tmpl.empty())
    return nullptr;
  mail::SmsMethod method =
      mail::parse_sms_method(text(run, "sms_method")).value_or(mail::SmsMethod::kSms);
  mail::send_sms_template(tmpl, run.env[run.model].browse(run.records), method);
  return nullptr;
}

}  // namespace autorules::actions::internal
