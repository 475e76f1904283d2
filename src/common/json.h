// Odoo's JSON conventions for values (API.md "Values in and out"): false for empty, dates as
// "YYYY-MM-DD", datetimes as "YYYY-MM-DD HH:MM:SS" (UTC), id lists as arrays. Conversions that
// depend on a field's type (many2one as [id, name], validation of incoming values) live in orm/;
// these are the type-independent ones.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/value.h"

namespace autorules::common {

using Json = nlohmann::json;

// false → false, bool → bool, numbers → numbers, dates → strings, ids → array.
Json to_json(const Value& v);

// Parses a request body; BadRequestError (naming the position) when it is not JSON at all.
Json parse_json(std::string_view text);

// A short description of a JSON value's type, for error messages ("a string", "an array").
std::string json_type_name(const Json& j);

// Python-like rendering of a JSON value for messages: 'text', 1, False, None, [1, 2].
std::string json_repr(const Json& j);

}  // namespace autorules::common
