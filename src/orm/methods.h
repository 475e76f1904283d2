// The JSON-2 method dispatcher: calls /json/2/<model>/<method> on an Env with named parameters,
// as Odoo's JSON-2 controller does (parameters by name, "ids" for record methods, unknown or
// missing parameters a 422), and returns the JSON result. Standard methods of every model
// (search, read, create, ...) and the model-specific ones registered on the Runtime.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "orm/env.h"

namespace autorules::orm {

// Whether clients may call the method by name (over JSON-2, listed by /doc): not the server's own
// methods, whose names start with '_' (the jobs' _cron_... and _gc_...).
bool is_public_method(const std::string& method);

// Whether the method only reads (and may run on a read-only transaction). Unknown methods
// count as writing.
bool is_readonly_method(const Runtime& runtime, const std::string& model,
                        const std::string& method);

// NotFoundError for an unknown method, UnprocessableError for parameters that do not bind,
// and whatever the method raises.
common::Json call_method(const Env& env, const std::string& model, const std::string& method,
                         const common::Json& ids, const common::Json& params);

// Reading named parameters in a Method: absent, null and false give the default;
// UnprocessableError naming the parameter for a wrong type.
std::string param_string(const common::Json& params, const char* name, const std::string& def = "");
std::optional<std::int64_t> param_int(const common::Json& params, const char* name,
                                      std::optional<std::int64_t> def = std::nullopt);
std::vector<std::string> param_strings(const common::Json& params, const char* name);
// A list of record ids (positive integers, at most kMaxParamIds), duplicates removed in order.
inline constexpr std::size_t kMaxParamIds = 10'000;
common::IdList param_ids(const common::Json& params, const char* name);
bool param_bool(const common::Json& params, const char* name, bool def = false);

// Registers the standard methods and the base models' own methods on the runtime.
void register_base_methods(Runtime& runtime);

}  // namespace autorules::orm
