// "Send Webhook Notification" (docs/automation.md): the record's selected fields in
// raw form with _id, _model and _action, sorted keys, queued in the outbox and POSTed after the
// change commits (a rollback sends nothing).
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "common/errors.h"
#include "outbox/outbox.h"

namespace autorules::actions::internal {

using common::Json;

Json webhook_payload(const Run& run, const orm::RecordSet& record) {
  Json payload = Json::object();
  common::Value fields = field(run, "webhook_field_ids");
  if (fields.is_ids() && !fields.as_ids().empty()) {
    std::vector<std::string> names;
    for (common::Id fid : fields.as_ids()) {
      common::Value name = run.env["ir.model.fields"].browse({fid}).get("name");
      if (name.is_string() && record.model().field(name.as_string()))
        names.push_back(name.as_string());
    }
    Json row = record.read(names)[0];
    for (auto& [k, v] : row.items()) {
      const schema::Field* f = record.model().field(k);
      // Raw form: a many2one as its id, not an (id, name) pair.
      if (f && f->type == schema::FieldType::kMany2one && v.is_array() && !v.empty())
        payload[k] = v[0];
      else
        payload[k] = v;
    }
  }
  payload["_id"] = record.id();
  payload["_model"] = record.name();
  payload["_action"] = fmt::format("{}(#{})", text(run, "name"), run.action.id());
  return payload;
}

Json run_webhook(const Run& run) {
  if (run.records.empty())
    return nullptr;  // no active record: nothing to send
  std::string url = text(run, "webhook_url");
  if (url.empty()) {
    throw common::UserError(
        "I'll be happy to send a webhook for you, but you really need to give me a URL to reach "
        "out to...");
  }
  orm::RecordSet record = run.env[run.model].browse(run.records);
  outbox::Message m;
  m.kind = "webhook";
  m.name = fmt::format("{} on {}({})", text(run, "name"), run.model, run.records[0]);
  m.url = url;
  m.body = webhook_payload(run, record).dump(-1, ' ', false, Json::error_handler_t::replace);
  m.res_model = run.model;
  m.res_id = run.records[0];
  m.signing_secret = text(run, "webhook_secret");
  outbox::enqueue(run.env, m);
  return nullptr;
}

}  // namespace autorules::actions::internal
