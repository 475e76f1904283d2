// API keys on requests (docs/security.md): the "Authorization: bearer <key>" header, checked
// against the hashed keys of res.users.apikeys. JSON-2 and /doc authenticate the same way, with the
// same messages.
//
// Thread-safety: pure functions; authenticate() uses the caller's transaction.
#pragma once

#include <string>

#include "common/value.h"
#include "orm/env.h"

namespace autorules::api {

// The key of an Authorization header: "bearer <key>", the scheme in any case, the key trimmed.
// AccessDenied (401) when the header is missing or does not carry a bearer key.
std::string bearer_key(const std::string& authorization);

// The user the key belongs to, checked in `env`'s transaction (one indexed query):
// AccessDenied (401) when the key is unknown, expired, or its user archived.
common::Id authenticate(const orm::Env& env, const std::string& key);

}  // namespace autorules::api
