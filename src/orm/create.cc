#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/notify.h"
#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"
#include "orm/internal/values.h"
#include "orm/recordset.h"

namespace autorules::orm {

RecordSet RecordSet::create(const Json& vals_list) const {
  check_access(Operation::kCreate);
  std::vector<Json> list;
  if (vals_list.is_object()) {
    list.push_back(vals_list);
  } else if (vals_list.is_array()) {
    for (const Json& v : vals_list) {
      if (!v.is_object()) {
        throw common::ValueError(fmt::format(
            "create() expects an object of field values or a list of them, got a list holding {}",
            common::json_type_name(v)));
      }
      list.push_back(v);
    }
  } else {
    throw common::ValueError(
        fmt::format("create() expects an object of field values or a list of them, got {}",
                    common::json_type_name(vals_list)));
  }
  if (list.empty())
    return browse({});

  const Env& env = env_;
  const std::string& model_name = model_->name();
  for (const Json& vals : list)
    check_writable(env, *model_, vals);
  for (Json& vals : list) {
    for (const auto& h : env.runtime().hooks(model_name))
      h->before_create(env, model_name, vals);
  }
  // Hooks may have changed the schema (ir.model); work on the current definition.
  const schema::Model& model = env.registry().get(model_name);
  for (Json& vals : list) {
    for (const schema::Field& f : model.fields()) {
      if (f.magic || vals.contains(f.name))
        continue;
      Json d = default_value(env, f);
      if (!d.is_null())
        vals[f.name] = std::move(d);
    }
  }
  std::vector<Observer*> obs = watchers(env, model, Event::kCreate);
  Json all = list;
  for (Observer* o : obs)
    o->before_create(env, model, all);

  std::vector<PreparedValues> prepared;
  prepared.reserve(list.size());
  const bool form_record = env.context().contains(kFormRecordKey);
  for (const Json& vals : list) {
    prepared.push_back(prepare_values(env, model, vals));
    if (!form_record)
      check_required(model, prepared.back(), /*create=*/true);
  }
  check_references(env, model, prepared);

  const auto& d = env.cr().dialect();
  IdList ids;
  ids.reserve(list.size());
  Value now(env.now());
  Value uid(env.uid());
  for (const PreparedValues& pv : prepared) {
    std::string cols = "\"create_uid\", \"create_date\", \"write_uid\", \"write_date\"";
    std::vector<Value> params{uid, now, uid, now};
    for (const auto& [f, v] : pv.columns) {
      cols += ", " + d.quote(f->name);
      params.push_back(value_to_param(*f, v));
    }
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ({}) RETURNING \"id\"",
                                  d.quote(model.table()), cols, placeholders(params.size()));
    Id id = 0;
    env.cr().query(sql, params, [&](const store::RowView& r) { id = r.int64(0); });
    ids.push_back(id);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    for (const auto& [f, cmds] : prepared[i].x2many)
      apply_x2many(env, model, ids[i], *f, cmds, /*created=*/true);
  }
  RecordSet records(env, env.registry().shared(model_name), ids);
  compute_new(env, model_name, ids);
  for (const auto& h : env.runtime().hooks(model_name))
    h->after_create(records, all);

  // What depends on the new records elsewhere (a parent's one2many, ...).
  const schema::Model& current = env.registry().get(model_name);
  auto deps = env.dependencies();
  for (size_t i = 0; i < ids.size(); ++i) {
    for (const auto& [f, v] : prepared[i].columns) {
      if (f->type == schema::FieldType::kMany2one && v.is_int()) {
        propagate_inverse(env, current, *f, {v.as_int()});
      }
    }
  }
  if (deps->has_triggers(model_name)) {
    std::vector<std::string> names;
    for (const schema::Field& f : current.fields())
      names.push_back(f.name);
    modified(env, model_name, names, ids);
  }
  recompute(env);
  for (Observer* o : obs)
    o->after_create(env, records);
  return records;
}

}  // namespace autorules::orm
