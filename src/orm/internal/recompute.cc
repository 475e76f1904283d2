#include "orm/internal/recompute.h"

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/env.h"
#include "orm/internal/convert.h"
#include "orm/internal/notify.h"
#include "orm/internal/rows.h"
#include "orm/internal/search.h"
#include "orm/internal/txn_state.h"
#include "orm/observer.h"
#include "orm/recordset.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Value;

namespace {
const std::vector<DependencyIndex::Trigger> kNoTriggers;
const std::vector<DependencyIndex::Ref> kNoRefs;
const std::vector<std::string> kNoFields;
}  // namespace

DependencyIndex::DependencyIndex(std::shared_ptr<const schema::Registry> registry)
    : registry_(std::move(registry)) {
  for (const schema::Model* m : registry_->models()) {
    for (const schema::Field& f : m->fields()) {
      if (f.type == schema::FieldType::kMany2one && f.has_column()) {
        m2o_to_[f.relation].push_back({m->name(), f.name});
      } else if (f.type == schema::FieldType::kMany2many && f.store) {
        m2m_to_[f.relation].push_back({m->name(), f.name});
        m2m_in_[f.relation_table].push_back({m->name(), f.name});
      } else if (f.type == schema::FieldType::kOne2many) {
        o2m_of_[{f.relation, f.relation_field}].push_back({m->name(), f.name});
      }
      if (!f.store || !f.is_computed() || f.magic)
        continue;
      computed_[m->name()].push_back(f.name);
      std::vector<std::string> deps =
          f.related.empty() ? f.depends : std::vector<std::string>{f.related};
      for (const std::string& dep : deps) {
        std::string prefix;
        for (const schema::Registry::PathStep& step :
             registry_->resolve_path(*m, dep, schema::Registry::OnBadPath::kStop).steps) {
          const std::string& seg = step.field->name;
          triggers_[{step.model->name(), seg}].push_back({m->name(), f.name, prefix});
          models_with_triggers_.insert(step.model->name());
          prefix = prefix.empty() ? seg : prefix + "." + seg;
        }
      }
    }
  }
}

const std::vector<DependencyIndex::Trigger>& DependencyIndex::triggers(
    const std::string& model, const std::string& field) const {
  auto it = triggers_.find({model, field});
  return it == triggers_.end() ? kNoTriggers : it->second;
}

const std::vector<DependencyIndex::Ref>& DependencyIndex::many2one_to(
    const std::string& model) const {
  auto it = m2o_to_.find(model);
  return it == m2o_to_.end() ? kNoRefs : it->second;
}
const std::vector<DependencyIndex::Ref>& DependencyIndex::many2many_to(
    const std::string& model) const {
  auto it = m2m_to_.find(model);
  return it == m2m_to_.end() ? kNoRefs : it->second;
}
const std::vector<DependencyIndex::Ref>& DependencyIndex::one2many_of(
    const std::string& model, const std::string& field) const {
  auto it = o2m_of_.find({model, field});
  return it == o2m_of_.end() ? kNoRefs : it->second;
}
const std::vector<DependencyIndex::Ref>& DependencyIndex::many2many_in(
    const std::string& table) const {
  auto it = m2m_in_.find(table);
  return it == m2m_in_.end() ? kNoRefs : it->second;
}
const std::vector<std::string>& DependencyIndex::computed_fields(const std::string& model) const {
  auto it = computed_.find(model);
  return it == computed_.end() ? kNoFields : it->second;
}

void RecomputeQueue::add(const std::string& model, const std::string& field, const IdList& ids) {
  if (ids.empty())
    return;
  auto& set = todo_[{model, field}];
  set.insert(ids.begin(), ids.end());
}

std::map<std::pair<std::string, std::string>, std::set<Id>> RecomputeQueue::take() {
  auto out = std::move(todo_);
  todo_.clear();
  return out;
}

void modified(const Env& env, const std::string& model, const std::vector<std::string>& fields,
              const IdList& ids) {
  if (ids.empty())
    return;
  auto deps = env.dependencies();
  if (!deps->has_triggers(model))
    return;
  TxnState& txn = *env.txn_for_internal_use();
  for (const std::string& field : fields) {
    for (const auto& t : deps->triggers(model, field)) {
      const schema::Model* target = env.registry().find(t.model);
      if (!target)
        continue;
      if (t.inverse_path.empty()) {
        txn.recompute.add(t.model, t.field, ids);
        continue;
      }
      domain::Domain d = domain::Domain::term(t.inverse_path, domain::Op::kIn, common::Json(ids));
      IdList found = search_ids(env.sudo(), *target, d, {}, /*active_test=*/false);
      txn.recompute.add(t.model, t.field, found);
    }
  }
}

namespace {}  // namespace

std::vector<Value> compute_values(const Env& env, const schema::Model& model,
                                  const schema::Field& field, const IdList& ids) {
  if (!field.related.empty()) {
    return read_path(env, model, ids, field.related);
  }
  if (field.native_compute) {
    const NativeComputeFn* native = env.runtime().native_compute(model.name(), field.name);
    if (!native) {
      throw common::InternalError(
          fmt::format("No code computes the field {} of '{}'", field.name, model.name()));
    }
    return (*native)(RecordSet(env, env.registry().shared(model.name()), ids));
  }
  const ComputeFn& fn = env.runtime().compute();
  if (!fn) {
    throw common::UserError(fmt::format(
        "The field {} of '{}' is computed by Python code, which needs the Python sandbox: not "
        "available yet",
        field_label(field), model.name()));
  }
  return fn(RecordSet(env, env.registry().shared(model.name()), ids), field);
}

namespace {

void store_values(const Env& env, const schema::Model& model, const schema::Field& field,
                  const IdList& ids, const std::vector<Value>& values) {
  const auto& d = env.cr().dialect();
  std::string sql = fmt::format("UPDATE {} SET {} = ? WHERE \"id\" = ?", d.quote(model.table()),
                                d.quote(field.name));
  for (size_t i = 0; i < ids.size(); ++i) {
    Value p[] = {value_to_param(field, values[i]), Value(ids[i])};
    env.cr().execute(sql, p);
  }
}

}  // namespace

void compute_new(const Env& env, const std::string& model_name, const IdList& ids) {
  auto deps = env.dependencies();
  const auto& fields = deps->computed_fields(model_name);
  if (fields.empty() || ids.empty())
    return;
  const schema::Model& model = env.registry().get(model_name);
  for (const std::string& name : fields) {
    const schema::Field* f = model.field(name);
    if (!f)
      continue;
    store_values(env, model, *f, ids, compute_values(env, model, *f, ids));
  }
}

void recompute(const Env& env) {
  TxnState& txn = *env.txn_for_internal_use();
  Env su = env.sudo();
  for (int round = 0; !txn.recompute.empty(); ++round) {
    if (round > 1000) {
      throw common::InternalError("recomputation of stored fields does not converge (a cycle)");
    }
    auto todo = txn.recompute.take();
    for (auto& [key, idset] : todo) {
      const schema::Model* model = su.registry().find(key.first);
      const schema::Field* field = model ? model->field(key.second) : nullptr;
      if (!field || !field->store || !field->is_computed())
        continue;
      IdList ids = existing_ids(su, *model, IdList(idset.begin(), idset.end()));
      if (ids.empty())
        continue;
      std::vector<Value> old = read_field(su, *model, *field, ids);
      std::vector<Value> now = compute_values(su, *model, *field, ids);
      IdList changed;
      std::vector<Value> values;
      OldValues old_values;
      for (size_t i = 0; i < ids.size(); ++i) {
        if (!(old[i] == now[i])) {
          changed.push_back(ids[i]);
          values.push_back(now[i]);
          old_values[ids[i]][field->name] = old[i];
        }
      }
      if (changed.empty())
        continue;
      RecordSet records(su, su.registry().shared(model->name()), changed);
      std::vector<std::string> fields{field->name};
      std::vector<std::pair<Observer*, std::any>> states;
      for (Observer* o : watchers(su, *model, Event::kWrite, fields))
        states.emplace_back(o, o->before_write(su, records, fields, WriteOrigin::kRecompute));
      store_values(su, *model, *field, changed, values);
      modified(su, model->name(), fields, changed);
      for (auto& [o, state] : states) {
        o->after_write(su, records, fields, old_values, WriteOrigin::kRecompute, state);
      }
    }
  }
}

}  // namespace autorules::orm
