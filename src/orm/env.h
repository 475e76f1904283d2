// Env: one transaction, one user, one context (Odoo's Environment). Env::begin() leases a
// connection, opens the transaction and takes the registry snapshot; every RecordSet made from
// the Env shares that transaction. commit() publishes the schema changes the transaction made;
// destroying the last Env of an uncommitted transaction rolls it back.
//
// An Env is a small value: copies (sudo(), with_context(), with_user()) share the transaction.
// One transaction is used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/value.h"
#include "orm/runtime.h"
#include "store/connection.h"

namespace autorules::orm {

class RecordSet;
struct TxnState;

class Env {
 public:
  // Opens a transaction for user `uid`. kRead transactions see the last committed state and
  // refuse writes; kWrite ones queue for the database's writer.
  static Env begin(Runtime& runtime, common::Id uid, store::Access access,
                   common::Json context = common::Json::object());
  // A transaction of its own inside `group`'s write transaction (group commit,
  // orm/write_group.h): it uses the group's connection and sees what the group wrote so far, with
  // its own time, caches and after-commit work. Its commit() and rollback() only say how it
  // ended; the group then keeps or undoes its changes and runs its after-commit work once the
  // group has committed.
  static Env begin_within(const Env& group, common::Id uid = 0);

  // The records of a model: env["res.partner"]. NotFoundError for an unknown model.
  RecordSet operator[](std::string_view model) const;
  RecordSet ref(std::string_view xmlid) const;  // ValueError when unknown
  // The record of xml id `module.name`, or nullopt when no such id exists (ValueError for an id
  // without a module).
  std::optional<RecordSet> find_ref(std::string_view xmlid) const;
  std::optional<common::Id> xmlid_to_res_id(std::string_view xmlid) const;

  common::Id uid() const { return uid_; }
  bool su() const { return su_; }
  const common::Json& context() const { return *context_; }
  bool active_test() const;  // context "active_test", default true

  Env sudo(bool su = true) const;
  Env with_user(common::Id uid) const;
  Env with_context(common::Json context) const;               // replaces the context
  Env with_context_update(const common::Json& update) const;  // merges keys

  Runtime& runtime() const;
  store::Connection& cr() const;
  store::Access access() const;
  const schema::Registry& registry() const;
  std::shared_ptr<const schema::Registry> registry_ptr() const;
  std::shared_ptr<const DependencyIndex> dependencies() const;
  // The transaction's timestamp (Odoo's "now" is the transaction start).
  common::DateTime now() const;

  // Schema changes inside this transaction: a private copy of the registry, published on commit.
  schema::Registry& mutable_registry() const;

  // Generation counters kept in the database, for caches shared between transactions and
  // processes: a change that invalidates such a cache bumps its counter in the same
  // transaction; readers compare the counter (read once per transaction) with their cache's.
  std::int64_t generation(const std::string& name) const;
  void bump_generation(const std::string& name) const;
  // Whether this transaction bumped `name` (its caches must then not be shared).
  bool bumped_generation(const std::string& name) const;

  // The user's groups as xml ids ("base.group_user", ...), implied groups included. Cached
  // between transactions under the "security" generation.
  const std::set<std::string>& groups() const;
  // The ids of the user's groups and of every group they imply, transitively (not cached).
  std::set<common::Id> group_ids() const;
  bool has_group(std::string_view xmlid) const;
  bool is_system() const { return has_group("base.group_system"); }

  void commit();
  void rollback();
  bool committed() const;

  // Work to do once this transaction has ended, committed or not, outside of it (a log row
  // that must survive a rollback, waking a dispatcher after a commit). Runs in order on the
  // thread that ends the transaction, after its connection is released; an exception from one
  // is reported on stderr and does not stop the others.
  void after_end(std::function<void(Runtime&)> fn) const;
  // The same, only when the transaction committed; runs before the after_end work. A rolled-back
  // savepoint does not cancel it: work that depends on rows written in a savepoint must check
  // that they exist.
  void after_commit(std::function<void(Runtime&)> fn) const;

  // Data a higher layer keeps for the length of this transaction, shared by every Env copy made
  // from the same begin(): empty until the layer stores something under `key`.
  std::shared_ptr<void>& transaction_slot(const std::string& key) const;

  // The transaction's shared state, for the ORM's own internals (orm/internal/).
  TxnState* txn_for_internal_use() const { return txn_.get(); }

 private:
  Env(std::shared_ptr<TxnState> txn, common::Id uid, bool su,
      std::shared_ptr<const common::Json> context)
      : txn_(std::move(txn)), uid_(uid), su_(su), context_(std::move(context)) {}
  friend class RecordSet;
  friend struct TxnState;

  std::shared_ptr<TxnState> txn_;
  common::Id uid_ = 0;
  bool su_ = false;
  std::shared_ptr<const common::Json> context_;
};

// Context keys starting with "__" are the server's own (the done map of rule chains, the payload
// of a webhook call, install mode, ...). A context that comes from outside the server — an API
// call, user code's with_context() — never carries them: they are dropped, not refused, as Odoo
// clients send whatever context they hold.
bool is_internal_context_key(std::string_view key);
common::Json without_internal_keys(common::Json context);

// An internal context key under which create() and write() accept required fields left empty:
// the form record of an onchange (a form being filled in), which the onchange's savepoint undoes.
inline constexpr const char* kFormRecordKey = "__form_record";

// The superuser (base.user_root) and the administrator (base.user_admin), as in Odoo.
inline constexpr common::Id kSuperuserId = 1;
inline constexpr common::Id kAdminId = 2;

}  // namespace autorules::orm
