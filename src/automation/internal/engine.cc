#include "automation/internal/engine.h"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "actions/actions.h"
#include "common/errors.h"
#include "mail/thread.h"

namespace autorules::automation::internal {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

namespace {

constexpr const char* kDone = "__action_done";
constexpr const char* kOnchangeForm = "__onchange_form";

// Rethrows `e`, an error raised by `rule`'s actions, as the same kind and message with the rule
// as its context (common::Error::rule), as Odoo's _add_postmortem: when rules trigger each other,
// each one the error passes through sets itself, so the outermost rule is named.
[[noreturn]] void throw_in_rule(const common::Error& e, const Rule& rule) {
  common::throw_error(e.kind(), e.what(), common::RuleContext{rule.id, rule.name});
}

// One run of a rule's actions on a set of records, at `now` (/metrics and run_stats.h).
void count_run(Counters& counters, const Rule& rule, const common::DateTime& now) {
  ++counters.rule_runs;
  counters.stats.ran(rule.id, now.seconds);
}

// Runs `work`, (some of) a rule's actions, at `now`: a failure counts as one of the rule's
// failures, and an error of ours fails the whole operation naming the rule (throw_in_rule).
template <class Work>
auto failures_counted(Counters& counters, const Rule& rule, const common::DateTime& now,
                      Work work) {
  auto failed = [&](std::string_view message) {
    ++counters.rule_failures;
    counters.stats.failed(rule.id, now.seconds, message);
  };
  try {
    return work();
  } catch (const common::Error& e) {
    failed(e.what());
    throw_in_rule(e, rule);
  } catch (const std::exception& e) {
    failed(e.what());
    throw;
  } catch (...) {
    failed("unknown error");
    throw;
  }
}

// The records of `ids` that satisfy a rule's domain text, evaluated in memory on the current
// (uncommitted) values, with the triggering user's uid in the domain's context.
// No domain keeps every record.
IdList filter(const orm::Env& env, const Rule& rule, const std::optional<RuleDomain>& domain,
              const IdList& ids) {
  if (!domain || ids.empty())
    return ids;
  return env.sudo()[rule.model].browse(ids).filtered_domain(domain->get(env)).ids();
}

// The done map of an operation (docs/automation.md, "Conditions, order and chaining"): which
// records each rule already processed. Odoo keeps it in the context and copies it at each step, so
// that marks made in a nested operation are seen deeper down but not by the caller's later steps.
// Here the marks are nodes of a chain kept for the transaction (each node: one rule's newly
// processed records and the node it extends); the context only carries the index of the operation's
// last node, so that passing it on costs nothing whatever the number of records.
struct DoneNode {
  std::int64_t parent;  // -1: the chain's start
  Id rule;
  IdList ids;  // sorted
};
using DoneChain = std::vector<DoneNode>;

DoneChain& done_chain(const orm::Env& env) {
  std::shared_ptr<void>& slot = env.transaction_slot("automation.done");
  if (!slot)
    slot = std::make_shared<DoneChain>();
  return *std::static_pointer_cast<DoneChain>(slot);
}

// The operation's last node, or -1. The key is the server's own (clients' contexts never carry
// it, see orm::without_internal_keys); a value that names no node of this transaction's chain
// starts a new chain rather than being trusted.
std::int64_t done_node(const DoneChain& chain, const Json& context) {
  auto it = context.find(kDone);
  if (it == context.end() || !it->is_number_integer())
    return -1;
  std::int64_t n = it->get<std::int64_t>();
  return n >= 0 && n < static_cast<std::int64_t>(chain.size()) ? n : -1;
}

// The records `rule` already processed in the operation that ends at `node`. A node's parent
// always precedes it (nodes are appended after their parent), so the walk strictly descends and
// ends.
std::set<Id> done_for(const DoneChain& chain, std::int64_t node, Id rule) {
  std::set<Id> out;
  for (std::int64_t n = node; n >= 0 && n < static_cast<std::int64_t>(chain.size());
       n = chain[static_cast<size_t>(n)].parent < n ? chain[static_cast<size_t>(n)].parent : -1) {
    const DoneNode& d = chain[static_cast<size_t>(n)];
    if (d.rule == rule)
      out.insert(d.ids.begin(), d.ids.end());
  }
  return out;
}

// Rule runs nest when an action's change fires other rules. The done map cuts cycles on the
// same records, but a rule whose action creates or reaches new records each time (an on-create
// rule creating a record of its own model) would nest without end and exhaust the thread's
// stack: past this depth the call fails with a clear error instead.
constexpr int kMaxNesting = 64;

class NestingGuard {
 public:
  NestingGuard(const orm::Env& env, const Rule& rule) {
    std::shared_ptr<void>& slot = env.transaction_slot("automation.nesting");
    if (!slot)
      slot = std::make_shared<int>(0);
    depth_ = std::static_pointer_cast<int>(slot);
    if (*depth_ >= kMaxNesting) {
      throw common::UserError(fmt::format(
          "Automation rules nested more than {} levels deep: the rule '{}' (#{}) was triggered "
          "again by the actions of the rules it triggered. A rule whose actions create or change "
          "records that trigger it again never ends; add a condition that stops it.",
          kMaxNesting, rule.name, rule.id));
    }
    ++*depth_;
  }
  ~NestingGuard() { --*depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  std::shared_ptr<int> depth_;
};

Json value_json(const Value& v) {
  return common::to_json(v);
}

// The records (of `ids`, in order; `records` is them) that pass the watched-field check: a
// watched field the write touched holds another value than before it.
IdList watched_changed(const Rule& rule, const IdList& ids, const std::vector<std::string>& written,
                       const orm::OldValues* old, const orm::RecordSet& records) {
  if (rule.watched.empty() || old == nullptr)
    return ids;
  // The watched fields the write touched, read now for every record at once (one read per
  // field, not one per record and field).
  std::vector<std::pair<const std::string*, std::vector<Value>>> now;
  for (const std::string& f : written) {
    if (rule.watched.count(f))
      now.emplace_back(&f, records.mapped(f));
  }
  IdList kept;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto rec = old->find(ids[i]);
    for (const auto& [field, values] : now) {
      Value before =
          rec == old->end() || !rec->second.count(*field) ? Value() : rec->second.at(*field);
      if (!(before == values[i])) {
        kept.push_back(ids[i]);
        break;
      }
    }
  }
  return kept;
}

// Runs a rule's actions on the records that remain: action-major, in superuser mode with
// the caller's uid, the done map and the automation context carried along.
void process(Counters& counters, const orm::Env& env, const Rule& rule, const IdList& ids,
             const std::vector<std::string>* written, const orm::OldValues* old,
             const Json& domain_post) {
  const Json& context = env.context();
  DoneChain& chain = done_chain(env);
  std::int64_t parent = done_node(chain, context);
  std::set<Id> already = done_for(chain, parent, rule.id);
  IdList remaining;
  for (Id id : ids) {
    if (!already.count(id))
      remaining.push_back(id);
  }
  if (remaining.empty())
    return;
  orm::RecordSet records = env.sudo()[rule.model].browse(remaining);
  IdList kept = watched_changed(rule, remaining, written ? *written : std::vector<std::string>{},
                                old, records);
  // Only the records kept are marked as done for this rule.
  if (kept.empty())
    return;
  IdList marks = kept;
  std::sort(marks.begin(), marks.end());
  chain.push_back(DoneNode{parent, rule.id, std::move(marks)});
  std::int64_t done = static_cast<std::int64_t>(chain.size()) - 1;
  if (rule.actions.empty())
    return;

  // old_values, per record id: each run gets the entry of the record it runs on (so that
  // passing them on does not grow with the number of records).
  std::unordered_map<Id, Json> old_json;
  if (old) {
    for (Id id : kept) {
      auto it = old->find(id);
      if (it == old->end())
        continue;
      Json fields = Json::object();
      for (const auto& [name, v] : it->second)
        fields[name] = value_json(v);
      old_json[id] = Json{{std::to_string(id), std::move(fields)}};
    }
  }
  orm::Env su = env.sudo();
  count_run(counters, rule, env.now());
  failures_counted(counters, rule, env.now(), [&] {
    NestingGuard nesting(env, rule);
    for (Id action : rule.actions) {
      for (Id rid : kept) {
        Json ctx = context;
        ctx[kDone] = done;
        ctx["active_model"] = rule.model;
        ctx["active_id"] = rid;
        ctx["active_ids"] = Json::array({rid});
        if (!old) {
          ctx["old_values"] = nullptr;
        } else {
          auto it = old_json.find(rid);
          ctx["old_values"] = it == old_json.end() ? Json::object() : it->second;
        }
        ctx["domain_post"] = domain_post;
        orm::Env run_env = su.with_context(std::move(ctx));
        actions::run(run_env["ir.actions.server"].browse({action}));
      }
    }
  });
}

Json post_domain_json(const orm::Env& env, const Rule& rule) {
  if (!rule.post_domain)
    return nullptr;
  return rule.post_domain->json(env);
}

struct WriteState {
  std::shared_ptr<const RuleSet> rules;
  std::vector<std::pair<const Rule*, IdList>> pre;  // rule, records passing its pre-filter
};

}  // namespace

bool Engine::watches(const orm::Env& env, const schema::Model& model, orm::Event event,
                     const std::vector<std::string>& fields) const {
  // The temporary form record of an onchange fires nothing.
  if (env.context().contains(kOnchangeForm))
    return false;
  auto rules = cache_.get(env);
  const ModelRules* mr = rules->rules_of(model.name());
  if (!mr)
    return false;
  switch (event) {
    case orm::Event::kCreate:
      return !mr->on_create.empty();
    case orm::Event::kUnlink:
      return !mr->on_unlink.empty();
    case orm::Event::kWrite:
      return mr->any_write_rule(fields);
  }
  return false;
}

void Engine::after_create(const orm::Env& env, const orm::RecordSet& records) {
  auto rules = cache_.get(env);
  const ModelRules* mr = rules->rules_of(records.name());
  if (!mr)
    return;
  for (const Rule* r : mr->of(mr->on_create)) {
    const Rule& rule = *r;
    // The pre-filter is ignored on create.
    run_unfiltered(env, rule, filter(env, rule, rule.post_domain, records.ids()));
  }
}

std::any Engine::before_write(const orm::Env& env, const orm::RecordSet& records,
                              const std::vector<std::string>& fields, orm::WriteOrigin) {
  WriteState state;
  state.rules = cache_.get(env);
  const ModelRules* mr = state.rules->rules_of(records.name());
  if (!mr)
    return state;
  for (const Rule* r : mr->write_rules(fields)) {
    const Rule& rule = *r;
    IdList pre = filter(env, rule, rule.pre_domain, records.ids());
    state.pre.emplace_back(&rule, std::move(pre));
  }
  return state;
}

void Engine::after_write(const orm::Env& env, const orm::RecordSet& records,
                         const std::vector<std::string>& fields, const orm::OldValues& old_values,
                         orm::WriteOrigin, std::any& any_state) {
  auto* state = std::any_cast<WriteState>(&any_state);
  if (!state)
    return;
  (void)records;
  // Rules in order; a later rule's post-filter sees what an earlier rule's actions did.
  for (auto& [rule, pre] : state->pre) {
    IdList post = filter(env, *rule, rule->post_domain, pre);
    process(counters_, env, *rule, post, &fields, &old_values, post_domain_json(env, *rule));
  }
}

void Engine::run_unfiltered(const orm::Env& env, const Rule& rule, const IdList& ids) const {
  process(counters_, env.with_context_update(Json{{"old_values", nullptr}}), rule, ids, nullptr,
          nullptr, post_domain_json(env, rule));
}

void Engine::on_message(const orm::RecordSet& record, Id message_id) const {
  const orm::Env& env = record.env();
  if (env.context().contains(kDone) || env.context().contains(mail::kNoTriggerContextKey))
    return;
  auto rules = cache_.get(env);
  const ModelRules* mr = rules->rules_of(record.name());
  if (!mr || (mr->on_message_received.empty() && mr->on_message_sent.empty()))
    return;
  orm::Env su = env.sudo();
  std::unordered_map<std::string, Value> message = su["mail.message"].browse({message_id}).row();
  auto text = [&](const char* f) {
    auto it = message.find(f);
    return it != message.end() && it->second.is_string() ? it->second.as_string() : "";
  };
  auto id = [&](const char* f) -> Id {
    auto it = message.find(f);
    return it != message.end() && it->second.is_int() ? it->second.as_int() : 0;
  };
  std::string type = text("message_type");
  if (message["is_internal"].truthy() || type == "notification" || type == "auto_comment" ||
      type == "user_notification")
    return;
  if (Id subtype = id("subtype_id");
      subtype && su["mail.message.subtype"].browse({subtype}).get("internal").truthy())
    return;
  // Received: no author, or a share partner — one who is not an employee (OdooBot is one).
  Id author = id("author_id");
  bool received = !author || !mail::is_internal_partner(su, author);
  const std::vector<size_t>& which = received ? mr->on_message_received : mr->on_message_sent;
  for (const Rule* r : mr->of(which)) {
    const Rule& rule = *r;
    IdList ids = filter(env, rule, rule.pre_domain, record.ids());
    run_unfiltered(env, rule, ids);
  }
}

void Engine::before_unlink(const orm::Env& env, const orm::RecordSet& records) {
  auto rules = cache_.get(env);
  const ModelRules* mr = rules->rules_of(records.name());
  if (!mr)
    return;
  for (const Rule* r : mr->of(mr->on_unlink)) {
    const Rule& rule = *r;
    IdList ids = filter(env, rule, rule.post_domain, records.ids());
    process(counters_, env, rule, ids, nullptr, nullptr, post_domain_json(env, rule));
  }
}

}  // namespace autorules::automation::internal

namespace autorules::automation::internal {

void Engine::on_change(const orm::RecordSet& records, const Json& form,
                       const std::vector<std::string>& changed, Json& result) const {
  const orm::Env& env = records.env();
  auto rules = cache_.get(env);
  const ModelRules* mr = rules->rules_of(records.name());
  if (!mr)
    return;
  for (const Rule* r : mr->of(mr->on_change)) {
    const Rule& rule = *r;
    bool concerned = std::any_of(changed.begin(), changed.end(), [&](const std::string& f) {
      return rule.onchange_fields.count(f) > 0;
    });
    if (!concerned)
      continue;
    // The form record: the saved record with the form's values, or a new one; the onchange's
    // savepoint undoes it afterwards.
    orm::Env su =
        env.sudo().with_context_update(Json{{kOnchangeForm, true}, {orm::kFormRecordKey, true}});
    const schema::Model& model = records.model();
    Json vals = Json::object();
    for (const auto& [k, v] : form.items()) {
      const schema::Field* f = model.field(k);
      if (!f || f->magic || f->secret || !f->store || f->is_computed())
        continue;
      vals[k] = f->is_x2many() && v.is_array() ? Json::array({Json::array({6, 0, v})}) : v;
    }
    Id saved = records.empty() ? 0 : records.id();
    orm::RecordSet form_record = su[records.name()].browse({});
    try {
      form_record = saved ? su[records.name()].browse({saved}) : su[records.name()].create(vals);
      if (saved)
        form_record.write(vals);
    } catch (const common::Error&) {
      form_record =
          su[records.name()].browse({});  // a form the ORM refuses: the code gets no record
    }
    // The rule's filter applies to the form as it stands (Odoo's _filter_post on the form
    // record): an archived record fails an `active` filter like any other value.
    if (rule.post_domain &&
        (form_record.empty() || filter(env, rule, rule.post_domain, form_record.ids()).empty()))
      continue;
    Json before = form_record.empty() ? Json::array() : form_record.read({});
    if (!rule.actions.empty())
      count_run(counters_, rule, env.now());
    for (Id action : rule.actions) {
      Json ctx = env.context();
      ctx[kOnchangeForm] = true;
      ctx["onchange_self"] = true;
      ctx["active_model"] = rule.model;
      ctx["active_id"] = saved ? Json(saved) : Json(false);
      ctx["active_ids"] = form_record.empty() ? Json::array() : Json(form_record.ids());
      Json returned = failures_counted(counters_, rule, env.now(), [&] {
        return actions::run(su.with_context(std::move(ctx))["ir.actions.server"].browse({action}));
      });
      if (!returned.is_object())
        continue;
      // action = {'value': ..., 'warning': ..., 'domain': ...} (docs/automation.md, "On UI
      // change").
      if (auto v = returned.find("value"); v != returned.end() && v->is_object()) {
        for (const auto& [k, x] : v->items()) {
          const schema::Field* f = model.field(k);
          if (k != "id" && f && orm::can_read_field(env, *f))
            result["value"][k] = x;
        }
      }
      if (auto w = returned.find("warning"); w != returned.end())
        result["warning"] = *w;
      if (auto d = returned.find("domain"); d != returned.end() && d->is_object()) {
        for (const auto& [k, x] : d->items())
          result["domain"][k] = x;
      }
    }
    // What the code wrote on the form record shows in the form.
    if (!form_record.empty()) {
      Json after = form_record.read({});
      for (const auto& [k, x] : after[0].items()) {
        if (k == "id" || k == "write_date" || k == "write_uid")
          continue;
        const schema::Field* f = model.field(k);
        if (!f || !orm::can_read_field(env, *f))
          continue;  // read in superuser mode: not every field is the caller's to see
        if (before[0].value(k, Json()) != x && !result["value"].contains(k))
          result["value"][k] = x;
      }
    }
  }
}

}  // namespace autorules::automation::internal
