// Mail threads (docs/mail.md): chatter messages, followers, activities, templates, outgoing email
// through the outbox, incoming email.
#pragma once

#include <string>

#include "orm/runtime.h"

namespace autorules::mail {

struct Options {
  // The SMTP server used when no ir.mail_server applies (--smtp-url):
  // smtp://[user[:password]@]host[:port][?encryption=none|starttls|starttls_strict] or
  // smtps://[user[:password]@]host[:port][?encryption=ssl|ssl_strict]; smtps defaults to
  // ssl_strict, smtp to none. Empty: none.
  std::string smtp_url;
};

// Registers the mail models' behaviour on the runtime: the mail-thread methods (message_post,
// message_subscribe, ...), the clean-up of a deleted record's chatter, the built-in subtypes and
// activity types, and the delivery of mail.mail through the outbox. ValueError for a bad
// smtp_url.
void install(orm::Runtime& runtime, const Options& options = {});

}  // namespace autorules::mail
