#include "orm/internal/values.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/internal/convert.h"
#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"
#include "orm/recordset.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using common::ValueError;
using schema::Field;
using schema::FieldType;

std::vector<std::string> PreparedValues::field_names() const {
  std::vector<std::string> out;
  for (const auto& [f, _] : columns)
    out.push_back(f->name);
  for (const auto& [f, _] : x2many)
    out.push_back(f->name);
  return out;
}

namespace {

[[noreturn]] void bad_command(const schema::Model& model, const Field& field, const Json& cmd,
                              std::string_view why) {
  throw ValueError(fmt::format("Invalid command {} for field {} of model '{}': {}",
                               common::json_repr(cmd), field_label(field), model.name(), why));
}

Id command_id(const schema::Model& model, const Field& field, const Json& cmd, const Json& v) {
  if (!(v.is_number_integer() || v.is_number_unsigned()) || v.get<std::int64_t>() <= 0) {
    bad_command(model, field, cmd, "the record id must be a positive integer");
  }
  return v.get<Id>();
}

std::vector<X2ManyCommand> parse_commands(const schema::Model& model, const Field& field,
                                          const Json& value) {
  std::vector<X2ManyCommand> out;
  if (value.is_null() || (value.is_boolean() && !value.get<bool>())) {
    out.push_back({5, 0, {}, {}});
    return out;
  }
  if (!value.is_array()) {
    throw ValueError(fmt::format(
        "Invalid value for field {} of model '{}': expected a list of commands such as "
        "[[6, 0, [ids]]] or a list of ids, got {} ({})",
        field_label(field), model.name(), common::json_type_name(value), common::json_repr(value)));
  }
  // A plain list of ids means "set exactly these".
  if (!value.empty() && std::all_of(value.begin(), value.end(), [](const Json& j) {
        return j.is_number_integer() || j.is_number_unsigned();
      })) {
    X2ManyCommand c{6, 0, {}, {}};
    for (const Json& j : value)
      c.ids.push_back(command_id(model, field, value, j));
    out.push_back(std::move(c));
    return out;
  }
  for (const Json& cmd : value) {
    if (!cmd.is_array() || cmd.empty() || !cmd[0].is_number_integer()) {
      bad_command(model, field, cmd, "a command is a list starting with its code 0 to 6");
    }
    int code = cmd[0].get<int>();
    X2ManyCommand c{code, 0, {}, {}};
    switch (code) {
      case 0:
        if (cmd.size() != 3 || !cmd[2].is_object()) {
          bad_command(model, field, cmd, "expected [0, 0, {values}]");
        }
        c.vals = cmd[2];
        break;
      case 1:
        if (cmd.size() != 3 || !cmd[2].is_object()) {
          bad_command(model, field, cmd, "expected [1, id, {values}]");
        }
        c.id = command_id(model, field, cmd, cmd[1]);
        c.vals = cmd[2];
        break;
      case 2:
      case 3:
      case 4:
        if (cmd.size() < 2 || cmd.size() > 3) {
          bad_command(model, field, cmd, fmt::format("expected [{}, id]", code));
        }
        c.id = command_id(model, field, cmd, cmd[1]);
        break;
      case 5:
        if (cmd.size() > 3)
          bad_command(model, field, cmd, "expected [5]");
        break;
      case 6:
        if (cmd.size() != 3 || !cmd[2].is_array()) {
          bad_command(model, field, cmd, "expected [6, 0, [ids]]");
        }
        for (const Json& j : cmd[2])
          c.ids.push_back(command_id(model, field, cmd, j));
        break;
      default:
        bad_command(model, field, cmd, "unknown command code (expected 0 to 6)");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

void check_writable(const Env& env, const schema::Model& model, const Json& vals) {
  if (!vals.is_object()) {
    throw ValueError(fmt::format("Values for model '{}' must be an object of field values, got {}",
                                 model.name(), common::json_type_name(vals)));
  }
  for (const auto& [name, value] : vals.items()) {
    const Field* f = model.field(name);
    if (!f || (f->secret && !f->write_only)) {
      throw ValueError(fmt::format("Invalid field '{}' on model '{}'", name, model.name()));
    }
    if (f->magic) {
      throw common::ValidationError(
          fmt::format("The field {} of model '{}' is set automatically and cannot be written",
                      field_label(*f), model.name()));
    }
    if (env.su())
      continue;
    if (f->readonly) {
      throw common::ValidationError(fmt::format("The field {} of model '{}' is read-only{}",
                                                field_label(*f), model.name(),
                                                f->is_computed() ? " (it is computed)" : ""));
    }
    if (f->system_only && !env.is_system()) {
      throw common::AccessError(
          fmt::format("Only administrators (group Settings) may write the field {} of model '{}'",
                      field_label(*f), model.name()));
    }
  }
}

PreparedValues prepare_values(const Env& env, const schema::Model& model, const Json& vals) {
  if (!vals.is_object()) {
    throw ValueError(fmt::format("Values for model '{}' must be an object of field values, got {}",
                                 model.name(), common::json_type_name(vals)));
  }
  PreparedValues out;
  for (const auto& [name, value] : vals.items()) {
    const Field* f = model.field(name);
    if (!f || (f->secret && !f->write_only) || f->magic) {
      throw ValueError(fmt::format("Invalid field '{}' on model '{}'", name, model.name()));
    }
    if (!f->store && !f->is_x2many()) {
      throw common::ValidationError(
          fmt::format("The field {} of model '{}' is not stored and cannot be written",
                      field_label(*f), model.name()));
    }
    if (f->is_x2many()) {
      out.x2many.emplace_back(f, parse_commands(model, *f, value));
    } else {
      Value v = json_to_value(model, *f, value);
      if (f->type == FieldType::kHtml && f->sanitize && v.is_string() &&
          env.runtime().html_sanitizer())
        v = Value(env.runtime().html_sanitizer()(v.as_string()));
      out.columns.emplace_back(f, std::move(v));
    }
  }
  return out;
}

void check_references(const Env& env, const schema::Model& model,
                      const std::vector<PreparedValues>& prepared) {
  std::map<const Field*, std::set<Id>> wanted;
  for (const auto& pv : prepared) {
    for (const auto& [f, v] : pv.columns) {
      if (f->type == FieldType::kMany2one && v.is_int())
        wanted[f].insert(v.as_int());
    }
  }
  for (const auto& [f, ids] : wanted) {
    const schema::Model* comodel = env.registry().find(f->relation);
    if (!comodel) {
      throw common::ValidationError(
          fmt::format("The field {} of '{}' relates to '{}', which does not exist", field_label(*f),
                      model.name(), f->relation));
    }
    IdList list(ids.begin(), ids.end());
    IdList found = existing_ids(env, *comodel, list);
    if (found.size() != list.size()) {
      std::set<Id> have(found.begin(), found.end());
      for (Id id : list) {
        if (!have.count(id)) {
          throw common::ValidationError(fmt::format(
              "Invalid value for field {} of model '{}': the {} record {} does not exist",
              field_label(*f), model.name(), f->relation, id));
        }
      }
    }
  }
}

void check_required(const schema::Model& model, const PreparedValues& values, bool create) {
  auto empty = [](const Field& f, const Value& v) {
    if (f.type == FieldType::kBoolean || f.is_numeric())
      return false;
    return v.is_false() || (v.is_string() && v.as_string().empty());
  };
  std::set<std::string> given;
  for (const auto& [f, v] : values.columns) {
    given.insert(f->name);
    if (f->required && empty(*f, v)) {
      throw common::ValidationError(
          fmt::format("Missing required value for the field {} of model '{}' ({})", field_label(*f),
                      model.description(), model.name()));
    }
  }
  for (const auto& [f, _] : values.x2many)
    given.insert(f->name);
  if (!create)
    return;
  for (const Field& f : model.fields()) {
    if (f.required && f.has_column() && !f.magic && !given.count(f.name) && !f.is_computed() &&
        f.type != FieldType::kBoolean && !f.is_numeric()) {
      throw common::ValidationError(
          fmt::format("Missing required value for the field {} of model '{}' ({})", field_label(f),
                      model.description(), model.name()));
    }
  }
}

void check_recursion(const Env& env, const schema::Model& model, const IdList& ids) {
  const std::string& parent = model.parent_field();
  if (parent.empty())
    return;
  const auto& d = env.cr().dialect();
  // UNION (not UNION ALL) stops on a cycle.
  std::string sql = fmt::format(
      "WITH RECURSIVE anc(id) AS (SELECT {p} FROM {t} WHERE \"id\" = ? UNION "
      "SELECT c.{p} FROM {t} AS c JOIN anc ON c.\"id\" = anc.id WHERE c.{p} IS NOT NULL) "
      "SELECT 1 FROM anc WHERE id = ?",
      fmt::arg("p", d.quote(parent)), fmt::arg("t", d.quote(model.table())));
  for (Id id : ids) {
    Value p[] = {Value(id), Value(id)};
    if (env.cr().scalar(sql, p).is_int()) {
      throw common::ValidationError(fmt::format(
          "You cannot create recursive {} hierarchies: record {} would be its own ancestor "
          "through '{}'.",
          model.description(), id, parent));
    }
  }
}

Json default_value(const Env& env, const Field& field) {
  auto it = env.context().find("default_" + field.name);
  if (it != env.context().end())
    return *it;
  switch (field.default_kind) {
    case schema::DefaultKind::kNone:
      return nullptr;
    case schema::DefaultKind::kValue:
      return field.default_value;
    case schema::DefaultKind::kUid:
      return env.uid();
    case schema::DefaultKind::kNow:
      return common::format_datetime(env.now());
    case schema::DefaultKind::kToday:
      return common::format_date(common::date_of(env.now()));
    case schema::DefaultKind::kUuid:
      return common::random_uuid4();
  }
  return nullptr;
}

namespace {

// Links `record` to `targets`, a few rows per statement.
void link_m2m(const Env& env, const Field& field, Id record, const IdList& targets) {
  constexpr size_t kRowsPerStatement = 64;
  const auto& d = env.cr().dialect();
  for (size_t start = 0; start < targets.size(); start += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, targets.size() - start);
    std::string rows;
    std::vector<Value> params;
    params.reserve(2 * n);
    for (size_t i = 0; i < n; ++i) {
      rows += i ? ", (?, ?)" : "(?, ?)";
      params.emplace_back(record);
      params.emplace_back(targets[start + i]);
    }
    env.cr().execute(fmt::format("INSERT INTO {} ({}, {}) VALUES {} ON CONFLICT DO NOTHING",
                                 d.quote(field.relation_table), d.quote(field.column1),
                                 d.quote(field.column2), rows),
                     params);
  }
}

void unlink_m2m(const Env& env, const Field& field, Id record, const IdList* targets) {
  const auto& d = env.cr().dialect();
  if (!targets) {
    Value p[] = {Value(record)};
    env.cr().execute(fmt::format("DELETE FROM {} WHERE {} = ?", d.quote(field.relation_table),
                                 d.quote(field.column1)),
                     p);
    return;
  }
  std::string sql =
      fmt::format("DELETE FROM {} WHERE {} = ? AND {} = ?", d.quote(field.relation_table),
                  d.quote(field.column1), d.quote(field.column2));
  for (Id t : *targets) {
    Value p[] = {Value(record), Value(t)};
    env.cr().execute(sql, p);
  }
}

void require_existing(const Env& env, const schema::Model& comodel, const Field& field,
                      const IdList& ids) {
  IdList found = existing_ids(env, comodel, ids);
  if (found.size() != std::set<Id>(ids.begin(), ids.end()).size()) {
    std::set<Id> have(found.begin(), found.end());
    for (Id id : ids) {
      if (!have.count(id)) {
        throw common::ValidationError(
            fmt::format("Invalid value for field {}: the {} record {} does not exist",
                        field_label(field), comodel.name(), id));
      }
    }
  }
}

}  // namespace

void apply_x2many(const Env& env, const schema::Model& model, Id record_id, const Field& field,
                  const std::vector<X2ManyCommand>& commands, bool new_record) {
  RecordSet co = env[field.relation];
  const schema::Model& comodel = co.model();
  bool m2m = field.type == FieldType::kMany2many;
  const Field* inverse = m2m ? nullptr : comodel.field(field.relation_field);
  if (!m2m && !inverse) {
    throw common::InternalError(fmt::format("one2many {}.{} has no inverse field '{}' on '{}'",
                                            model.name(), field.name, field.relation_field,
                                            comodel.name()));
  }
  // Detaching a child whose inverse is required (or cascades, or names records of any model)
  // deletes it, as Odoo does.
  const bool polymorphic = !field.relation_model_field.empty();
  bool detach_deletes = inverse && (inverse->required || polymorphic ||
                                    inverse->ondelete == schema::OnDelete::kCascade);
  // The inverse's value(s) that attach a child to this record.
  Json attach{{inverse ? inverse->name : std::string(), record_id}};
  if (polymorphic)
    attach[field.relation_model_field] = model.name();
  auto current_children = [&]() { return read_field(env, model, field, {record_id})[0].as_ids(); };
  auto detach = [&](const IdList& ids) {
    if (ids.empty())
      return;
    if (detach_deletes) {
      co.browse(ids).unlink();
    } else {
      co.browse(ids).write(Json{{inverse->name, false}});
    }
  };
  for (const X2ManyCommand& c : commands) {
    switch (c.code) {
      case 0: {
        Json vals = c.vals;
        if (!m2m)
          vals.update(attach);
        RecordSet created = co.create(vals);
        if (m2m)
          link_m2m(env, field, record_id, created.ids());
        break;
      }
      case 1:
        co.browse({c.id}).write(c.vals);
        break;
      case 2:
        if (m2m) {
          IdList one{c.id};
          unlink_m2m(env, field, record_id, &one);
        }
        co.browse({c.id}).unlink();
        break;
      case 3:
        if (m2m) {
          IdList one{c.id};
          unlink_m2m(env, field, record_id, &one);
        } else {
          IdList children = current_children();
          if (std::find(children.begin(), children.end(), c.id) != children.end())
            detach({c.id});
        }
        break;
      case 4:
        require_existing(env, comodel, field, {c.id});
        if (m2m) {
          link_m2m(env, field, record_id, {c.id});
        } else {
          co.browse({c.id}).write(attach);
        }
        break;
      case 5:
        if (m2m) {
          if (!new_record)
            unlink_m2m(env, field, record_id, nullptr);
        } else {
          detach(current_children());
        }
        break;
      case 6: {
        require_existing(env, comodel, field, c.ids);
        if (m2m) {
          if (!new_record)
            unlink_m2m(env, field, record_id, nullptr);
          link_m2m(env, field, record_id, c.ids);
        } else {
          std::set<Id> keep(c.ids.begin(), c.ids.end());
          IdList drop;
          for (Id id : current_children()) {
            if (!keep.count(id))
              drop.push_back(id);
          }
          detach(drop);
          if (!c.ids.empty())
            co.browse(c.ids).write(attach);
        }
        break;
      }
      default:
        break;
    }
    if (c.code == 0 || c.code == 4 || c.code == 6)
      new_record = false;  // linked from here on
  }
  if (m2m) {
    // The other side of the relation (a many2many sharing the table) changed too.
    auto deps = env.dependencies();
    for (const auto& ref : deps->many2many_in(field.relation_table)) {
      if (ref.model == model.name() && ref.field == field.name)
        continue;
      if (!deps->triggers(ref.model, ref.field).empty()) {
        IdList linked;
        for (const auto& c : commands) {
          if (c.id)
            linked.push_back(c.id);
          linked.insert(linked.end(), c.ids.begin(), c.ids.end());
        }
        modified(env, ref.model, {ref.field}, linked);
      }
    }
  }
}

}  // namespace autorules::orm
