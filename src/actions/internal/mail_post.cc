// "Send Email" (docs/automation.md): the action's template rendered for each record and sent as
// an email (method "email", nobody subscribed, nothing on the chatter) or posted on the record's
// chatter as a message ("comment": followers notified) or a note ("note"), as an automated
// message (auto_comment), the recipients subscribed when "Subscribe Recipients" is set, never
// the author.
#include "actions/internal/types.h"
#include "mail/compose.h"

namespace autorules::actions::internal {

using common::Id;
using common::Json;

Json run_mail_post(const Run& run) {
  common::Value template_id = field(run, "template_id");
  if (!template_id.is_int() || run.records.empty())
    return nullptr;
  orm::RecordSet tmpl = run.env["mail.template"].browse({template_id.as_int()}).exists();
  if (tmpl.empty())
    return nullptr;
  std::string method = text(run, "mail_post_method");
  if (method == "email") {
    for (Id rid : run.records)
      mail::send_mail(tmpl, run.env[run.model].browse({rid}));
    return nullptr;
  }
  bool autofollow = field(run, "mail_post_autofollow").truthy();
  orm::Env env = run.env.with_context_update(
      Json{{"mail_post_autofollow", autofollow}, {"mail_post_autofollow_author_skip", true}});
  const char* subtype = method == "note" ? "mail.mt_note" : "mail.mt_comment";
  for (Id rid : run.records)
    mail::post_template(tmpl, env[run.model].browse({rid}), subtype, "auto_comment");
  return nullptr;
}

}  // namespace autorules::actions::internal
