// "Add Followers" and "Remove Followers" (docs/automation.md): specific partners, or the partners
// a dotted path leads to from the records ("Dynamic"; without a path, Odoo's default: partner_id,
// else the model's first field by name that leads to contacts), collected across all the records
// and (un)subscribed on all of them.
#include <fmt/format.h>

#include "actions/internal/types.h"
#include "common/errors.h"
#include "mail/thread.h"

namespace autorules::actions::internal {

using common::IdList;
using common::Json;

std::string followers_path(const Run& run) {
  std::string path = text(run, "followers_partner_field_name");
  if (!path.empty())
    return path;
  // Odoo fills the field when "Dynamic" is chosen: partner_id if it is a field to contacts, else
  // the first such field by name (ir.model.fields' order).
  const schema::Model* model = run.env.registry().find(run.model);
  if (!model)
    return "partner_id";
  const schema::Field* preferred = model->field("partner_id");
  if (preferred && preferred->is_relational() && preferred->relation == "res.partner")
    return "partner_id";
  std::string first;
  for (const schema::Field& f : model->fields()) {
    if (f.is_relational() && f.relation == "res.partner" && (first.empty() || f.name < first))
      first = f.name;
  }
  return first.empty() ? std::string("partner_id") : first;
}

namespace {

// The partners the action names: its partner_ids, or those the path leads to.
IdList partners_of(const Run& run, const orm::RecordSet& records) {
  if (text(run, "followers_type") != "generic") {
    common::Value ids = field(run, "partner_ids");
    return ids.is_ids() ? ids.as_ids() : IdList{};
  }
  std::string path = followers_path(run);
  auto walked = records.env().registry().resolve_path(records.model(), path,
                                                      schema::Registry::OnBadPath::kStop);
  orm::RecordSet targets = records;
  for (std::string_view segment : walked.segments)
    targets = targets.related(segment);
  if (targets.name() != "res.partner")
    throw common::UserError(fmt::format("The field '{}' is not a partner field.", path));
  return targets.ids();
}

Json run_followers_change(const Run& run, bool add) {
  if (run.records.empty())
    return nullptr;
  orm::RecordSet records = run.env[run.model].browse(run.records);
  IdList partners = partners_of(run, records);
  if (partners.empty())
    return nullptr;
  if (add)
    mail::message_subscribe(records, partners);
  else
    mail::message_unsubscribe(records, partners);
  return nullptr;
}

}  // namespace

Json run_followers(const Run& run) {
  return run_followers_change(run, true);
}

Json run_remove_followers(const Run& run) {
  return run_followers_change(run, false);
}

}  // namespace autorules::actions::internal
