#include "orm/write_group.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/internal/txn_state.h"
#include "store/database.h"

namespace autorules::orm {

using common::Json;

namespace {

using Work = std::function<void(Runtime&)>;

// One caller's work and what became of it.
struct Item {
  explicit Item(const std::function<Json(const Env&)>& w) : work(w) {}
  const std::function<Json(const Env&)>& work;
  Json result;
  std::exception_ptr error;
  bool done = false;
  bool kept = false;  // its changes were committed with the group
  std::vector<Work> after_commit, after_end;
};

// The runtime's queue of works and its leader (Runtime::component).
class Groups {
 public:
  Json run(Runtime& runtime, const std::function<Json(const Env&)>& work);
  void set_max(std::size_t n) { max_ = std::clamp<std::size_t>(n, 1, kMaxGroupSize); }
  WriteGroupStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return WriteGroupStats{groups_, works_, queue_.size()};
  }

 private:
  // Runs one group with the works queued now and those arriving while it runs.
  void lead(Runtime& runtime);
  Item* next(bool more) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!more || queue_.empty())
      return nullptr;
    Item* item = queue_.front();
    queue_.pop_front();
    return item;
  }

  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  std::deque<Item*> queue_;
  bool leading_ = false;
  std::atomic<std::size_t> max_{kMaxGroupSize};
  std::uint64_t groups_ = 0;
  std::uint64_t works_ = 0;
};

// Set on the thread that runs a group's works: a work that called run_write() would wait for
// itself.
thread_local bool tl_in_group = false;

// A copy of the error `e` of the same kind: one caller's, so that no two threads share (and
// perhaps annotate) one exception object.
std::exception_ptr own_copy(const std::exception_ptr& e) {
  try {
    try {
      std::rethrow_exception(e);
    } catch (const common::Error& x) {
      common::throw_error(x.kind(), x.what());
    } catch (const std::exception& x) {
      throw common::InternalError(x.what());
    } catch (...) {
      throw common::InternalError("unknown error in a group of write transactions");
    }
  } catch (...) {
    return std::current_exception();
  }
}

void run_all(Runtime& runtime, std::vector<Work>& work) {
  for (auto& fn : work) {
    try {
      fn(runtime);
    } catch (const std::exception& e) {
      spdlog::error("work after a transaction failed: {}", e.what());
    }
  }
  work.clear();
}

Json Groups::run(Runtime& runtime, const std::function<Json(const Env&)>& work) {
  if (tl_in_group)
    throw common::InternalError("a write transaction was begun inside another one's work");
  Item me(work);
  {
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back(&me);
    while (!me.done) {
      if (!leading_) {
        leading_ = true;
        lock.unlock();
        try {
          lead(runtime);
        } catch (...) {
          lock.lock();
          leading_ = false;
          done_cv_.notify_all();
          throw;
        }
        lock.lock();
        leading_ = false;
        done_cv_.notify_all();
      } else {
        done_cv_.wait(lock, [&] { return me.done || !leading_; });
      }
    }
  }
  if (me.kept)
    run_all(runtime, me.after_commit);
  run_all(runtime, me.after_end);
  if (me.error)
    std::rethrow_exception(me.error);
  return std::move(me.result);
}

void Groups::lead(Runtime& runtime) {
  std::vector<Item*> ran;
  std::exception_ptr abort;  // what ended the group unfinished, for every work in it
  std::shared_ptr<schema::Registry> schema;
  tl_in_group = true;
  try {
    Env group = Env::begin(runtime, kSuperuserId, store::Access::kWrite);
    TxnState& g = *group.txn_for_internal_use();
    const std::size_t max = max_.load();
    while (Item* item = next(!schema && ran.size() < max)) {
      ran.push_back(item);
      Env env = Env::begin_within(group);
      TxnState& s = *env.txn_for_internal_use();
      // However the work ends, its after-end work goes to its caller (never run here, inside the
      // group) and its after-commit work only if it is kept (moved below).
      struct Detach {
        TxnState& s;
        Item& item;
        ~Detach() {
          item.after_end = std::move(s.after_end);
          s.after_end.clear();
          s.after_commit.clear();
        }
      } detach{s, *item};
      {
        store::Savepoint savepoint(group.cr());
        try {
          item->result = item->work(env);
        } catch (const common::ConflictError&) {
          abort = std::current_exception();
        } catch (...) {
          item->error = std::current_exception();
        }
        if (abort)
          break;
        if (!item->error && s.succeeded) {
          savepoint.release();
          item->kept = true;
          g.bumped.insert(s.bumped.begin(), s.bumped.end());
          for (const std::string& name : s.bumped)
            g.generations.erase(name);  // the next work reads what this one left
          schema = s.pending;           // the group ends here when the work changed the schema
          item->after_commit = std::move(s.after_commit);
        } else {
          savepoint.rollback();  // throws, and so ends the group, when the database cannot
        }
      }
    }
    if (!abort) {
      if (schema) {
        g.pending = schema;
        g.registry = schema;
        g.generations.erase("schema");  // read again: a work moved it
      }
      group.commit();
    }
  } catch (...) {
    abort = std::current_exception();
  }
  tl_in_group = false;
  std::lock_guard<std::mutex> lock(mu_);
  if (abort && ran.empty()) {
    // The group could not even begin (another process holds the database): every caller waiting
    // now gets the conflict and tries again on its own, rather than this leader forever.
    ran.assign(queue_.begin(), queue_.end());
    queue_.clear();
  }
  ++groups_;
  works_ += ran.size();
  for (Item* item : ran) {
    if (abort) {
      item->kept = false;
      item->error = own_copy(abort);
      item->after_commit.clear();
    }
    item->done = true;
  }
}

}  // namespace

Json run_write(Runtime& runtime, const std::function<Json(const Env& txn)>& work) {
  return runtime.component<Groups>().run(runtime, work);
}

void set_max_group_size(Runtime& runtime, std::size_t works) {
  runtime.component<Groups>().set_max(works);
}

WriteGroupStats write_group_stats(const Runtime& runtime) {
  return runtime.component<Groups>().stats();
}

}  // namespace autorules::orm
