// The models of the base app: users, groups, API keys, contacts, currencies, and the ir.*
// models that describe the schema itself (ir.model, ir.model.fields, ...) and the server's
// configuration. Field names, selection keys and orders are Odoo's.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

namespace {

std::vector<SelectionOption> type_options() {
  std::vector<SelectionOption> out;
  for (auto key : all_type_keys()) {
    out.push_back({std::string(key), std::string(key)});
  }
  return out;
}

void add_users(Registry& r) {
  Model groups("res.groups", "Access Groups");
  groups.set_order("name");
  groups.add(char_field("name", "Group Name").required());
  groups.add(text_field("comment", "Comment"));
  groups.add(many2many("users", "Users", "res.users")
                 .relation_table("res_groups_users_rel", "gid", "uid"));
  groups.add(many2many("implied_ids", "Inherits", "res.groups")
                 .relation_table("res_groups_implied_rel", "gid", "hid"));
  groups.add(float_field("api_key_duration", "API Keys maximum duration days")
                 .help("The longest life, in days, of an API key a member of this group creates "
                       "(administrators: any)"));
  r.put(std::move(groups));

  Model users("res.users", "User");
  users.set_order("name, login");
  users.add(char_field("name", "Name").required());
  users.add(char_field("login", "Login").required().index().copy(false));
  users.add(many2one("partner_id", "Related Partner", "res.partner")
                .required()
                .ondelete(OnDelete::kRestrict));
  users.add(many2many("group_ids", "Groups", "res.groups")
                .relation_table("res_groups_users_rel", "uid", "gid"));
  // Odoo 18's name of group_ids, for older clients: the same links, read, written and searched.
  users.add(many2many("groups_id", "Groups (Odoo 18 name)", "res.groups")
                .relation_table("res_groups_users_rel", "uid", "gid")
                .copy(false)
                .help("The older name of group_ids: the same groups"));
  // The user's groups and every group they imply, transitively (orm/base/users.cc).
  users.add(
      many2many("all_group_ids", "Groups and Inherited Groups", "res.groups").computed_natively());
  users.add(boolean_field("share", "Share User")
                .readonly()
                .help("External user with limited access, not an internal user"));
  users.add(boolean_field("active", "Active").def(true));
  // The password's Argon2id hash (orm/password.h): written as a password, never read back.
  users.add(char_field("password", "Password")
                .write_only()
                .copy(false)
                .help("Written in clear, stored hashed; never shown. false clears it."));
  users.add(char_field("tz", "Timezone")
                .help("An IANA time zone, e.g. Europe/Brussels: the user's today and dates"));
  // The user's current company (base.main_company when none is given: orm/base/base_data.cc)
  // and the companies they may work in.
  users.add(many2one("company_id", "Company", "res.company").ondelete(OnDelete::kRestrict));
  users.add(many2many("company_ids", "Companies", "res.company")
                .relation_table("res_company_users_rel", "user_id", "cid"));
  // API keys are for administrators only: not even their ids are shown to other users.
  users.add(one2many("api_key_ids", "API Keys", "res.users.apikeys", "user_id").system_only());
  r.put(std::move(users));

  Model keys("res.users.apikeys", "Users API Keys");
  keys.set_order("id desc");
  keys.add(char_field("name", "Description").required().readonly());
  keys.add(
      many2one("user_id", "User", "res.users").required().readonly().ondelete(OnDelete::kCascade));
  keys.add(char_field("scope", "Scope").readonly());
  keys.add(datetime_field("expiration_date", "Expiration Date").readonly());
  // The first characters of the key, to find its row; the key itself is stored only hashed
  // (SHA-256), in a secret field the API never shows.
  keys.add(char_field("index", "Index").readonly().index());
  keys.add(char_field("key", "Key").secret());
  r.put(std::move(keys));

  // Web sessions (orm/base/sessions.h): made by logging in, ended by logging out, by a password
  // change or after web.session_lifetime seconds unused. The token is stored as keys are.
  Model sessions("res.users.session", "User Sessions");
  sessions.set_order("last_seen desc, id desc");
  sessions.add(
      many2one("user_id", "User", "res.users").required().readonly().ondelete(OnDelete::kCascade));
  sessions.add(char_field("index", "Index").readonly().index());
  sessions.add(char_field("token", "Token").secret());
  sessions.add(datetime_field("last_seen", "Last Seen").readonly());
  sessions.add(char_field("ip_address", "IP Address").readonly());
  sessions.add(char_field("user_agent", "Browser").readonly());
  r.put(std::move(sessions));
}

void add_partners(Registry& r) {
  Model category("res.partner.category", "Partner Tags");
  category.set_order("name");
  category.add(char_field("name", "Tag Name").required());
  category.add(integer_field("color", "Color"));
  category.add(many2one("parent_id", "Parent Category", "res.partner.category")
                   .ondelete(OnDelete::kCascade));
  category.add(one2many("child_ids", "Child Tags", "res.partner.category", "parent_id"));
  category.add(boolean_field("active", "Active").def(true));
  category.add(
      many2many("partner_ids", "Partners", "res.partner")
          .relation_table("res_partner_res_partner_category_rel", "category_id", "partner_id"));
  r.put(std::move(category));

  Model partner("res.partner", "Contact");
  partner.set_order("name, id desc");
  partner.set_mail_thread(true);
  partner.add(char_field("name", "Name").required().index());
  partner.add(char_field("email", "Email"));
  partner.add(char_field("phone", "Phone"));
  partner.add(char_field("mobile", "Mobile"));
  partner.add(char_field("website", "Website Link"));
  partner.add(char_field("function", "Job Position"));
  partner.add(char_field("street", "Street"));
  partner.add(char_field("street2", "Street2"));
  partner.add(char_field("city", "City"));
  partner.add(char_field("zip", "Zip"));
  partner.add(many2one("state_id", "State", "res.country.state").ondelete(OnDelete::kRestrict));
  partner.add(many2one("country_id", "Country", "res.country").ondelete(OnDelete::kRestrict));
  partner.add(char_field("ref", "Reference").index());
  partner.add(char_field("vat", "Tax ID").index().help("The tax identification number"));
  // Odoo: a selection of the installed languages (res.lang codes); here their code as text.
  partner.add(char_field("lang", "Language")
                  .def("en_US")
                  .help("The language of the contact's emails and documents (a res.lang code)"));
  partner.add(char_field("tz", "Timezone").help("An IANA time zone, e.g. Europe/Brussels"));
  partner.add(html_field("comment", "Notes"));
  partner.add(boolean_field("is_company", "Is a Company"));
  partner.add(selection_field("company_type", "Company Type",
                              {{"person", "Individual"}, {"company", "Company"}})
                  .def("person"));
  partner.add(boolean_field("employee", "Employee"));
  partner.add(many2one("parent_id", "Related Company", "res.partner").index());
  partner.add(one2many("child_ids", "Contact", "res.partner", "parent_id"));
  partner.add(
      many2many("category_id", "Tags", "res.partner.category")
          .relation_table("res_partner_res_partner_category_rel", "partner_id", "category_id"));
  partner.add(one2many("user_ids", "Users", "res.users", "partner_id"));
  partner.add(integer_field("customer_rank", "Customer Rank").copy(false));
  partner.add(boolean_field("active", "Active").def(true));
  r.put(std::move(partner));

  Model currency("res.currency", "Currency");
  currency.set_order("active desc, name");
  currency.add(char_field("name", "Currency").required().help("Currency Code (ISO 4217)"));
  currency.add(char_field("full_name", "Name"));
  currency.add(char_field("symbol", "Symbol").required());
  currency.add(float_field("rate", "Current Rate").def(1.0));
  currency.add(float_field("rounding", "Rounding Factor").def(0.01));
  currency.add(integer_field("decimal_places", "Decimal Places").def(2));
  currency.add(selection_field("position", "Symbol Position",
                               {{"after", "After Amount"}, {"before", "Before Amount"}})
                   .def("after"));
  currency.add(boolean_field("active", "Active").def(true));
  r.put(std::move(currency));
}

// Countries, their states, languages and companies: Odoo's base data. The records are loaded
// at first start (orm/base/base_data.cc).
void add_base_data(Registry& r) {
  Model country("res.country", "Country");
  country.set_order("name");
  country.add(char_field("name", "Country Name").required());
  country.add(char_field("code", "Country Code")
                  .required()
                  .index()
                  .help("The ISO country code in two chars (unique)"));
  country.add(integer_field("phone_code", "Country Calling Code"));
  country.add(many2one("currency_id", "Currency", "res.currency"));
  country.add(one2many("state_ids", "States", "res.country.state", "country_id"));
  r.put(std::move(country));

  Model state("res.country.state", "Country state");
  state.set_order("code");
  state.add(many2one("country_id", "Country", "res.country")
                .required()
                .index()
                .ondelete(OnDelete::kCascade));
  state.add(char_field("name", "State Name").required());
  state.add(char_field("code", "State Code")
                .required()
                .help("The state code (unique within its country)"));
  r.put(std::move(state));

  Model lang("res.lang", "Languages");
  lang.set_order("active desc, name");
  lang.add(char_field("name", "Name").required());
  lang.add(char_field("code", "Locale Code").required().help("The language's locale, e.g. en_US"));
  lang.add(char_field("iso_code", "ISO code").help("The ISO 639 code, e.g. en"));
  lang.add(char_field("url_code", "URL Code").required());
  lang.add(boolean_field("active", "Active"));
  lang.add(selection_field("direction", "Direction",
                           {{"ltr", "Left-to-Right"}, {"rtl", "Right-to-Left"}})
               .required()
               .def("ltr"));
  lang.add(char_field("date_format", "Date Format").required().def("%m/%d/%Y"));
  lang.add(char_field("time_format", "Time Format").required().def("%H:%M:%S"));
  lang.add(selection_field("week_start", "First Day of Week",
                           {{"1", "Monday"},
                            {"2", "Tuesday"},
                            {"3", "Wednesday"},
                            {"4", "Thursday"},
                            {"5", "Friday"},
                            {"6", "Saturday"},
                            {"7", "Sunday"}})
               .required()
               .def("7"));
  lang.add(char_field("grouping", "Separator Format")
               .required()
               .def("[]")
               .help("Digits per group of the thousands separator, e.g. [3,0]"));
  lang.add(char_field("decimal_point", "Decimal Separator").required().def("."));
  lang.add(char_field("thousands_sep", "Thousands Separator").def(","));
  r.put(std::move(lang));

  Model company("res.company", "Companies");
  company.set_order("sequence, name");
  company.add(char_field("name", "Company Name").required());
  company.add(integer_field("sequence", "Sequence").def(10));
  company.add(
      many2one("partner_id", "Partner", "res.partner").required().ondelete(OnDelete::kRestrict));
  company.add(
      many2one("currency_id", "Currency", "res.currency").required().ondelete(OnDelete::kRestrict));
  company.add(char_field("street", "Street"));
  company.add(char_field("street2", "Street2"));
  company.add(char_field("zip", "Zip"));
  company.add(char_field("city", "City"));
  company.add(many2one("state_id", "Fed. State", "res.country.state"));
  company.add(many2one("country_id", "Country", "res.country"));
  company.add(char_field("email", "Email"));
  company.add(char_field("phone", "Phone"));
  company.add(char_field("website", "Website"));
  company.add(char_field("vat", "Tax ID"));
  company.add(boolean_field("active", "Active").def(true));
  company.add(many2many("user_ids", "Accepted Users", "res.users")
                  .relation_table("res_company_users_rel", "cid", "user_id"));
  r.put(std::move(company));
}

void add_ir_models(Registry& r) {
  std::vector<SelectionOption> states = {{"manual", "Custom Object"}, {"base", "Base Object"}};

  Model model("ir.model", "Models");
  model.set_order("model");
  model.add(char_field("name", "Model Description").required());
  model.add(char_field("model", "Model").required().index());
  model.add(char_field("order", "Order").def("id").help("SQL expression for ordering records"));
  model.add(text_field("info", "Information"));
  model.add(one2many("field_id", "Fields", "ir.model.fields", "model_id").copy(true));
  // state and modules are set by the ORM (custom models are "manual"), whatever is written.
  model.add(selection_field("state", "Type", states).def("manual"));
  model.add(boolean_field("is_mail_thread", "Has Mail Thread"));
  model.add(char_field("modules", "In Apps"));
  r.put(std::move(model));

  Model fields("ir.model.fields", "Fields");
  fields.set_order("model_id, id");
  fields.add(char_field("name", "Field Name").required().index());
  fields.add(char_field("complete_name", "Complete Name"));
  fields.add(char_field("model", "Model Name").index().help("The technical name of the model"));
  fields.add(many2one("model_id", "Model", "ir.model").required().ondelete(OnDelete::kCascade));
  fields.add(char_field("field_description", "Field Label").required());
  fields.add(text_field("help", "Field Help"));
  fields.add(selection_field("ttype", "Field Type", type_options()).required());
  fields.add(char_field("relation", "Related Model"));
  fields.add(char_field("relation_field", "Relation Field"));
  fields.add(char_field("relation_table", "Relation Table"));
  fields.add(char_field("column1", "Column 1"));
  fields.add(char_field("column2", "Column 2"));
  fields.add(boolean_field("required", "Required"));
  fields.add(boolean_field("readonly", "Readonly"));
  fields.add(boolean_field("index", "Indexed"));
  fields.add(boolean_field("copied", "Copied").def(true));
  fields.add(char_field("related", "Related Field Definition"));
  fields.add(text_field("compute", "Compute").system_only());
  fields.add(char_field("depends", "Dependencies"));
  fields.add(boolean_field("store", "Stored").def(true));
  fields.add(
      selection_field("on_delete", "On Delete",
                      {{"cascade", "Cascade"}, {"set null", "Set NULL"}, {"restrict", "Restrict"}})
          .def("set null"));
  fields.add(one2many("selection_ids", "Selection Options", "ir.model.fields.selection", "field_id")
                 .copy(true));
  fields.add(char_field("default_value", "Default Value")
                 .help("A JSON value used when a record is created without this field"));
  fields.add(selection_field("state", "Type", {{"manual", "Custom Field"}, {"base", "Base Field"}})
                 .def("manual"));
  fields.add(char_field("modules", "In Apps"));
  r.put(std::move(fields));

  Model selection("ir.model.fields.selection", "Fields Selection");
  selection.set_order("sequence, id");
  selection.add(
      many2one("field_id", "Field", "ir.model.fields").required().ondelete(OnDelete::kCascade));
  selection.add(char_field("value", "Value").required());
  selection.add(char_field("name", "Name").required());
  selection.add(integer_field("sequence", "Sequence").def(1000));
  r.put(std::move(selection));

  Model data("ir.model.data", "Model Data");
  data.set_order("module, model, name");
  data.add(char_field("name", "External Identifier").required().index());
  data.add(char_field("module", "Module").required().index());
  data.add(char_field("complete_name", "Complete ID").readonly());
  data.add(char_field("model", "Model Name").required());
  data.add(integer_field("res_id", "Record ID").index());
  data.add(boolean_field("noupdate", "Non Updatable"));
  r.put(std::move(data));

  Model module("ir.module.module", "Module");
  module.set_order("name");
  module.add(char_field("name", "Technical Name").required().readonly());
  module.add(char_field("shortdesc", "Module Name").readonly());
  module.add(selection_field("state", "Status",
                             {{"uninstalled", "Not Installed"}, {"installed", "Installed"}})
                 .def("uninstalled")
                 .readonly());
  module.add(boolean_field("demo", "Demo Data").readonly());
  r.put(std::move(module));
}

void add_ir_config(Registry& r) {
  Model param("ir.config_parameter", "System Parameter");
  param.set_order("key");
  param.add(char_field("key", "Key").required().index());
  param.add(text_field("value", "Value").required());
  r.put(std::move(param));

  Model log("ir.logging", "Logging");
  log.set_order("id desc");
  log.add(char_field("name", "Name").required());
  log.add(selection_field("type", "Type", {{"client", "Client"}, {"server", "Server"}}).required());
  log.add(char_field("dbname", "Database Name").index());
  log.add(char_field("level", "Level").index());
  log.add(text_field("message", "Message").required());
  log.add(char_field("path", "Path").required().index());
  log.add(char_field("func", "Function").required());
  log.add(char_field("line", "Line").required());
  r.put(std::move(log));
}

}  // namespace

void add_base_models(Registry& r) {
  add_users(r);
  add_partners(r);
  add_base_data(r);
  add_ir_models(r);
  add_ir_config(r);
}

}  // namespace autorules::schema::builtin
