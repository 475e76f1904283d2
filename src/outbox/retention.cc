// How long delivered messages are kept: the job "Outbox: delete old delivered messages" removes
// them (with their attempts) once they are older than the `outbox.retention_days` parameter
// (default 30; 0 keeps them forever). Failed and dead messages stay until someone deals with them.
#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/base/users.h"
#include "orm/ir_model_rows.h"
#include "orm/methods.h"
#include "orm/recordset.h"
#include "orm/xmlid.h"
#include "outbox/outbox.h"

namespace autorules::outbox {

using common::Json;
using common::Value;

namespace {

// The job runs hourly and deletes at most this many messages per run, so that its write
// transaction stays short; a backlog is worked off over the following runs.
constexpr std::int64_t kBatch = 20'000;

std::int64_t retention_days(const orm::Env& env) {
  std::optional<std::string> text = orm::get_param(env, "outbox.retention_days");
  if (!text)
    return 30;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    throw common::UserError(fmt::format(
        "The parameter outbox.retention_days must be a whole number of days, not '{}'", *text));
  }
}

void ensure_job(const orm::Env& env) {
  orm::ensure_xmlid_record(env, "outbox", "ir_cron_outbox_delete_delivered", "ir.cron",
                           Json{{"name", "Outbox: delete old delivered messages"},
                                {"model_id", orm::ir_model_id(env, "outbox.message").value_or(0)},
                                {"method", "_gc_delivered_messages"},
                                {"user_id", orm::kSuperuserId},
                                {"interval_number", 1},
                                {"interval_type", "hours"},
                                {"priority", 10}});
}

}  // namespace

std::int64_t delete_delivered(const orm::Env& env) {
  std::int64_t days = retention_days(env);
  if (days <= 0)
    return 0;
  std::string before = common::format_datetime(common::add_seconds(env.now(), -days * 86'400));
  // Oldest first (ids grow with time), on the primary key: a run stops after its batch.
  const char* chosen =
      "SELECT \"id\" FROM \"outbox_message\" WHERE \"state\" = 'delivered' AND \"delivered_at\" < "
      "? "
      "ORDER BY \"id\" LIMIT ?";
  std::vector<Value> params{Value(before), Value(kBatch)};
  env.cr().execute(
      fmt::format("DELETE FROM \"outbox_attempt\" WHERE \"message_id\" IN ({})", chosen), params);
  return env.cr().execute(
      fmt::format("DELETE FROM \"outbox_message\" WHERE \"id\" IN ({})", chosen), params);
}

namespace {

// outbox.message/_gc_delivered_messages, which the retention job calls.
Json run_retention(const orm::RecordSet& records, const Json&) {
  return Json(delete_delivered(records.env().sudo()));
}

}  // namespace

void install_retention(orm::Runtime& runtime) {
  runtime.add_method("outbox.message", "_gc_delivered_messages",
                     orm::Method{.fn = run_retention, .model_level = true});
  runtime.add_initializer([](const orm::Env& env) { ensure_job(env); });
}

}  // namespace autorules::outbox
