// Who a request is (docs/security.md): an API key in the "Authorization: bearer <key>" header,
// checked against the hashed keys of res.users.apikeys, or a browser's session (the session_id
// cookie, orm/base/sessions.h), whose state-changing requests must also carry the session's CSRF
// token in the X-CSRF-Token header. JSON-2 and /doc authenticate the same way, with the same
// messages.
//
// Thread-safety: pure functions; authenticate() uses the caller's transaction.
#pragma once

#include <string>
#include <string_view>

#include "common/value.h"
#include "orm/env.h"

namespace autorules::api {

// The key of an Authorization header: "bearer <key>", the scheme in any case, the key trimmed.
// AccessDenied (401) when the header is missing or does not carry a bearer key.
std::string bearer_key(const std::string& authorization);

// The user the key belongs to, checked in `env`'s transaction (one indexed query):
// AccessDenied (401) when the key is unknown, expired, or its user archived.
common::Id authenticate(const orm::Env& env, const std::string& key);

// What a request carries to say who it is.
struct Credentials {
  std::string authorization;   // the Authorization header ("" when absent)
  std::string session;         // the session_id cookie's value ("" when absent)
  std::string csrf;            // the X-CSRF-Token header
  bool state_changing = true;  // a POST: with a session, only with the CSRF token
};

// What authenticating by session found, for the caller to record the session's use afterwards
// (touch_session_if_stale) outside the request's own transaction.
struct SessionUse {
  common::Id session_id = 0;
  bool stale = false;
};

// The user of the API key when there is an Authorization header, else of the session: 401
// (AccessDenied) when neither is valid, 403 (AccessError) for a session's state-changing request
// without its CSRF token.
common::Id authenticate(const orm::Env& env, const Credentials& credentials,
                        SessionUse* use = nullptr);

// Writes the session's last use when authenticate() found it stale (its own short write; a
// failure is logged, never the request's).
void touch_session_if_stale(orm::Runtime& runtime, const SessionUse& use);

// The session_id cookie's value in a Cookie header ("" when there is none).
std::string session_cookie(std::string_view cookie_header);

}  // namespace autorules::api
