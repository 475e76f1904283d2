// The mail thread (docs/mail.md, "The chatter"): what every model flagged as a mail thread has —
// messages, followers and the notifications a message sends them — as Odoo's mail.thread does
// it. Everything here works in the caller's transaction; emails are mail.mail rows that the
// outbox sends after the commit.
//
// Errors: common::ValueError for arguments Odoo refuses (a record that is not a mail thread, not
// exactly one record, an unknown subtype, message type user_notification), common::UserError
// when the sender has no email address, the ORM's AccessError when the caller may not read (or
// write, to subscribe others) the record. Thread-safety: as the Env given.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "common/value.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::mail {

// What message_post is given (Odoo's keyword arguments).
struct Post {
  std::string body;           // plain text, escaped, unless body_is_html
  bool body_is_html = false;  // body is HTML already (an HTML field's value, a template's)
  std::string subject;
  std::string message_type = "notification";  // email, comment, notification, auto_comment
  std::string subtype_xmlid;                  // wins over subtype_id; neither: mail.mt_note
  common::Id subtype_id = 0;
  common::Id author_id = 0;  // with email_from: see docs/mail.md, "Who is the author"
  std::string email_from;
  common::Id parent_id = 0;
  common::IdList partner_ids;  // recipients besides the followers (emailed even on notes)
  common::IdList attachment_ids;
  std::string message_id;  // given for incoming email; generated otherwise
  std::string reply_to;
  bool is_internal = false;
  common::Id mail_activity_type_id = 0;
  std::string incoming_email_to, incoming_email_cc;  // addresses that already have the email
  // Notification options.
  bool notify_author = false;          // the author gets a copy too
  bool notify_author_mention = false;  // ... when listed in partner_ids
  bool notify_skip_followers = false;  // partner_ids only
  bool mail_auto_delete = true;        // sent notification emails are deleted
  common::Id mail_server_id = 0;       // the ir.mail_server of the emails (0: chosen per sender)
};

// Whether records of `model` have a chatter.
bool is_thread(const schema::Model& model);

// Posts a message on one record of a mail thread: creates it, subscribes as Odoo does (the
// context's mail_post_autofollow, the internal author), notifies the followers of its subtype and
// `partner_ids` (an inbox notification or an email each), then calls the post listeners. Returns
// the mail.message id.
common::Id message_post(const orm::RecordSet& record, const Post& post);

// Odoo's message_notify: a message only `partner_ids` get (type user_notification, internal, the
// Note subtype), e.g. "assigned to you"; on `record` when given (may be empty). Returns its id;
// 0 when there is nobody to notify.
common::Id message_notify(const orm::RecordSet& record, const common::IdList& partner_ids,
                          const std::string& subject, const std::string& body_html);

// Subscribes partners to records (docs/mail.md, "Followers"): new followers get `subtype_ids`,
// or the default subtypes of the model (share partners: the non-internal ones only); existing
// followers keep theirs unless `subtype_ids` is given, which replaces them. Inactive partners
// are left out. Subscribing only oneself needs read access to the records, others write access.
void message_subscribe(const orm::RecordSet& records, const common::IdList& partner_ids,
                       const std::optional<common::IdList>& subtype_ids = std::nullopt);
void message_unsubscribe(const orm::RecordSet& records, const common::IdList& partner_ids);

// The partner of the Env's user (0 when it has none).
common::Id user_partner(const orm::Env& env);
// Whether the partner is an employee: it has an active internal (not share) user, or it is
// OdooBot, the superuser's partner.
bool is_internal_partner(const orm::Env& env, common::Id partner_id);
// The employees among `partner_ids` (is_internal_partner), found with one search.
std::set<common::Id> internal_partners(const orm::Env& env, const common::IdList& partner_ids);

// A context key (the server's own: clients cannot send it) under which a posted message fires no
// email trigger: an incoming mail sent by a program (an auto-reply), so that two automatic
// senders cannot answer each other for ever.
inline constexpr const char* kNoTriggerContextKey = "__mail_no_trigger";

// Called after every message_post, in its transaction, with the posted message (the automation
// layer's email triggers). Registered at start-up.
using PostListener = std::function<void(const orm::RecordSet& record, common::Id message_id)>;
void add_post_listener(orm::Runtime& runtime, PostListener listener);

}  // namespace autorules::mail
