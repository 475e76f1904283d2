// "Execute Code" (docs/automation.md, "Execute Code"): the action's Python statements, once,
// with the names listed there; `action = {...}` is read back.
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "script/sandbox.h"

namespace autorules::actions::internal {

common::Json run_code(const Run& run) {
  std::string code = text(run, "code");
  if (code.find_first_not_of(" \t\r\n") == std::string::npos)
    return nullptr;  // empty code
  script::Context ctx(run.env);
  ctx.model = run.model;
  ctx.records = run.records;
  ctx.log_func = text(run, "name");
  ctx.log_line = std::to_string(run.action.id());
  // `payload`: the incoming webhook's payload while one is being handled, else None.
  auto payload = run.env.context().find("__webhook_payload");
  ctx.values["payload"] = payload != run.env.context().end() ? *payload : common::Json();
  return script::exec(code, ctx);
}

}  // namespace autorules::actions::internal
