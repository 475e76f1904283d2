// Emails from mail.template records (docs/mail.md, "Templates"): a template rendered for a record,
// sent as an email (a mail.mail queued in the outbox) or posted on the record's chatter — what
// the "Send Email" action and mail.template's send_mail do.
//
// Errors: a template that does not render is a common::UserError naming the template (and
// nothing is sent or posted: the caller's transaction fails, as in Odoo); a template of another
// model than the record's is a common::ValueError. Thread-safety: as the Env given.
#pragma once

#include <string>

#include "common/value.h"
#include "orm/recordset.h"

namespace autorules::mail {

// A template's fields rendered for one record.
struct Rendered {
  std::string subject, body_html, email_from, email_to, email_cc, reply_to;
  common::IdList partner_ids;  // partner_to: the existing partners it names
  common::IdList attachment_ids;
  common::Id mail_server_id = 0;
  bool auto_delete = true;
};
Rendered render(const orm::RecordSet& tmpl, const orm::RecordSet& record);

// Odoo's send_mail: renders the template for the record and queues one mail.mail (to email_to,
// email_cc and the partners of partner_to); its id. An empty From falls back to the current
// user's address.
common::Id send_mail(const orm::RecordSet& tmpl, const orm::RecordSet& record);

// Posts the rendered template on the record (a mail thread) as a message of `message_type` with
// the subtype `subtype_xmlid`; the partners of partner_to are recipients (and followers with the
// context's mail_post_autofollow). Its message id.
common::Id post_template(const orm::RecordSet& tmpl, const orm::RecordSet& record,
                         const std::string& subtype_xmlid, const std::string& message_type);

}  // namespace autorules::mail
