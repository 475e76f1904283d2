// Runtime: everything the ORM shares between transactions of one database: the store, the
// published registry snapshot, the model hooks and methods, the observers, the clock and the
// hook for computing Python fields. Thread-safe: the registry is swapped atomically on commit
// of a schema change; hooks, methods and observers are registered before serving.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "orm/model_hooks.h"
#include "orm/observer.h"
#include "schema/registry.h"
#include "store/database.h"

namespace autorules::orm {

class DependencyIndex;
class Env;
class RecordSet;

// Who may do what on a model (docs/security.md); checked unless the Env is superuser.
enum class ModelAccess {
  kBusiness,       // internal users read and write; portal and public users nothing
  kConfiguration,  // internal users read; only base.group_system changes (ir.*, rules, ...)
  kAdminOnly,      // only base.group_system, even to read (parameters, logs, API keys)
};

// Computes a Python-computed field (set by the sandbox layer): the values of `field` for each of
// `records`, in order.
using ComputeFn =
    std::function<std::vector<common::Value>(const RecordSet& records, const schema::Field& field)>;
// Computes a field computed by C++ code (schema::Field::native_compute): its values for each of
// `records`, in order.
using NativeComputeFn = std::function<std::vector<common::Value>(const RecordSet& records)>;
// Makes an html value safe to show (set by the mail layer): what is written to html fields.
using HtmlSanitizer = std::function<std::string(std::string_view html)>;
// Evaluates the text of a domain that holds Python expressions into its JSON form (set by the
// sandbox layer).
using DomainEvaluator = std::function<common::Json(const Env& env, const std::string& text)>;
// Takes part in RecordSet::onchange (the automation engine's "On UI change" rules): may change
// the form's `result` ({"value": {...}, "warning": ..., "domain": ...}). Runs inside the
// onchange's savepoint, which is rolled back: nothing it writes is kept.
using OnchangeHandler =
    std::function<void(const RecordSet& records, const common::Json& form,
                       const std::vector<std::string>& changed, common::Json& result)>;
// Checks Python code when it is saved: the error message, or nullopt (set by the sandbox).
using CodeChecker = std::function<std::optional<std::string>(const std::string& code)>;
// Runs the Python code of an app's method (set by the sandbox) on `records` with the caller's
// rights, each parameter bound by its name; returns what the code assigned to `result`.
using MethodCodeRunner = std::function<common::Json(
    const RecordSet& records, const std::string& code, const common::Json& params)>;

class Runtime {
 public:
  Runtime(std::unique_ptr<store::Database> db, const common::Clock& clock);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Creates or upgrades the database: tables of the built-in models, their ir.model /
  // ir.model.fields rows, the models and fields defined at run time, base data (groups, the
  // root and admin users, currencies, parameters). Idempotent; call once before serving.
  void initialize();

  store::Database& database() { return *db_; }
  const common::Clock& clock() const { return clock_; }

  std::shared_ptr<const schema::Registry> registry() const EXCLUDES(registry_mutex_);
  // The published registry and the "schema" generation it was built for.
  std::pair<std::shared_ptr<const schema::Registry>, std::int64_t> registry_and_generation() const
      EXCLUDES(registry_mutex_);
  void publish(std::shared_ptr<const schema::Registry> registry, std::int64_t generation = -1)
      EXCLUDES(registry_mutex_);
  // The built-in definitions (what initialize() started from); registries are rebuilt from them
  // and the database's rows when another process changed the schema.
  const schema::Registry& code_registry() const { return *code_registry_; }
  // Whether initialize() completed (the generation table exists from then on).
  bool ready() const { return ready_.load(); }
  // Dependencies of stored related/computed fields for a registry (cached for the published one).
  std::shared_ptr<const DependencyIndex> dependencies(
      const std::shared_ptr<const schema::Registry>& registry) const EXCLUDES(registry_mutex_);

  void add_hooks(const std::string& model, std::shared_ptr<ModelHooks> hooks);
  const std::vector<std::shared_ptr<ModelHooks>>& hooks(const std::string& model) const;
  void add_method(const std::string& model, const std::string& name, Method method);
  // A model's own method, else one registered for every model ("*"); nullptr when none.
  const Method* method(const std::string& model, const std::string& name) const;
  std::vector<std::string> method_names(const std::string& model) const;

  // Models named "ir.*" default to kConfiguration, every other model to kBusiness.
  void set_access(const std::string& model, ModelAccess access);
  ModelAccess access(const std::string& model) const;

  void add_observer(Observer* observer);
  const std::vector<Observer*>& observers() const { return observers_; }

  // Groups per user under a "security" generation (see Env::generation); thread-safe.
  std::optional<std::set<std::string>> cached_groups(common::Id uid, std::int64_t generation) const
      EXCLUDES(groups_mutex_);
  void cache_groups(common::Id uid, std::int64_t generation, std::set<std::string> groups)
      EXCLUDES(groups_mutex_);

  void set_compute(ComputeFn fn) { compute_ = std::move(fn); }
  // The code of a natively computed field (registered before serving); nullptr when none.
  void add_native_compute(const std::string& model, const std::string& field, NativeComputeFn fn) {
    native_computes_[{model, field}] = std::move(fn);
  }
  const NativeComputeFn* native_compute(const std::string& model, const std::string& field) const {
    auto it = native_computes_.find({model, field});
    return it == native_computes_.end() ? nullptr : &it->second;
  }
  const ComputeFn& compute() const { return compute_; }
  // Applied to every value written to an html field whose Field::sanitize is on; none: kept.
  void set_html_sanitizer(HtmlSanitizer fn) { html_sanitizer_ = std::move(fn); }
  const HtmlSanitizer& html_sanitizer() const { return html_sanitizer_; }
  void set_domain_evaluator(DomainEvaluator fn) { domain_evaluator_ = std::move(fn); }
  void set_code_checker(CodeChecker fn) { code_checker_ = std::move(fn); }
  void set_method_code_runner(MethodCodeRunner fn) { method_code_runner_ = std::move(fn); }
  const MethodCodeRunner& method_code_runner() const { return method_code_runner_; }
  void add_onchange_handler(OnchangeHandler fn) { onchange_handlers_.push_back(std::move(fn)); }
  // Runs at the end of initialize(), in its transaction (superuser): data a layer needs, such as
  // built-in records with xml ids. Must be idempotent (it runs at every start).
  void add_initializer(std::function<void(const Env& env)> fn) {
    initializers_.push_back(std::move(fn));
  }
  const std::vector<OnchangeHandler>& onchange_handlers() const { return onchange_handlers_; }
  const CodeChecker& code_checker() const { return code_checker_; }
  const DomainEvaluator& domain_evaluator() const { return domain_evaluator_; }

  // The runtime's own object of type T for a layer above the ORM (the automation engine, a
  // layer's counters): made on first use, destroyed with the runtime, so that two runtimes in
  // one process share no state. T must be default-constructible. Thread-safe; the reference
  // stays valid as long as the runtime.
  template <class T>
  T& component() const {
    static const char key = 0;  // one per T: its address tells the types apart
    return *static_cast<T*>(
        component(&key, [] { return std::static_pointer_cast<void>(std::make_shared<T>()); }));
  }

  // Where apps (modules/<app>/manifest.json) are found.
  void set_modules_path(std::string path) { modules_path_ = std::move(path); }
  const std::string& modules_path() const { return modules_path_; }

 private:
  void* component(const void* key, std::shared_ptr<void> (*make)()) const
      EXCLUDES(components_mutex_);

  std::unique_ptr<store::Database> db_;
  const common::Clock& clock_;

  mutable common::Mutex registry_mutex_;
  std::shared_ptr<const schema::Registry> registry_ GUARDED_BY(registry_mutex_);
  std::int64_t schema_generation_ GUARDED_BY(registry_mutex_) = -1;
  std::shared_ptr<const schema::Registry> code_registry_;
  mutable std::shared_ptr<const DependencyIndex> deps_ GUARDED_BY(registry_mutex_);

  std::map<std::string, std::vector<std::shared_ptr<ModelHooks>>> hooks_;
  std::map<std::string, std::map<std::string, Method>> methods_;
  std::map<std::string, ModelAccess> access_;
  mutable common::Mutex groups_mutex_;
  std::map<common::Id, std::pair<std::int64_t, std::set<std::string>>> groups_
      GUARDED_BY(groups_mutex_);
  std::vector<Observer*> observers_;
  ComputeFn compute_;
  HtmlSanitizer html_sanitizer_;
  std::map<std::pair<std::string, std::string>, NativeComputeFn> native_computes_;
  DomainEvaluator domain_evaluator_;
  CodeChecker code_checker_;
  MethodCodeRunner method_code_runner_;
  std::vector<OnchangeHandler> onchange_handlers_;
  std::vector<std::function<void(const Env&)>> initializers_;
  std::string modules_path_ = "modules";
  bool initialized_ = false;
  std::atomic<bool> ready_{false};
  // Last, so that the layers' objects are destroyed first: they may use the members above.
  mutable common::Mutex components_mutex_;
  mutable std::map<const void*, std::shared_ptr<void>> components_ GUARDED_BY(components_mutex_);
};

}  // namespace autorules::orm
