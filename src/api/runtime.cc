#include "api/runtime.h"

#include "actions/actions.h"
#include "automation/automation.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "orm/base/modules.h"
#include "outbox/outbox.h"
#include "store/database.h"

namespace autorules::api {

std::unique_ptr<orm::Runtime> make_runtime(const RuntimeOptions& options) {
  const common::Clock& clock = options.clock ? *options.clock : common::SystemClock::instance();
  auto runtime = std::make_unique<orm::Runtime>(store::Database::open(options.database), clock);
  if (!options.modules_path.empty())
    runtime->set_modules_path(options.modules_path);
  // The sandbox first: the other layers' hooks check and run code with it.
  script::install(*runtime, options.sandbox);
  // The apps' own methods, checked by the sandbox (docs/apps.md).
  orm::register_app_methods(*runtime);
  mail::install(*runtime, options.mail);
  actions::install(*runtime, options.actions);
  automation::install(*runtime);
  jobs::install(*runtime);
  outbox::install(*runtime);
  runtime->initialize();
  return runtime;
}

}  // namespace autorules::api
