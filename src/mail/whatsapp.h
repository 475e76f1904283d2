// WhatsApp (docs/whatsapp.md): an approved whatsapp.template sent to records' numbers through
// Meta's WhatsApp Cloud API (a whatsapp.account), each message a whatsapp.message row queued in
// the outbox after the commit and logged on the record's chatter; Meta's webhook moves it to
// sent, delivered, read or failed, and brings the customers' answers back to the record they are
// about, where they fire "on incoming message" rules.
//
// Errors: a template whose free-text variable does not render is a common::UserError naming it
// (nothing is sent or posted); a template of another model than the records' is a
// common::ValueError. A record without a usable number, no account, or a variable without a value
// is not an error: its whatsapp.message is created in state error with the reason.
// Thread-safety: as the Env given; the webhook functions open their own transactions.
#pragma once

#include <optional>
#include <string>

#include "common/value.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::mail {

// Renders the template for each record (its variables: fields of the record, or inline
// templates) and sends it; the whatsapp.message ids created, one per record.
common::IdList send_whatsapp_template(const orm::RecordSet& tmpl, const orm::RecordSet& records);

// Meta's verification of the webhook (GET with hub.mode, hub.verify_token, hub.challenge): the
// challenge to answer when the mode is "subscribe" and the token is an active account's verify
// token; nullopt otherwise (403).
std::optional<std::string> verify_whatsapp_webhook(orm::Runtime& runtime, const std::string& mode,
                                                   const std::string& token,
                                                   const std::string& challenge);

// A webhook call (POST): checks X-Hub-Signature-256 against the active accounts' app secrets,
// then applies the status updates to the messages of the account it authenticates and posts the
// incoming messages that answer one of its messages on that message's record. The HTTP status to
// answer: 200 (applied, or nothing of ours), 403 for a missing or wrong signature (nothing
// changes), 400 for a signed body that is not a webhook payload.
int apply_whatsapp_webhook(orm::Runtime& runtime, const std::string& body,
                           const std::string& signature);

// Registers what WhatsApp needs: access rights and the outbox's "whatsapp" outcome handler.
void install_whatsapp(orm::Runtime& runtime);

}  // namespace autorules::mail
