// Recomputation of stored related (and computed) fields: the dependency index says which fields
// of which records depend on a (model, field) that changed; the queue collects them during an
// operation and recompute() brings them up to date at its end, as writes that observers see.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/value.h"
#include "schema/registry.h"

namespace autorules::orm {

class Env;

class DependencyIndex {
 public:
  explicit DependencyIndex(std::shared_ptr<const schema::Registry> registry);

  // Records of `model` whose `inverse_path` reaches the changed records (empty: the changed
  // records themselves) need `field` recomputed.
  struct Trigger {
    std::string model;
    std::string field;
    std::string inverse_path;
  };
  const std::vector<Trigger>& triggers(const std::string& model, const std::string& field) const;
  bool has_triggers(const std::string& model) const { return models_with_triggers_.count(model); }

  // A (model, field) pair.
  struct Ref {
    std::string model;
    std::string field;
  };
  // Stored many2one fields pointing at `model` (ondelete).
  const std::vector<Ref>& many2one_to(const std::string& model) const;
  // many2many fields whose comodel is `model` (relation rows to clean on unlink).
  const std::vector<Ref>& many2many_to(const std::string& model) const;
  // one2many fields whose inverse is (model, field).
  const std::vector<Ref>& one2many_of(const std::string& model, const std::string& field) const;
  // many2many fields stored in `table`.
  const std::vector<Ref>& many2many_in(const std::string& table) const;
  // Stored related/computed fields of `model`, in declaration order.
  const std::vector<std::string>& computed_fields(const std::string& model) const;

  const schema::Registry& registry() const { return *registry_; }

 private:
  std::shared_ptr<const schema::Registry> registry_;
  std::map<std::pair<std::string, std::string>, std::vector<Trigger>> triggers_;
  std::set<std::string> models_with_triggers_;
  std::map<std::string, std::vector<Ref>> m2o_to_, m2m_to_, m2m_in_;
  std::map<std::pair<std::string, std::string>, std::vector<Ref>> o2m_of_;
  std::map<std::string, std::vector<std::string>> computed_;
};

// Fields of records to bring up to date.
class RecomputeQueue {
 public:
  void add(const std::string& model, const std::string& field, const common::IdList& ids);
  bool empty() const { return todo_.empty(); }
  // Takes everything queued so far.
  std::map<std::pair<std::string, std::string>, std::set<common::Id>> take();

 private:
  std::map<std::pair<std::string, std::string>, std::set<common::Id>> todo_;
};

// Marks what depends on `fields` of `ids` of `model` as to recompute (the caller's change).
void modified(const Env& env, const std::string& model, const std::vector<std::string>& fields,
              const common::IdList& ids);
// Recomputes everything queued, repeatedly, until nothing is left; changed values are written
// with WriteOrigin::kRecompute (observers see them). `silent_ids` lists records just created:
// their values are set without write notifications.
void recompute(const Env& env);
// The values of a related or Python-computed field for `ids`, computed now (not stored).
std::vector<common::Value> compute_values(const Env& env, const schema::Model& model,
                                          const schema::Field& field, const common::IdList& ids);

// Computes and stores the related/computed fields of freshly created records (no write events).
void compute_new(const Env& env, const std::string& model, const common::IdList& ids);

}  // namespace autorules::orm
