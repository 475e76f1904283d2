// Outgoing emails (mail.mail) into the outbox, and their delivery back onto them (docs/mail.md,
// "Sending").
#include "mail/internal/send.h"

#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/text.h"
#include "mail/internal/address.h"
#include "mail/internal/outgoing.h"
#include "mail/internal/servers.h"
#include "mail/mime.h"
#include "outbox/outbox.h"
#include "store/connection.h"

namespace autorules::mail::internal {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using domain::Domain;
using domain::Op;

namespace {

std::string text(const std::unordered_map<std::string, Value>& row, const char* field) {
  auto it = row.find(field);
  return it != row.end() && it->second.is_string() ? it->second.as_string() : std::string();
}

// The mail and its notifications fail with `type` and `reason`; nothing is sent.
void fail(const orm::Env& env, Id mail_id, const std::string& type, const std::string& reason) {
  std::string bounded = common::truncate_utf8(reason, 4096);
  env["mail.mail"].browse({mail_id}).write(
      Json{{"state", "exception"}, {"failure_type", type}, {"failure_reason", bounded}});
  env["mail.notification"]
      .search(Domain::term("mail_mail_id", Op::kEq, mail_id))
      .write(Json{{"notification_status", "exception"},
                  {"failure_type", type},
                  {"failure_reason", bounded}});
}

// The text part of an HTML body. The emails of one message (one per notified partner) share
// their body and are queued one after the other on one thread: its text is made once.
const std::string& text_of_html(const std::string& html) {
  thread_local std::string last_html, last_text;
  if (html != last_html || last_text.empty()) {
    last_text = html_to_text(html);
    last_html = html;
  }
  return last_text;
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('<', i);
    if (open == std::string::npos)
      break;
    size_t close = text.find('>', open);
    if (close == std::string::npos)
      break;
    out.push_back(text.substr(open, close - open + 1));
    i = close + 1;
  }
  return out;
}

}  // namespace

void queue_mail(const orm::Env& caller, Id mail_id) {
  const orm::Env env = caller.sudo();
  orm::RecordSet mail = env["mail.mail"].browse({mail_id});
  std::unordered_map<std::string, Value> row = mail.row();
  MailFields f;
  f.email_from = text(row, "email_from");
  f.email_to = text(row, "email_to");
  f.email_cc = text(row, "email_cc");
  f.reply_to = text(row, "reply_to");
  f.subject = text(row, "subject");
  f.body_html = text(row, "body_html");
  f.message_id = text(row, "message_id");
  f.references = text(row, "references");
  f.headers = text(row, "headers");
  for (const Json& p :
       env["res.partner"].browse(mail.get("recipient_ids").as_ids()).read({"name", "email"})) {
    f.partners.push_back(Address{p["name"].is_string() ? p["name"].get<std::string>() : "",
                                 p["email"].is_string() ? p["email"].get<std::string>() : ""});
  }
  f.attachment_ids = mail.get("attachment_ids").as_ids();
  if (auto server = row.find("mail_server_id"); server != row.end() && server->second.is_int())
    f.mail_server_id = server->second.as_int();
  ChosenServer chosen;
  queue_mail(env, mail_id, f, chosen);
}

void queue_mail(const orm::Env& caller, Id mail_id, const MailFields& f, ChosenServer& chosen) {
  const orm::Env env = caller.sudo();
  OutgoingEmail email;
  std::vector<Address> from = parse_address_list(f.email_from);
  if (from.empty())
    return fail(env, mail_id, "mail_from_missing", "The email has no sender address (From).");
  email.from = from.front();

  // Recipients: the partners (one email each, as notifications are made), then email_to/cc.
  std::vector<std::string> envelope;
  for (const Address& p : f.partners) {
    std::vector<Address> parsed = parse_address_list(p.email);
    if (parsed.empty())
      continue;
    email.to.push_back(Address{p.name, parsed.front().email});
    envelope.push_back(parsed.front().email);
  }
  for (Address& a : parse_address_list(f.email_to)) {
    envelope.push_back(a.email);
    email.to.push_back(std::move(a));
  }
  for (Address& a : parse_address_list(f.email_cc)) {
    envelope.push_back(a.email);
    email.cc.push_back(std::move(a));
  }
  if (envelope.empty())
    return fail(env, mail_id, "mail_email_missing",
                "The email has no recipient with an address: the recipient has no email, or "
                "none of its addresses is valid.");

  std::vector<Address> reply_to = parse_address_list(f.reply_to);
  if (!reply_to.empty())
    email.reply_to = reply_to.front();
  email.subject = f.subject;
  email.body_html = f.body_html;
  if (!email.body_html.empty())
    email.body_text = text_of_html(email.body_html);
  email.message_id = f.message_id;
  if (email.message_id.empty())
    email.message_id = new_message_id(env, "mail.mail", mail_id);
  email.references = split_ids(f.references);
  // The message this one answers: the reference before its own id.
  if (email.references.size() >= 2)
    email.in_reply_to = email.references[email.references.size() - 2];
  email.date = env.now();
  if (!f.headers.empty()) {
    Json h = Json::parse(f.headers, nullptr, false);
    if (h.is_object()) {
      for (const auto& [name, value] : h.items()) {
        if (value.is_string())
          email.headers.emplace_back(name, value.get<std::string>());
      }
    }
  }
  if (!f.attachment_ids.empty()) {
    for (const Json& a :
         env["ir.attachment"].browse(f.attachment_ids).read({"name", "mimetype", "datas"})) {
      std::optional<std::string> data =
          a["datas"].is_string() ? common::base64_decode(a["datas"].get<std::string>()) : "";
      if (!data)
        continue;
      email.attachments.push_back(Attachment{
          .filename = a["name"].is_string() ? a["name"].get<std::string>() : "attachment",
          .content_type = a["mimetype"].is_string() ? a["mimetype"].get<std::string>()
                                                    : "application/octet-stream",
          .content_id = "",
          .data = std::move(*data)});
    }
  }

  if (!chosen)
    chosen = choose_server(env, f.mail_server_id, email.from.email);
  const std::optional<SmtpServer>& server = *chosen;
  if (!server)
    return fail(env, mail_id, "mail_smtp",
                "No outgoing mail server: add one (ir.mail_server) or start the server with "
                "--smtp-url.");

  outbox::Message out;
  out.kind = "email";
  out.name = common::truncate_utf8("Email: " + email.subject, 200);
  out.url = server->url;
  out.res_model = "mail.mail";
  out.res_id = mail_id;
  out.mail_from = email.from.email;
  out.recipients = envelope;
  out.encryption = server->encryption;
  out.smtp_user = server->user;
  out.smtp_password = server->password;
  try {
    out.body = build_mime(email);
    outbox::enqueue(env, out);
  } catch (const common::ValueError& e) {
    return fail(env, mail_id, "mail_email_invalid", e.what());
  }
}

void follow_delivery(orm::Runtime& runtime) {
  outbox::on_outcome(runtime, "email", [](const orm::Env& env, const outbox::OutcomeEvent& ev) {
    if (ev.res_model != "mail.mail" || !ev.res_id)
      return;
    orm::RecordSet mail = env["mail.mail"].browse({ev.res_id}).exists();
    if (mail.empty())
      return;
    orm::RecordSet notifications =
        env["mail.notification"].search(Domain::term("mail_mail_id", Op::kEq, ev.res_id));
    switch (ev.outcome) {
      case outbox::Outcome::kDelivered: {
        bool remove = mail.get("auto_delete").truthy() && ev.refused.empty();
        Json sent{
            {"notification_status", "sent"}, {"failure_type", false}, {"failure_reason", false}};
        if (remove)
          sent["mail_mail_id"] = false;  // the mail goes, its notifications stay
        notifications.write(sent);
        if (remove) {
          mail.unlink();
        } else {
          mail.write(Json{{"state", "sent"}, {"failure_type", false}, {"failure_reason", false}});
        }
        break;
      }
      case outbox::Outcome::kRetry:
        // Still outgoing: the outbox tries again; why the last attempt failed is kept.
        mail.write(Json{{"failure_reason", common::truncate_utf8(ev.error, 4096)}});
        break;
      case outbox::Outcome::kFailed:
      case outbox::Outcome::kDead: {
        bool refused = ev.status >= 500 && ev.status < 600 && !ev.refused.empty();
        std::string type = refused ? "mail_email_invalid" : "mail_smtp";
        std::string reason = common::truncate_utf8(ev.error, 4096);
        mail.write(
            Json{{"state", "exception"}, {"failure_type", type}, {"failure_reason", reason}});
        notifications.write(Json{{"notification_status", "exception"},
                                 {"failure_type", type},
                                 {"failure_reason", reason}});
        break;
      }
    }
  });
}

}  // namespace autorules::mail::internal
