// Users, groups and API keys: authentication of API calls (keys stored hashed, expirable,
// revocable), key generation, and the base records every database starts with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/datetime.h"
#include "orm/env.h"

namespace autorules::orm {

// The user a key belongs to, when the key exists, has not expired and its user is active.
// Runs one query in `env`'s transaction (the call's own, so authentication costs no extra
// connection or lock). Comparison is constant-time on the hash.
std::optional<common::Id> authenticate_key(const Env& env, std::string_view key);
// The same in a short read transaction of its own.
std::optional<common::Id> authenticate_key(Runtime& runtime, std::string_view key);

// Creates a key for `uid` and returns it (shown once; only its hash is stored).
std::string generate_key(const Env& env, common::Id uid, const std::string& name,
                         const std::string& scope,
                         std::optional<common::DateTime> expiration = std::nullopt,
                         std::optional<std::string> fixed_key = std::nullopt);

// The user id for a login, if any.
std::optional<common::Id> user_by_login(const Env& env, const std::string& login);

// Registers the hooks and methods of res.users, res.partner, res.users.apikeys,
// ir.config_parameter.
void register_base_models(Runtime& runtime);

// Creates the groups, the root and admin users, currencies and parameters when missing.
void ensure_base_data(const Env& env);

// ir.config_parameter: the value of a key, or nullopt.
std::optional<std::string> get_param(const Env& env, const std::string& key);
void set_param(const Env& env, const std::string& key, const std::string& value);
// A whole-number parameter: `def` when it is unset, and when it is not a number (with a warning
// in the log, as Odoo's int(get_param(...)) would fail).
std::int64_t get_int_param(const Env& env, const std::string& key, std::int64_t def);

}  // namespace autorules::orm
