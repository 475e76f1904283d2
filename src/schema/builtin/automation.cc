// base.automation: automation rules (docs/automation.md), with Odoo 17–19's field names and trigger
// keys. model_name is a stored, writable mirror of model_id.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_automation_models(Registry& r) {
  Model rule("base.automation", "Automation Rule");
  rule.set_order("id");
  rule.add(char_field("name", "Automation Rule Name").required());
  rule.add(html_field("description", "Description"));
  rule.add(many2one("model_id", "Model", "ir.model").required().ondelete(OnDelete::kCascade));
  rule.add(char_field("model_name", "Model Name")
               .help("The model's technical name; writing it sets the model"));
  rule.add(
      boolean_field("model_is_mail_thread", "Has Mail Thread").related("model_id.is_mail_thread"));
  rule.add(boolean_field("active", "Active").def(true));
  rule.add(selection_field("trigger", "Trigger",
                           {{"on_stage_set", "Stage is set to"},
                            {"on_user_set", "User is set"},
                            {"on_tag_set", "Tag is added"},
                            {"on_state_set", "State is set to"},
                            {"on_priority_set", "Priority is set to"},
                            {"on_archive", "On archived"},
                            {"on_unarchive", "On unarchived"},
                            {"on_create_or_write", "On save"},
                            {"on_create", "On creation"},
                            {"on_write", "On update"},
                            {"on_unlink", "On deletion"},
                            {"on_change", "On UI change"},
                            {"on_time", "Based on date field"},
                            {"on_time_created", "After creation"},
                            {"on_time_updated", "After last update"},
                            {"on_message_received", "On incoming message"},
                            {"on_message_sent", "On outgoing message"},
                            {"on_webhook", "On webhook"}})
               .required());
  rule.add(many2many("trigger_field_ids", "Trigger Fields", "ir.model.fields")
               .help("Watched fields: the rule fires only when one of them is written and changed. "
                     "Empty: any field."));
  rule.add(many2one("trg_selection_field_id", "Trigger Field Value", "ir.model.fields.selection")
               .ondelete(OnDelete::kSetNull));
  rule.add(integer_field("trg_field_ref", "Trigger Reference")
               .help("The id of the stage or tag of 'Stage is set to' / 'Tag is added'"));
  rule.add(char_field("trg_field_ref_model_name", "Trigger Field Model"));
  rule.add(char_field("filter_pre_domain", "Before Update Domain")
               .help("Condition on the record before the update"));
  rule.add(
      char_field("filter_domain", "Apply on").help("Condition on the record after the operation"));
  rule.add(many2many("on_change_field_ids", "On Change Fields Trigger", "ir.model.fields")
               .relation_table("base_automation_onchange_fields_rel", "action_id", "field_id"));
  rule.add(many2one("trg_date_id", "Trigger Date", "ir.model.fields").ondelete(OnDelete::kSetNull));
  rule.add(integer_field("trg_date_range", "Delay"));
  rule.add(selection_field(
      "trg_date_range_type", "Delay Unit",
      {{"minutes", "Minutes"}, {"hour", "Hours"}, {"day", "Days"}, {"month", "Months"}}));
  rule.add(selection_field("trg_date_range_mode", "Delay Mode",
                           {{"after", "After"}, {"before", "Before"}})
               .def("after"));
  rule.add(datetime_field("last_run", "Last Run").copy(false));
  rule.add(one2many("action_server_ids", "Actions", "ir.actions.server", "base_automation_id")
               .copy(true));
  // The webhook's URL holds its secret (whoever knows it runs the rule), and the record getter
  // is Python: both are for administrators only, as Python code is.
  // Computed when read from web.base.url (as Odoo's): it follows the server's address.
  rule.add(char_field("url", "URL").system_only().computed_natively());
  rule.add(char_field("webhook_uuid", "Webhook UUID")
               .readonly()
               .copy(false)
               .system_only()
               .def(DefaultKind::kUuid));
  rule.add(char_field("record_getter", "Record Getter")
               .system_only()
               .def("model.env[payload.get('_model')].browse(int(payload.get('_id')))"));
  rule.add(boolean_field("log_webhook_calls", "Log Calls"));
  r.put(std::move(rule));

  // Server actions belong to at most one rule.
  Model action = r.get("ir.actions.server");
  action.add(many2one("base_automation_id", "Automation Rule", "base.automation")
                 .ondelete(OnDelete::kCascade));
  r.put(std::move(action));

  // Each rule's runs and failures per hour, kept 31 days (docs/automation.md, "Run statistics"):
  // written by the server from the counts it keeps in memory, read through run_stats().
  Model stat("base.automation.stat", "Automation Rule Statistics");
  stat.set_order("hour desc, id desc");
  stat.add(many2one("automation_id", "Automation Rule", "base.automation")
               .required()
               .index()
               .ondelete(OnDelete::kCascade));
  stat.add(datetime_field("hour", "Hour").required().index().help("The hour's start, in UTC"));
  stat.add(integer_field("runs", "Runs"));
  stat.add(integer_field("failures", "Failures"));
  stat.add(datetime_field("last_run", "Last Run"));
  stat.add(datetime_field("last_failure", "Last Failure"));
  stat.add(text_field("last_error", "Last Error").help("The message of the last failure"));
  r.put(std::move(stat));
}

}  // namespace autorules::schema::builtin
