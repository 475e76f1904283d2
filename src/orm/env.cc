#include "orm/env.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/internal/txn_state.h"
#include "orm/ir_model_rows.h"
#include "orm/recordset.h"

namespace autorules::orm {

using common::Id;
using common::Json;
using common::Value;

TxnState::~TxnState() {
  txn.reset();  // rolls back when not committed
  lease.reset();
  finish();
}

void TxnState::finish() {
  auto work = succeeded ? std::move(after_commit) : decltype(after_commit){};
  after_commit.clear();
  for (auto& fn : after_end)
    work.push_back(std::move(fn));
  after_end.clear();
  for (auto& fn : work) {
    try {
      fn(runtime);
    } catch (const std::exception& e) {
      spdlog::error("work after a transaction failed: {}", e.what());
    }
  }
}

std::shared_ptr<void>& Env::transaction_slot(const std::string& key) const {
  return txn_->slots[key];
}

void Env::after_end(std::function<void(Runtime&)> fn) const {
  txn_->after_end.push_back(std::move(fn));
}

void Env::after_commit(std::function<void(Runtime&)> fn) const {
  txn_->after_commit.push_back(std::move(fn));
}

namespace {

// Every generation counter, read with one query into `txn` (as its connection sees them).
void read_generations(TxnState& txn) {
  txn.lease->query(
      "SELECT \"name\", \"value\" FROM \"autorules_generation\"", {},
      [&](const store::RowView& r) { txn.generations[std::string(r.text(0))] = r.int64(1); });
}

}  // namespace

Env Env::begin(Runtime& runtime, Id uid, store::Access access, Json context) {
  auto txn = std::make_shared<TxnState>(runtime, access);
  txn->lease = runtime.database().acquire(access);
  txn->txn.emplace(*txn->lease, access);
  // Every generation counter, read once: this is also the transaction's first read, which fixes
  // a reader's snapshot. The table does not exist before the first initialize().
  if (runtime.ready())
    read_generations(*txn);
  // The registry is taken after the writer lock is held, so a writer always sees the schema of
  // the last committed transaction. When another process changed the schema (its "schema"
  // generation differs from the published registry's), the registry is rebuilt from the rows
  // this transaction sees; it is published only when it is the newest.
  auto [registry, published_gen] = runtime.registry_and_generation();
  std::int64_t gen = txn->generations.count("schema") ? txn->generations["schema"] : 0;
  if (published_gen >= 0 && gen != published_gen) {
    auto rebuilt = std::make_shared<const schema::Registry>(
        load_registry(*txn->lease, runtime.code_registry()));
    if (gen > published_gen)
      runtime.publish(rebuilt, gen);
    registry = rebuilt;
  }
  txn->registry = registry;
  txn->now = runtime.clock().now();
  if (!context.is_object()) {
    context = Json::object();
  }
  return Env(std::move(txn), uid, false, std::make_shared<const Json>(std::move(context)));
}

Env Env::begin_within(const Env& group, Id uid) {
  TxnState& g = *group.txn_;
  auto txn = std::make_shared<TxnState>(g.runtime, store::Access::kWrite);
  txn->grouped = true;
  txn->lease = store::Lease(g.lease.get(), nullptr);
  // The counters as the group left them, and what the group changed: caches keyed by those
  // counters must not be shared before the group commits. The group's copy lacks the counters
  // its kept works moved (orm::run_write forgets them), which are read again when asked for.
  txn->generations = g.generations;
  txn->bumped = g.bumped;
  txn->registry = g.registry;
  txn->now = g.runtime.clock().now();
  return Env(std::move(txn), uid, false, std::make_shared<const Json>(Json::object()));
}

RecordSet Env::operator[](std::string_view model) const {
  auto m = registry().shared(model);
  if (!m) {
    throw common::NotFoundError(fmt::format("the model '{}' does not exist", model));
  }
  return RecordSet(*this, std::move(m));
}

std::optional<Id> Env::xmlid_to_res_id(std::string_view xmlid) const {
  size_t dot = xmlid.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  Value p[] = {Value(xmlid.substr(0, dot)), Value(xmlid.substr(dot + 1))};
  Value v = cr().scalar(
      "SELECT \"res_id\" FROM \"ir_model_data\" WHERE \"module\" = ? AND \"name\" = ?", p);
  if (!v.is_int()) {
    return std::nullopt;
  }
  return v.as_int();
}

RecordSet Env::ref(std::string_view xmlid) const {
  std::optional<RecordSet> record = find_ref(xmlid);
  if (!record) {
    throw common::ValueError(fmt::format("External ID not found in the system: {}", xmlid));
  }
  return *record;
}

std::optional<RecordSet> Env::find_ref(std::string_view xmlid) const {
  size_t dot = xmlid.find('.');
  if (dot == std::string_view::npos) {
    throw common::ValueError(
        fmt::format("Invalid external ID '{}': expected 'module.name'", xmlid));
  }
  Value p[] = {Value(xmlid.substr(0, dot)), Value(xmlid.substr(dot + 1))};
  auto rows = cr().fetch(
      "SELECT \"model\", \"res_id\" FROM \"ir_model_data\" WHERE \"module\" = ? AND \"name\" = ?",
      p);
  if (rows.empty()) {
    return std::nullopt;
  }
  RecordSet rs = (*this)[rows.rows[0][0].as_string()];
  return rs.browse({rows.rows[0][1].as_int()});
}

bool Env::active_test() const {
  auto it = context_->find("active_test");
  return it == context_->end() || !(it->is_boolean() && !it->get<bool>());
}

Env Env::sudo(bool su) const {
  return Env(txn_, uid_, su, context_);
}
Env Env::with_user(Id uid) const {
  return Env(txn_, uid, false, context_);
}
Env Env::with_context(Json context) const {
  if (!context.is_object()) {
    context = Json::object();
  }
  return Env(txn_, uid_, su_, std::make_shared<const Json>(std::move(context)));
}
bool is_internal_context_key(std::string_view key) {
  return key.starts_with("__");
}

Json without_internal_keys(Json context) {
  if (!context.is_object())
    return context;
  for (auto it = context.begin(); it != context.end();) {
    if (is_internal_context_key(it.key()))
      it = context.erase(it);
    else
      ++it;
  }
  return context;
}

Env Env::with_context_update(const Json& update) const {
  Json merged = *context_;
  for (const auto& [k, v] : update.items()) {
    merged[k] = v;
  }
  return with_context(std::move(merged));
}

Runtime& Env::runtime() const {
  return txn_->runtime;
}
store::Connection& Env::cr() const {
  return *txn_->lease;
}
store::Access Env::access() const {
  return txn_->access;
}
const schema::Registry& Env::registry() const {
  return *txn_->registry;
}
std::shared_ptr<const schema::Registry> Env::registry_ptr() const {
  return txn_->registry;
}
common::DateTime Env::now() const {
  return txn_->now;
}

std::shared_ptr<const DependencyIndex> Env::dependencies() const {
  if (!txn_->deps || &txn_->deps->registry() != txn_->registry.get()) {
    txn_->deps = txn_->pending ? std::make_shared<const DependencyIndex>(txn_->registry)
                               : txn_->runtime.dependencies(txn_->registry);
  }
  return txn_->deps;
}

schema::Registry& Env::mutable_registry() const {
  if (!txn_->pending) {
    txn_->pending = std::make_shared<schema::Registry>(*txn_->registry);
    // Other processes rebuild their registry when they see the new generation.
    bump_generation("schema");
  }
  txn_->registry = txn_->pending;
  txn_->deps.reset();
  return *txn_->pending;
}

std::int64_t Env::generation(const std::string& name) const {
  auto it = txn_->generations.find(name);
  if (it != txn_->generations.end())
    return it->second;
  Value p[] = {Value(name)};
  Value v = cr().scalar("SELECT \"value\" FROM \"autorules_generation\" WHERE \"name\" = ?", p);
  std::int64_t g = v.is_int() ? v.as_int() : 0;
  txn_->generations[name] = g;
  return g;
}

void Env::bump_generation(const std::string& name) const {
  Value p[] = {Value(name)};
  cr().execute(
      "INSERT INTO \"autorules_generation\" (\"name\", \"value\") VALUES (?, 1) "
      "ON CONFLICT (\"name\") DO UPDATE SET \"value\" = \"autorules_generation\".\"value\" + 1",
      p);
  txn_->generations.erase(name);
  txn_->bumped.insert(name);
  if (name == "security")
    txn_->groups.clear();
}

bool Env::bumped_generation(const std::string& name) const {
  return txn_->bumped.count(name) > 0;
}

std::set<Id> Env::group_ids() const {
  std::set<Id> ids;
  std::vector<Id> todo;
  auto add = [&](const store::RowView& r) {
    if (ids.insert(r.int64(0)).second)
      todo.push_back(r.int64(0));
  };
  Value p[] = {Value(uid_)};
  cr().query("SELECT \"gid\" FROM \"res_groups_users_rel\" WHERE \"uid\" = ?", p, add);
  // Implied groups, transitively.
  while (!todo.empty()) {
    Value q[] = {Value(todo.back())};
    todo.pop_back();
    cr().query("SELECT \"hid\" FROM \"res_groups_implied_rel\" WHERE \"gid\" = ?", q, add);
  }
  return ids;
}

const std::set<std::string>& Env::groups() const {
  auto it = txn_->groups.find(uid_);
  if (it != txn_->groups.end()) {
    return it->second;
  }
  // Another transaction's answer is good while the security generation has not moved; one that
  // changed security itself computes its own (its changes are not committed yet).
  bool shareable = !txn_->bumped.count("security");
  std::int64_t gen = generation("security");
  if (shareable) {
    if (auto cached = txn_->runtime.cached_groups(uid_, gen)) {
      return txn_->groups.emplace(uid_, std::move(*cached)).first->second;
    }
  }
  std::set<Id> ids = group_ids();
  std::set<std::string> names;
  for (Id g : ids) {
    Value q[] = {Value(g)};
    cr().query(
        "SELECT \"module\", \"name\" FROM \"ir_model_data\" WHERE \"model\" = 'res.groups' AND "
        "\"res_id\" = ?",
        q,
        [&](const store::RowView& r) { names.insert(fmt::format("{}.{}", r.text(0), r.text(1))); });
  }
  if (shareable)
    txn_->runtime.cache_groups(uid_, gen, names);
  return txn_->groups.emplace(uid_, std::move(names)).first->second;
}

bool Env::has_group(std::string_view xmlid) const {
  if (uid_ == kSuperuserId) {
    return true;
  }
  return groups().count(std::string(xmlid)) > 0;
}

void Env::commit() {
  if (txn_->committed) {
    return;
  }
  if (txn_->grouped) {  // the group commits; its schema changes stay in `pending` for it
    txn_->committed = true;
    txn_->succeeded = true;
    txn_->lease.reset();
    return;
  }
  std::int64_t schema_gen = txn_->pending ? generation("schema") : 0;
  txn_->txn->commit();
  txn_->committed = true;
  txn_->succeeded = true;
  if (txn_->pending) {
    txn_->runtime.publish(txn_->pending, schema_gen);
    txn_->pending.reset();
  }
  txn_->lease.reset();
  txn_->finish();
}

void Env::rollback() {
  if (txn_->committed) {
    return;
  }
  if (txn_->txn) {
    txn_->txn->rollback();
  }
  txn_->pending.reset();
  txn_->committed = true;  // closed
  txn_->lease.reset();
  if (!txn_->grouped)  // a grouped one's work is run by the group
    txn_->finish();
}

bool Env::committed() const {
  return txn_->committed;
}

}  // namespace autorules::orm
