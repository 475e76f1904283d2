// "Multi Actions" (docs/automation.md, "Multi Actions"): the children in order, on the same
// records; the last client action returned wins. Recursion is refused when the action is saved
// (run.cc).
#include "actions/actions.h"
#include "actions/internal/types.h"

namespace autorules::actions::internal {

common::Json run_multi(const Run& run) {
  orm::RecordSet children = run.action.related("child_ids");
  return actions::run(children.with_env(run.env));
}

}  // namespace autorules::actions::internal
