// Shared by the domain sources: how a term is quoted in error messages (Python tuple style,
// "('name', '=', 'x')"), and the Python-literal reader behind Domain::from_text.
#pragma once

#include <string>
#include <string_view>

#include "domain/domain.h"

namespace autorules::domain::internal {

// "('name', '=', 'x')" for a JSON term (any array is rendered as a tuple).
std::string term_repr(const Json& item);
// The same for a parsed term node (its path, operator and value as given).
std::string term_repr(const Node& term);

// Reads a Python literal (lists, tuples, strings, numbers, True/False/None) into JSON; tuples
// become arrays. ValueError naming the line and column of the problem otherwise.
Json parse_python_literal(std::string_view text);

}  // namespace autorules::domain::internal
