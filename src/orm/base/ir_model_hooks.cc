// The hooks of ir.model, ir.model.fields and ir.model.fields.selection: see ir_model_hooks.h.
#include "orm/base/ir_model_hooks.h"

#include <cctype>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/ir_model_rows.h"
#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"
#include "orm/recordset.h"
#include "orm/xmlid.h"
#include "store/schema_sync.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::ValidationError;
using common::Value;
using schema::Field;
using schema::FieldType;

namespace {

bool install_mode(const Env& env) {
  auto it = env.context().find("__install_mode");
  return env.su() && it != env.context().end() && it->is_boolean() && it->get<bool>();
}

std::string install_module(const Env& env) {
  auto it = env.context().find("__module");
  return it != env.context().end() && it->is_string() ? it->get<std::string>() : "base";
}

const std::regex kFieldName("^[a-z_][a-z0-9_]{0,62}$");
const std::regex kModelName("^[a-z0-9_][a-z0-9_.]*$");

std::string text_of(const Json& vals, const char* key) {
  auto it = vals.find(key);
  return it != vals.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Checks a field definition against the registry; fills derived attributes.
void validate_field(const Env& env, const schema::Model& model, Field& f) {
  const schema::Registry& reg = env.registry();
  if (f.is_relational()) {
    if (f.relation.empty()) {
      throw ValidationError(
          fmt::format("The relational field '{}' needs a related model (relation)", f.name));
    }
    if (f.relation != model.name() && !reg.contains(f.relation)) {
      throw ValidationError(
          fmt::format("Unknown model '{}' for the field '{}' (relation)", f.relation, f.name));
    }
  }
  if (f.type == FieldType::kOne2many) {
    const schema::Model* co = f.relation == model.name() ? &model : reg.find(f.relation);
    const Field* inv = co ? co->field(f.relation_field) : nullptr;
    if (f.relation_field.empty() || !inv || inv->type != FieldType::kMany2one ||
        inv->relation != model.name()) {
      throw ValidationError(fmt::format(
          "The one2many field '{}' needs an inverse many2one field '{}' on '{}' pointing to '{}'",
          f.name, f.relation_field, f.relation, model.name()));
    }
  }
  if (f.type == FieldType::kSelection && f.selection.empty() && f.related.empty()) {
    // Options may come with selection_ids right after; an empty selection is allowed.
  }
  if (!f.related.empty()) {
    schema::Registry::ResolvedPath end;
    try {
      end = reg.resolve_path(model, f.related);
    } catch (const common::ValueError& e) {
      throw ValidationError(
          fmt::format("Invalid related path '{}' for field '{}': {}", f.related, f.name, e.what()));
    }
    if (end.field->type != f.type || (f.is_relational() && end.field->relation != f.relation)) {
      throw ValidationError(
          fmt::format("The related field '{}' must have the type of '{}' ({}{})", f.name, f.related,
                      schema::type_key(end.field->type),
                      end.field->is_relational() ? " to " + end.field->relation : ""));
    }
    if (f.is_x2many()) {
      throw ValidationError(
          fmt::format("Stored related x2many fields are not supported ('{}')", f.name));
    }
    if (f.type == FieldType::kSelection)
      f.selection = end.field->selection;
    f.readonly = true;
  }
  if (!f.compute.empty()) {
    if (!env.runtime().compute()) {
      throw ValidationError(fmt::format(
          "The field '{}' is computed by Python code, which needs the Python sandbox: not "
          "available yet",
          f.name));
    }
    if (const CodeChecker& check = env.runtime().code_checker()) {
      if (auto error = check(f.compute))
        throw ValidationError(*error);
    }
    for (const std::string& dep : f.depends) {
      try {
        env.registry().resolve_path(model, dep);
      } catch (const common::ValueError& e) {
        throw ValidationError(
            fmt::format("Invalid dependency '{}' of the field '{}': {}", dep, f.name, e.what()));
      }
    }
  }
  if (f.default_kind == schema::DefaultKind::kValue && !f.is_x2many()) {
    try {
      json_to_value(model, f, f.default_value);
    } catch (const common::Error& e) {
      throw ValidationError(fmt::format("Invalid default value for '{}': {}", f.name, e.what()));
    }
  }
}

struct FieldRowInfo {
  Id id;
  std::string model;
  std::string name;
  std::string state;
};

std::vector<FieldRowInfo> field_infos(const Env& env, const IdList& ids) {
  std::vector<FieldRowInfo> out;
  for_chunks(ids, [&](const IdList& chunk) {
    std::vector<Value> p;
    append_ids(p, chunk);
    env.cr().query(
        fmt::format("SELECT \"id\", \"model\", \"name\", \"state\" FROM \"ir_model_fields\" "
                    "WHERE \"id\" IN ({})",
                    placeholders(chunk.size())),
        p, [&](const store::RowView& r) {
          out.push_back(
              {r.int64(0), std::string(r.text(1)), std::string(r.text(2)), std::string(r.text(3))});
        });
  });
  return out;
}

// Puts a changed field definition into the transaction's registry and the database.
void install_field(const Env& env, const std::string& model_name, Field f, const Field* before) {
  schema::Registry& reg = env.mutable_registry();
  const schema::Model* current = reg.find(model_name);
  if (!current)
    return;
  schema::Model copy = *current;
  bool rename = before && before->name != f.name;
  std::string new_name = f.name;
  if (rename)
    copy.remove(before->name);
  copy.add(f);
  const Field* stored = copy.field(new_name);
  if (rename && before->has_column()) {
    store::set_index(env.cr(), copy, *before, false);
    store::rename_column(env.cr(), copy, before->name, new_name);
  }
  store::add_field(env.cr(), copy, *stored);
  if (before && before->index && !stored->index && !stored->is_x2many()) {
    store::set_index(env.cr(), copy, *stored, false);
  }
  reg.put(std::move(copy));
}

// Odoo's default label of a field: "x_customer_id" → "X Customer", "x_tag_ids" → "X Tag",
// "x_due_date" → "X Due Date" (str.title() of the name with underscores as spaces).
std::string label_from_name(std::string name) {
  if (name.ends_with("_ids"))
    name.resize(name.size() - 4);
  else if (name.ends_with("_id"))
    name.resize(name.size() - 3);
  bool after_letter = false;
  for (char& c : name) {
    if (c == '_')
      c = ' ';
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
    if (letter) {
      c = static_cast<char>(after_letter ? std::tolower(static_cast<unsigned char>(c))
                                         : std::toupper(static_cast<unsigned char>(c)));
    }
    after_letter = letter;
  }
  return name;
}

class IrModelFieldsHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    bool install = install_mode(env);
    if (!install)
      vals["state"] = "manual";
    std::string name = text_of(vals, "name");
    if (!std::regex_match(name, kFieldName)) {
      throw ValidationError(
          "Field names can only contain characters, digits and underscores (up to 63).");
    }
    if (!install && !name.starts_with("x_")) {
      throw ValidationError("Custom fields must have a name that starts with 'x_' !");
    }
    // Without a label, the one Odoo shows for the field: its name without _id/_ids, titled.
    auto label = vals.find("field_description");
    if (label == vals.end() || label->is_null() || (label->is_boolean() && !label->get<bool>()) ||
        (label->is_string() && label->get<std::string>().empty())) {
      vals["field_description"] = label_from_name(name);
    }
    // model_id from the model's technical name, or the other way round.
    std::string model = text_of(vals, "model");
    auto mid = vals.find("model_id");
    if ((mid == vals.end() || !mid->is_number_integer()) && !model.empty()) {
      Value p[] = {Value(model)};
      Value id = env.cr().scalar("SELECT \"id\" FROM \"ir_model\" WHERE \"model\" = ?", p);
      if (!id.is_int())
        throw ValidationError(fmt::format("Unknown model '{}'", model));
      vals["model_id"] = id.as_int();
    } else if (mid != vals.end() && mid->is_number_integer()) {
      Value p[] = {Value(mid->get<Id>())};
      Value m = env.cr().scalar("SELECT \"model\" FROM \"ir_model\" WHERE \"id\" = ?", p);
      if (!m.is_string())
        throw ValidationError(fmt::format("Unknown model id {}", mid->get<Id>()));
      model = m.as_string();
      vals["model"] = model;
    } else {
      throw ValidationError("A field needs its model (model_id or model)");
    }
    if (const schema::Model* m = env.registry().find(model); m && m->has_field(name)) {
      throw ValidationError(fmt::format(
          "Field names must be unique per model. ('{}' already exists on '{}')", name, model));
    }
    Value p[] = {Value(model), Value(name)};
    if (env.cr()
            .scalar("SELECT 1 FROM \"ir_model_fields\" WHERE \"model\" = ? AND \"name\" = ?", p)
            .is_int()) {
      throw ValidationError(fmt::format(
          "Field names must be unique per model. ('{}' already exists on '{}')", name, model));
    }
    std::string ttype = text_of(vals, "ttype");
    if (ttype == "many2many" && text_of(vals, "relation_table").empty()) {
      std::string a = schema::Model::table_of(model),
                  b = schema::Model::table_of(text_of(vals, "relation"));
      std::string table = (a < b ? a + "_" + b : b + "_" + a) + "_rel";
      if (a == b)
        table = a + "_" + name + "_rel";
      vals["relation_table"] = install || table.starts_with("x_") ? table : "x_" + table;
      vals["column1"] = a == b ? a + "_src_id" : a + "_id";
      vals["column2"] = a == b ? a + "_dst_id" : b + "_id";
    }
    if (!text_of(vals, "related").empty())
      vals["readonly"] = true;
    if (!install)
      vals["modules"] = nullptr;
    if (install)
      vals["modules"] = install_module(env);
    vals["complete_name"] = model + "." + name;
  }

  void after_create(const RecordSet& records, const Json&) override {
    const Env& env = records.env();
    for (Id id : records.ids()) {
      Field f = read_field_def(env, id);
      Value p[] = {Value(id)};
      std::string model =
          env.cr()
              .scalar("SELECT \"model\" FROM \"ir_model_fields\" WHERE \"id\" = ?", p)
              .as_string();
      const schema::Model* m = env.registry().find(model);
      if (!m)
        continue;  // part of a model being created: ir.model installs it
      validate_field(env, *m, f);
      install_field(env, model, f, nullptr);
      if (install_mode(env)) {
        set_xmlid(env, install_module(env), fmt::format("field_{}__{}", xml_name(model), f.name),
                  "ir.model.fields", id);
      }
      if (f.has_column() && f.default_kind == schema::DefaultKind::kValue && !f.is_computed()) {
        // Existing records get the default, as Odoo initialises a new column.
        const schema::Model& mm = env.registry().get(model);
        Value p2[] = {value_to_param(f, json_to_value(mm, f, f.default_value))};
        env.cr().execute(fmt::format("UPDATE {} SET {} = ?", env.cr().dialect().quote(mm.table()),
                                     env.cr().dialect().quote(f.name)),
                         p2);
      }
      if (f.store && f.is_computed()) {
        // Fill the new column for the existing records.
        IdList all;
        const schema::Model& mm = env.registry().get(model);
        env.cr().query(fmt::format("SELECT \"id\" FROM {}", env.cr().dialect().quote(mm.table())),
                       {}, [&](const store::RowView& r) { all.push_back(r.int64(0)); });
        compute_new(env.sudo(), model, all);
      }
    }
  }

  void before_write(const RecordSet& records, Json& vals) override {
    const Env& env = records.env();
    bool install = install_mode(env);
    for (const auto& info : field_infos(env, records.ids())) {
      if (info.state != "manual" && !install) {
        throw common::UserError(
            "Properties of base fields cannot be altered in this manner! Please modify them "
            "through Python code, preferably through a custom addon!");
      }
      const schema::Model* m = env.registry().find(info.model);
      const Field* f = m ? m->field(info.name) : nullptr;
      if (vals.contains("ttype") && f && text_of(vals, "ttype") != schema::type_key(f->type)) {
        throw common::UserError(
            "Changing the type of a field is not yet supported. Please drop it and create it "
            "again!");
      }
      if (vals.contains("model_id") || vals.contains("model")) {
        throw common::UserError("Changing the model of a field is forbidden!");
      }
      if (vals.contains("relation") && f && text_of(vals, "relation") != f->relation) {
        throw common::UserError(
            "Changing the related model of a field is not supported. Please drop it and create it "
            "again!");
      }
      if (vals.contains("store") && f && vals["store"].is_boolean() &&
          vals["store"].get<bool>() != f->store) {
        throw common::UserError(
            "Changing the storage of a field is not supported. Please drop it and create it "
            "again!");
      }
      if (vals.contains("name")) {
        std::string name = text_of(vals, "name");
        if (!std::regex_match(name, kFieldName) || (!install && !name.starts_with("x_"))) {
          throw ValidationError("Custom fields must have a name that starts with 'x_' !");
        }
        if (m && name != info.name && m->has_field(name)) {
          throw ValidationError(
              fmt::format("Field names must be unique per model. ('{}' already exists on '{}')",
                          name, info.model));
        }
        vals["complete_name"] = info.model + "." + name;
      }
    }
  }

  void after_write(const RecordSet& records, const Json&) override {
    const Env& env = records.env();
    for (const auto& info : field_infos(env, records.ids())) {
      const schema::Model* m = env.registry().find(info.model);
      if (!m)
        continue;
      Field f = read_field_def(env, info.id);
      // The row's name is already the new one; find the old definition by id order: the field
      // whose name is not in the rows any more, or the same name.
      const Field* before = m->field(info.name);
      if (!before) {
        for (const Field& old : m->fields()) {
          Value p[] = {Value(info.model), Value(old.name)};
          if (!env.cr()
                   .scalar("SELECT 1 FROM \"ir_model_fields\" WHERE \"model\" = ? AND \"name\" = ?",
                           p)
                   .is_int()) {
            before = &old;
            break;
          }
        }
      }
      Field copy_before = before ? *before : f;
      validate_field(env, *m, f);
      install_field(env, info.model, f, &copy_before);
    }
  }

  void before_unlink(const RecordSet& records) override {
    const Env& env = records.env();
    bool install = install_mode(env);
    auto infos = field_infos(env, records.ids());
    std::set<std::pair<std::string, std::string>> removing;
    for (const auto& i : infos)
      removing.insert({i.model, i.name});
    for (const auto& info : infos) {
      const schema::Model* m = env.registry().find(info.model);
      if (!m)
        continue;  // the whole model is going away
      if (info.state != "manual" && !install) {
        throw common::UserError("This column contains module data and cannot be removed!");
      }
      // Fields that depend on this one.
      for (const schema::Model* other : env.registry().models()) {
        for (const Field& of : other->fields()) {
          if (removing.count({other->name(), of.name}))
            continue;
          bool depends = false;
          if (of.type == FieldType::kOne2many && of.relation == info.model &&
              of.relation_field == info.name) {
            depends = true;
          }
          std::vector<std::string> paths =
              of.related.empty() ? of.depends : std::vector<std::string>{of.related};
          for (const std::string& path : paths) {
            auto walked =
                env.registry().resolve_path(*other, path, schema::Registry::OnBadPath::kStop);
            for (const schema::Registry::PathStep& step : walked.steps) {
              if (step.model->name() == info.model && step.field->name == info.name)
                depends = true;
            }
          }
          if (depends) {
            throw common::UserError(fmt::format(
                "The field '{}' cannot be removed because the field '{}' depends on it.",
                info.model + "." + info.name, other->name() + "." + of.name));
          }
        }
      }
    }
    for (const auto& info : infos) {
      schema::Registry& reg = env.mutable_registry();
      const schema::Model* m = reg.find(info.model);
      if (!m)
        continue;
      const Field* f = m->field(info.name);
      if (!f)
        continue;
      bool shared_table = false;
      if (f->type == FieldType::kMany2many) {
        for (const schema::Model* other : reg.models()) {
          for (const Field& of : other->fields()) {
            if (&of != f && of.type == FieldType::kMany2many &&
                of.relation_table == f->relation_table &&
                !removing.count({other->name(), of.name})) {
              shared_table = true;
            }
          }
        }
      }
      if (!shared_table)
        store::drop_field(env.cr(), *m, *f);
      schema::Model copy = *m;
      copy.remove(info.name);
      reg.put(std::move(copy));
    }
  }
};

class IrModelSelectionHooks final : public ModelHooks {
 public:
  void after_create(const RecordSet& records, const Json&) override {
    refresh(records);
    const Env& env = records.env();
    if (!install_mode(env))
      return;
    // Apps' options get Odoo's xml ids: <app>.selection__<model>__<field>__<value>.
    for (Id id : records.ids()) {
      Value p[] = {Value(id)};
      auto rows = env.cr().fetch(
          "SELECT f.\"model\", f.\"name\", s.\"value\" FROM \"ir_model_fields_selection\" AS s "
          "JOIN \"ir_model_fields\" AS f ON f.\"id\" = s.\"field_id\" WHERE s.\"id\" = ?",
          p);
      if (rows.empty())
        continue;
      const auto& r = rows.rows[0];
      set_xmlid(env, install_module(env),
                fmt::format("selection__{}__{}__{}", xml_name(r[0].as_string()), r[1].as_string(),
                            r[2].as_string()),
                "ir.model.fields.selection", id);
    }
  }
  void after_write(const RecordSet& records, const Json&) override { refresh(records); }
  void after_unlink(const Env& env, const std::string&, const IdList&) override {
    // Options were removed: refresh every manual selection field of the registry from its rows.
    for (const schema::Model* m : env.registry().models()) {
      for (const Field& f : m->fields()) {
        if (f.type == FieldType::kSelection && f.manual) {
          Value p[] = {Value(m->name()), Value(f.name)};
          Value id = env.cr().scalar(
              "SELECT \"id\" FROM \"ir_model_fields\" WHERE \"model\" = ? AND \"name\" = ?", p);
          if (id.is_int())
            refresh_field(env, id.as_int());
        }
      }
    }
  }

 private:
  static IdList field_ids(const RecordSet& records) {
    IdList out;
    for (const Value& v : records.mapped("field_id")) {
      if (v.is_int())
        out.push_back(v.as_int());
    }
    return out;
  }
  static void refresh_field(const Env& env, Id field_id) {
    Value p[] = {Value(field_id)};
    Value model = env.cr().scalar("SELECT \"model\" FROM \"ir_model_fields\" WHERE \"id\" = ?", p);
    if (!model.is_string())
      return;
    const schema::Model* m = env.registry().find(model.as_string());
    if (!m)
      return;
    Field f = read_field_def(env, field_id);
    const Field* current = m->field(f.name);
    if (!current || current->selection == f.selection)
      return;
    Field updated = *current;
    updated.selection = f.selection;
    schema::Model copy = *m;
    copy.add(std::move(updated));
    env.mutable_registry().put(std::move(copy));
  }
  void refresh(const RecordSet& records) {
    for (Id id : field_ids(records))
      refresh_field(records.env(), id);
  }
};

class IrModelHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    bool install = install_mode(env);
    std::string model = text_of(vals, "model");
    if (!install) {
      vals["state"] = "manual";
      vals["modules"] = nullptr;
      if (!model.starts_with("x_"))
        throw ValidationError("The model name must start with 'x_'.");
    } else {
      vals["modules"] = install_module(env);
    }
    if (!std::regex_match(model, kModelName)) {
      throw ValidationError(
          "The model name can only contain lowercase characters, digits, underscores and dots.");
    }
    Value p[] = {Value(model)};
    if (env.registry().contains(model) ||
        env.cr().scalar("SELECT 1 FROM \"ir_model\" WHERE \"model\" = ?", p).is_int()) {
      throw ValidationError(
          fmt::format("Each model must have a unique name. ('{}' exists)", model));
    }
    if (text_of(vals, "order").empty())
      vals["order"] = "id";
  }

  void after_create(const RecordSet& records, const Json&) override {
    const Env& env = records.env();
    for (Id id : records.ids()) {
      Value p[] = {Value(id)};
      auto row = env.cr().fetch(
          "SELECT \"model\", \"name\", \"order\", \"is_mail_thread\", \"state\", \"modules\" FROM "
          "\"ir_model\" WHERE \"id\" = ?",
          p);
      const auto& r = row.rows.at(0);
      std::string name = r[0].as_string();
      schema::Model m(name, r[1].as_string());
      m.set_order(r[2].is_string() && !r[2].as_string().empty() ? r[2].as_string() : "id");
      m.set_mail_thread(r[3].is_int() && r[3].as_int());
      m.set_manual(r[4].is_string() && r[4].as_string() == "manual");
      std::string module = r[5].is_string() ? r[5].as_string() : "";
      if (!module.empty())
        m.set_module(module);
      std::vector<Field> fields;
      for (auto& [fid, frow] : read_field_rows(env.cr(), name)) {
        fields.push_back(read_field_def(env, fid));
      }
      for (Field& f : fields)
        m.add(f);
      m.add_magic_fields();
      // Validate with the model in the registry (self-relations, inverses).
      schema::Registry& reg = env.mutable_registry();
      reg.put(m);
      for (Field& f : fields) {
        Field checked = f;
        validate_field(env, m, checked);
        if (checked.selection != f.selection)
          m.add(checked);
      }
      // Apps add their relational fields after the model: their loader checks the order then.
      if (!install_mode(env)) {
        try {
          order_by_sql(env, m, m.order(), "t");
        } catch (const common::ValueError& e) {
          throw ValidationError(fmt::format("Invalid order for model '{}': {}", name, e.what()));
        }
      }
      reg.put(m);
      store::sync_model(env.cr(), m);
      // Rows for the magic fields (every field has its ir.model.fields record).
      std::set<std::string> have;
      for (const Field& f : fields)
        have.insert(f.name);
      for (const Field& f : m.fields()) {
        if (!have.count(f.name))
          upsert_field_row(env, id, m, f, module.empty() ? "base" : module, std::nullopt);
      }
      if (!module.empty()) {
        for (auto& [fid, frow] : read_field_rows(env.cr(), name)) {
          set_xmlid(env, module, fmt::format("field_{}__{}", xml_name(name), frow[0].as_string()),
                    "ir.model.fields", fid);
        }
      }
      if (!module.empty())
        set_xmlid(env, module, "model_" + xml_name(name), "ir.model", id);
    }
  }

  void before_write(const RecordSet& records, Json& vals) override {
    const Env& env = records.env();
    if (vals.contains("model") || vals.contains("state")) {
      for (Id id : records.ids()) {
        Value p[] = {Value(id)};
        auto r =
            env.cr().fetch("SELECT \"model\", \"state\" FROM \"ir_model\" WHERE \"id\" = ?", p);
        if (r.empty())
          continue;
        if ((vals.contains("model") && text_of(vals, "model") != r.rows[0][0].as_string()) ||
            (vals.contains("state") && text_of(vals, "state") != r.rows[0][1].as_string())) {
          throw common::UserError("Field 'Model' cannot be modified on models.");
        }
      }
    }
  }

  void after_write(const RecordSet& records, const Json&) override {
    const Env& env = records.env();
    for (Id id : records.ids()) {
      Value p[] = {Value(id)};
      auto r = env.cr().fetch(
          "SELECT \"model\", \"name\", \"order\", \"is_mail_thread\" FROM \"ir_model\" WHERE "
          "\"id\" = ?",
          p);
      if (r.empty())
        continue;
      const auto& row = r.rows[0];
      const schema::Model* m = env.registry().find(row[0].as_string());
      if (!m)
        continue;
      schema::Model copy = *m;
      copy.set_description(row[1].as_string());
      copy.set_order(row[2].is_string() && !row[2].as_string().empty() ? row[2].as_string() : "id");
      copy.set_mail_thread(row[3].is_int() && row[3].as_int());
      try {
        order_by_sql(env, copy, copy.order(), "t");
      } catch (const common::ValueError& e) {
        throw ValidationError(
            fmt::format("Invalid order for model '{}': {}", copy.name(), e.what()));
      }
      env.mutable_registry().put(std::move(copy));
    }
  }

  void before_unlink(const RecordSet& records) override {
    const Env& env = records.env();
    bool install = install_mode(env);
    for (Id id : records.ids()) {
      Value p[] = {Value(id)};
      auto r = env.cr().fetch("SELECT \"model\", \"state\" FROM \"ir_model\" WHERE \"id\" = ?", p);
      if (r.empty())
        continue;
      std::string name = r.rows[0][0].as_string();
      if (r.rows[0][1].as_string() != "manual" && !install) {
        throw common::UserError(
            fmt::format("Model '{}' contains module data and cannot be removed.", name));
      }
      // Fields of other models that point at this one go with it.
      IdList dependents;
      for (const schema::Model* other : env.registry().models()) {
        if (other->name() == name)
          continue;
        for (const Field& f : other->fields()) {
          if (f.is_relational() && f.relation == name) {
            if (!f.manual && !install) {
              throw common::UserError(fmt::format(
                  "The model '{}' cannot be removed because the field '{}' of '{}' refers to it.",
                  name, f.name, other->name()));
            }
            Value q[] = {Value(other->name()), Value(f.name)};
            Value fid = env.cr().scalar(
                "SELECT \"id\" FROM \"ir_model_fields\" WHERE \"model\" = ? AND \"name\" = ?", q);
            if (fid.is_int())
              dependents.push_back(fid.as_int());
          }
        }
      }
      if (!dependents.empty())
        env.sudo()["ir.model.fields"].browse(dependents).unlink();
      schema::Registry& reg = env.mutable_registry();
      if (const schema::Model* m = reg.find(name)) {
        store::drop_model(env.cr(), *m);
        reg.remove(name);
      }
      Value q[] = {Value(name)};
      env.cr().execute("DELETE FROM \"ir_model_data\" WHERE \"model\" = ?", q);
    }
  }
};

}  // namespace

void register_ir_model_hooks(Runtime& runtime) {
  runtime.add_hooks("ir.model", std::make_shared<IrModelHooks>());
  runtime.add_hooks("ir.model.fields", std::make_shared<IrModelFieldsHooks>());
  runtime.add_hooks("ir.model.fields.selection", std::make_shared<IrModelSelectionHooks>());
}

}  // namespace autorules::orm
