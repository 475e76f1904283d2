// Text messages (src/mail/sms.h, docs/sms.md): SMS templates, the messages sent (sms.sms), the
// providers they go through, and the "Send SMS" action's fields. Names follow Odoo 19 where it has
// them (sms.template, sms.sms, sms_template_id, sms_method); the providers are autorules' own.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_sms_models(Registry& r) {
  Model tmpl("sms.template", "SMS Templates");
  tmpl.set_order("name, id");
  tmpl.add(char_field("name", "Name").required());
  tmpl.add(many2one("model_id", "Applies to", "ir.model")
               .required()
               .ondelete(OnDelete::kCascade)
               .help("The type of document this template can be used with"));
  tmpl.add(char_field("model", "Related Document Model").related("model_id.model").store(true));
  tmpl.add(text_field("body", "Body").required().help("Inline template: {{ object.name }}"));
  tmpl.add(char_field("lang", "Language"));
  r.put(std::move(tmpl));

  Model provider("sms.provider", "SMS Providers");
  provider.set_order("sequence, id");
  provider.add(char_field("name", "Name").required());
  provider.add(selection_field("provider", "Provider",
                               {{"twilio", "Twilio Messages API"}, {"webhook", "JSON webhook"}})
                   .required()
                   .def("twilio"));
  provider.add(integer_field("sequence", "Sequence").def(10).help("The first active one is used"));
  provider.add(boolean_field("active", "Active").def(true));
  provider.add(char_field("api_url", "API URL")
                   .help("Twilio: the API's address (empty: https://api.twilio.com); JSON "
                         "webhook: the URL messages are posted to"));
  provider.add(char_field("twilio_account_sid", "Account SID"));
  provider.add(char_field("twilio_auth_token", "Auth Token")
                   .write_only()
                   .help("Also checks the signature of Twilio's status callbacks"));
  provider.add(char_field("twilio_from", "From")
                   .help("The sending number (E.164) or a Messaging Service SID (MG...)"));
  provider.add(char_field("api_token", "Bearer Token").write_only());
  r.put(std::move(provider));

  Model sms("sms.sms", "Outgoing SMS");
  sms.set_order("id desc");
  sms.add(char_field("uuid", "UUID").readonly().copy(false).index());
  sms.add(char_field("number", "Number").help("As sent: E.164"));
  sms.add(text_field("body", "Body"));
  sms.add(many2one("partner_id", "Customer", "res.partner").ondelete(OnDelete::kSetNull));
  sms.add(
      many2one("mail_message_id", "Message", "mail.message").index().ondelete(OnDelete::kSetNull));
  sms.add(char_field("model", "Related Document Model"));
  sms.add(integer_field("res_id", "Related Document ID"));
  sms.add(selection_field("state", "SMS Status",
                          {{"outgoing", "In Queue"},
                           {"sent", "Sent"},
                           {"delivered", "Delivered"},
                           {"error", "Error"},
                           {"canceled", "Cancelled"}})
              .required()
              .readonly()
              .copy(false)
              .index()
              .def("outgoing"));
  sms.add(selection_field("failure_type", "Failure Type",
                          {{"unknown", "Unknown error"},
                           {"sms_number_missing", "Missing Number"},
                           {"sms_number_format", "Wrong Number Format"},
                           {"sms_credit", "Insufficient Credit"},
                           {"sms_server", "Server Error"},
                           {"sms_acc", "Unregistered Account"},
                           {"sms_provider_missing", "No SMS Provider"},
                           {"sms_invalid_destination", "Invalid Destination"},
                           {"sms_not_delivered", "Not Delivered"},
                           {"sms_rejected", "Rejected"}})
              .copy(false));
  sms.add(text_field("failure_reason", "Failure Reason").readonly().copy(false));
  sms.add(many2one("provider_id", "Provider", "sms.provider").ondelete(OnDelete::kSetNull));
  sms.add(char_field("provider_message_id", "Provider Message ID")
              .readonly()
              .copy(false)
              .index()
              .help("The provider's id of the message (Twilio's SM...)"));
  sms.add(integer_field("outbox_message_id", "Outbox Message").readonly().copy(false));
  r.put(std::move(sms));

  // "Send SMS" (docs/automation.md).
  Model action = r.get("ir.actions.server");
  action.add(
      many2one("sms_template_id", "SMS Template", "sms.template").ondelete(OnDelete::kSetNull));
  action.add(
      selection_field(
          "sms_method", "Send SMS As",
          {{"sms", "SMS (without note)"}, {"comment", "SMS (with note)"}, {"note", "Note only"}})
          .def("sms"));
  r.put(std::move(action));
}

}  // namespace autorules::schema::builtin
