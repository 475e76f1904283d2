// Mail threads (src/mail/, docs/mail.md): chatter messages and their subtypes, notifications,
// followers, activities and their types, templates, the outgoing mail queue, mail servers and
// aliases. Names and selection keys are Odoo 19's. The fields every mail-thread model gets
// (message_ids, ...) are added by Model::set_mail_thread.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

namespace {

void add_messages(Registry& r) {
  Model subtype("mail.message.subtype", "Message subtypes");
  subtype.set_order("sequence, id");
  subtype.add(char_field("name", "Message Type").required());
  subtype.add(text_field("description", "Description")
                  .help("Added to the notification of a message of this subtype"));
  subtype.add(boolean_field("internal", "Internal Only")
                  .help("Messages of this subtype are seen by employees only"));
  subtype.add(many2one("parent_id", "Parent", "mail.message.subtype"));
  subtype.add(char_field("relation_field", "Relation field"));
  subtype.add(char_field("res_model", "Model").help("Empty: every model"));
  subtype.add(boolean_field("default", "Default").def(true).help("Followed by new followers"));
  subtype.add(integer_field("sequence", "Sequence").def(1));
  subtype.add(boolean_field("hidden", "Hidden"));
  r.put(std::move(subtype));

  Model message("mail.message", "Message");
  message.set_order("id desc");
  message.add(char_field("subject", "Subject"));
  message.add(datetime_field("date", "Date").def(DefaultKind::kNow));
  message.add(html_field("body", "Contents"));
  message.add(many2many("attachment_ids", "Attachments", "ir.attachment")
                  .relation_table("message_attachment_rel", "message_id", "attachment_id"));
  message.add(many2one("parent_id", "Parent Message", "mail.message").index());
  message.add(one2many("child_ids", "Child Messages", "mail.message", "parent_id"));
  message.add(char_field("model", "Related Document Model").index());
  message.add(integer_field("res_id", "Related Document ID").index());
  message.add(char_field("record_name", "Message Record Name"));
  message.add(selection_field("message_type", "Type",
                              {{"email", "Incoming Email"},
                               {"comment", "Comment"},
                               {"email_outgoing", "Outgoing Email"},
                               {"notification", "System notification"},
                               {"auto_comment", "Automated Targeted Notification"},
                               {"user_notification", "User Specific Notification"},
                               {"sms", "SMS"},
                               {"whatsapp_message", "WhatsApp"}})
                  .required()
                  .def("comment"));
  message.add(many2one("subtype_id", "Subtype", "mail.message.subtype").index());
  message.add(many2one("mail_activity_type_id", "Mail Activity Type", "mail.activity.type"));
  message.add(boolean_field("is_internal", "Employee Only"));
  message.add(char_field("email_from", "From"));
  message.add(many2one("author_id", "Author", "res.partner").index());
  message.add(
      many2many("partner_ids", "Recipients", "res.partner")
          .relation_table("mail_message_res_partner_rel", "mail_message_id", "res_partner_id"));
  message.add(
      one2many("notification_ids", "Notifications", "mail.notification", "mail_message_id"));
  message.add(char_field("message_id", "Message-Id").index().readonly().copy(false));
  message.add(char_field("reply_to", "Reply-To"));
  message.add(many2one("mail_server_id", "Outgoing mail server", "ir.mail_server"));
  message.add(text_field("incoming_email_to", "Incoming Email To"));
  message.add(text_field("incoming_email_cc", "Incoming Email Cc"));
  r.put(std::move(message));

  Model notification("mail.notification", "Message Notifications");
  notification.add(many2one("mail_message_id", "Message", "mail.message")
                       .required()
                       .index()
                       .ondelete(OnDelete::kCascade));
  notification.add(many2one("mail_mail_id", "Mail", "mail.mail").index());
  notification.add(
      many2one("res_partner_id", "Recipient", "res.partner").index().ondelete(OnDelete::kCascade));
  notification.add(many2one("author_id", "Author", "res.partner"));
  notification.add(selection_field("notification_type", "Notification Type",
                                   {{"inbox", "Inbox"}, {"email", "Email"}})
                       .required()
                       .def("inbox"));
  notification.add(selection_field("notification_status", "Status",
                                   {{"ready", "Ready to Send"},
                                    {"process", "Processing"},
                                    {"pending", "Sent"},
                                    {"sent", "Delivered"},
                                    {"bounce", "Bounced"},
                                    {"exception", "Exception"},
                                    {"canceled", "Cancelled"}})
                       .def("ready"));
  notification.add(boolean_field("is_read", "Is Read").index());
  notification.add(datetime_field("read_date", "Read Date"));
  notification.add(
      selection_field("failure_type", "Failure type",
                      {{"unknown", "Unknown error"},
                       {"mail_email_invalid", "Invalid email address"},
                       {"mail_email_missing", "Missing email address"},
                       {"mail_from_invalid", "Invalid from address"},
                       {"mail_from_missing", "Missing from address"},
                       {"mail_smtp", "Connection failed (outgoing mail server problem)"},
                       {"mail_bounce", "Bounce"}}));
  notification.add(text_field("failure_reason", "Failure reason"));
  r.put(std::move(notification));
}

void add_followers(Registry& r) {
  // One row per (res_model, res_id, partner_id): mail keeps it unique.
  Model followers("mail.followers", "Document Followers");
  followers.add(char_field("res_model", "Related Document Model Name").required().index());
  followers.add(integer_field("res_id", "Related Document ID").index());
  followers.add(many2one("partner_id", "Related Partner", "res.partner")
                    .required()
                    .index()
                    .ondelete(OnDelete::kCascade));
  followers.add(many2many("subtype_ids", "Subtype", "mail.message.subtype")
                    .relation_table("mail_followers_mail_message_subtype_rel", "mail_followers_id",
                                    "mail_message_subtype_id"));
  // Read through the partner, never stored (as Odoo's): a follower row stays one insert.
  followers.add(char_field("name", "Name").related("partner_id.name").store(false));
  followers.add(char_field("email", "Email").related("partner_id.email").store(false));
  followers.add(boolean_field("is_active", "Is Active").related("partner_id.active").store(false));
  r.put(std::move(followers));
}

void add_activities(Registry& r) {
  Model type("mail.activity.type", "Activity Type");
  type.set_order("sequence, id");
  type.add(char_field("name", "Name").required());
  type.add(char_field("summary", "Default Summary"));
  type.add(integer_field("sequence", "Sequence").def(10));
  type.add(boolean_field("active", "Active").def(true));
  type.add(integer_field("delay_count", "Schedule").def(0));
  type.add(selection_field("delay_unit", "Delay units",
                           {{"days", "days"}, {"weeks", "weeks"}, {"months", "months"}})
               .required()
               .def("days"));
  type.add(selection_field("delay_from", "Delay Type",
                           {{"current_date", "after completion date"},
                            {"previous_activity", "after previous activity deadline"}})
               .required()
               .def("previous_activity"));
  type.add(char_field("icon", "Icon"));
  type.add(selection_field("decoration_type", "Decoration Type",
                           {{"warning", "Alert"}, {"danger", "Error"}}));
  type.add(char_field("res_model", "Model").help("Empty: every model"));
  type.add(
      selection_field("chaining_type", "Chaining Type",
                      {{"suggest", "Suggest Next Activity"}, {"trigger", "Trigger Next Activity"}})
          .required()
          .def("suggest"));
  type.add(many2one("triggered_next_type_id", "Trigger", "mail.activity.type")
               .ondelete(OnDelete::kRestrict));
  type.add(
      selection_field(
          "category", "Action",
          {{"default", "None"}, {"upload_file", "Upload Document"}, {"phonecall", "Phonecall"}})
          .def("default"));
  type.add(many2one("default_user_id", "Default User", "res.users"));
  type.add(html_field("default_note", "Default Note"));
  type.add(boolean_field("keep_done", "Keep Done"));
  r.put(std::move(type));

  Model activity("mail.activity", "Activity");
  activity.set_order("date_deadline asc, id asc");
  activity.add(many2one("res_model_id", "Document Model", "ir.model").ondelete(OnDelete::kCascade));
  activity.add(char_field("res_model", "Related Document Model").required().index());
  activity.add(integer_field("res_id", "Related Document ID").required().index());
  activity.add(char_field("res_name", "Document Name"));
  activity.add(many2one("activity_type_id", "Activity Type", "mail.activity.type")
                   .ondelete(OnDelete::kRestrict));
  activity.add(
      selection_field(
          "activity_category", "Action",
          {{"default", "None"}, {"upload_file", "Upload Document"}, {"phonecall", "Phonecall"}})
          .related("activity_type_id.category"));
  activity.add(char_field("icon", "Icon").related("activity_type_id.icon"));
  activity.add(char_field("summary", "Summary"));
  activity.add(html_field("note", "Note"));
  activity.add(date_field("date_deadline", "Due Date").required().index().def(DefaultKind::kToday));
  activity.add(date_field("date_done", "Done Date"));
  activity.add(boolean_field("automated", "Automated activity"));
  activity.add(many2one("user_id", "Assigned to", "res.users").index().def(DefaultKind::kUid));
  activity.add(many2one("request_partner_id", "Requesting Partner", "res.partner"));
  // overdue / today / planned against today in the assigned user's time zone, done when
  // archived: computed by mail (mail/activity.cc) when read.
  activity.add(
      selection_field(
          "state", "State",
          {{"overdue", "Overdue"}, {"today", "Today"}, {"planned", "Planned"}, {"done", "Done"}})
          .computed_natively());
  activity.add(boolean_field("active", "Active").def(true));
  activity.add(text_field("feedback", "Feedback"));
  r.put(std::move(activity));
}

void add_templates(Registry& r) {
  Model tmpl("mail.template", "Email Templates");
  tmpl.set_order("name");
  tmpl.add(char_field("name", "Name"));
  tmpl.add(text_field("description", "Template description"));
  tmpl.add(boolean_field("active", "Active").def(true));
  tmpl.add(many2one("model_id", "Applies to", "ir.model").ondelete(OnDelete::kCascade));
  tmpl.add(char_field("model", "Related Document Model").related("model_id.model"));
  tmpl.add(char_field("subject", "Subject").help("Inline template: {{ object.name }}"));
  tmpl.add(char_field("email_from", "From"));
  tmpl.add(boolean_field("use_default_to", "Default recipients"));
  tmpl.add(char_field("email_to", "To (Emails)").help("Comma-separated addresses"));
  tmpl.add(char_field("partner_to", "To (Partners)").help("Comma-separated partner ids"));
  tmpl.add(char_field("email_cc", "Cc"));
  tmpl.add(char_field("reply_to", "Reply To"));
  tmpl.add(html_field("body_html", "Body").unsanitized().help("QWeb: t-out, t-if, t-foreach, ..."));
  tmpl.add(
      many2many("attachment_ids", "Attachments", "ir.attachment")
          .relation_table("email_template_attachment_rel", "email_template_id", "attachment_id"));
  tmpl.add(many2one("mail_server_id", "Outgoing Mail Server", "ir.mail_server"));
  tmpl.add(char_field("scheduled_date", "Scheduled Date"));
  tmpl.add(boolean_field("auto_delete", "Auto Delete").def(true));
  tmpl.add(char_field("lang", "Language"));
  r.put(std::move(tmpl));
}

void add_outgoing(Registry& r) {
  Model mail("mail.mail", "Outgoing Mails");
  mail.set_order("id desc");
  mail.add(
      many2one("mail_message_id", "Message", "mail.message").index().ondelete(OnDelete::kCascade));
  mail.add(char_field("subject", "Subject"));
  mail.add(char_field("email_from", "From"));
  mail.add(char_field("reply_to", "Reply-To"));
  mail.add(char_field("model", "Related Document Model").index());
  mail.add(integer_field("res_id", "Related Document ID"));
  mail.add(many2one("author_id", "Author", "res.partner"));
  mail.add(char_field("message_id", "Message-Id").readonly().copy(false));
  mail.add(text_field("body_html", "Text Contents"));
  mail.add(text_field("references", "References").readonly());
  mail.add(text_field("headers", "Headers").copy(false));
  mail.add(text_field("email_to", "To").help("Message recipients (emails)"));
  mail.add(char_field("email_cc", "Cc"));
  mail.add(many2many("recipient_ids", "To (Partners)", "res.partner")
               .relation_table("mail_mail_res_partner_rel", "mail_mail_id", "res_partner_id"));
  mail.add(many2many("attachment_ids", "Attachments", "ir.attachment")
               .relation_table("mail_mail_attachment_rel", "mail_mail_id", "attachment_id"));
  mail.add(many2one("mail_server_id", "Outgoing mail server", "ir.mail_server"));
  mail.add(selection_field("state", "Status",
                           {{"outgoing", "Outgoing"},
                            {"sent", "Sent"},
                            {"received", "Received"},
                            {"exception", "Delivery Failed"},
                            {"cancel", "Cancelled"}})
               .readonly()
               .copy(false)
               .index()
               .def("outgoing"));
  mail.add(selection_field("failure_type", "Failure type",
                           {{"unknown", "Unknown error"},
                            {"mail_email_invalid", "Invalid email address"},
                            {"mail_email_missing", "Missing email"},
                            {"mail_from_invalid", "Invalid from address"},
                            {"mail_from_missing", "Missing from address"},
                            {"mail_smtp", "Connection failed (outgoing mail server problem)"}}));
  mail.add(text_field("failure_reason", "Failure Reason").readonly().copy(false));
  mail.add(boolean_field("auto_delete", "Auto Delete"));
  mail.add(datetime_field("scheduled_date", "Scheduled Send Date"));
  mail.add(boolean_field("is_notification", "Notification Email"));
  mail.add(datetime_field("date", "Date").def(DefaultKind::kNow));
  r.put(std::move(mail));

  Model server("ir.mail_server", "Mail Server");
  server.set_order("sequence, id");
  server.add(char_field("name", "Name").required().index());
  server.add(char_field("from_filter", "FROM Filtering")
                 .help("Comma-separated addresses or domains this server sends for"));
  server.add(char_field("smtp_host", "SMTP Server").required());
  server.add(integer_field("smtp_port", "SMTP Port").required().def(25));
  server.add(selection_field("smtp_authentication", "Authenticate with",
                             {{"login", "Username"}, {"certificate", "SSL Certificate"}})
                 .required()
                 .def("login"));
  server.add(char_field("smtp_user", "Username"));
  server.add(char_field("smtp_pass", "Password").write_only());
  server.add(selection_field("smtp_encryption", "Connection Encryption",
                             {{"none", "None"},
                              {"starttls", "TLS (STARTTLS)"},
                              {"ssl", "SSL/TLS"},
                              {"starttls_strict", "TLS (STARTTLS), verified"},
                              {"ssl_strict", "SSL/TLS, verified"}})
                 .required()
                 .def("none"));
  server.add(boolean_field("smtp_debug", "Debugging"));
  server.add(integer_field("sequence", "Priority").def(10));
  server.add(boolean_field("active", "Active").def(true));
  server.add(float_field("max_email_size", "Max Email Size (MB)"));
  r.put(std::move(server));
}

void add_aliases(Registry& r) {
  Model alias("mail.alias", "Email Aliases");
  alias.set_order("alias_model_id, alias_name");
  alias.add(char_field("alias_name", "Alias Name")
                .index()
                .copy(false)
                .help("The part before @ of the address, e.g. jobs for jobs@example.com"));
  alias.add(many2one("alias_model_id", "Aliased Model", "ir.model")
                .required()
                .ondelete(OnDelete::kCascade));
  alias.add(text_field("alias_defaults", "Default Values")
                .required()
                .def("{}")
                .help("A Python dict of values for the records the alias creates"));
  alias.add(integer_field("alias_force_thread_id", "Record Thread ID"));
  alias.add(
      many2one("alias_parent_model_id", "Parent Model", "ir.model").ondelete(OnDelete::kCascade));
  alias.add(integer_field("alias_parent_thread_id", "Parent Record Thread ID"));
  alias.add(selection_field("alias_contact", "Alias Contact Security",
                            {{"everyone", "Everyone"},
                             {"partners", "Authenticated Partners"},
                             {"followers", "Followers only"}})
                .required()
                .def("everyone"));
  alias.add(
      selection_field("alias_status", "Alias Status",
                      {{"not_tested", "Not Tested"}, {"valid", "Valid"}, {"invalid", "Invalid"}})
          .def("not_tested")
          .readonly());
  alias.add(boolean_field("alias_incoming_local", "Local-part based incoming detection"));
  alias.add(html_field("alias_bounced_content", "Custom Bounced Message"));
  r.put(std::move(alias));
}

}  // namespace

void add_mail_models(Registry& r) {
  add_messages(r);
  add_followers(r);
  add_activities(r);
  add_templates(r);
  add_outgoing(r);
  add_aliases(r);

  // The messaging actions' fields (docs/automation.md): Send Email, Add / Remove Followers,
  // Create Activity.
  Model action = r.get("ir.actions.server");
  action.add(
      many2one("template_id", "Email Template", "mail.template").ondelete(OnDelete::kSetNull));
  action.add(selection_field("mail_post_method", "Send Email As",
                             {{"email", "Email"}, {"comment", "Message"}, {"note", "Note"}})
                 .def("comment"));
  action.add(boolean_field("mail_post_autofollow", "Subscribe Recipients").def(true));
  action.add(many2many("partner_ids", "Followers to add", "res.partner")
                 .relation_table("ir_act_server_res_partner_rel", "server_id", "partner_id"));
  action.add(selection_field("followers_type", "Followers Type",
                             {{"specific", "Specific Followers"}, {"generic", "Dynamic Followers"}})
                 .def("specific"));
  action.add(char_field("followers_partner_field_name", "Followers Field")
                 .help("A dotted path from the record to partners, e.g. partner_id"));
  action.add(many2one("activity_type_id", "Activity Type", "mail.activity.type")
                 .ondelete(OnDelete::kRestrict));
  action.add(char_field("activity_summary", "Title"));
  action.add(html_field("activity_note", "Note"));
  action.add(integer_field("activity_date_deadline_range", "Due Date In"));
  action.add(selection_field("activity_date_deadline_range_type", "Due type",
                             {{"days", "Day(s)"}, {"weeks", "Week(s)"}, {"months", "Month(s)"}})
                 .def("days"));
  action.add(selection_field(
                 "activity_user_type", "User Type",
                 {{"specific", "Specific User"}, {"generic", "Dynamic User (based on record)"}})
                 .required()
                 .def("specific"));
  action.add(many2one("activity_user_id", "Responsible", "res.users"));
  action.add(char_field("activity_user_field_name", "User Field")
                 .def("user_id")
                 .help("A dotted path from the record to a user, e.g. user_id"));
  r.put(std::move(action));

  // Mail's fields on the users: how they are notified, and their signature.
  Model users = r.get("res.users");
  users.add(selection_field("notification_type", "Notification",
                            {{"email", "Handle by Emails"}, {"inbox", "Handle in autorules"}})
                .required()
                .def("email"));
  users.add(html_field("signature", "Email Signature"));
  r.put(std::move(users));
}

}  // namespace autorules::schema::builtin
