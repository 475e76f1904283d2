#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/internal/convert.h"
#include "orm/internal/notify.h"
#include "orm/internal/recompute.h"
#include "orm/internal/rows.h"
#include "orm/recordset.h"

namespace autorules::orm {

void RecordSet::unlink() const {
  check_access(Operation::kUnlink);
  if (ids_.empty())
    return;
  ensure_exist();
  const Env& env = env_;
  const std::string& model_name = model_->name();
  IdList ids = existing_ids(env, *model_, ids_);

  for (const auto& h : env.runtime().hooks(model_name))
    h->before_unlink(*this);
  const schema::Model& model = env.registry().get(model_name);
  std::vector<Observer*> obs = watchers(env, model, Event::kUnlink);
  for (Observer* o : obs)
    o->before_unlink(env, *this);

  // What depends on these records must be found while the links still exist.
  auto deps = env.dependencies();
  if (deps->has_triggers(model_name)) {
    std::vector<std::string> names;
    for (const schema::Field& f : model.fields())
      names.push_back(f.name);
    modified(env, model_name, names, ids);
  }
  for (const schema::Field& f : model.fields()) {
    if (f.type == schema::FieldType::kMany2one && f.has_column() &&
        !deps->one2many_of(model_name, f.name).empty()) {
      IdList parents;
      for (const Value& p : read_field(env, model, f, ids)) {
        if (p.is_int())
          parents.push_back(p.as_int());
      }
      propagate_inverse(env, model, f, parents);
    }
  }

  // ondelete of the many2one fields that point at these records.
  const auto& d = env.cr().dialect();
  std::set<Id> deleting(ids.begin(), ids.end());
  Env su = env.sudo();
  for (const auto& ref : deps->many2one_to(model_name)) {
    const schema::Model* ref_model = su.registry().find(ref.model);
    const schema::Field* ref_field = ref_model ? ref_model->field(ref.field) : nullptr;
    if (!ref_field || !ref_field->has_column())
      continue;
    IdList referencing;
    for_chunks(ids, [&](const IdList& chunk) {
      std::vector<Value> p;
      append_ids(p, chunk);
      su.cr().query(
          fmt::format("SELECT \"id\" FROM {} WHERE {} IN ({})", d.quote(ref_model->table()),
                      d.quote(ref_field->name), placeholders(chunk.size())),
          p, [&](const store::RowView& r) {
            Id id = r.int64(0);
            if (!(ref.model == model_name && deleting.count(id)))
              referencing.push_back(id);
          });
    });
    if (referencing.empty())
      continue;
    switch (ref_field->ondelete) {
      case schema::OnDelete::kRestrict:
        throw common::ValidationError(fmt::format(
            "The operation cannot be completed: another model requires the record being "
            "deleted. If possible, archive it instead.\n\nModel: {} ({}), Field: {}",
            ref_model->description(), ref_model->name(), field_label(*ref_field)));
      case schema::OnDelete::kCascade:
        RecordSet(su, su.registry().shared(ref.model), existing_ids(su, *ref_model, referencing))
            .unlink();
        break;
      case schema::OnDelete::kSetNull:
        RecordSet(su, su.registry().shared(ref.model), existing_ids(su, *ref_model, referencing))
            .write(Json{{ref_field->name, false}});
        break;
    }
  }
  // Relation rows on both sides of every many2many touching this model.
  auto delete_links = [&](const std::string& table, const std::string& column) {
    for_chunks(ids, [&](const IdList& chunk) {
      std::vector<Value> p;
      append_ids(p, chunk);
      su.cr().execute(fmt::format("DELETE FROM {} WHERE {} IN ({})", d.quote(table),
                                  d.quote(column), placeholders(chunk.size())),
                      p);
    });
  };
  for (const schema::Field& f : model.fields()) {
    if (f.type == schema::FieldType::kMany2many && f.store)
      delete_links(f.relation_table, f.column1);
  }
  for (const auto& ref : deps->many2many_to(model_name)) {
    const schema::Model* m = su.registry().find(ref.model);
    const schema::Field* f = m ? m->field(ref.field) : nullptr;
    if (f && su.cr().table_exists(f->relation_table))
      delete_links(f->relation_table, f->column2);
  }
  for_chunks(ids, [&](const IdList& chunk) {
    std::vector<Value> p;
    append_ids(p, chunk);
    su.cr().execute(fmt::format("DELETE FROM {} WHERE \"id\" IN ({})", d.quote(model.table()),
                                placeholders(chunk.size())),
                    p);
    std::vector<Value> q{Value(model_name)};
    append_ids(q, chunk);
    su.cr().execute(
        fmt::format("DELETE FROM \"ir_model_data\" WHERE \"model\" = ? AND \"res_id\" IN ({})",
                    placeholders(chunk.size())),
        q);
  });
  for (const auto& h : env.runtime().hooks(model_name))
    h->after_unlink(env, model_name, ids);
  recompute(env);
  const schema::Model* current = env.registry().find(model_name);
  for (Observer* o : obs)
    o->after_unlink(env, current ? *current : model, ids);
}

}  // namespace autorules::orm
