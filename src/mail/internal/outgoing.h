// The notifications of a posted message (docs/mail.md, "Who is notified"): who gets it, an inbox
// notification or an email each; and the outgoing emails (mail.mail), queued in the outbox.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "mail/internal/servers.h"
#include "mail/mime.h"
#include "orm/recordset.h"

namespace autorules::mail::internal {

struct Notification {
  orm::RecordSet record;  // the one record the message is on
  common::Id message_id = 0;
  common::Id subtype_id = 0;
  common::Id author_partner_id = 0;
  std::string email_from;
  common::IdList partner_ids;
  bool skip_followers = false;
  bool notify_author = false;
  bool notify_author_mention = false;
  bool auto_delete = true;
  common::Id mail_server_id = 0;  // 0: chosen per sender
  std::string incoming;           // addresses that already have the message (comma-separated)
};

// Notifies the followers of the message's subtype (without the share partners when the subtype
// is internal) and `partner_ids`, never the author unless asked, never inactive partners:
// partners whose user handles notifications in autorules get an inbox notification; the others
// an email (a mail.mail each, queued with queue_mail), with an email notification that follows
// its delivery.
void notify(const Notification& n);

// Queues the mail.mail `mail_id` (state outgoing) in the outbox, in the Env's transaction: its
// MIME message built now, sent after the commit through the mail server chosen for its sender.
// A mail that cannot be sent (no recipient address, no mail server) is set to exception with the
// reason instead.
void queue_mail(const orm::Env& env, common::Id mail_id);

// What queue_mail reads of a mail.mail: its fields, its recipients' names and addresses, its
// attachments' ids.
struct MailFields {
  std::string email_from, email_to, email_cc, reply_to, subject, body_html, message_id, references,
      headers;
  std::vector<Address> partners;  // recipient_ids, as written on the partners (not yet parsed)
  common::IdList attachment_ids;
  common::Id mail_server_id = 0;
};

// The server a mail's sender goes through (choose_server), once for many mails.
using ChosenServer = std::optional<std::optional<SmtpServer>>;

// queue_mail for a mail.mail just created with `fields`, which the caller has in hand (the
// notifications of one message): nothing read back. `chosen` keeps the server chosen for the
// first mail, for the next ones of the same sender and server.
void queue_mail(const orm::Env& env, common::Id mail_id, const MailFields& fields,
                ChosenServer& chosen);

}  // namespace autorules::mail::internal
