#include "mail/internal/provider_answer.h"

#include <algorithm>

namespace autorules::mail::internal {

common::Json provider_json(std::string_view text, int max_depth) {
  common::JsonParse p = common::try_parse_json(text, max_depth);
  return p.status == common::JsonParse::kOk ? std::move(p.value) : common::Json();
}

std::string json_string(const common::Json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string())
    return j[key].get<std::string>();
  return {};
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace autorules::mail::internal
