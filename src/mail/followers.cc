// Followers of mail threads (docs/mail.md, "Followers"): mail.followers rows, one per record and
// partner, with the subtypes the partner is notified of.
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "mail/thread.h"
#include "orm/env.h"

namespace autorules::mail {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using domain::Domain;
using domain::Op;

namespace {

void check_thread(const orm::RecordSet& records) {
  if (!is_thread(records.model()))
    throw common::ValueError(fmt::format(
        "The model '{}' is not a mail thread: its records have no followers", records.name()));
}

// Subscribing or unsubscribing only oneself needs read access; anybody else, write access.
void check_may_change(const orm::RecordSet& records, const IdList& partner_ids) {
  const orm::Env& env = records.env();
  if (env.su())
    return;
  Id self = user_partner(env);
  bool only_self = !partner_ids.empty() && std::all_of(partner_ids.begin(), partner_ids.end(),
                                                       [&](Id p) { return p == self; });
  records.check_access(only_self ? orm::RecordSet::Operation::kRead
                                 : orm::RecordSet::Operation::kWrite);
}

Domain of_records(const orm::RecordSet& records) {
  return Domain::conjoin(Domain::term("res_model", Op::kEq, records.name()),
                         Domain::term("res_id", Op::kIn, records.ids()));
}

// The subtypes new followers of `model` get: the default ones of that model or of every model;
// for a share partner, the non-internal ones among them.
IdList default_subtypes(const orm::Env& env, const std::string& model, bool share) {
  Domain d = Domain::conjoin(Domain::term("default", Op::kEq, true),
                             Domain::disjoin(Domain::term("res_model", Op::kEq, model),
                                             Domain::term("res_model", Op::kEq, false)));
  if (share)
    d = Domain::conjoin(d, Domain::term("internal", Op::kEq, false));
  return env["mail.message.subtype"].search(d).ids();
}

}  // namespace

void message_subscribe(const orm::RecordSet& records, const IdList& partner_ids,
                       const std::optional<IdList>& subtype_ids) {
  check_thread(records);
  if (records.empty() || partner_ids.empty())
    return;
  check_may_change(records, partner_ids);
  const orm::Env su = records.env().sudo();

  // Existing partners only, and active ones.
  IdList partners = su["res.partner"]
                        .search(Domain::conjoin(Domain::term("id", Op::kIn, partner_ids),
                                                Domain::term("active", Op::kEq, true)))
                        .ids();
  if (partners.empty())
    return;
  if (subtype_ids) {
    IdList known = su["mail.message.subtype"].browse(*subtype_ids).exists().ids();
    if (known.size() != std::set<Id>(subtype_ids->begin(), subtype_ids->end()).size())
      throw common::ValueError("Unknown message subtype among subtype_ids");
  }

  // Who already follows what.
  orm::RecordSet followers = su["mail.followers"];
  std::map<std::pair<Id, Id>, Id> existing;  // (res_id, partner) → follower
  orm::RecordSet current = followers.search(
      Domain::conjoin(of_records(records), Domain::term("partner_id", Op::kIn, partners)));
  for (const Json& row : current.read({"res_id", "partner_id"})) {
    Id partner = row["partner_id"].is_array() ? row["partner_id"][0].get<Id>() : 0;
    existing[{row["res_id"].get<Id>(), partner}] = row["id"].get<Id>();
  }

  // The default subtypes, for employees and for the others, each found once.
  std::set<Id> internal;
  std::map<bool, IdList> defaults;  // share → default subtypes
  if (!subtype_ids)
    internal = internal_partners(su, partners);
  Json create = Json::array();
  IdList replace;
  for (Id res_id : records.ids()) {
    for (Id partner : partners) {
      auto found = existing.find({res_id, partner});
      if (found != existing.end()) {
        if (subtype_ids)
          replace.push_back(found->second);
        continue;
      }
      const IdList* subtypes = subtype_ids ? &*subtype_ids : nullptr;
      if (!subtypes) {
        bool share = !internal.count(partner);
        auto d = defaults.find(share);
        if (d == defaults.end())
          d = defaults.emplace(share, default_subtypes(su, records.name(), share)).first;
        subtypes = &d->second;
      }
      create.push_back(Json{{"res_model", records.name()},
                            {"res_id", res_id},
                            {"partner_id", partner},
                            {"subtype_ids", Json::array({Json::array({6, 0, *subtypes})})}});
    }
  }
  if (!create.empty())
    followers.create(create);
  if (!replace.empty()) {
    followers.browse(replace).write(
        Json{{"subtype_ids", Json::array({Json::array({6, 0, *subtype_ids})})}});
  }
}

void message_unsubscribe(const orm::RecordSet& records, const IdList& partner_ids) {
  check_thread(records);
  if (records.empty() || partner_ids.empty())
    return;
  check_may_change(records, partner_ids);
  const orm::Env su = records.env().sudo();
  su["mail.followers"]
      .search(
          Domain::conjoin(of_records(records), Domain::term("partner_id", Op::kIn, partner_ids)))
      .unlink();
}

}  // namespace autorules::mail
