// Internal to outbox/: waking the dispatchers of this process.
#pragma once

namespace autorules::outbox::internal {

void wake_dispatchers();

}  // namespace autorules::outbox::internal
