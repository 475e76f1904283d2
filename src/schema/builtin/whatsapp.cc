// WhatsApp (src/mail/whatsapp.h, docs/whatsapp.md): the Business accounts messages go through
// (Meta's WhatsApp Cloud API), the approved templates and their variables, the messages sent and
// received, and the "Send WhatsApp" action's field. Names follow Odoo 19's whatsapp app.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_whatsapp_models(Registry& r) {
  Model account("whatsapp.account", "WhatsApp Business Account");
  account.set_order("id");
  account.add(char_field("name", "Name").required());
  account.add(boolean_field("active", "Active").def(true));
  account.add(char_field("app_uid", "App ID"));
  account.add(char_field("app_secret", "App Secret")
                  .write_only()
                  .help("Checks the X-Hub-Signature-256 of the webhook's calls"));
  account.add(char_field("account_uid", "Account ID").help("The WhatsApp Business Account's id"));
  account.add(char_field("phone_uid", "Phone Number ID").required().index());
  account.add(char_field("token", "Access Token").write_only());
  account.add(char_field("webhook_verify_token", "Webhook Verify Token")
                  .write_only()
                  .help("What Meta sends as hub.verify_token when it checks the webhook"));
  account.add(char_field("api_url", "API URL")
                  .help("Empty: https://graph.facebook.com (Meta's Graph API)"));
  account.add(char_field("api_version", "API Version").def("v21.0"));
  r.put(std::move(account));

  Model tmpl("whatsapp.template", "WhatsApp Template");
  tmpl.set_order("name, id");
  tmpl.add(char_field("name", "Name").required());
  tmpl.add(char_field("template_name", "Template Name")
               .required()
               .help("The approved template's name at Meta, e.g. order_ready"));
  tmpl.add(char_field("lang_code", "Language").required().def("en_US"));
  tmpl.add(many2one("model_id", "Applies to", "ir.model").required().ondelete(OnDelete::kCascade));
  tmpl.add(char_field("model", "Related Document Model").related("model_id.model").store(true));
  tmpl.add(many2one("wa_account_id", "Account", "whatsapp.account").ondelete(OnDelete::kSetNull));
  tmpl.add(text_field("body", "Template body")
               .required()
               .help("As approved at Meta, with {{1}}, {{2}}... where the variables go"));
  tmpl.add(char_field("phone_field", "Phone Field")
               .help("A dotted path to the number; empty: the record's mobile or phone, else "
                     "its contact's"));
  tmpl.add(one2many("variable_ids", "Variables", "whatsapp.template.variable", "wa_template_id"));
  tmpl.add(boolean_field("active", "Active").def(true));
  r.put(std::move(tmpl));

  Model variable("whatsapp.template.variable", "WhatsApp Template Variable");
  variable.set_order("line_type, name, id");
  variable.add(many2one("wa_template_id", "Template", "whatsapp.template")
                   .required()
                   .index()
                   .ondelete(OnDelete::kCascade));
  variable.add(char_field("name", "Placeholder").required().help("{{1}}, {{2}}, ..."));
  variable.add(
      selection_field("line_type", "Variable location", {{"body", "Body"}}).required().def("body"));
  variable.add(selection_field("field_type", "Type",
                               {{"free_text", "Free Text"}, {"field", "Field of Model"}})
                   .required()
                   .def("free_text"));
  variable.add(char_field("field_name", "Field").help("A dotted path from the record"));
  variable.add(char_field("demo_value", "Sample Value")
                   .help("Free text: the value, an inline template ({{ object.name }})"));
  r.put(std::move(variable));

  Model message("whatsapp.message", "WhatsApp Messages");
  message.set_order("id desc");
  message.add(char_field("mobile_number", "Sent To").help("E.164"));
  message.add(selection_field("message_type", "Message Type",
                              {{"outbound", "Outbound"}, {"inbound", "Inbound"}})
                  .required()
                  .def("outbound"));
  message.add(selection_field("state", "State",
                              {{"outgoing", "In Queue"},
                               {"sent", "Sent"},
                               {"delivered", "Delivered"},
                               {"read", "Read"},
                               {"received", "Received"},
                               {"error", "Failed"},
                               {"cancel", "Cancelled"}})
                  .required()
                  .readonly()
                  .copy(false)
                  .index()
                  .def("outgoing"));
  message.add(selection_field("failure_type", "Failure Type",
                              {{"account", "Misconfigured or shared account"},
                               {"network", "Network Error"},
                               {"outdated_channel", "The customer has not written in 24 hours"},
                               {"phone_invalid", "Phone number is not on WhatsApp or invalid"},
                               {"template", "Template problem"},
                               {"unknown", "Unknown Error"},
                               {"whatsapp_recoverable", "Fixable by the customer"},
                               {"whatsapp_unrecoverable", "Unfixable"}})
                  .copy(false));
  message.add(text_field("failure_reason", "Failure Reason").readonly().copy(false));
  message.add(char_field("msg_uid", "WhatsApp Message ID").readonly().copy(false).index());
  message.add(
      many2one("wa_template_id", "Template", "whatsapp.template").ondelete(OnDelete::kSetNull));
  message.add(
      many2one("wa_account_id", "Account", "whatsapp.account").ondelete(OnDelete::kSetNull));
  message.add(
      many2one("mail_message_id", "Message", "mail.message").index().ondelete(OnDelete::kSetNull));
  message.add(many2one("partner_id", "Contact", "res.partner").ondelete(OnDelete::kSetNull));
  message.add(text_field("body", "Body"));
  message.add(char_field("model", "Related Document Model"));
  message.add(integer_field("res_id", "Related Document ID"));
  message.add(many2one("parent_id", "Answer To", "whatsapp.message").ondelete(OnDelete::kSetNull));
  message.add(integer_field("outbox_message_id", "Outbox Message").readonly().copy(false));
  r.put(std::move(message));

  Model action = r.get("ir.actions.server");
  action.add(many2one("wa_template_id", "WhatsApp Template", "whatsapp.template")
                 .ondelete(OnDelete::kSetNull));
  r.put(std::move(action));
}

}  // namespace autorules::schema::builtin
