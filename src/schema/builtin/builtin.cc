#include "schema/builtin/builtin.h"

namespace autorules::schema {

Registry builtin_registry() {
  Registry r;
  builtin::add_base_models(r);
  builtin::add_sequence_models(r);
  builtin::add_action_models(r);
  builtin::add_automation_models(r);
  builtin::add_cron_models(r);
  builtin::add_outbox_models(r);
  builtin::add_attachment_models(r);
  builtin::add_mail_models(r);
  builtin::add_sms_models(r);
  builtin::add_whatsapp_models(r);
  builtin::add_ai_models(r);
  // Every model gets its magic fields, built-in ones included.
  for (const Model* m : r.models()) {
    Model copy = *m;
    copy.add_magic_fields();
    r.put(std::move(copy));
  }
  return r;
}

}  // namespace autorules::schema
