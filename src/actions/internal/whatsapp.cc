// "Send WhatsApp" (docs/automation.md): the action's approved WhatsApp template sent to each
// record's number through Meta's Cloud API, and logged on its chatter — mail/whatsapp.h does the
// work.
#include "mail/whatsapp.h"

#include "actions/internal/types.h"

namespace autorules::actions::internal {

common::Json run_whatsapp(const Run& run) {
  common::Value template_id = field(run, "wa_template_id");
  if (!template_id.is_int() || run.records.empty())
    return nullptr;
  orm::RecordSet tmpl = run.env["whatsapp.template"].browse({template_id.as_int()}).exists();
  if (tmpl.empty())
    return nullptr;
  mail::send_whatsapp_template(tmpl, run.env[run.model].browse(run.records));
  return nullptr;
}

}  // namespace autorules::actions::internal
