#include "orm/runtime.h"

#include "orm/internal/recompute.h"

namespace autorules::orm {

Runtime::Runtime(std::unique_ptr<store::Database> db, const common::Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Runtime::~Runtime() = default;

void* Runtime::component(const void* key, std::shared_ptr<void> (*make)()) const {
  common::MutexLock lock(components_mutex_);
  std::shared_ptr<void>& slot = components_[key];
  if (!slot)
    slot = make();
  return slot.get();
}

std::shared_ptr<const schema::Registry> Runtime::registry() const {
  common::MutexLock lock(registry_mutex_);
  return registry_;
}

std::pair<std::shared_ptr<const schema::Registry>, std::int64_t> Runtime::registry_and_generation()
    const {
  common::MutexLock lock(registry_mutex_);
  return {registry_, schema_generation_};
}

void Runtime::publish(std::shared_ptr<const schema::Registry> registry, std::int64_t generation) {
  common::MutexLock lock(registry_mutex_);
  // Never go back to an older schema (a slower thread publishing what it rebuilt earlier).
  if (generation >= 0 && generation < schema_generation_)
    return;
  registry_ = std::move(registry);
  schema_generation_ = generation;
  deps_.reset();
}

std::shared_ptr<const DependencyIndex> Runtime::dependencies(
    const std::shared_ptr<const schema::Registry>& registry) const {
  {
    common::MutexLock lock(registry_mutex_);
    if (registry == registry_ && deps_) {
      return deps_;
    }
  }
  auto deps = std::make_shared<const DependencyIndex>(registry);
  common::MutexLock lock(registry_mutex_);
  if (registry == registry_) {
    deps_ = deps;
  }
  return deps;
}

void Runtime::add_hooks(const std::string& model, std::shared_ptr<ModelHooks> hooks) {
  hooks_[model].push_back(std::move(hooks));
}

const std::vector<std::shared_ptr<ModelHooks>>& Runtime::hooks(const std::string& model) const {
  static const std::vector<std::shared_ptr<ModelHooks>> kNone;
  auto it = hooks_.find(model);
  return it == hooks_.end() ? kNone : it->second;
}

void Runtime::add_method(const std::string& model, const std::string& name, Method method) {
  methods_[model][name] = std::move(method);
}

const Method* Runtime::method(const std::string& model, const std::string& name) const {
  for (const std::string& key : {model, std::string("*")}) {
    auto it = methods_.find(key);
    if (it != methods_.end()) {
      auto m = it->second.find(name);
      if (m != it->second.end()) {
        return &m->second;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> Runtime::method_names(const std::string& model) const {
  std::vector<std::string> out;
  for (const std::string& key : {std::string("*"), model}) {
    auto it = methods_.find(key);
    if (it != methods_.end()) {
      for (const auto& [name, _] : it->second) {
        out.push_back(name);
      }
    }
  }
  return out;
}

void Runtime::set_access(const std::string& model, ModelAccess access) {
  access_[model] = access;
}

ModelAccess Runtime::access(const std::string& model) const {
  auto it = access_.find(model);
  if (it != access_.end())
    return it->second;
  return model.starts_with("ir.") ? ModelAccess::kConfiguration : ModelAccess::kBusiness;
}

std::optional<std::set<std::string>> Runtime::cached_groups(common::Id uid,
                                                            std::int64_t generation) const {
  common::MutexLock lock(groups_mutex_);
  auto it = groups_.find(uid);
  if (it == groups_.end() || it->second.first != generation)
    return std::nullopt;
  return it->second.second;
}

void Runtime::cache_groups(common::Id uid, std::int64_t generation, std::set<std::string> groups) {
  common::MutexLock lock(groups_mutex_);
  groups_[uid] = {generation, std::move(groups)};
}

void Runtime::add_observer(Observer* observer) {
  observers_.push_back(observer);
}

}  // namespace autorules::orm
