// How mail.mail reaches the outbox: the SMTP server chosen for a sender, the server given at start
// (--smtp-url), and the delivery outcomes written back onto the mail and its notifications.
#pragma once

#include <optional>
#include <string>

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

// Registers the outbox handler that writes each email's delivery onto its mail.mail (sent and
// deleted when auto_delete, still outgoing with the last error while retried, exception with the
// server's answer when refused for good) and onto its notifications.
void follow_delivery(orm::Runtime& runtime);

}  // namespace autorules::mail::internal
