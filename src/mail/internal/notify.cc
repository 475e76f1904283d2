// Who a posted message notifies, and how (docs/mail.md, "Who is notified").
#include <algorithm>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "common/text.h"
#include "mail/internal/address.h"
#include "mail/internal/outgoing.h"
#include "store/connection.h"

namespace autorules::mail::internal {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

namespace {

struct Recipient {
  Id partner_id = 0;
  std::string name;
  std::string email;
  bool active = true;
  bool share = true;     // no internal user: a customer or a portal user
  bool by_email = true;  // its user's notification_type, "email" without a user
};

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += i ? ", ?" : "?";
  return out;
}

// The followers of the record subscribed to the subtype.
IdList followers_of(const orm::Env& env, const orm::RecordSet& record, Id subtype) {
  IdList out;
  Value p[] = {Value(record.name()), Value(record.id()), Value(subtype)};
  env.cr().query(
      "SELECT f.\"partner_id\" FROM \"mail_followers\" AS f JOIN "
      "\"mail_followers_mail_message_subtype_rel\" AS r ON r.\"mail_followers_id\" = f.\"id\" "
      "WHERE f.\"res_model\" = ? AND f.\"res_id\" = ? AND r.\"mail_message_subtype_id\" = ? "
      "ORDER BY f.\"id\"",
      p, [&](const store::RowView& r) { out.push_back(r.int64(0)); });
  return out;
}

// Name, address, and how each partner is notified: through its internal user if it has an
// active one, else its first active user, else by email.
std::vector<Recipient> recipients(const orm::Env& env, const IdList& ids) {
  std::vector<Recipient> out;
  if (ids.empty())
    return out;
  std::vector<Value> params;
  for (Id id : ids)
    params.emplace_back(id);
  std::string sql = fmt::format(
      "SELECT p.\"id\", p.\"name\", p.\"email\", p.\"active\", "
      "(SELECT u.\"share\" FROM \"res_users\" AS u WHERE u.\"partner_id\" = p.\"id\" AND "
      "u.\"active\" = ? ORDER BY u.\"share\", u.\"id\" LIMIT 1), "
      "(SELECT u.\"notification_type\" FROM \"res_users\" AS u WHERE u.\"partner_id\" = p.\"id\" "
      "AND u.\"active\" = ? ORDER BY u.\"share\", u.\"id\" LIMIT 1) "
      "FROM \"res_partner\" AS p WHERE p.\"id\" IN ({}) ORDER BY p.\"id\"",
      placeholders(ids.size()));
  params.insert(params.begin(), {Value(true), Value(true)});
  env.cr().query(sql, params, [&](const store::RowView& r) {
    Recipient rc;
    rc.partner_id = r.int64(0);
    rc.name = r.is_null(1) ? "" : std::string(r.text(1));
    rc.email = r.is_null(2) ? "" : std::string(r.text(2));
    rc.active = !r.is_null(3) && r.int64(3) != 0;
    rc.share = r.is_null(4) || r.int64(4) != 0;
    rc.by_email = r.is_null(5) || r.text(5) != "inbox";
    out.push_back(std::move(rc));
  });
  return out;
}

std::set<std::string> addresses_in(const std::string& list) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos)
      comma = list.size();
    std::string a = normalized_email(std::string_view(list).substr(start, comma - start));
    if (!a.empty())
      out.insert(a);
    start = comma + 1;
  }
  return out;
}

// The email's HTML: the message, then a line naming the record it is about.
std::string layout(const std::string& body, const std::string& model_description,
                   const std::string& record_name) {
  return fmt::format(
      "<div>{}</div>\n<div style=\"margin-top:16px;font-size:12px;color:#888888;\">{}: "
      "{}</div>",
      body, common::html_escape(model_description), common::html_escape(record_name));
}

}  // namespace

void notify(const Notification& n) {
  const orm::Env env = n.record.env().sudo();
  orm::RecordSet subtype = env["mail.message.subtype"].browse({n.subtype_id});
  const bool internal_subtype = subtype.get("internal").truthy();

  // Followers of the subtype, then the partners named on the message, each once.
  IdList ids;
  std::unordered_set<Id> seen;
  if (!n.skip_followers) {
    for (Id p : followers_of(env, n.record, n.subtype_id)) {
      if (seen.insert(p).second)
        ids.push_back(p);
    }
  }
  std::unordered_set<Id> named(n.partner_ids.begin(), n.partner_ids.end());
  for (Id p : n.partner_ids) {
    if (seen.insert(p).second)
      ids.push_back(p);
  }
  std::set<std::string> already = addresses_in(n.incoming);

  std::vector<Recipient> to_notify;
  for (Recipient& r : recipients(env, ids)) {
    if (!r.active)
      continue;
    // Share followers do not see internal messages; partners named on the message do.
    if (internal_subtype && r.share && !named.count(r.partner_id))
      continue;
    if (r.partner_id == n.author_partner_id && !n.notify_author &&
        !(n.notify_author_mention && named.count(r.partner_id)))
      continue;
    if (!r.email.empty() && already.count(normalized_email(r.email)))
      continue;
    to_notify.push_back(std::move(r));
  }
  if (to_notify.empty())
    return;

  orm::RecordSet message = env["mail.message"].browse({n.message_id});
  std::unordered_map<std::string, Value> m = message.row();
  auto text = [&](const char* f) {
    auto it = m.find(f);
    return it != m.end() && it->second.is_string() ? it->second.as_string() : std::string();
  };
  std::string record_name = text("record_name");
  std::string subject = text("subject").empty() ? record_name : text("subject");
  for (char& c : subject) {
    if (c == '\r' || c == '\n')
      c = ' ';
  }
  std::string references = text("message_id");
  auto parent = m.find("parent_id");
  if (parent != m.end() && parent->second.is_int()) {
    Value pid = env["mail.message"].browse({parent->second.as_int()}).get("message_id");
    if (pid.is_string() && !pid.as_string().empty())
      references = pid.as_string() + " " + references;
  }
  std::string body_html = layout(text("body"), n.record.model().description(), record_name);
  Json headers{{"X-Odoo-Objects", fmt::format("{}-{}", n.record.name(), n.record.id())}};

  // The emails, created together, then their notifications, then each queued from the values
  // in hand (the sender is the same for all: its server is chosen once).
  Json inbox = Json::array();
  Json mails = Json::array();
  std::vector<const Recipient*> emailed;
  for (const Recipient& r : to_notify) {
    if (!r.by_email) {
      inbox.push_back(
          Json{{"mail_message_id", n.message_id},
               {"res_partner_id", r.partner_id},
               {"author_id", n.author_partner_id ? Json(n.author_partner_id) : Json(false)},
               {"notification_type", "inbox"},
               {"notification_status", "sent"}});
      continue;
    }
    Json mail{{"mail_message_id", n.message_id},
              {"subject", subject},
              {"email_from", n.email_from},
              {"reply_to", text("reply_to")},
              {"model", n.record.name()},
              {"res_id", n.record.id()},
              {"message_id", text("message_id")},
              {"references", references},
              {"body_html", body_html},
              {"headers", headers.dump()},
              {"recipient_ids", Json::array({Json::array({6, 0, IdList{r.partner_id}})})},
              {"is_notification", true},
              {"auto_delete", n.auto_delete}};
    if (n.author_partner_id)
      mail["author_id"] = n.author_partner_id;
    if (n.mail_server_id)
      mail["mail_server_id"] = n.mail_server_id;
    mails.push_back(std::move(mail));
    emailed.push_back(&r);
  }
  if (!emailed.empty()) {
    IdList mail_ids = env["mail.mail"].create(mails).ids();
    Json notifications = Json::array();
    for (size_t i = 0; i < emailed.size(); ++i) {
      notifications.push_back(Json{{"mail_message_id", n.message_id},
                                   {"mail_mail_id", mail_ids[i]},
                                   {"res_partner_id", emailed[i]->partner_id},
                                   {"notification_type", "email"},
                                   {"notification_status", "ready"},
                                   {"is_read", true}});
    }
    env["mail.notification"].create(notifications);
    MailFields fields;
    fields.email_from = n.email_from;
    fields.reply_to = text("reply_to");
    fields.subject = subject;
    fields.body_html = body_html;
    fields.message_id = text("message_id");
    fields.references = references;
    fields.headers = headers.dump();
    fields.mail_server_id = n.mail_server_id;
    ChosenServer chosen;
    for (size_t i = 0; i < emailed.size(); ++i) {
      fields.partners = {Address{emailed[i]->name, emailed[i]->email}};
      queue_mail(env, mail_ids[i], fields, chosen);
    }
  }
  if (!inbox.empty())
    env["mail.notification"].create(inbox);
}

}  // namespace autorules::mail::internal
