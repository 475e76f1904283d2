// ir.cron's behaviour: validation, "Run manually", and waking the scheduler.
#include <fmt/format.h>

#include "common/errors.h"
#include "jobs/internal/schedule.h"
#include "jobs/jobs.h"
#include "orm/methods.h"
#include "orm/model_hooks.h"
#include "orm/recordset.h"
#include "script/sandbox.h"

namespace autorules::jobs {

using common::Json;

namespace {

class CronHooks final : public orm::ModelHooks {
 public:
  void before_create(const orm::Env&, const std::string&, Json& vals) override { check(vals); }
  void before_write(const orm::RecordSet&, Json& vals) override { check(vals); }
  void after_create(const orm::RecordSet& records, const Json&) override { wake(records.env()); }
  void after_write(const orm::RecordSet& records, const Json& vals) override {
    if (vals.contains("nextcall") || vals.contains("active") || vals.contains("interval_number") ||
        vals.contains("interval_type")) {
      wake(records.env());
    }
  }

 private:
  static void check(const Json& vals) {
    if (auto n = vals.find("interval_number");
        n != vals.end() && n->is_number_integer() && n->get<std::int64_t>() <= 0) {
      throw common::ValidationError("The interval number must be a strictly positive number.");
    }
    if (auto code = vals.find("code"); code != vals.end() && code->is_string()) {
      if (auto error = script::check(code->get<std::string>(), script::Mode::kExec))
        throw common::ValidationError(*error);
    }
  }
  // Once the change is committed, the schedulers of this runtime look at the nextcalls again
  // (other processes see it at their next poll).
  static void wake(const orm::Env& env) {
    env.after_end([](orm::Runtime& runtime) { internal::wake_schedulers(runtime); });
  }
};

}  // namespace

void install(orm::Runtime& runtime) {
  runtime.add_hooks("ir.cron", std::make_shared<CronHooks>());
  // "Run manually": the job's work in the caller's transaction (its error fails the call),
  // as the job's user, lastcall set, nextcall unchanged (Odoo's method_direct_trigger).
  runtime.add_method(
      "ir.cron", "method_direct_trigger",
      orm::Method{.fn = [](const orm::RecordSet& records, const Json&) {
        records.check_access(orm::RecordSet::Operation::kWrite);
        records.ensure_exist();
        for (common::Id id : records.ids()) {
          if (internal::held_elsewhere(records.env(), id)) {
            throw common::UserError(fmt::format(
                "Record cannot be modified right now: This cron task is currently being "
                "executed and may not be modified Please try again in a few minutes (ir.cron {})",
                id));
          }
          internal::run_in(records.env(), id, true);
        }
        return Json(true);
      }});
}

}  // namespace autorules::jobs
