// message_post and the notifications it sends (docs/mail.md, "The chatter").
#include "mail/thread.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "mail/internal/address.h"
#include "mail/internal/outgoing.h"
#include "mail/internal/values.h"
#include "orm/env.h"

namespace autorules::mail {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using domain::Domain;
using domain::Op;
using internal::id_of;
using internal::text_of;

namespace {

// The runtime's post listeners (Runtime::component); registered before serving, then only read.
struct Listeners {
  std::vector<PostListener> list;
};

// The subtype's id: the xml id wins, then the id, else mail.mt_note.
Id resolve_subtype(const orm::Env& env, const Post& post) {
  if (!post.subtype_xmlid.empty()) {
    std::optional<orm::RecordSet> found = env.sudo().find_ref(post.subtype_xmlid);
    if (!found || found->name() != "mail.message.subtype")
      throw common::ValueError(fmt::format("Unknown message subtype '{}'", post.subtype_xmlid));
    return found->id();
  }
  if (post.subtype_id) {
    if (env.sudo()["mail.message.subtype"].browse({post.subtype_id}).exists().empty())
      throw common::ValueError(fmt::format("Unknown message subtype {}", post.subtype_id));
    return post.subtype_id;
  }
  return env.sudo().ref("mail.mt_note").id();
}

// The top of the thread `parent_id` is in, or the record's first message (threads are flat).
Id resolve_parent(const orm::RecordSet& record, Id parent_id) {
  orm::RecordSet messages = record.env().sudo()["mail.message"];
  if (parent_id) {
    // At most 64 steps: a parent chain made by hand could loop.
    for (int step = 0; step < 64; ++step) {
      orm::RecordSet m = messages.browse({parent_id}).exists();
      if (m.empty())
        return 0;
      Id up = id_of(m.get("parent_id"));
      if (!up)
        return parent_id;
      parent_id = up;
    }
    return parent_id;
  }
  Domain first = Domain::conjoin(Domain::conjoin(Domain::term("model", Op::kEq, record.name()),
                                                 Domain::term("res_id", Op::kEq, record.id())),
                                 Domain::term("message_type", Op::kNe, "user_notification"));
  orm::RecordSet found = messages.search(first, orm::SearchOptions{.limit = 1, .order = "id asc"});
  return found.empty() ? 0 : found.ids().front();
}

struct Author {
  Id partner_id = 0;
  std::string email_from;
};

// Odoo's rules (docs/mail.md, "Who is the author"): only an address → the partner with that
// address, never created; neither → the user's partner; only a partner → its address.
Author resolve_author(const orm::Env& env, const Post& post) {
  Author a{post.author_id, post.email_from};
  orm::RecordSet partners = env.sudo()["res.partner"];
  if (!a.partner_id && a.email_from.empty()) {
    a.partner_id = user_partner(env);
  } else if (!a.partner_id) {
    std::string address = internal::normalized_email(a.email_from);
    if (!address.empty()) {
      orm::RecordSet found =
          partners.search(Domain::term("email", Op::kEqIlike, domain::like_literal(address)),
                          orm::SearchOptions{.limit = 1, .order = "id"});
      if (!found.empty())
        a.partner_id = found.ids().front();
    }
  }
  if (a.email_from.empty() && a.partner_id) {
    orm::RecordSet p = partners.browse({a.partner_id}).exists();
    if (!p.empty()) {
      std::string email = text_of(p.get("email"));
      if (!email.empty())
        a.email_from = internal::format_address(text_of(p.get("name")), email);
    }
  }
  if (a.email_from.empty() && !env.su())
    throw common::UserError("Unable to send message, please configure the sender's email address.");
  return a;
}

}  // namespace

bool is_thread(const schema::Model& model) {
  return model.is_mail_thread();
}

Id user_partner(const orm::Env& env) {
  orm::RecordSet user = env.sudo()["res.users"].browse({env.uid()}).exists();
  return user.empty() ? 0 : id_of(user.get("partner_id"));
}

bool is_internal_partner(const orm::Env& env, Id partner_id) {
  // OdooBot, the superuser's partner, is internal though its user is archived (Odoo's
  // partner_share special case).
  common::Value root = env.sudo()["res.users"].browse({orm::kSuperuserId}).get("partner_id");
  if (root.is_int() && root.as_int() == partner_id)
    return true;
  Domain internal_user = Domain::conjoin(Domain::term("partner_id", Op::kEq, partner_id),
                                         Domain::term("share", Op::kEq, false));
  return env.sudo()["res.users"].search_count(internal_user) > 0;
}

std::set<Id> internal_partners(const orm::Env& env, const IdList& partner_ids) {
  std::set<Id> out;
  if (partner_ids.empty())
    return out;
  const orm::Env su = env.sudo();
  common::Value root = su["res.users"].browse({orm::kSuperuserId}).get("partner_id");
  Domain internal_users = Domain::conjoin(Domain::term("partner_id", Op::kIn, partner_ids),
                                          Domain::term("share", Op::kEq, false));
  for (const Json& row : su["res.users"].search(internal_users).read({"partner_id"})) {
    if (row["partner_id"].is_array())
      out.insert(row["partner_id"][0].get<Id>());
  }
  if (root.is_int() &&
      std::find(partner_ids.begin(), partner_ids.end(), root.as_int()) != partner_ids.end())
    out.insert(root.as_int());
  return out;
}

void add_post_listener(orm::Runtime& runtime, PostListener listener) {
  runtime.component<Listeners>().list.push_back(std::move(listener));
}

namespace {

Id post_message(const orm::RecordSet& record, const Post& post);

}  // namespace

Id message_post(const orm::RecordSet& record, const Post& post) {
  if (post.message_type == "user_notification")
    throw common::ValueError("Use message_notify to send a notification to an user.");
  return post_message(record, post);
}

Id message_notify(const orm::RecordSet& record, const IdList& partner_ids,
                  const std::string& subject, const std::string& body_html) {
  if (partner_ids.empty())
    return 0;
  Post post;
  post.message_type = "user_notification";
  post.subtype_xmlid = "mail.mt_note";
  post.is_internal = true;
  post.subject = subject;
  post.body = body_html;
  post.body_is_html = true;
  post.partner_ids = partner_ids;
  post.notify_skip_followers = true;
  post.notify_author_mention = true;
  return post_message(record, post);
}

namespace {

Id post_message(const orm::RecordSet& record, const Post& post) {
  if (!is_thread(record.model()))
    throw common::ValueError(fmt::format(
        "The model '{}' is not a mail thread: its records have no chatter", record.name()));
  if (record.size() != 1)
    throw common::ValueError(
        fmt::format("message_post posts on one record, not {}", record.size()));
  static const std::set<std::string> kTypes = {
      "email",          "comment",           "notification", "auto_comment",
      "email_outgoing", "user_notification", "sms",          "whatsapp_message"};
  if (!kTypes.count(post.message_type))
    throw common::ValueError(fmt::format("Unknown message type '{}'", post.message_type));
  record.check_access(orm::RecordSet::Operation::kRead);
  record.ensure_exist();

  const orm::Env& env = record.env();
  orm::Env su = env.sudo();
  const Json& ctx = env.context();
  Id subtype = resolve_subtype(env, post);
  Author author = resolve_author(env, post);
  Id parent = resolve_parent(record, post.parent_id);
  std::string record_name = record.display_names().front();

  // 1. Recipients subscribed first when the caller asks for it.
  if (ctx.value("mail_post_autofollow", false) && !post.partner_ids.empty())
    message_subscribe(record.sudo(), post.partner_ids);

  // 2. The message.
  std::string message_id = post.message_id.empty()
                               ? internal::new_message_id(env, record.name(), record.id())
                               : post.message_id;
  Json vals{{"model", record.name()},
            {"res_id", record.id()},
            {"record_name", record_name},
            {"body", post.body_is_html ? post.body : common::html_escape(post.body)},
            {"message_type", post.message_type},
            {"subtype_id", subtype},
            {"is_internal", post.is_internal},
            {"message_id", message_id},
            {"partner_ids", Json::array({Json::array({6, 0, post.partner_ids})})}};
  if (!post.subject.empty())
    vals["subject"] = post.subject;
  if (author.partner_id)
    vals["author_id"] = author.partner_id;
  if (!author.email_from.empty())
    vals["email_from"] = author.email_from;
  if (parent)
    vals["parent_id"] = parent;
  if (!post.attachment_ids.empty())
    vals["attachment_ids"] = Json::array({Json::array({6, 0, post.attachment_ids})});
  if (post.mail_activity_type_id)
    vals["mail_activity_type_id"] = post.mail_activity_type_id;
  if (!post.incoming_email_to.empty())
    vals["incoming_email_to"] = post.incoming_email_to;
  if (!post.incoming_email_cc.empty())
    vals["incoming_email_cc"] = post.incoming_email_cc;
  vals["reply_to"] = post.reply_to.empty()
                         ? internal::reply_to(record, record_name, author.email_from)
                         : post.reply_to;
  orm::RecordSet message = su["mail.message"].create(vals);
  Id mid = message.id();
  if (!post.attachment_ids.empty()) {
    // The attachments belong to the record the message is on.
    su["ir.attachment"]
        .browse(post.attachment_ids)
        .write(Json{{"res_model", record.name()}, {"res_id", record.id()}});
  }

  // 3. The real author follows, if an employee, unless the message is automatic.
  bool automatic = post.message_type == "notification" || post.message_type == "auto_comment" ||
                   post.message_type == "user_notification";
  if (!automatic && !ctx.value("mail_post_autofollow_author_skip", false)) {
    Id real_author = env.su() ? author.partner_id : user_partner(env);
    if (real_author && is_internal_partner(env, real_author))
      message_subscribe(record.sudo(), {real_author});
  }

  // 4. Notifications.
  internal::Notification n{.record = record,
                           .message_id = mid,
                           .subtype_id = subtype,
                           .author_partner_id = author.partner_id,
                           .email_from = author.email_from,
                           .partner_ids = post.partner_ids,
                           .skip_followers = post.notify_skip_followers,
                           .notify_author = post.notify_author,
                           .notify_author_mention = post.notify_author_mention,
                           .auto_delete = post.mail_auto_delete,
                           .mail_server_id = post.mail_server_id,
                           .incoming = post.incoming_email_to + "," + post.incoming_email_cc};
  internal::notify(n);

  for (const PostListener& listener : env.runtime().component<Listeners>().list)
    listener(record, mid);
  return mid;
}

}  // namespace

}  // namespace autorules::mail
