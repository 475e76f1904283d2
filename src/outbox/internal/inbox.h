// Internal to outbox/: the dispatchers of this process as the queuing side sees them.
//
// A running dispatcher with free slots takes a message straight from the transaction that queued
// it: the row is written already claimed (state sending, with a lease), and its id is handed to
// the dispatcher's inbox once the transaction commits. The happy path then needs no claim — no
// write transaction, no fsync — between the commit and the request. The row stays the truth: the
// dispatcher reads each handed message back (a message queued in a savepoint that was rolled back
// is not there, and is not sent), and a message whose dispatcher is gone is set back to pending.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/datetime.h"
#include "common/mutex.h"
#include "common/value.h"
#include "orm/env.h"

namespace autorules::outbox::internal {

// A message handed over after its commit: its id and key (an id reused after a rollback to a
// savepoint names another message, with another key).
struct Handed {
  common::Id id = 0;
  std::string key;
};

// A dispatcher's side of the hand-over. Thread-safe.
class Inbox {
 public:
  // `capacity`: the dispatcher's slots; `lease`: how long a handed message stays claimed;
  // `look`: makes the dispatcher look at its inbox; `claim`: makes it claim due messages.
  Inbox(int capacity, std::chrono::seconds lease, std::function<void()> look,
        std::function<void()> claim);

  std::chrono::seconds lease() const { return lease_; }

  // Takes a slot for one message if the dispatcher accepts them and has room.
  bool reserve();
  // Gives back `n` slots reserved by a transaction that rolled back.
  void release(int n);
  // Messages committed with reserved slots; wakes the dispatcher.
  void deliver(std::vector<Handed> items) EXCLUDES(mutex_);
  // The dispatcher's side: what was delivered (their slots are free again once they are flights,
  // counted by set_in_flight), and how many are in flight.
  std::vector<Handed> take() EXCLUDES(mutex_);
  void set_in_flight(int n) { in_flight_ = n; }
  // No more reservations (the dispatcher stops).
  void close() { closed_ = true; }
  // Messages were queued without a hand-over, or made due again: claim them.
  void wake_to_claim() { claim_(); }

 private:
  const int capacity_;
  const std::chrono::seconds lease_;
  const std::function<void()> look_, claim_;
  std::atomic<int> reserved_{0};  // slots held by open transactions and undelivered items
  std::atomic<int> in_flight_{0};
  std::atomic<bool> closed_{false};
  common::Mutex mutex_;
  std::vector<Handed> items_ GUARDED_BY(mutex_);
};

// The inboxes of the running dispatchers of this process.
void register_inbox(Inbox* inbox);
void unregister_inbox(Inbox* inbox);  // after it returns, nothing is delivered to `inbox`

// Wakes every dispatcher of this process (messages are due: claim them).
void wake_dispatchers();

// For enqueue(): reserves a slot in a running dispatcher of this process for one message queued
// in `env`'s transaction. When it returns a lease end, the message must be written as `sending`
// with that lease, then passed to hand_off(); otherwise it is written pending, as usual.
std::optional<common::DateTime> reserve_hand_off(const orm::Env& env);
void hand_off(const orm::Env& env, common::Id id, std::string key);

}  // namespace autorules::outbox::internal
