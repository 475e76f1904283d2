// Email addresses and ids as the chatter uses them: the bare address of "Name <a@b.c>", the
// formatted "Name" <a@b.c>, the Message-ID of a new message, the Reply-To of a record's emails.
#pragma once

#include <string>
#include <string_view>

#include "common/value.h"
#include "orm/env.h"
#include "orm/recordset.h"

namespace autorules::mail::internal {

// The lower-cased address of `text` ("Name" <A@B.c> → a@b.c, a@b.c → a@b.c), or "" when it holds
// no single plausible address (no @, spaces, control characters).
std::string normalized_email(std::string_view text);

// "Name" <email> (quotes and backslashes in the name escaped, line breaks dropped), or the bare
// email when the name is empty.
std::string format_address(std::string_view name, std::string_view email);

// The domain of this server's addresses: the system parameter mail.catchall.domain, else
// "localhost".
std::string mail_domain(const orm::Env& env);

// A new Message-ID for a message on a record: <random.seconds-autorules-<id>-<model>@<domain>>.
std::string new_message_id(const orm::Env& env, const std::string& model, common::Id res_id);

// The Reply-To of the record's emails: the address of an alias attached to the record, else the
// catchall address (mail.catchall.alias @ mail.catchall.domain) when a domain is set, else
// `email_from`; shown with the record's name.
std::string reply_to(const orm::RecordSet& record, const std::string& record_name,
                     const std::string& email_from);

}  // namespace autorules::mail::internal
