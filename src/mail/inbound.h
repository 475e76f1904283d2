// Incoming email (docs/mail.md, "Incoming email"): one RFC 822 message — from `autorules
// mailgate` (a mail server's pipe) or POST /mail/inbound — parsed, routed to a record and posted
// on its chatter as a message of type email, which fires the record's "on incoming message"
// rules.
//
// Routing, in order: a bounce (a delivery report) marks the notification of the message it
// reports on and posts nothing; a reply (In-Reply-To, else the newest of References, matching a
// message's Message-Id) goes to that message's record; a message to an alias
// (<alias_name>@<mail.catchall.domain>, among To, Cc and Delivered-To) creates a record of the
// alias's model (its name field set to the subject, alias_defaults applied) or goes to the
// alias's record (alias_force_thread_id); anything else is refused (Result::kNoRoute), never
// dropped silently.
//
// Loops: a message whose Message-Id is already known (delivered twice, or one of our own coming
// back) is taken without posting again; a message marked as automatic (Auto-Submitted other than
// "no", Precedence bulk/junk/list, X-Autoreply) is posted but fires no rule; and a sender who
// posted more than mail.gateway.loop.threshold (20) messages on one record within
// mail.gateway.loop.minutes (120) is refused.
//
// Errors: common::UserError for bytes that are not a message or exceed the limits (parse_mime's:
// the sender's fault); the ORM's conflict (the database busy) propagates, for the caller to retry
// or to answer "try later". Anything thrown once the message is parsed (a rule's action that
// fails on the post) is the receiver's problem, not the sender's: callers parse first
// (parse_mime) and tell the two apart, so that a mail server keeps such a message and delivers it
// again later instead of bouncing it.
// Thread-safety: as the Env given (superuser: the gateway's own rights).
#pragma once

#include <string>
#include <string_view>

#include "common/value.h"
#include "orm/env.h"

namespace autorules::mail {

struct ParsedEmail;  // mail/mime.h

struct InboundResult {
  enum class Kind {
    kPosted,     // posted on a record (a reply, or a record the alias created)
    kDuplicate,  // its Message-Id is known: taken, nothing posted again
    kBounce,     // a delivery report: the notification marked, nothing posted
    kLoop,       // refused: the sender posts too fast on one record
    kNoRoute,    // refused: no reply to a known message, no alias among the recipients
  };
  Kind kind = Kind::kNoRoute;
  std::string model;
  common::Id res_id = 0;
  common::Id message_id = 0;  // the posted mail.message
  std::string detail;         // for refusals: why, for the log and the caller
};

// Processes one message in `env`'s transaction (committed by the caller).
InboundResult process_inbound(const orm::Env& env, std::string_view bytes);
// The same for a message parsed already (parse_mime, mail/mime.h).
InboundResult process_inbound(const orm::Env& env, const ParsedEmail& mail);

// "posted", "duplicate", "bounce", "loop", "no_route".
std::string_view inbound_kind_text(InboundResult::Kind kind);

}  // namespace autorules::mail
