// ir.actions.server: server actions (docs/automation.md), the "what to do" of automation rules and
// of manual runs. Field names and selection keys are Odoo 19's. Fields that belong to subsystems
// not built yet (templates, sequences, activities) are added by them.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_action_models(Registry& r) {
  Model action("ir.actions.server", "Server Action");
  action.set_order("sequence, name, id");
  action.add(char_field("name", "Action Name").required());
  action.add(selection_field("state", "Type",
                             {{"object_write", "Update Record"},
                              {"object_create", "Create Record"},
                              {"object_copy", "Duplicate Record"},
                              {"code", "Execute Code"},
                              {"webhook", "Send Webhook Notification"},
                              {"multi", "Multi Actions"},
                              {"mail_post", "Send Email"},
                              {"followers", "Add Followers"},
                              {"remove_followers", "Remove Followers"},
                              {"next_activity", "Create Activity"},
                              {"sms", "Send SMS Text Message"},
                              {"whatsapp", "Send WhatsApp"}})
                 .required()
                 .def("object_write"));
  action.add(selection_field("usage", "Usage",
                             {{"ir_actions_server", "Server Action"},
                              {"ir_cron", "Scheduled Action"},
                              {"base_automation", "Automation Rule"}})
                 .def("ir_actions_server"));
  action.add(integer_field("sequence", "Sequence").def(5));
  action.add(many2one("model_id", "Model", "ir.model").required().ondelete(OnDelete::kCascade));
  action.add(char_field("model_name", "Model Name").related("model_id.model"));
  action.add(many2many("group_ids", "Allowed Groups", "res.groups")
                 .relation_table("ir_act_server_group_rel", "act_id", "gid"));
  // Odoo 18's name of group_ids, for older clients: the same links.
  action.add(many2many("groups_id", "Allowed Groups (Odoo 18 name)", "res.groups")
                 .relation_table("ir_act_server_group_rel", "act_id", "gid")
                 .copy(false)
                 .help("The older name of group_ids: the same groups"));
  // Odoo's warnings about the action as it stands (a child on another model, a webhook sending a
  // restricted field, ...): false when it can run (actions/run.cc).
  action.add(text_field("warning", "Warning").computed_natively());
  action.add(text_field("code", "Python Code")
                 .system_only()
                 .help("Python code run with env, model, record, records, ... (see the docs)"));
  action.add(
      many2one("parent_id", "Parent Action", "ir.actions.server").ondelete(OnDelete::kCascade));
  action.add(one2many("child_ids", "Child Actions", "ir.actions.server", "parent_id"));
  // Create / duplicate.
  action.add(
      many2one("crud_model_id", "Record to Create", "ir.model").ondelete(OnDelete::kCascade));
  action.add(char_field("crud_model_name", "Target Model Name").related("crud_model_id.model"));
  action.add(
      many2one("link_field_id", "Link Field", "ir.model.fields").ondelete(OnDelete::kCascade));
  // Update.
  action.add(many2one("update_field_id", "Field to Update", "ir.model.fields")
                 .ondelete(OnDelete::kCascade));
  action.add(
      char_field("update_path", "Field to Update Path")
          .help("A dotted path from the record to the field to update, e.g. partner_id.name"));
  action.add(many2one("update_related_model_id", "Update Related Model", "ir.model")
                 .ondelete(OnDelete::kCascade));
  action.add(selection_field("update_m2m_operation", "Many2many Operations",
                             {{"add", "Adding"},
                              {"remove", "Removing"},
                              {"set", "Setting it to"},
                              {"clear", "Clearing it"}})
                 .def("add"));
  action.add(selection_field("update_boolean_value", "Boolean Value",
                             {{"true", "Yes (True)"}, {"false", "No (False)"}})
                 .def("true"));
  action.add(selection_field("evaluation_type", "Value Type",
                             {{"value", "Update"},
                              {"equation", "Compute"},
                              {"sequence", "Sequence"},
                              {"ai", "Update with AI"}})
                 .def("value"));
  action.add(text_field("ai_prompt", "AI Prompt")
                 .help("With Update with AI: the prompt, rendered with the record's fields"));
  action.add(text_field("value", "Value")
                 .help("The value to write, or with Compute a Python expression giving it"));
  action.add(html_field("html_value", "HTML Value"));
  action.add(
      many2one("sequence_id", "Sequence to use", "ir.sequence").ondelete(OnDelete::kSetNull));
  action.add(char_field("resource_ref", "Record").help("model,id of a record"));
  action.add(many2one("selection_value", "Custom Value", "ir.model.fields.selection")
                 .ondelete(OnDelete::kSetNull));
  // Webhook.
  action.add(char_field("webhook_url", "Webhook URL").system_only());
  action.add(many2many("webhook_field_ids", "Webhook Fields", "ir.model.fields")
                 .relation_table("ir_act_server_webhook_field_rel", "server_id", "field_id"));
  action.add(text_field("webhook_sample_payload", "Sample Payload").store(true));
  // Whoever knows it can sign deliveries: written by administrators, never read back.
  action.add(char_field("webhook_secret", "Signing Secret")
                 .write_only()
                 .system_only()
                 .help("When set, deliveries carry a Standard Webhooks signature"));
  r.put(std::move(action));
}

}  // namespace autorules::schema::builtin
