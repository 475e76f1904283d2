// What a server action needs before it can run, checked when it is saved (and when a rule or a
// multi action links it): the fields its type reads, a type this build runs, values its target
// field accepts. An action refused here would otherwise be saved and then fail every run (an
// automation rule holding it would fail every create or write of its model). Odoo's messages
// where Odoo has one (its warnings that make an action refuse to run, its constraints); the
// others name the action, its type and the field to fill.
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "actions/actions.h"
#include "actions/internal/ai_update.h"
#include "actions/internal/types.h"
#include "common/datetime.h"
#include "script/sandbox.h"

namespace autorules::actions {

using common::Id;
using common::Value;

namespace internal {

std::string type_not_available(const orm::RecordSet& action, const std::string& state,
                               const std::string& name) {
  const schema::Field* f = action.model().field("state");
  const schema::SelectionOption* o = f ? f->option(state) : nullptr;
  return fmt::format("The action type '{}' ({}) is not available yet (action '{}')", state,
                     o ? o->label : state, name);
}

}  // namespace internal

namespace {

// One action's saved values, read once, in superuser mode.
class Saved {
 public:
  explicit Saved(const orm::RecordSet& action) : action_(action.sudo()), row_(action_.row()) {}

  const orm::RecordSet& action() const { return action_; }
  const orm::Env& env() const { return action_.env(); }
  std::string text(const char* name) const {
    auto it = row_.find(name);
    return it != row_.end() && it->second.is_string() ? it->second.as_string() : std::string();
  }
  Id id_of(const char* name) const {
    auto it = row_.find(name);
    return it != row_.end() && it->second.is_int() ? it->second.as_int() : 0;
  }
  std::string name() const { return text("name"); }
  // The action as its runner sees it, for the defaults the runner applies (followers_path, ...).
  internal::Run run(const schema::Model& model) const {
    return internal::Run{
        .action = action_,
        .values = std::make_shared<const std::unordered_map<std::string, Value>>(row_),
        .env = env(),
        .model = model.name()};
  }
  // The label of the action's type, e.g. "Update Record".
  std::string type_label() const {
    const schema::Field* f = action_.model().field("state");
    const schema::SelectionOption* o = f ? f->option(text("state")) : nullptr;
    return o ? o->label : text("state");
  }
  // "The action 'X' (Update Record) needs ..."
  std::string needs(std::string_view what) const {
    return fmt::format("The action '{}' ({}) needs {}", name(), type_label(), what);
  }
  // A column of an ir.model.fields (or other) record, as text.
  std::string text_of(const char* model, Id id, const char* field) const {
    Value v = env()[model].browse({id}).get(field);
    return v.is_string() ? v.as_string() : std::string();
  }

 private:
  orm::RecordSet action_;
  std::unordered_map<std::string, Value> row_;
};

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

// The record id of "model,id" or of digits, as the Update Record runner reads it.
bool has_record_id(const Saved& a) {
  std::string ref = a.text("resource_ref");
  size_t comma = ref.find(',');
  std::string digits = comma == std::string::npos ? a.text("value") : ref.substr(comma + 1);
  try {
    size_t used = 0;
    long long id = std::stoll(digits, &used);
    return used == digits.size() && id > 0;
  } catch (...) {
    return false;
  }
}

bool whole_number(const std::string& raw) {
  try {
    size_t used = 0;
    std::stoll(raw, &used);
    return used == raw.size();
  } catch (...) {
    return false;
  }
}

bool finite_number(const std::string& raw) {
  try {
    size_t used = 0;
    double d = std::stod(raw, &used);
    return used == raw.size() && std::isfinite(d);
  } catch (...) {
    return false;
  }
}

// Update Record's path: every field but the last relational (Odoo 19's message), each one
// existing. The last field, or nullptr after setting `error`.
const schema::Field* walk_path(const orm::Env& env, const schema::Model& start,
                               const std::string& path, std::string& error) {
  using Stop = schema::Registry::ResolvedPath::Stop;
  auto walked = env.registry().resolve_path(start, path, schema::Registry::OnBadPath::kStop);
  switch (walked.stop) {
    case Stop::kNone:
      return walked.field;
    case Stop::kNoField:
      error = fmt::format("The field '{}' of the path '{}' does not exist on the model '{}'",
                          walked.segments[walked.steps.size()], path, walked.model->name());
      break;
    case Stop::kNotRelational:
      error = fmt::format(
          "The path contained by the field 'Field to Update Path' contains a non-relational "
          "field ({}) that is not the last field in the path. You can't traverse non-relational "
          "fields (even in the quantum realm). Make sure only the last field in the path is "
          "non-relational.",
          walked.field->string);
      break;
    case Stop::kNoModel:
      error = fmt::format("The model '{}' of the path '{}' does not exist", walked.field->relation,
                          path);
      break;
  }
  return nullptr;
}

// link_field_id of Create / Duplicate Record: a relational field of the action's model whose
// comodel is the model of the new record.
std::optional<std::string> check_link(const Saved& a, const std::string& model,
                                      const std::string& target) {
  Id link = a.id_of("link_field_id");
  if (!link)
    return std::nullopt;
  std::string ttype = a.text_of("ir.model.fields", link, "ttype");
  bool relational = ttype == "many2one" || ttype == "one2many" || ttype == "many2many";
  if (a.text_of("ir.model.fields", link, "model") != model || !relational ||
      a.text_of("ir.model.fields", link, "relation") != target) {
    return fmt::format(
        "The link field '{}' ({}) of the action '{}' must be a many2one, one2many or many2many "
        "field of '{}' to '{}'",
        a.text_of("ir.model.fields", link, "field_description"),
        a.text_of("ir.model.fields", link, "name"), a.name(), model, target);
  }
  return std::nullopt;
}

std::optional<std::string> check_update(const Saved& a, const schema::Model& model) {
  const orm::Env& env = a.env();
  std::string path = a.text("update_path");
  if (path.empty()) {
    if (Id fid = a.id_of("update_field_id")) {
      path = a.text_of("ir.model.fields", fid, "name");
      if (a.text_of("ir.model.fields", fid, "model") != model.name()) {
        return fmt::format(
            "The field to update '{}' (update_field_id) of the action '{}' is not a field of its "
            "model '{}'",
            path, a.name(), model.name());
      }
    }
  }
  if (path.empty())
    return a.needs("the field to update: set update_path (or update_field_id)");
  std::string error;
  const schema::Field* target = walk_path(env, model, path, error);
  if (!target)
    return error;
  std::string type = a.text("evaluation_type");
  std::string value = a.text("value");
  if (type == "ai")
    return internal::ai_update_problem(a.env().runtime(), a.name(), a.text("ai_prompt"), *target);
  if (type == "equation") {
    if (blank(value))
      return a.needs("the Python expression that computes the value: set value");
    return script::check(value, script::Mode::kEval);
  }
  if (type == "sequence") {
    if (!a.id_of("sequence_id"))
      return a.needs("the sequence to use: set sequence_id");
    if (target->type != schema::FieldType::kChar && target->type != schema::FieldType::kText)
      return std::string("A sequence must only be used with character fields.");
    return std::nullopt;
  }
  // "value" (Update): what the runner makes of the text for the target field's type.
  auto not_a = [&](std::string_view kind) {
    return a.needs(fmt::format("{} for the field '{}' ({}) in value, not '{}'", kind,
                               target->string, target->name, value));
  };
  switch (target->type) {
    case schema::FieldType::kMany2many:
    case schema::FieldType::kOne2many: {
      std::string op = a.text("update_m2m_operation");
      if (op != "clear" && !has_record_id(a)) {
        return a.needs(
            fmt::format("the record to {}: set resource_ref (\"model,id\") or value (its id)",
                        op.empty() ? "add" : op));
      }
      return std::nullopt;
    }
    case schema::FieldType::kInteger:
      if (!whole_number(value))
        return not_a("a whole number");
      return std::nullopt;
    case schema::FieldType::kFloat:
    case schema::FieldType::kMonetary:
      if (!finite_number(value))
        return not_a("a number");
      return std::nullopt;
    case schema::FieldType::kDate:
      if (!value.empty() && !common::parse_date(value) && !common::parse_datetime(value))
        return not_a("a date \"YYYY-MM-DD\"");
      return std::nullopt;
    case schema::FieldType::kDatetime:
      if (!value.empty() && !common::parse_datetime(value))
        return not_a("a datetime \"YYYY-MM-DD HH:MM:SS\"");
      return std::nullopt;
    case schema::FieldType::kSelection: {
      std::string key = value;
      if (Id sel = a.id_of("selection_value"))
        key = a.text_of("ir.model.fields.selection", sel, "value");
      if (!key.empty() && !target->option(key)) {
        return a.needs(fmt::format("one of the values of the field '{}' ({}), not '{}'",
                                   target->string, target->name, key));
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> check_create(const Saved& a, const schema::Model& model) {
  std::string target = model.name();
  if (Id crud = a.id_of("crud_model_id"))
    target = a.text_of("ir.model", crud, "model");
  const schema::Model* m = a.env().registry().find(target);
  if (!m)
    return a.needs(fmt::format("a model to create records of ('{}' does not exist)", target));
  if (m->rec_name().empty()) {
    return fmt::format(
        "Cannot create a '{}' record from a name: the model has no name field (action '{}')",
        target, a.name());
  }
  if (blank(a.text("value")))
    return a.needs("the name of the record to create: set value");
  return check_link(a, model.name(), target);
}

std::optional<std::string> check_copy(const Saved& a, const schema::Model& model) {
  std::string ref = a.text("resource_ref");
  if (ref.empty())
    return a.needs("the record to duplicate: set resource_ref (\"model,id\")");
  size_t comma = ref.find(',');
  std::string target = comma == std::string::npos ? "" : ref.substr(0, comma);
  std::string digits = comma == std::string::npos ? "" : ref.substr(comma + 1);
  Id id = 0;
  try {
    size_t used = 0;
    id = std::stoll(digits, &used);
    if (used != digits.size())
      id = 0;
  } catch (...) {
  }
  if (id <= 0) {
    return fmt::format("Invalid record reference '{}' of the action '{}': expected \"model,id\"",
                       ref, a.name());
  }
  if (!a.env().registry().find(target)) {
    return fmt::format("The record to duplicate '{}' of the action '{}' is of an unknown model",
                       ref, a.name());
  }
  if (a.env()[target].browse({id}).exists().empty()) {
    return fmt::format("The record to duplicate '{}' of the action '{}' does not exist", ref,
                       a.name());
  }
  return check_link(a, model.name(), target);
}

std::optional<std::string> check_webhook(const Saved& a, const schema::Model& model) {
  if (a.text("webhook_url").empty()) {
    return std::string(
        "I'll be happy to send a webhook for you, but you really need to give me a URL to reach "
        "out to...");
  }
  std::string restricted;
  Value fields = a.action().get("webhook_field_ids");
  for (Id fid : fields.is_ids() ? fields.as_ids() : common::IdList{}) {
    const schema::Field* f = model.field(a.text_of("ir.model.fields", fid, "name"));
    if (f && (f->system_only || f->secret || f->write_only))
      restricted += fmt::format("\n- {}", f->string);
  }
  if (!restricted.empty()) {
    return "Group-restricted fields cannot be included in webhook payloads, as it could allow any "
           "user to accidentally leak sensitive information. You will have to remove the "
           "following fields from the webhook payload:" +
           restricted;
  }
  return std::nullopt;
}

// The messaging types run on records of mail threads (Send Email's "email" method excepted).
std::optional<std::string> needs_thread(const Saved& a, const schema::Model& model) {
  if (model.is_mail_thread())
    return std::nullopt;
  return fmt::format(
      "The action '{}' ({}) needs a model with a chatter (a mail thread); '{}' "
      "is not one",
      a.name(), a.type_label(), model.name());
}

// A dynamic path (followers, activity user) must walk relational fields to `comodel`; the labels
// of its fields joined by " > " name it in the message, as Odoo's warning does.
std::optional<std::string> check_path_to(const Saved& a, const schema::Model& model,
                                         const std::string& path, const std::string& comodel,
                                         const char* what) {
  const schema::Model* m = &model;
  std::string labels;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string name =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const schema::Field* f = m ? m->field(name) : nullptr;
    if (!f || !f->is_relational())
      return fmt::format("The action '{}' ({}): the path '{}' does not lead to {} records",
                         a.name(), a.type_label(), path, comodel);
    labels += (labels.empty() ? "" : " > ") + f->string;
    m = a.env().registry().find(f->relation);
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  if (!m || m->name() != comodel)
    return fmt::format("The field '{}' is not a {} field.", labels, what);
  return std::nullopt;
}

std::optional<std::string> check_mail_post(const Saved& a, const schema::Model& model) {
  Id tmpl = a.id_of("template_id");
  if (!tmpl)
    return a.needs("an email template (template_id)");
  std::string of = a.text_of("mail.template", tmpl, "model");
  if (!of.empty() && of != model.name())
    return fmt::format("The email template of the action '{}' is for '{}', not '{}'", a.name(), of,
                       model.name());
  if (a.text("mail_post_method") != "email")
    return needs_thread(a, model);
  return std::nullopt;
}

std::optional<std::string> check_sms(const Saved& a, const schema::Model& model) {
  Id tmpl = a.id_of("sms_template_id");
  if (!tmpl)
    return a.needs("an SMS template (sms_template_id)");
  std::string of = a.text_of("sms.template", tmpl, "model");
  if (!of.empty() && of != model.name())
    return fmt::format("The SMS template of the action '{}' is for '{}', not '{}'", a.name(), of,
                       model.name());
  if (a.text("sms_method") != "sms")
    return needs_thread(a, model);
  return std::nullopt;
}

std::optional<std::string> check_whatsapp(const Saved& a, const schema::Model& model) {
  if (auto e = needs_thread(a, model))
    return e;
  Id tmpl = a.id_of("wa_template_id");
  if (!tmpl)
    return a.needs("a WhatsApp template (wa_template_id)");
  std::string of = a.text_of("whatsapp.template", tmpl, "model");
  if (!of.empty() && of != model.name())
    return fmt::format("The WhatsApp template of the action '{}' is for '{}', not '{}'", a.name(),
                       of, model.name());
  return std::nullopt;
}

std::optional<std::string> check_followers(const Saved& a, const schema::Model& model) {
  if (auto e = needs_thread(a, model))
    return e;
  if (a.text("followers_type") == "generic")
    return check_path_to(a, model, internal::followers_path(a.run(model)), "res.partner",
                         "partner");
  return std::nullopt;
}

std::optional<std::string> check_next_activity(const Saved& a, const schema::Model& model) {
  if (auto e = needs_thread(a, model))
    return e;
  if (!a.id_of("activity_type_id"))
    return a.needs("an activity type (activity_type_id)");
  Value range = a.action().get("activity_date_deadline_range");
  if (range.is_int() && range.as_int() < 0)
    return std::string("The 'Due Date In' value can't be negative.");
  if (a.text("activity_user_type") == "generic")
    return check_path_to(a, model, internal::activity_user_path(a.run(model)), "res.users", "user");
  return std::nullopt;
}

std::optional<std::string> check_action(const Saved& a, std::set<Id>& seen);

// Odoo 19's warnings of a multi action about its children.
std::optional<std::string> check_multi(const Saved& a, std::set<Id>& seen) {
  orm::RecordSet children = a.action().related("child_ids");
  Id model_id = a.id_of("model_id");
  std::string other_model;
  std::string with_warnings;
  for (Id child : children.ids()) {
    Saved c(children.browse({child}));
    if (c.id_of("model_id") != model_id)
      other_model += (other_model.empty() ? "" : ", ") + c.name();
    else if (check_action(c, seen))
      with_warnings += (with_warnings.empty() ? "" : ", ") + c.name();
  }
  if (!other_model.empty()) {
    return fmt::format("Following child actions should have the same model ({}): {}",
                       a.text_of("ir.model", model_id, "name"), other_model);
  }
  if (!with_warnings.empty())
    return fmt::format("Following child actions have warnings: {}", with_warnings);
  return std::nullopt;
}

std::optional<std::string> check_action(const Saved& a, std::set<Id>& seen) {
  if (!seen.insert(a.action().id()).second)
    return std::nullopt;  // a cycle: refused on its own
  const std::string state = a.text("state");
  const internal::TypeInfo& type = internal::type_of(state);
  if (!type.available())
    return internal::type_not_available(a.action(), state, a.name());
  const schema::Model* model =
      a.env().registry().find(a.text_of("ir.model", a.id_of("model_id"), "model"));
  if (!model)
    return std::nullopt;  // the ORM keeps model_id valid
  switch (type.type) {
    case internal::Type::kObjectWrite:
      return check_update(a, *model);
    case internal::Type::kObjectCreate:
      return check_create(a, *model);
    case internal::Type::kObjectCopy:
      return check_copy(a, *model);
    case internal::Type::kWebhook:
      return check_webhook(a, *model);
    case internal::Type::kMulti:
      return check_multi(a, seen);
    case internal::Type::kMailPost:
      return check_mail_post(a, *model);
    case internal::Type::kSms:
      return check_sms(a, *model);
    case internal::Type::kWhatsapp:
      return check_whatsapp(a, *model);
    case internal::Type::kFollowers:
    case internal::Type::kRemoveFollowers:
      return check_followers(a, *model);
    case internal::Type::kNextActivity:
      return check_next_activity(a, *model);
    default:
      return std::nullopt;  // code: compiled when written; empty code does nothing
  }
}

}  // namespace

std::optional<std::string> cannot_run(const orm::RecordSet& action) {
  std::set<Id> seen;
  return check_action(Saved(action), seen);
}

}  // namespace autorules::actions
