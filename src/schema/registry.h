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

  // A dotted path followed from a model: e.g. "partner_id.country_id.code" on sale.order gives
  // the steps (sale.order, partner_id), (res.partner, country_id), (res.country, code).
  struct PathStep {
    const Model* model;  // the model the field is on
    const Field* field;
  };
  struct ResolvedPath {
    // Why the walk stopped before the end of the path (kNone: every segment resolved).
    enum class Stop {
      kNone,
      kNoField,        // the model has no field named segments[steps.size()]
      kNotRelational,  // the last step's field is not relational, and the path goes on
      kNoModel,        // the last step's comodel does not exist, and the path goes on
    };
    std::vector<std::string_view> segments;  // the path split on '.' (views into the path)
    std::vector<PathStep> steps;             // the fields found, in order
    Stop stop = Stop::kNone;
    // The last segment looked at: its model and its field. The end of the path when it
    // resolved; for kNoField the model that lacks the segment (field is nullptr); otherwise the
    // field that cannot be followed.
    const Model* model = nullptr;
    const Field* field = nullptr;
  };
  // How resolve_path answers a path that does not resolve to its end.
  enum class OnBadPath {
    kThrow,  // ValueError naming the bad segment
    kStop,   // the steps found so far, and why it stopped
  };
  // Follows `path` from `start`, one field per segment. The result's segments view `path`, which
  // must outlive it. Every walk of a dotted field path goes through here.
  ResolvedPath resolve_path(const Model& start, std::string_view path,
                            OnBadPath on_bad = OnBadPath::kThrow) const;

 private:
  std::map<std::string, std::shared_ptr<const Model>, std::less<>> models_;
};

// The built-in models (schema/builtin/): base, then what later subsystems add. Adding a built-in
// model is one function in one file, listed in builtin/builtin.cc.
Registry builtin_registry();

}  // namespace autorules::schema
