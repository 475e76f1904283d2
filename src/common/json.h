// Odoo's JSON conventions for values (README, "A first session with curl"): false for empty, dates
// as "YYYY-MM-DD", datetimes as "YYYY-MM-DD HH:MM:SS" (UTC), id lists as arrays. Conversions that
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

// How deep a JSON value from outside may nest (objects and arrays). Everything that walks a
// value recurses (conversions, rendering, messages), so depth is bounded where values come in.
inline constexpr int kMaxJsonDepth = 256;

// The outcome of parsing text that may not be JSON (a webhook's body falls back to its query
// parameters when it is not JSON).
struct JsonParse {
  enum Status { kOk, kNotJson, kTooDeep, kUnrepresentable };
  Status status = kOk;
  Json value;         // null unless kOk
  std::string error;  // what went wrong and where, for a message
};
JsonParse try_parse_json(std::string_view text, int max_depth = kMaxJsonDepth);

// Parses a request body: BadRequestError (naming the position) when it is not JSON at all or
// nests deeper than `max_depth`; UnprocessableError for values JSON allows but a double cannot
// hold.
Json parse_json(std::string_view text, int max_depth = kMaxJsonDepth);

// A short description of a JSON value's type, for error messages ("a string", "an array").
std::string json_type_name(const Json& j);

// Python-like rendering of a JSON value for messages: 'text', 1, False, None, [1, 2]. Stops with
// "..." past about `limit` bytes: a message never grows with the size of what a client sent.
std::string json_repr(const Json& j, std::size_t limit = 1000);

}  // namespace autorules::common
