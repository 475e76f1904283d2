#include "actions/internal/rows.h"

#include <cstdint>

#include "common/mutex.h"
#include "orm/env.h"
#include "orm/runtime.h"

namespace autorules::actions::internal {

namespace {

// The runtime's cached rows (Runtime::component), all of one generation pair.
class ActionRows {
 public:
  std::shared_ptr<const ActionRow> get(const orm::RecordSet& action) EXCLUDES(mutex_) {
    const orm::Env& env = action.env();
    if (env.bumped_generation(kActionsGeneration) || env.bumped_generation("schema"))
      return std::make_shared<const ActionRow>(action.row());
    const std::int64_t actions = env.generation(kActionsGeneration);
    const std::int64_t schema = env.generation("schema");
    const common::Id id = action.id();
    {
      common::MutexLock lock(mutex_);
      if (actions == actions_ && schema == schema_) {
        if (auto it = rows_.find(id); it != rows_.end())
          return it->second;
      }
    }
    auto row = std::make_shared<const ActionRow>(action.row());
    common::MutexLock lock(mutex_);
    // Equal generations mean equal rows, whichever transaction read them; other generations
    // (older or newer) replace the set, which a transaction of the cached ones reads again.
    if (actions != actions_ || schema != schema_ || rows_.size() >= kMaxRows) {
      rows_.clear();
      actions_ = actions;
      schema_ = schema;
    }
    rows_[id] = row;
    return row;
  }

 private:
  static constexpr std::size_t kMaxRows = 10000;

  common::Mutex mutex_;
  std::int64_t actions_ GUARDED_BY(mutex_) = -1;
  std::int64_t schema_ GUARDED_BY(mutex_) = -1;
  std::unordered_map<common::Id, std::shared_ptr<const ActionRow>> rows_ GUARDED_BY(mutex_);
};

}  // namespace

std::shared_ptr<const ActionRow> action_row(const orm::RecordSet& action) {
  return action.env().runtime().component<ActionRows>().get(action);
}

}  // namespace autorules::actions::internal
