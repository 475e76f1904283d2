#include "orm/internal/db_source.h"

#include <fmt/format.h>

#include "orm/internal/rows.h"
#include "orm/internal/search.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Value;

void DbRecordSource::prefetch(const schema::Model& model,
                              std::span<const schema::Field* const> fields,
                              std::span<const Id> ids) {
  for (const schema::Field* f : fields) {
    auto& col = cache_[{model.name(), f->name}];
    IdList missing;
    for (Id id : ids) {
      if (!col.count(id))
        missing.push_back(id);
    }
    if (missing.empty())
      continue;
    std::vector<Value> values = read_field(env_, model, *f, missing);
    for (size_t i = 0; i < missing.size(); ++i)
      col.emplace(missing[i], std::move(values[i]));
  }
}

const Value& DbRecordSource::get(const schema::Model& model, const schema::Field& field, Id id) {
  auto& col = cache_[{model.name(), field.name}];
  auto it = col.find(id);
  if (it == col.end()) {
    std::vector<Value> v = read_field(env_, model, field, {id});
    it = col.emplace(id, std::move(v[0])).first;
  }
  return it->second;
}

IdList DbRecordSource::hierarchy(const schema::Model& model, const IdList& roots,
                                 bool descendants) {
  domain::Domain d = domain::Domain::term(
      "id", descendants ? domain::Op::kChildOf : domain::Op::kParentOf, common::Json(roots));
  return search_ids(env_, model, d, {}, /*active_test=*/false);
}

IdList DbRecordSource::ids_by_name(const schema::Model& model, const std::string& name) {
  domain::Domain d = domain::Domain::term("display_name", domain::Op::kIlike, name);
  return search_ids(env_, model, d, {}, env_.active_test());
}

}  // namespace autorules::orm
