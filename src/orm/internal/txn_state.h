// The shared state of one transaction, behind every Env copy made from one Env::begin().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orm/internal/recompute.h"
#include "orm/runtime.h"
#include "store/database.h"

namespace autorules::orm {

struct TxnState {
  TxnState(Runtime& rt, store::Access acc) : runtime(rt), access(acc) {}
  ~TxnState();

  Runtime& runtime;
  const store::Access access;
  store::Lease lease;
  std::optional<store::Transaction> txn;
  common::DateTime now;

  // The registry this transaction sees: the published snapshot, or its own modified copy.
  std::shared_ptr<const schema::Registry> registry;
  std::shared_ptr<schema::Registry> pending;  // set once the transaction changed the schema
  mutable std::shared_ptr<const DependencyIndex> deps;
  bool committed = false;
  // Inside a group's transaction (Env::begin_within): `lease` borrows the group's connection,
  // `txn` is empty, and commit/rollback only record the outcome for the group.
  bool grouped = false;

  std::map<common::Id, std::set<std::string>> groups;  // per user id
  std::map<std::string, std::int64_t> generations;     // read once per transaction
  std::set<std::string> bumped;                        // generations this transaction changed
  RecomputeQueue recompute;
  bool succeeded = false;  // committed (`committed` is also set by a rollback: closed)
  std::vector<std::function<void(Runtime&)>> after_commit;
  std::vector<std::function<void(Runtime&)>> after_end;
  std::map<std::string, std::shared_ptr<void>> slots;  // Env::transaction_slot

  // Runs and forgets the after_commit work (when the transaction committed), then the after_end
  // work (the lease must already be released).
  void finish();
};

}  // namespace autorules::orm
