// Outgoing mail servers: the ir.mail_server records and the one given at start (--smtp-url),
// which of them sends a sender's mail, and the check of a server's address when it is saved
// (docs/mail.md, "Sending").
#pragma once

#include <optional>
#include <string>

#include "common/value.h"
#include "orm/env.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"

namespace autorules::mail::internal {

struct SmtpServer {
  std::string name;
  std::string url;  // smtp://host:port or smtps://host:port
  outbox::Encryption encryption = outbox::Encryption::kNone;
  std::string user, password;
};

// The server of a --smtp-url (mail.h, Options::smtp_url); ValueError saying what is wrong.
SmtpServer parse_smtp_url(const std::string& url);

// The server used when no ir.mail_server applies (nullopt: none).
void set_fallback_server(orm::Runtime& runtime, std::optional<SmtpServer> server);

// The server for a sender: the mail's own (`own`, an ir.mail_server id, 0 for none), else the
// first active one (by priority) whose from_filter allows the sender, else the first without a
// filter, else the one the server was started with; nullopt when there is none.
std::optional<SmtpServer> choose_server(const orm::Env& env, common::Id own,
                                        const std::string& from);

// Registers the hooks that refuse to save an ir.mail_server whose address the outbox would not
// call (outbox::check_smtp_url under the address policy: not a host, a port out of range, a
// link-local or, when the policy says so, private address) with a ValidationError.
void install_server_checks(orm::Runtime& runtime);

}  // namespace autorules::mail::internal
