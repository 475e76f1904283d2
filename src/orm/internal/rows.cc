#include "orm/internal/rows.h"

#include <sstream>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/internal/convert.h"
#include "orm/internal/recompute.h"
#include "orm/recordset.h"
#include "schema/registry.h"

namespace autorules::orm {

std::string placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) {
    out += i ? ", ?" : "?";
  }
  return out;
}

void for_chunks(const IdList& ids, const std::function<void(const IdList&)>& fn) {
  for (size_t i = 0; i < ids.size(); i += kIdChunk) {
    IdList chunk(ids.begin() + static_cast<std::ptrdiff_t>(i),
                 ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + kIdChunk)));
    fn(chunk);
  }
}

void append_ids(std::vector<Value>& params, const IdList& ids) {
  for (Id id : ids)
    params.emplace_back(id);
}

std::unordered_map<Id, std::vector<Value>> fetch_columns(
    const Env& env, const schema::Model& model, const std::vector<const schema::Field*>& fields,
    const IdList& ids) {
  std::unordered_map<Id, std::vector<Value>> out;
  if (ids.empty())
    return out;
  const auto& d = env.cr().dialect();
  std::string cols = "\"id\"";
  for (const auto* f : fields)
    cols += ", " + d.quote(f->name);
  for_chunks(ids, [&](const IdList& chunk) {
    std::vector<Value> params;
    append_ids(params, chunk);
    std::string sql = fmt::format("SELECT {} FROM {} WHERE \"id\" IN ({})", cols,
                                  d.quote(model.table()), placeholders(chunk.size()));
    env.cr().query(sql, params, [&](const store::RowView& r) {
      std::vector<Value> row;
      row.reserve(fields.size());
      for (size_t i = 0; i < fields.size(); ++i) {
        row.push_back(column_to_value(*fields[i], r, static_cast<int>(i + 1)));
      }
      out.emplace(r.int64(0), std::move(row));
    });
  });
  return out;
}

std::unordered_map<Id, IdList> fetch_x2many(const Env& env, const schema::Model& model,
                                            const schema::Field& field, const IdList& ids) {
  std::unordered_map<Id, IdList> out;
  if (ids.empty())
    return out;
  const auto& d = env.cr().dialect();
  const schema::Model& comodel = env.registry().get(field.relation);
  std::string order = order_by_sql(env, comodel, "", "c");
  // Archived children are left out, as a search leaves them out (context active_test).
  const bool only_active = env.active_test() && !comodel.active_field().empty();
  const std::string active =
      only_active ? fmt::format(" AND c.{} = ?", d.quote(comodel.active_field())) : "";
  for_chunks(ids, [&](const IdList& chunk) {
    std::vector<Value> params;
    append_ids(params, chunk);
    std::string sql;
    if (field.type == schema::FieldType::kOne2many) {
      std::string of_model;
      if (!field.relation_model_field.empty()) {
        of_model = fmt::format(" AND c.{} = ?", d.quote(field.relation_model_field));
        params.emplace_back(model.name());
      }
      sql = fmt::format(
          "SELECT c.{inv}, c.\"id\" FROM {t} AS c WHERE c.{inv} IN ({ph}){m}{a} ORDER BY {o}",
          fmt::arg("inv", d.quote(field.relation_field)), fmt::arg("t", d.quote(comodel.table())),
          fmt::arg("ph", placeholders(chunk.size())), fmt::arg("m", of_model),
          fmt::arg("a", active), fmt::arg("o", order));
    } else {
      sql = fmt::format(
          "SELECT r.{c1}, r.{c2} FROM {rel} AS r JOIN {t} AS c ON c.\"id\" = r.{c2} "
          "WHERE r.{c1} IN ({ph}){a} ORDER BY {o}",
          fmt::arg("c1", d.quote(field.column1)), fmt::arg("c2", d.quote(field.column2)),
          fmt::arg("rel", d.quote(field.relation_table)), fmt::arg("t", d.quote(comodel.table())),
          fmt::arg("ph", placeholders(chunk.size())), fmt::arg("a", active), fmt::arg("o", order));
    }
    if (only_active)
      params.emplace_back(true);
    env.cr().query(sql, params,
                   [&](const store::RowView& r) { out[r.int64(0)].push_back(r.int64(1)); });
  });
  return out;
}

std::unordered_map<Id, std::string> fetch_display_names(const Env& env, const schema::Model& model,
                                                        const IdList& ids) {
  std::unordered_map<Id, std::string> out;
  if (ids.empty())
    return out;
  if (model.rec_name().empty()) {
    for (Id id : ids)
      out[id] = fmt::format("{},{}", model.name(), id);
    return out;
  }
  const auto& d = env.cr().dialect();
  for_chunks(ids, [&](const IdList& chunk) {
    std::vector<Value> params;
    append_ids(params, chunk);
    std::string sql =
        fmt::format("SELECT \"id\", {} FROM {} WHERE \"id\" IN ({})", d.quote(model.rec_name()),
                    d.quote(model.table()), placeholders(chunk.size()));
    env.cr().query(sql, params, [&](const store::RowView& r) {
      out[r.int64(0)] = r.is_null(1) ? "" : std::string(r.text(1));
    });
  });
  return out;
}

IdList existing_ids(const Env& env, const schema::Model& model, const IdList& ids) {
  std::unordered_set<Id> found;
  const auto& d = env.cr().dialect();
  for_chunks(ids, [&](const IdList& chunk) {
    std::vector<Value> params;
    append_ids(params, chunk);
    std::string sql = fmt::format("SELECT \"id\" FROM {} WHERE \"id\" IN ({})",
                                  d.quote(model.table()), placeholders(chunk.size()));
    env.cr().query(sql, params, [&](const store::RowView& r) { found.insert(r.int64(0)); });
  });
  IdList out;
  std::unordered_set<Id> seen;
  for (Id id : ids) {
    if (found.count(id) && seen.insert(id).second)
      out.push_back(id);
  }
  return out;
}

std::vector<Value> read_field(const Env& env, const schema::Model& model,
                              const schema::Field& field, const IdList& ids) {
  std::vector<Value> out;
  out.reserve(ids.size());
  if (field.name == "id") {
    for (Id id : ids)
      out.emplace_back(id);
  } else if (field.name == "display_name") {
    auto names = fetch_display_names(env, model, ids);
    for (Id id : ids) {
      auto it = names.find(id);
      out.push_back(it == names.end() ? Value() : Value(it->second));
    }
  } else if (field.is_x2many()) {
    auto links = fetch_x2many(env, model, field, ids);
    for (Id id : ids) {
      auto it = links.find(id);
      out.emplace_back(it == links.end() ? IdList{} : it->second);
    }
  } else if (field.has_column()) {
    auto rows = fetch_columns(env, model, {&field}, ids);
    for (Id id : ids) {
      auto it = rows.find(id);
      out.push_back(it == rows.end() ? Value() : it->second[0]);
    }
  } else if (field.is_computed()) {
    return compute_values(env, model, field, ids);  // a non-stored computed field
  } else {
    out.resize(ids.size());
  }
  return out;
}

std::vector<Value> read_path(const Env& env, const schema::Model& model, const IdList& ids,
                             const std::string& path) {
  size_t dot = path.find('.');
  const schema::Field* f = model.field(path.substr(0, dot));
  if (!f) {
    throw common::ValueError(
        fmt::format("Invalid field '{}' on model '{}'", path.substr(0, dot), model.name()));
  }
  std::vector<Value> first = read_field(env, model, *f, ids);
  if (dot == std::string::npos)
    return first;
  // Follow the relation: the many2one's record, or the first linked record of an x2many.
  IdList next;
  std::vector<Id> target(ids.size(), 0);
  for (size_t i = 0; i < first.size(); ++i) {
    const Value& v = first[i];
    Id t = v.is_int() ? v.as_int() : (v.is_ids() && !v.as_ids().empty() ? v.as_ids()[0] : 0);
    target[i] = t;
    if (t)
      next.push_back(t);
  }
  const schema::Model& comodel = env.registry().get(f->relation);
  std::string rest = path.substr(dot + 1);
  std::vector<Value> values = read_path(env, comodel, next, rest);
  std::unordered_map<Id, Value> by_id;
  for (size_t i = 0; i < next.size(); ++i)
    by_id.emplace(next[i], values[i]);
  std::vector<Value> out;
  out.reserve(ids.size());
  for (Id t : target) {
    if (t == 0) {
      // An empty relation gives the empty value of the last field's type.
      const schema::Field* last = env.registry().resolve_path(comodel, rest).field;
      if (last->is_numeric()) {
        out.push_back(last->type == schema::FieldType::kInteger ? Value(std::int64_t{0})
                                                                : Value(0.0));
      } else if (last->type == schema::FieldType::kBoolean) {
        out.emplace_back(false);
      } else if (last->is_x2many()) {
        out.emplace_back(IdList{});
      } else {
        out.emplace_back();
      }
    } else {
      out.push_back(by_id[t]);
    }
  }
  return out;
}

namespace {

bool can_read_names(const Env& env, const schema::Model& model) {
  if (!env[model.name()].has_access(RecordSet::Operation::kRead))
    return false;
  const schema::Field* rec = model.field(model.rec_name());
  return rec && can_read_field(env, *rec);
}

}  // namespace

std::string order_by_sql(const Env& env, const schema::Model& model, std::string_view order,
                         std::string_view alias) {
  const auto& d = env.cr().dialect();
  std::string spec = common::trim(order.empty() ? std::string_view(model.order()) : order);
  std::string out;
  bool has_id = false;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::istringstream words(common::trim(item));
    std::string name, dir, extra, extra2;
    words >> name >> dir >> extra >> extra2;
    if (name.empty()) {
      throw common::ValueError(
          fmt::format("Invalid order '{}' on model '{}'", order, model.name()));
    }
    dir = common::ascii_lower(dir);
    if (!dir.empty() && dir != "asc" && dir != "desc") {
      throw common::ValueError(
          fmt::format("Invalid order '{}' on model '{}': direction '{}' must be asc or desc", order,
                      model.name(), dir));
    }
    std::string nulls;
    if (!extra.empty()) {
      std::string e = common::ascii_lower(extra) + " " + common::ascii_lower(extra2);
      if (e != "nulls first" && e != "nulls last") {
        throw common::ValueError(
            fmt::format("Invalid order '{}' on model '{}'", order, model.name()));
      }
      nulls = " " + common::ascii_lower(extra) + " " + common::ascii_lower(extra2);
    }
    const schema::Field* f = model.field(name);
    // Ordering by a value reveals it, as searching would.
    if (f && !f->secret)
      check_field_access(env, model, *f);
    if (!f || f->secret || (!f->has_column() && name != "id")) {
      throw common::ValueError(
          fmt::format("Invalid order '{}' on model '{}': '{}' is not a stored field", order,
                      model.name(), name));
    }
    std::string expr = fmt::format("{}.{}", alias, d.quote(name));
    if (f->type == schema::FieldType::kMany2one) {
      // Odoo orders a many2one by its comodel's order; we use the comodel's name — when the
      // user may read it, else the ids (the order must not reveal names the user cannot read).
      const schema::Model* co = env.registry().find(f->relation);
      if (co && !co->rec_name().empty() && can_read_names(env, *co)) {
        expr = fmt::format("(SELECT o.{} FROM {} AS o WHERE o.\"id\" = {})",
                           d.quote(co->rec_name()), d.quote(co->table()), expr);
      }
    }
    if (name == "id")
      has_id = true;
    if (!out.empty())
      out += ", ";
    out += expr + (dir == "desc" ? " DESC" : " ASC") + nulls;
  }
  if (!has_id) {
    out += (out.empty() ? "" : ", ") + fmt::format("{}.\"id\" ASC", alias);
  }
  return out;
}

}  // namespace autorules::orm
