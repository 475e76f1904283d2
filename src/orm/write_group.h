// Group commit (docs/transactions.md): concurrent write transactions share one database
// transaction, and so one commit and one fsync, instead of queueing for the writer one by one.
//
// A caller hands run_write() its work. The first caller to find no group running leads one: it
// takes the writer, opens the transaction and runs the waiting works one after the other, each
// in its own savepoint, then commits once and wakes their callers. Works that arrive while a
// group runs join it (up to kMaxGroupSize); nobody waits for company: a lone caller's group holds
// its work only and commits at once.
//
//  - Each work sees an Env of its own (Env::begin_within): its own "now", context, caches and
//    after-commit work, on the group's connection. It ends as a transaction would: commit() keeps
//    its changes, rollback() or no commit() undoes them (its savepoint is rolled back) while it
//    still answers its result. A work that throws has its savepoint rolled back and its caller
//    gets the error; the group goes on with the others.
//  - No caller returns before the group's commit: what its work wrote is as durable as the
//    database's `synchronous` setting makes any commit. Its Env's after_commit work (waking the
//    outbox, ...) runs after that, on the caller's own thread, then its after_end work.
//  - A work that changes the schema ends its group (the new registry is published at commit);
//    the next works start a new one.
//  - A write conflict with another process (common::ConflictError, from a work, the begin or the
//    commit) ends the group unfinished: everything in it is rolled back and every caller gets
//    the conflict, which common::retry_on_conflict answers by running the call again.
//
// Thread-safety: run_write() from any thread, any number at once; a work runs on whichever
// thread leads its group, one work at a time. A work must not call run_write() itself.
#pragma once

#include <cstdint>
#include <functional>

#include "common/json.h"
#include "orm/env.h"

namespace autorules::orm {

inline constexpr std::size_t kMaxGroupSize = 64;

// The most works one group runs (kMaxGroupSize unless set; 1 turns group commit off: each work
// has a transaction of its own, as before it existed). Clamped to 1..kMaxGroupSize.
void set_max_group_size(Runtime& runtime, std::size_t works);

// Runs `work` in a write transaction shared with the works of concurrent callers (see above) and
// returns its result once the group has committed, or throws what `work` threw.
common::Json run_write(Runtime& runtime, const std::function<common::Json(const Env& txn)>& work);

// What group commit has done since the runtime started.
struct WriteGroupStats {
  std::uint64_t groups = 0;   // transactions committed (or rolled back) by leaders
  std::uint64_t works = 0;    // works run in them
  std::uint64_t waiting = 0;  // works queued now, not yet taken by a leader
};
WriteGroupStats write_group_stats(const Runtime& runtime);

}  // namespace autorules::orm
