#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "domain/sql.h"
#include "orm/internal/convert.h"
#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"
#include "orm/internal/search.h"
#include "orm/recordset.h"

namespace autorules::orm {

namespace {

// All the fields the user may read, or the ones named (ValueError for unknown and secret ones,
// AccessError for the ones the user may not read).
std::vector<const schema::Field*> fields_to_read(const Env& env, const schema::Model& model,
                                                 const std::vector<std::string>& names) {
  std::vector<const schema::Field*> out;
  if (names.empty()) {
    for (const schema::Field& f : model.fields()) {
      if (can_read_field(env, f))
        out.push_back(&f);
    }
    return out;
  }
  std::unordered_set<std::string> seen;
  for (const std::string& n : names) {
    const schema::Field* f = model.field(n);
    if (!f) {
      throw common::ValueError(fmt::format("Invalid field '{}' on model '{}'", n, model.name()));
    }
    check_field_access(env, model, *f);
    if (seen.insert(n).second)
      out.push_back(f);
  }
  return out;
}

// Reads `fields` of the rows selected by `select_ids_sql` (a query returning the ids in the
// wanted order) or of `ids`; returns Odoo's read() result.
Json read_impl(const Env& env, const schema::Model& model,
               const std::vector<const schema::Field*>& fields, const IdList* ids,
               const std::string& where, const std::vector<Value>& where_params,
               const std::string& tail) {
  const auto& d = env.cr().dialect();
  // Columns to select: the stored fields asked for, plus the name for display_name.
  std::vector<const schema::Field*> columns;
  int rec_name_col = -1;
  for (const schema::Field* f : fields) {
    if (f->has_column() && f->name != "id")
      columns.push_back(f);
  }
  bool want_display = std::any_of(fields.begin(), fields.end(),
                                  [](const schema::Field* f) { return f->name == "display_name"; });
  if (want_display && !model.rec_name().empty()) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i]->name == model.rec_name())
        rec_name_col = static_cast<int>(i);
    }
    if (rec_name_col < 0) {
      columns.push_back(model.field(model.rec_name()));
      rec_name_col = static_cast<int>(columns.size() - 1);
    }
  }
  std::string cols = "t.\"id\"";
  for (const schema::Field* f : columns)
    cols += ", t." + d.quote(f->name);

  IdList order;
  std::unordered_map<Id, std::vector<Value>> rows;
  auto collect = [&](const store::RowView& r) {
    std::vector<Value> row;
    row.reserve(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      row.push_back(column_to_value(*columns[i], r, static_cast<int>(i + 1)));
    }
    Id id = r.int64(0);
    if (rows.emplace(id, std::move(row)).second && !ids)
      order.push_back(id);
  };
  if (ids) {
    for_chunks(*ids, [&](const IdList& chunk) {
      std::vector<Value> p;
      append_ids(p, chunk);
      env.cr().query(fmt::format("SELECT {} FROM {} AS t WHERE t.\"id\" IN ({})", cols,
                                 d.quote(model.table()), placeholders(chunk.size())),
                     p, collect);
    });
    std::unordered_set<Id> seen;
    for (Id id : *ids) {
      if (!rows.count(id)) {
        throw common::MissingError(
            fmt::format("Record does not exist or has been deleted.\n(Record: {}({},), User: {})",
                        model.name(), id, env.uid()));
      }
      if (seen.insert(id).second)
        order.push_back(id);
    }
  } else {
    env.cr().query(
        fmt::format("SELECT {} FROM {} AS t WHERE {}{}", cols, d.quote(model.table()), where, tail),
        where_params, collect);
  }

  // Relations: names of many2one targets, ids of x2many links.
  std::unordered_map<std::string, std::unordered_map<Id, std::string>> names;  // by comodel
  std::unordered_map<std::string, std::unordered_map<Id, IdList>> links;       // by field
  for (size_t i = 0; i < columns.size(); ++i) {
    const schema::Field* f = columns[i];
    if (f->type != schema::FieldType::kMany2one)
      continue;
    if (!std::any_of(fields.begin(), fields.end(), [&](const schema::Field* x) { return x == f; }))
      continue;
    IdList targets;
    for (Id id : order) {
      const Value& v = rows[id][i];
      if (v.is_int())
        targets.push_back(v.as_int());
    }
    const schema::Model* comodel = env.registry().find(f->relation);
    if (!comodel)
      continue;
    auto found = fetch_display_names(env, *comodel, targets);
    auto& dst = names[f->relation];
    for (auto& [id, n] : found)
      dst.emplace(id, std::move(n));
  }
  for (const schema::Field* f : fields) {
    if (f->is_x2many() && f->store)
      links[f->name] = fetch_x2many(env, model, *f, order);
  }

  std::unordered_map<const schema::Field*, size_t> column_of;
  for (size_t i = 0; i < columns.size(); ++i)
    column_of.emplace(columns[i], i);
  // Non-stored computed fields, computed for all the records at once.
  std::unordered_map<const schema::Field*, std::vector<Value>> computed;
  for (const schema::Field* f : fields) {
    if (!f->store && f->is_computed() && f->name != "display_name") {
      computed[f] = compute_values(env, model, *f, order);
    }
  }
  Json out = Json::array();
  for (size_t pos = 0; pos < order.size(); ++pos) {
    Id id = order[pos];
    Json rec = Json::object();
    rec["id"] = id;
    const std::vector<Value>& row = rows[id];
    for (const schema::Field* f : fields) {
      if (f->name == "id")
        continue;
      if (f->name == "display_name") {
        rec["display_name"] =
            rec_name_col >= 0 && row[static_cast<size_t>(rec_name_col)].is_string()
                ? Json(row[static_cast<size_t>(rec_name_col)].as_string())
                : (model.rec_name().empty() ? Json(fmt::format("{},{}", model.name(), id))
                                            : Json(""));
        continue;
      }
      if (auto c = computed.find(f); c != computed.end()) {
        rec[f->name] = f->type == schema::FieldType::kMany2one || f->is_x2many()
                           ? common::to_json(c->second[pos])
                           : value_to_json(*f, c->second[pos]);
        continue;
      }
      if (f->is_x2many()) {
        auto& m = links[f->name];
        auto it = m.find(id);
        rec[f->name] = it == m.end() ? Json::array() : Json(it->second);
        continue;
      }
      if (!f->has_column()) {
        rec[f->name] = false;
        continue;
      }
      const Value& v = row[column_of.at(f)];
      if (f->type == schema::FieldType::kMany2one) {
        if (!v.is_int()) {
          rec[f->name] = false;
        } else {
          auto& m = names[f->relation];
          auto it = m.find(v.as_int());
          rec[f->name] = it == m.end() ? Json(false) : Json::array({v.as_int(), it->second});
        }
      } else {
        rec[f->name] = value_to_json(*f, v);
      }
    }
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

Json RecordSet::read(const std::vector<std::string>& fields) const {
  check_access(Operation::kRead);
  const schema::Model& m = env_.registry().get(model_->name());
  return read_impl(env_, m, fields_to_read(env_, m, fields), &ids_, "", {}, "");
}

Json RecordSet::search_read(const domain::Domain& d, const std::vector<std::string>& fields,
                            const SearchOptions& options) const {
  check_access(Operation::kRead);
  const schema::Model& m = env_.registry().get(model_->name());
  auto wanted = fields_to_read(env_, m, fields);
  if (options.offset < 0)
    throw common::ValueError("offset must be a non-negative integer");
  if (options.limit && *options.limit < 0) {
    throw common::ValueError("limit must be a non-negative integer or null");
  }
  domain::SqlCondition where = where_clause(env_, m, d, env_.active_test());
  std::string tail = " ORDER BY " + order_by_sql(env_, m, options.order, "t");
  if (options.limit || options.offset) {
    tail += " LIMIT ? OFFSET ?";
    where.params.emplace_back(options.limit ? *options.limit : std::int64_t{-1});
    where.params.emplace_back(options.offset);
  }
  return read_impl(env_, m, wanted, nullptr, where.sql, where.params, tail);
}

}  // namespace autorules::orm
