#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/notify.h"
#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"
#include "orm/internal/values.h"
#include "orm/recordset.h"

namespace autorules::orm {

void RecordSet::write(const Json& vals) const {
  if (!vals.is_object()) {
    throw common::ValueError(fmt::format("write() expects an object of field values, got {}",
                                         common::json_type_name(vals)));
  }
  check_access(Operation::kWrite);
  if (ids_.empty())
    return;
  ensure_exist();

  const Env& env = env_;
  const std::string& model_name = model_->name();
  check_writable(env, *model_, vals);
  Json v = vals;
  for (const auto& h : env.runtime().hooks(model_name))
    h->before_write(*this, v);
  const schema::Model& model = env.registry().get(model_name);
  PreparedValues pv = prepare_values(env, model, v);
  if (!env.context().contains(kFormRecordKey))
    check_required(model, pv, /*create=*/false);
  check_references(env, model, {pv});
  std::vector<std::string> fields = pv.field_names();

  std::vector<Observer*> obs = watchers(env, model, Event::kWrite, fields);
  OldValues old;
  if (!obs.empty())
    old = snapshot(env, model, fields, ids_);
  std::vector<std::any> states;
  states.reserve(obs.size());
  for (Observer* o : obs)
    states.push_back(o->before_write(env, *this, fields, WriteOrigin::kCaller));

  // Parents that lose or gain children through a many2one: their one2many fields change.
  auto deps = env.dependencies();
  IdList old_parents;
  for (const auto& [f, value] : pv.columns) {
    if (f->type == schema::FieldType::kMany2one &&
        !deps->one2many_of(model_name, f->name).empty()) {
      for (const common::Value& p : read_field(env, model, *f, ids_)) {
        if (p.is_int())
          old_parents.push_back(p.as_int());
      }
      if (value.is_int())
        old_parents.push_back(value.as_int());
      propagate_inverse(env, model, *f, old_parents);
      old_parents.clear();
    }
  }

  const auto& d = env.cr().dialect();
  std::string sets = "\"write_uid\" = ?, \"write_date\" = ?";
  std::vector<Value> params{Value(env.uid()), Value(env.now())};
  for (const auto& [f, value] : pv.columns) {
    sets += fmt::format(", {} = ?", d.quote(f->name));
    params.push_back(value_to_param(*f, value));
  }
  for_chunks(ids_, [&](const IdList& chunk) {
    std::vector<Value> p = params;
    append_ids(p, chunk);
    env.cr().execute(fmt::format("UPDATE {} SET {} WHERE \"id\" IN ({})", d.quote(model.table()),
                                 sets, placeholders(chunk.size())),
                     p);
  });
  for (Id id : ids_) {
    for (const auto& [f, cmds] : pv.x2many)
      apply_x2many(env, model, id, *f, cmds);
  }
  if (!model.parent_field().empty() &&
      std::find(fields.begin(), fields.end(), model.parent_field()) != fields.end()) {
    check_recursion(env, model, ids_);
  }
  RecordSet self(env, env.registry().shared(model_name), ids_);
  for (const auto& h : env.runtime().hooks(model_name))
    h->after_write(self, v);
  modified(env, model_name, fields, ids_);
  recompute(env);
  for (size_t i = 0; i < obs.size(); ++i) {
    obs[i]->after_write(env, self, fields, old, WriteOrigin::kCaller, states[i]);
  }
}

}  // namespace autorules::orm
