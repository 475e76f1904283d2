// The stored state of a message sent through a provider (an sms.sms, a whatsapp.message), as its
// delivery handlers read it: one query, which also tells whether the message still exists (it
// may have been deleted while the provider was being called).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/value.h"
#include "orm/env.h"

namespace autorules::mail::internal {

// The `state` column of row `id` of `table` ("" when it is empty), or nullopt when there is no
// such row. `table` is one of this module's own table names, never a client's.
std::optional<std::string> message_state(const orm::Env& env, std::string_view table,
                                         common::Id id);

}  // namespace autorules::mail::internal
