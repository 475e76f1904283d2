// Queuing messages, retrying dead ones by hand, and the backoff.
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/methods.h"
#include "orm/recordset.h"
#include "outbox/internal/inbox.h"
#include "outbox/outbox.h"
#include "outbox/target.h"

namespace autorules::outbox {

using common::Id;
using common::Json;
using common::Value;

Id enqueue(const orm::Env& env, const Message& m) {
  orm::Env su = env.sudo();
  std::string key = common::random_uuid4();
  Json vals{{"kind", m.kind},
            {"name", m.name},
            {"url", m.url},
            {"headers", m.headers.dump()},
            {"body", m.body},
            {"idempotency_key", key},
            {"res_model", m.res_model},
            {"res_id", m.res_id},
            {"next_attempt", common::format_datetime(su.now())}};
  // A dispatcher of this process with room takes the message at the commit, already claimed.
  std::optional<common::DateTime> lease = internal::reserve_hand_off(env);
  if (lease) {
    vals["state"] = "sending";
    vals["lease_until"] = common::format_datetime(*lease);
  }
  Id id = su["outbox.message"].create(vals).id();
  if (!m.signing_secret.empty()) {
    // A secret field: never readable through the API, so written here directly.
    su.cr().execute("UPDATE \"outbox_message\" SET \"signing_secret\" = ? WHERE \"id\" = ?",
                    std::vector<Value>{Value(m.signing_secret), Value(id)});
  }
  if (lease) {
    internal::hand_off(env, id, std::move(key));
  } else {
    env.after_end([](orm::Runtime&) { internal::wake_dispatchers(); });
  }
  return id;
}

std::chrono::milliseconds backoff(const Options& o, int attempt) {
  std::chrono::milliseconds d = o.retry_base;
  for (int i = 1; i < attempt && d < o.retry_cap; ++i)
    d *= 2;
  return std::min(d, o.retry_cap);
}

void install(orm::Runtime& runtime) {
  install_retention(runtime);
  install_target_policy(runtime);
  // The dispatcher's lookups, on partial indexes that hold only the messages still to deliver
  // (delivered ones, the bulk of the table, are in none): the earliest due pending message, the
  // earliest lease, and failed or dead messages (for /metrics). A state change then touches one
  // small index instead of every (state, …) index. The earlier full indexes are dropped.
  runtime.add_initializer([](const orm::Env& env) {
    env.cr().execute_script(
        "DROP INDEX IF EXISTS \"outbox_message__state_next_attempt_index\"; "
        "DROP INDEX IF EXISTS \"outbox_message__state_lease_until_index\"; "
        "DROP INDEX IF EXISTS \"outbox_message__state_index\"; "
        "DROP INDEX IF EXISTS \"outbox_message__next_attempt_index\"; "
        "CREATE INDEX IF NOT EXISTS \"outbox_message__pending_index\" ON \"outbox_message\" "
        "(\"next_attempt\") WHERE \"state\" = 'pending'; "
        "CREATE INDEX IF NOT EXISTS \"outbox_message__sending_index\" ON \"outbox_message\" "
        "(\"lease_until\") WHERE \"state\" = 'sending'; "
        "CREATE INDEX IF NOT EXISTS \"outbox_message__stopped_index\" ON \"outbox_message\" "
        "(\"state\") WHERE \"state\" IN ('failed', 'dead')");
  });
  runtime.add_method(
      "outbox.message", "action_retry",
      orm::Method{.fn = [](const orm::RecordSet& messages, const Json&) {
        messages.check_access(orm::RecordSet::Operation::kWrite);
        messages.ensure_exist();
        for (Id id : messages.ids()) {
          orm::RecordSet m = messages.sudo().browse({id});
          std::string state = m.get("state").as_string();
          if (state != "dead" && state != "failed") {
            throw common::UserError(fmt::format(
                "Only a dead or failed message can be retried; message {} is {}", id, state));
          }
          m.write(Json{{"state", "pending"},
                       {"attempts", 0},
                       {"next_attempt", common::format_datetime(messages.env().now())}});
        }
        messages.env().after_end([](orm::Runtime&) { internal::wake_dispatchers(); });
        return Json(true);
      }});
}

}  // namespace autorules::outbox
