// Reading what a provider answers (SMS, WhatsApp): its body is untrusted JSON, read with a depth
// bound, and only the strings where strings are expected.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"

namespace autorules::mail::internal {

// The answer as JSON; null when it is not JSON or nests deeper than `max_depth`.
common::Json provider_json(std::string_view text, int max_depth);
// The string at `key` of an object, or "" (not an object, no such key, not a string).
std::string json_string(const common::Json& j, const char* key);
// Printable ASCII without spaces: what an id or a setting sent in a header or a path may be.
bool printable_ascii(std::string_view s);

}  // namespace autorules::mail::internal
