// Models and fields as rows: see ir_model_rows.h.
#include "orm/ir_model_rows.h"

#include <map>

#include <fmt/format.h>

#include "orm/internal/ir_model_rows.h"
#include "orm/internal/rows.h"
#include "orm/xmlid.h"

namespace autorules::orm {

using common::Id;
using common::Json;
using common::Value;
using schema::Field;
using schema::FieldType;

std::optional<Id> ir_model_id(const Env& env, const std::string& model) {
  Value p[] = {Value(model)};
  Value id = env.cr().scalar("SELECT \"id\" FROM \"ir_model\" WHERE \"model\" = ?", p);
  if (!id.is_int())
    return std::nullopt;
  return id.as_int();
}

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? sep : "") + v[i];
  return out;
}

std::vector<std::string> split_depends(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty())
        out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty())
    out.push_back(cur);
  return out;
}

// The columns of an ir_model_fields row, in this order, for reading and writing.
const std::vector<std::string> kFieldColumns = {
    "name",           "model",          "field_description", "help",    "ttype",        "relation",
    "relation_field", "relation_table", "column1",           "column2", "required",     "readonly",
    "index",          "copied",         "related",           "compute", "depends",      "store",
    "on_delete",      "state",          "default_value",     "modules", "complete_name"};

std::vector<Value> field_row(const schema::Model& model, const Field& f,
                             const std::string& module) {
  auto text = [](const std::string& s) { return s.empty() ? Value() : Value(s); };
  return {Value(f.name),
          Value(model.name()),
          Value(f.string.empty() ? f.name : f.string),
          text(f.help),
          Value(std::string(schema::type_key(f.type))),
          text(f.relation),
          text(f.relation_field),
          text(f.relation_table),
          text(f.column1),
          text(f.column2),
          Value(std::int64_t{f.required}),
          Value(std::int64_t{f.readonly}),
          Value(std::int64_t{f.index}),
          Value(std::int64_t{f.copy}),
          text(f.related),
          text(f.compute),
          text(join(f.depends, ",")),
          Value(std::int64_t{f.store}),
          f.type == FieldType::kMany2one ? Value(std::string(schema::ondelete_key(f.ondelete)))
                                         : Value(),
          Value(f.manual ? "manual" : "base"),
          f.default_kind == schema::DefaultKind::kValue ? Value(f.default_value.dump()) : Value(),
          Value(module),
          Value(model.name() + "." + f.name)};
}

Field field_from_row(const std::vector<Value>& r, const std::vector<schema::SelectionOption>& sel) {
  auto str = [&](size_t i) { return r[i].is_string() ? r[i].as_string() : std::string(); };
  auto flag = [&](size_t i) { return r[i].is_int() && r[i].as_int() != 0; };
  Field f;
  f.name = str(0);
  f.string = str(2);
  f.help = str(3);
  f.type = schema::parse_type_key(str(4)).value_or(FieldType::kChar);
  f.relation = str(5);
  f.relation_field = str(6);
  f.relation_table = str(7);
  f.column1 = str(8);
  f.column2 = str(9);
  f.required = flag(10);
  f.readonly = flag(11);
  f.index = flag(12);
  f.copy = flag(13);
  f.related = str(14);
  f.compute = str(15);
  f.depends = split_depends(str(16));
  f.store = flag(17);
  f.ondelete = schema::parse_ondelete_key(str(18)).value_or(schema::OnDelete::kSetNull);
  f.manual = str(19) == "manual";
  if (!str(20).empty()) {
    try {
      f.default_value = Json::parse(str(20));
      f.default_kind = schema::DefaultKind::kValue;
    } catch (const Json::exception&) {
    }
  }
  f.selection = sel;
  if (!f.related.empty() || !f.compute.empty())
    f.readonly = true;
  return f;
}

std::string select_field_columns() {
  std::string cols = "\"id\"";
  for (const auto& c : kFieldColumns)
    cols += ", \"" + c + "\"";
  return cols;
}

std::map<Id, std::vector<schema::SelectionOption>> read_selections(store::Connection& conn) {
  std::map<Id, std::vector<schema::SelectionOption>> out;
  conn.query(
      "SELECT \"field_id\", \"value\", \"name\" FROM \"ir_model_fields_selection\" ORDER BY "
      "\"sequence\", \"id\"",
      {}, [&](const store::RowView& r) {
        out[r.int64(0)].push_back({std::string(r.text(1)), std::string(r.text(2))});
      });
  return out;
}

Id upsert_model_row(const Env& env, const schema::Model& m, const std::string& module,
                    bool manual) {
  store::Connection& cr = env.cr();
  Value p[] = {Value(m.name())};
  Value existing = cr.scalar("SELECT \"id\" FROM \"ir_model\" WHERE \"model\" = ?", p);
  if (existing.is_int()) {
    Value q[] = {Value(m.description()), Value(m.order()), Value(std::int64_t{m.is_mail_thread()}),
                 existing};
    cr.execute(
        "UPDATE \"ir_model\" SET \"name\" = ?, \"order\" = ?, \"is_mail_thread\" = ? WHERE "
        "\"id\" = ?",
        q);
    return existing.as_int();
  }
  Id id = 0;
  Value q[] = {Value(m.description()),
               Value(m.name()),
               Value(m.order()),
               Value(manual ? "manual" : "base"),
               Value(std::int64_t{m.is_mail_thread()}),
               Value(module),
               Value(env.uid()),
               Value(env.now()),
               Value(env.uid()),
               Value(env.now())};
  cr.query(
      "INSERT INTO \"ir_model\" (\"name\", \"model\", \"order\", \"state\", \"is_mail_thread\", "
      "\"modules\", \"create_uid\", \"create_date\", \"write_uid\", \"write_date\") VALUES (?, ?, "
      "?, "
      "?, ?, ?, ?, ?, ?, ?) RETURNING \"id\"",
      q, [&](const store::RowView& r) { id = r.int64(0); });
  set_xmlid(env, module, "model_" + xml_name(m.name()), "ir.model", id);
  return id;
}

}  // namespace

// Rows of ir_model_fields (with ids) for one model, or all when model is empty.
std::vector<std::pair<Id, std::vector<Value>>> read_field_rows(store::Connection& conn,
                                                               const std::string& model) {
  std::vector<std::pair<Id, std::vector<Value>>> out;
  std::string sql = fmt::format("SELECT {} FROM \"ir_model_fields\"", select_field_columns());
  std::vector<Value> params;
  if (!model.empty()) {
    sql += " WHERE \"model\" = ?";
    params.emplace_back(model);
  }
  sql += " ORDER BY \"id\"";
  conn.query(sql, params, [&](const store::RowView& r) {
    std::vector<Value> row;
    for (int i = 1; i < r.size(); ++i)
      row.push_back(r.value(i));
    out.emplace_back(r.int64(0), std::move(row));
  });
  return out;
}

// Inserts or updates one field's row; returns its id.
Id upsert_field_row(const Env& env, Id model_id, const schema::Model& model, const Field& f,
                    const std::string& module, std::optional<Id> existing) {
  std::vector<Value> row = field_row(model, f, module);
  store::Connection& cr = env.cr();
  Id id;
  if (existing) {
    std::string sets;
    for (const auto& c : kFieldColumns)
      sets += (sets.empty() ? "\"" : ", \"") + c + "\" = ?";
    row.emplace_back(*existing);
    cr.execute(fmt::format("UPDATE \"ir_model_fields\" SET {} WHERE \"id\" = ?", sets), row);
    id = *existing;
  } else {
    std::string cols =
        "\"model_id\", \"create_uid\", \"create_date\", \"write_uid\", \"write_date\"";
    std::vector<Value> params{Value(model_id), Value(env.uid()), Value(env.now()), Value(env.uid()),
                              Value(env.now())};
    for (size_t i = 0; i < kFieldColumns.size(); ++i) {
      cols += ", \"" + kFieldColumns[i] + "\"";
      params.push_back(row[i]);
    }
    id = 0;
    cr.query(fmt::format("INSERT INTO \"ir_model_fields\" ({}) VALUES ({}) RETURNING \"id\"", cols,
                         placeholders(params.size())),
             params, [&](const store::RowView& r) { id = r.int64(0); });
    set_xmlid(env, module, fmt::format("field_{}__{}", xml_name(model.name()), f.name),
              "ir.model.fields", id);
  }
  // Selection options.
  if (f.type == FieldType::kSelection) {
    Value p[] = {Value(id)};
    std::vector<schema::SelectionOption> current;
    cr.query(
        "SELECT \"value\", \"name\" FROM \"ir_model_fields_selection\" WHERE \"field_id\" = ? "
        "ORDER BY \"sequence\", \"id\"",
        p, [&](const store::RowView& r) {
          current.push_back({std::string(r.text(0)), std::string(r.text(1))});
        });
    if (current != f.selection) {
      cr.execute("DELETE FROM \"ir_model_fields_selection\" WHERE \"field_id\" = ?", p);
      std::int64_t seq = 0;
      for (const auto& o : f.selection) {
        Value q[] = {Value(id),        Value(o.value),   Value(o.label),   Value(seq++),
                     Value(env.uid()), Value(env.now()), Value(env.uid()), Value(env.now())};
        cr.execute(
            "INSERT INTO \"ir_model_fields_selection\" (\"field_id\", \"value\", \"name\", "
            "\"sequence\", \"create_uid\", \"create_date\", \"write_uid\", \"write_date\") "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            q);
      }
    }
  }
  return id;
}

Field read_field_def(const Env& env, Id field_id) {
  Value p[] = {Value(field_id)};
  std::vector<Value> row;
  env.cr().query(
      fmt::format("SELECT {} FROM \"ir_model_fields\" WHERE \"id\" = ?", select_field_columns()), p,
      [&](const store::RowView& r) {
        for (int i = 1; i < r.size(); ++i)
          row.push_back(r.value(i));
      });
  std::vector<schema::SelectionOption> sel;
  env.cr().query(
      "SELECT \"value\", \"name\" FROM \"ir_model_fields_selection\" WHERE \"field_id\" = ? "
      "ORDER BY \"sequence\", \"id\"",
      p, [&](const store::RowView& r) {
        sel.push_back({std::string(r.text(0)), std::string(r.text(1))});
      });
  return field_from_row(row, sel);
}

void sync_builtin_rows(const Env& env, const schema::Registry& code) {
  store::Connection& cr = env.cr();
  std::map<std::pair<std::string, std::string>, std::pair<Id, std::vector<Value>>> rows;
  for (auto& [id, row] : read_field_rows(cr, "")) {
    rows[{row[1].as_string(), row[0].as_string()}] = {id, row};
  }
  auto selections = read_selections(cr);
  for (const schema::Model* m : code.models()) {
    Id model_id = upsert_model_row(env, *m, "base", false);
    for (const Field& f : m->fields()) {
      auto it = rows.find({m->name(), f.name});
      std::optional<Id> existing;
      if (it != rows.end()) {
        existing = it->second.first;
        std::vector<Value> want = field_row(*m, f, "base");
        auto sel = selections.find(*existing);
        bool same_sel =
            f.type != FieldType::kSelection ||
            (sel != selections.end() ? sel->second : std::vector<schema::SelectionOption>{}) ==
                f.selection;
        if (want == it->second.second && same_sel)
          continue;
      }
      upsert_field_row(env, model_id, *m, f, "base", existing);
    }
  }
  // Built-in fields that the code no longer defines.
  for (const auto& [key, entry] : rows) {
    const schema::Model* m = code.find(key.first);
    const auto& row = entry.second;
    bool base_module = row[21].is_string() && row[21].as_string() == "base";
    if (m && !m->has_field(key.second) && base_module && row[19].is_string() &&
        row[19].as_string() == "base") {
      Value p[] = {Value(entry.first)};
      cr.execute("DELETE FROM \"ir_model_fields\" WHERE \"id\" = ?", p);
    }
  }
}

schema::Registry load_registry(store::Connection& conn, const schema::Registry& code) {
  schema::Registry r = code;
  std::map<std::string, schema::Model> extra;
  conn.query(
      "SELECT \"model\", \"name\", \"order\", \"is_mail_thread\", \"state\", \"modules\" FROM "
      "\"ir_model\" ORDER BY \"id\"",
      {}, [&](const store::RowView& row) {
        std::string name(row.text(0));
        if (code.contains(name))
          return;
        schema::Model m(name, std::string(row.text(1)));
        if (!row.is_null(2) && !row.text(2).empty())
          m.set_order(std::string(row.text(2)));
        m.set_mail_thread(!row.is_null(3) && row.int64(3) != 0);
        m.set_manual(row.text(4) == "manual");
        if (!row.is_null(5))
          m.set_module(std::string(row.text(5)));
        extra.emplace(name, std::move(m));
      });
  auto selections = read_selections(conn);
  std::map<std::string, std::vector<Field>> added;
  for (auto& [id, row] : read_field_rows(conn, "")) {
    const std::string& model = row[1].as_string();
    const schema::Model* cm = code.find(model);
    if (cm && cm->has_field(row[0].as_string()))
      continue;
    auto sel = selections.find(id);
    added[model].push_back(field_from_row(
        row, sel == selections.end() ? std::vector<schema::SelectionOption>{} : sel->second));
  }
  for (auto& [name, m] : extra) {
    for (Field& f : added[name])
      m.add(std::move(f));
    m.add_magic_fields();
    r.put(std::move(m));
  }
  for (auto& [name, fields] : added) {
    if (extra.count(name))
      continue;
    const schema::Model* base = r.find(name);
    if (!base)
      continue;  // rows of a model whose definition is gone
    schema::Model copy = *base;
    for (Field& f : fields)
      copy.add(std::move(f));
    r.put(std::move(copy));
  }
  return r;
}

}  // namespace autorules::orm
