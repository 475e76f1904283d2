#include "mail/compose.h"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "mail/internal/address.h"
#include "mail/internal/outgoing.h"
#include "mail/internal/values.h"
#include "mail/template.h"
#include "mail/thread.h"
#include "orm/env.h"

namespace autorules::mail {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using internal::id_of;
using internal::text_of;

namespace {

// The partner ids partner_to names: "[1, 2]", "(3,)", "4", "5,6" — the digit runs between
// separators, kept when such a partner exists.
IdList partners_of(const orm::Env& env, const std::string& text) {
  IdList ids;
  std::set<Id> seen;
  std::string token;
  auto flush = [&] {
    // A token of digits only (at most 18, so that it fits an id).
    if (!token.empty() && token.size() <= 18 &&
        std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); })) {
      Id id = std::stoll(token);
      if (id > 0 && seen.insert(id).second)
        ids.push_back(id);
    }
    token.clear();
  };
  for (char c : text) {
    if (c == ',' || c == '[' || c == ']' || c == '(' || c == ')' || c == ' ' || c == '\t') {
      flush();
    } else {
      token += c;
    }
  }
  flush();
  return env.sudo()["res.partner"].browse(ids).exists().ids();
}

}  // namespace

Rendered render(const orm::RecordSet& tmpl, const orm::RecordSet& record) {
  const orm::Env su = tmpl.env().sudo();
  std::unordered_map<std::string, Value> t = tmpl.sudo().row();
  std::string model = text_of(t["model"]);
  if (!model.empty() && model != record.name())
    throw common::ValueError(fmt::format("The template '{}' is for records of '{}', not '{}'",
                                         text_of(t["name"]), model, record.name()));
  std::string name = fmt::format("{} (mail.template {})", text_of(t["name"]), tmpl.id());
  auto inline_field = [&](const char* f) {
    std::string source = text_of(t[f]);
    return source.empty() ? std::string() : render_inline(source, record, name);
  };
  Rendered r;
  r.subject = inline_field("subject");
  r.email_from = inline_field("email_from");
  r.email_to = inline_field("email_to");
  r.email_cc = inline_field("email_cc");
  r.reply_to = inline_field("reply_to");
  r.partner_ids = partners_of(su, inline_field("partner_to"));
  std::string body = text_of(t["body_html"]);
  r.body_html = body.empty() ? std::string() : render_qweb(body, record, name);
  r.attachment_ids = tmpl.sudo().get("attachment_ids").as_ids();
  r.mail_server_id = t["mail_server_id"].is_int() ? t["mail_server_id"].as_int() : 0;
  r.auto_delete = t["auto_delete"].truthy();
  return r;
}

Id send_mail(const orm::RecordSet& tmpl, const orm::RecordSet& record) {
  record.check_access(orm::RecordSet::Operation::kRead);
  Rendered r = render(tmpl, record);
  const orm::Env su = record.env().sudo();
  if (r.email_from.empty()) {
    Id partner = user_partner(record.env());
    if (partner) {
      orm::RecordSet p = su["res.partner"].browse({partner});
      std::string email = text_of(p.get("email"));
      if (!email.empty())
        r.email_from = internal::format_address(text_of(p.get("name")), email);
    }
  }
  // The email's message, of type email_outgoing (not a post: no notification, no trigger): it
  // outlives the mail.mail, so that a reply finds the record it is about.
  const std::string message_id = internal::new_message_id(su, record.name(), record.id());
  Json message{{"message_type", "email_outgoing"},
               {"model", record.name()},
               {"res_id", record.id()},
               {"subject", r.subject},
               {"body", r.body_html},
               {"email_from", r.email_from},
               {"reply_to", r.reply_to},
               {"message_id", message_id},
               {"partner_ids", Json::array({Json::array({6, 0, r.partner_ids})})}};
  if (Id author = user_partner(record.env()))
    message["author_id"] = author;
  Id message_row = su["mail.message"].create(message).id();
  Json mail{{"mail_message_id", message_row},
            {"subject", r.subject},
            {"email_from", r.email_from},
            {"email_to", r.email_to},
            {"email_cc", r.email_cc},
            {"reply_to", r.reply_to},
            {"body_html", r.body_html},
            {"model", record.name()},
            {"res_id", record.id()},
            {"auto_delete", r.auto_delete},
            {"message_id", message_id},
            {"recipient_ids", Json::array({Json::array({6, 0, r.partner_ids})})},
            {"attachment_ids", Json::array({Json::array({6, 0, r.attachment_ids})})}};
  if (r.mail_server_id)
    mail["mail_server_id"] = r.mail_server_id;
  Id id = su["mail.mail"].create(mail).id();
  internal::queue_mail(su, id);
  return id;
}

Id post_template(const orm::RecordSet& tmpl, const orm::RecordSet& record,
                 const std::string& subtype_xmlid, const std::string& message_type) {
  Rendered r = render(tmpl, record);
  Post post;
  post.body = r.body_html;
  post.body_is_html = true;
  post.subject = r.subject;
  post.message_type = message_type;
  post.subtype_xmlid = subtype_xmlid;
  post.email_from = r.email_from;
  post.partner_ids = r.partner_ids;
  post.attachment_ids = r.attachment_ids;
  post.reply_to = r.reply_to;
  // The template's own sending options, as Odoo's composer keeps them.
  post.mail_auto_delete = r.auto_delete;
  post.mail_server_id = r.mail_server_id;
  return message_post(record, post);
}

}  // namespace autorules::mail
