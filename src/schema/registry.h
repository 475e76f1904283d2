// Registry: every model the server knows, by technical name. A Registry is a value: the running
// server publishes immutable snapshots (std::shared_ptr<const Registry>) and a transaction that
// changes the schema works on its own copy, published only when it commits. Copying is cheap:
// models are shared, and a changed model is replaced, never mutated in place.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/model.h"

namespace autorules::schema {

class Registry {
 public:
  const Model* find(std::string_view name) const;
  // NotFoundError "the model 'x' does not exist" when unknown.
  const Model& get(std::string_view name) const;
  std::shared_ptr<const Model> shared(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }

  void put(std::shared_ptr<const Model> model);
  void put(Model model) { put(std::make_shared<const Model>(std::move(model))); }
  void remove(std::string_view name);

  // Models in name order.
  std::vector<const Model*> models() const;
  size_t size() const { return models_.size(); }

  // The model a dotted path ends on and the last field, e.g. ("partner_id.email") on
  // sale.order → (res.partner, email). ValueError naming the bad segment otherwise.
  struct PathEnd {
    const Model* model;
    const Field* field;
  };
  PathEnd resolve_path(const Model& start, std::string_view path) const;

 private:
  std::map<std::string, std::shared_ptr<const Model>, std::less<>> models_;
};

// The built-in models (schema/builtin/): base, then what later subsystems add. Adding a built-in
// model is one function in one file, listed in builtin/builtin.cc.
Registry builtin_registry();

}  // namespace autorules::schema
