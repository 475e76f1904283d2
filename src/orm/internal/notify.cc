#include "orm/internal/notify.h"

#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"

namespace autorules::orm {

std::vector<Observer*> watchers(const Env& env, const schema::Model& model, Event event,
                                const std::vector<std::string>& fields) {
  std::vector<Observer*> out;
  for (Observer* o : env.runtime().observers()) {
    if (o->watches(env, model, event, fields))
      out.push_back(o);
  }
  return out;
}

void propagate_inverse(const Env& env, const schema::Model& model, const schema::Field& field,
                       const common::IdList& parents) {
  if (parents.empty())
    return;
  auto deps = env.dependencies();
  for (const auto& ref : deps->one2many_of(model.name(), field.name)) {
    if (!deps->triggers(ref.model, ref.field).empty()) {
      modified(env, ref.model, {ref.field}, parents);
    }
  }
}

OldValues snapshot(const Env& env, const schema::Model& model,
                   const std::vector<std::string>& fields, const common::IdList& ids) {
  OldValues out;
  for (const std::string& name : fields) {
    const schema::Field* f = model.field(name);
    if (!f || !f->store)
      continue;
    std::vector<common::Value> values = read_field(env, model, *f, ids);
    for (size_t i = 0; i < ids.size(); ++i)
      out[ids[i]][name] = std::move(values[i]);
  }
  return out;
}

}  // namespace autorules::orm
