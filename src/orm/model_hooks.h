// Model-specific behaviour: what a built-in model does beyond the generic ORM (Odoo's model
// classes overriding create/write/unlink, and their public methods). Hooks are registered on
// the Runtime per model name at start-up, by the ORM for base models and by higher layers for
// theirs; several hooks on one model run in registration order.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/value.h"

namespace autorules::orm {

class Env;
class RecordSet;

class ModelHooks {
 public:
  virtual ~ModelHooks() = default;
  // May check and change each record's values before they are validated and inserted.
  virtual void before_create(const Env& env, const std::string& model, common::Json& vals);
  virtual void after_create(const RecordSet& records, const common::Json& vals_list);
  // May check and change the values before they are validated and written.
  virtual void before_write(const RecordSet& records, common::Json& vals);
  virtual void after_write(const RecordSet& records, const common::Json& vals);
  virtual void before_unlink(const RecordSet& records);
  virtual void after_unlink(const Env& env, const std::string& model, const common::IdList& ids);
  // The values of a copy, before `default` is applied and the copy created.
  virtual void copy_data(const RecordSet& record, common::Json& vals);
};

// A public method of a model, callable through JSON-2 as /json/2/<model>/<name>. Written with
// designated initializers, leaving out what is empty or false:
// Method{.fn = ..., .params = {"a", "b"}, .required_params = {"a"}, .model_level = true}.
struct Method {
  // Receives the records (empty for model-level methods) and the named parameters (an object
  // holding only known names); returns the JSON result.
  std::function<common::Json(const RecordSet& records, const common::Json& params)> fn;
  std::vector<std::string> params;           // accepted parameter names
  std::vector<std::string> required_params;  // those that must be given
  bool model_level = false;                  // refuses ids
  bool readonly = false;                     // runs on a read-only transaction
};

}  // namespace autorules::orm
