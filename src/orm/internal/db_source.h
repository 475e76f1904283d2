// The domain evaluator's view of records in the database (within the transaction, so it sees
// uncommitted changes): values loaded in batches on prefetch and kept for one evaluation.
#pragma once

#include <map>
#include <unordered_map>

#include "domain/evaluate.h"
#include "orm/env.h"

namespace autorules::orm {

class DbRecordSource final : public domain::RecordSource, public domain::NameLookup {
 public:
  explicit DbRecordSource(Env env) : env_(std::move(env)) {}

  void prefetch(const schema::Model& model, std::span<const schema::Field* const> fields,
                std::span<const common::Id> ids) override;
  const common::Value& get(const schema::Model& model, const schema::Field& field,
                           common::Id id) override;
  common::IdList hierarchy(const schema::Model& model, const common::IdList& roots,
                           bool descendants) override;
  common::IdList ids_by_name(const schema::Model& model, const std::string& name) override;

 private:
  using Key = std::pair<std::string, std::string>;  // model, field
  Env env_;
  std::map<Key, std::unordered_map<common::Id, common::Value>> cache_;
};

}  // namespace autorules::orm
