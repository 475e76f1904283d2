// Reading plain values out of common::Value, as mail reads its own records' columns.
#pragma once

#include <string>

#include "common/value.h"

namespace autorules::mail::internal {

// The text of a char/text/html/selection value; "" when unset.
inline std::string text_of(const common::Value& v) {
  return v.is_string() ? v.as_string() : std::string();
}

// The id of a many2one (or integer) value; 0 when unset.
inline common::Id id_of(const common::Value& v) {
  return v.is_int() ? v.as_int() : 0;
}

}  // namespace autorules::mail::internal
