#include "mail/mail.h"

#include <fmt/format.h>

#include "common/errors.h"
#include "mail/activity.h"
#include "mail/compose.h"
#include "mail/html_sanitize.h"
#include "mail/internal/data.h"
#include "mail/internal/send.h"
#include "mail/internal/servers.h"
#include "mail/sms.h"
#include "mail/thread.h"
#include "mail/whatsapp.h"
#include "orm/env.h"
#include "orm/methods.h"
#include "orm/observer.h"

namespace autorules::mail {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using domain::Op;

namespace {

// A record of a mail thread takes its chatter with it: its messages (and their notifications
// and emails), followers and activities are deleted with it.
class ThreadCleanup : public orm::Observer {
 public:
  bool watches(const orm::Env&, const schema::Model& model, orm::Event event,
               const std::vector<std::string>&) const override {
    return event == orm::Event::kUnlink && is_thread(model);
  }
  void after_unlink(const orm::Env& env, const schema::Model& model, const IdList& ids) override {
    const orm::Env su = env.sudo().with_context_update(Json{{"active_test", false}});
    su["mail.message"]
        .search(Domain::conjoin(Domain::term("model", Op::kEq, model.name()),
                                Domain::term("res_id", Op::kIn, ids)))
        .unlink();
    for (const char* comodel : {"mail.followers", "mail.activity"}) {
      su[comodel]
          .search(Domain::conjoin(Domain::term("res_model", Op::kEq, model.name()),
                                  Domain::term("res_id", Op::kIn, ids)))
          .unlink();
    }
  }
};

// The mail-thread methods of JSON-2, registered for every model and refused on models that are
// not mail threads (thread.h says how).
void register_thread_methods(orm::Runtime& runtime) {
  runtime.add_method(
      "*", "message_post",
      orm::Method{
          .fn = [](const orm::RecordSet& records, const Json& p) -> Json {
            Post post;
            post.body = orm::param_string(p, "body");
            post.body_is_html = orm::param_bool(p, "body_is_html");
            post.subject = orm::param_string(p, "subject");
            post.message_type = orm::param_string(p, "message_type", "notification");
            post.subtype_xmlid = orm::param_string(p, "subtype_xmlid");
            post.subtype_id = orm::param_int(p, "subtype_id", 0).value_or(0);
            post.author_id = orm::param_int(p, "author_id", 0).value_or(0);
            post.email_from = orm::param_string(p, "email_from");
            post.parent_id = orm::param_int(p, "parent_id", 0).value_or(0);
            post.partner_ids = orm::param_ids(p, "partner_ids");
            post.attachment_ids = orm::param_ids(p, "attachment_ids");
            post.reply_to = orm::param_string(p, "reply_to");
            post.is_internal = orm::param_bool(p, "is_internal");
            post.notify_author = orm::param_bool(p, "notify_author");
            post.notify_author_mention = orm::param_bool(p, "notify_author_mention");
            post.notify_skip_followers = orm::param_bool(p, "notify_skip_followers");
            post.mail_auto_delete = orm::param_bool(p, "mail_auto_delete", true);
            return message_post(records, post);
          },
          .params = {"body", "body_is_html", "subject", "message_type", "subtype_xmlid",
                     "subtype_id", "author_id", "email_from", "parent_id", "partner_ids",
                     "attachment_ids", "reply_to", "is_internal", "notify_author",
                     "notify_author_mention", "notify_skip_followers", "mail_auto_delete"}});
  runtime.add_method(
      "*", "message_subscribe",
      orm::Method{.fn = [](const orm::RecordSet& records, const Json& p) -> Json {
                    std::optional<IdList> subtypes;
                    if (p.contains("subtype_ids") && !p["subtype_ids"].is_null() &&
                        !(p["subtype_ids"].is_boolean() && !p["subtype_ids"].get<bool>()))
                      subtypes = orm::param_ids(p, "subtype_ids");
                    message_subscribe(records, orm::param_ids(p, "partner_ids"), subtypes);
                    return true;
                  },
                  .params = {"partner_ids", "subtype_ids"}});
  runtime.add_method("*", "message_unsubscribe",
                     orm::Method{.fn = [](const orm::RecordSet& records, const Json& p) -> Json {
                                   message_unsubscribe(records, orm::param_ids(p, "partner_ids"));
                                   return true;
                                 },
                                 .params = {"partner_ids"}});
}

// mail.template's send_mail(res_id): the template rendered for one record and queued as an
// email, as Odoo's; its mail.mail id. force_send is accepted and changes nothing: the outbox sends
// after the commit, and retries.
void register_template_methods(orm::Runtime& runtime) {
  runtime.add_method(
      "mail.template", "send_mail",
      orm::Method{
          .fn = [](const orm::RecordSet& tmpl, const Json& p) -> Json {
            if (tmpl.ids().size() != 1)
              throw common::ValueError("send_mail works on one template");
            Id res_id = orm::param_int(p, "res_id", 0).value_or(0);
            std::string model =
                tmpl.get("model").is_string() ? tmpl.get("model").as_string() : std::string();
            if (model.empty() || !tmpl.env().registry().find(model))
              throw common::UserError("The template applies to no model.");
            orm::RecordSet record = tmpl.env()[model].browse({res_id}).exists();
            if (record.empty()) {
              throw common::MissingError(fmt::format(
                  "Record does not exist or has been deleted. (Record: {}({},))", model, res_id));
            }
            return send_mail(tmpl, record);
          },
          .params = {"res_id", "force_send", "raise_exception"},
          .required_params = {"res_id"}});
}

}  // namespace

void install(orm::Runtime& runtime, const Options& options) {
  if (!options.smtp_url.empty())
    internal::set_fallback_server(runtime, internal::parse_smtp_url(options.smtp_url));
  internal::follow_delivery(runtime);
  internal::install_server_checks(runtime);
  // Every html field written is made safe to show (but those that are code: QWeb templates).
  // Text without a "<" has no element or attribute to remove: it is kept as written.
  runtime.set_html_sanitizer([](std::string_view html) {
    return html.find('<') == std::string_view::npos ? std::string(html) : sanitize_html(html);
  });
  static ThreadCleanup cleanup;  // stateless: one for every runtime
  runtime.add_observer(&cleanup);
  for (const char* m :
       {"mail.template", "mail.activity.type", "mail.message.subtype", "mail.alias"}) {
    runtime.set_access(m, orm::ModelAccess::kConfiguration);
  }
  for (const char* m : {"mail.mail", "ir.mail_server"})
    runtime.set_access(m, orm::ModelAccess::kAdminOnly);
  runtime.set_access("ir.attachment", orm::ModelAccess::kBusiness);
  register_thread_methods(runtime);
  register_template_methods(runtime);
  install_activities(runtime);
  install_sms(runtime);
  install_whatsapp(runtime);
  runtime.add_initializer([](const orm::Env& env) { internal::ensure_data(env); });
}

}  // namespace autorules::mail
