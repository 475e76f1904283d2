// Runtime::initialize: from an empty or older database to one the server can serve.
#include <fmt/format.h>

#include "orm/base/ir_model_hooks.h"
#include "orm/base/sequence.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/ir_model_rows.h"
#include "orm/methods.h"
#include "orm/runtime.h"
#include "store/schema_sync.h"

namespace autorules::orm {

void Runtime::initialize() {
  if (!initialized_) {
    register_base_methods(*this);
    register_ir_model_hooks(*this);
    register_base_models(*this);
    register_sequences(*this);
    initialized_ = true;
  }
  auto code = std::make_shared<const schema::Registry>(schema::builtin_registry());
  code_registry_ = code;
  publish(code);
  Env env = Env::begin(*this, kSuperuserId, store::Access::kWrite).sudo();
  store::sync_schema(env.cr(), *code);
  // Generation counters of caches shared between transactions and processes (Env::generation).
  env.cr().execute_script(
      "CREATE TABLE IF NOT EXISTS \"autorules_generation\" (\"name\" TEXT PRIMARY KEY, "
      "\"value\" INTEGER NOT NULL)");
  sync_builtin_rows(env, *code);
  schema::Registry full = load_registry(env.cr(), *code);
  store::sync_schema(env.cr(), full);
  env.mutable_registry() = full;
  ensure_base_data(env);
  for (const auto& init : initializers_)
    init(env);
  env.commit();  // publishes `full` under the new "schema" generation
  ready_ = true;
}

}  // namespace autorules::orm
