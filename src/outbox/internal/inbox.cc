// The hand-over of committed messages to a dispatcher of this process (see inbox.h).
#include "outbox/internal/inbox.h"

#include <memory>
#include <set>

#include <spdlog/spdlog.h>

namespace autorules::outbox::internal {

using common::Id;
using common::Value;

Inbox::Inbox(int capacity, std::chrono::seconds lease, std::function<void()> look,
             std::function<void()> claim)
    : capacity_(capacity), lease_(lease), look_(std::move(look)), claim_(std::move(claim)) {}

bool Inbox::reserve() {
  if (closed_)
    return false;
  int held = reserved_.load();
  do {
    if (held + in_flight_.load() >= capacity_)
      return false;
  } while (!reserved_.compare_exchange_weak(held, held + 1));
  return true;
}

void Inbox::release(int n) {
  reserved_ -= n;
}

void Inbox::deliver(std::vector<Handed> items) {
  {
    common::MutexLock lock(mutex_);
    for (Handed& h : items)
      items_.push_back(std::move(h));
  }
  look_();
}

std::vector<Handed> Inbox::take() {
  std::vector<Handed> out;
  {
    common::MutexLock lock(mutex_);
    out.swap(items_);
  }
  reserved_ -= static_cast<int>(out.size());
  return out;
}

namespace {

common::Mutex g_mutex;
std::set<Inbox*> g_inboxes GUARDED_BY(g_mutex);

// What one transaction hands over: to one inbox, filled as the transaction queues messages.
struct Pending {
  Inbox* inbox GUARDED_BY(g_mutex) = nullptr;  // only used while registered (in g_inboxes)
  int reserved GUARDED_BY(g_mutex) = 0;
  std::vector<Handed> items GUARDED_BY(g_mutex);
  bool delivered GUARDED_BY(g_mutex) = false;
};

// Messages whose dispatcher stopped before their commit: back to pending, for any dispatcher.
void back_to_pending(orm::Runtime& runtime, const std::vector<Handed>& items) {
  try {
    orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kWrite);
    for (const Handed& h : items) {
      env.cr().execute(
          "UPDATE \"outbox_message\" SET \"state\" = 'pending', \"lease_until\" = NULL WHERE "
          "\"id\" = ? AND \"state\" = 'sending'",
          std::vector<Value>{Value(h.id)});
    }
    env.commit();
  } catch (const std::exception& e) {
    // Their leases expire instead, and a dispatcher takes them then.
    spdlog::error("outbox: {} message(s) wait for their lease: {}", items.size(), e.what());
  }
}

}  // namespace

void register_inbox(Inbox* inbox) {
  common::MutexLock lock(g_mutex);
  g_inboxes.insert(inbox);
}

void unregister_inbox(Inbox* inbox) {
  common::MutexLock lock(g_mutex);
  g_inboxes.erase(inbox);
}

std::optional<common::DateTime> reserve_hand_off(const orm::Env& env) {
  std::shared_ptr<void>& slot = env.transaction_slot("outbox.hand_off");
  auto* pending = static_cast<Pending*>(slot.get());
  common::MutexLock lock(g_mutex);
  if (!pending) {
    // The transaction's first message: the first dispatcher with room takes its messages.
    Inbox* chosen = nullptr;
    for (Inbox* inbox : g_inboxes) {
      if (inbox->reserve()) {
        chosen = inbox;
        break;
      }
    }
    if (!chosen)
      return std::nullopt;
    auto made = std::make_shared<Pending>();
    made->inbox = chosen;
    made->reserved = 1;
    pending = made.get();
    slot = made;
    env.after_commit([made](orm::Runtime& runtime) {
      std::vector<Handed> orphans;
      {
        common::MutexLock at_commit(g_mutex);
        made->delivered = true;
        if (g_inboxes.count(made->inbox)) {
          made->inbox->release(made->reserved - static_cast<int>(made->items.size()));
          made->inbox->deliver(std::move(made->items));
        } else {
          orphans = std::move(made->items);
        }
      }
      if (!orphans.empty()) {
        back_to_pending(runtime, orphans);
        wake_dispatchers();
      }
    });
    env.after_end([made](orm::Runtime&) {
      common::MutexLock at_end(g_mutex);
      if (!made->delivered && g_inboxes.count(made->inbox))
        made->inbox->release(made->reserved);  // rolled back: nothing to send
    });
  } else {
    if (!g_inboxes.count(pending->inbox) || !pending->inbox->reserve())
      return std::nullopt;
    ++pending->reserved;
  }
  return common::add_seconds(env.now(), pending->inbox->lease().count());
}

void hand_off(const orm::Env& env, Id id, std::string key) {
  auto* pending = static_cast<Pending*>(env.transaction_slot("outbox.hand_off").get());
  common::MutexLock lock(g_mutex);
  pending->items.push_back(Handed{id, std::move(key)});
}

void wake_dispatchers() {
  common::MutexLock lock(g_mutex);
  for (Inbox* inbox : g_inboxes)
    inbox->wake_to_claim();
}

}  // namespace autorules::outbox::internal
