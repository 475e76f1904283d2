// Web sessions: what a browser holds once its user has logged in with a login and a password
// (docs/security.md, "Sessions").
//
//  - A session is a row of res.users.session (administrators only). Its token, 32 random bytes
//    as hex, is given once, for the cookie; the row keeps its SHA-256 and its first 8 characters
//    (to find the row), as API keys are kept.
//  - It lasts while it is used: a session not seen for web.session_lifetime seconds (7 days, as
//    Odoo's) is over. Its last use is written at most once every kTouchInterval, so reading
//    pages costs no write.
//  - Its user's password changing, or its user being archived, ends it.
//  - Its CSRF token is derived from the token (a keyed digest): a page that knows it proves it
//    was given it by this server, which a cross-site form cannot.
//
// Thread-safety: stateless; every function uses the caller's transaction.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.h"
#include "orm/env.h"

namespace autorules::orm {

// How often a session's last use is written, at most.
constexpr std::int64_t kTouchIntervalSeconds = 60;
// web.session_lifetime when unset: seven days.
constexpr std::int64_t kDefaultSessionLifetime = 7 * 24 * 3600;

struct NewSession {
  common::Id id = 0;
  std::string token;       // for the cookie; never stored
  std::string csrf_token;  // for the page
};

struct SessionRow {
  common::Id id = 0;
  common::Id uid = 0;
  bool stale = false;  // its last use is older than kTouchIntervalSeconds: touch_session()
};

// Opens a session for active user `uid`, in `env`'s (write) transaction. `remote_address` and
// `user_agent` are kept for the user's list of sessions (bounded in length).
NewSession create_session(const Env& env, common::Id uid, std::string_view remote_address,
                          std::string_view user_agent);

// The session of `token` when it exists, is not over and its user is active: one indexed query.
std::optional<SessionRow> find_session(const Env& env, std::string_view token);

// Writes that the session was used now.
void touch_session(const Env& env, common::Id session_id);

// Ends the session of `token` (logging out); nothing when there is none.
void end_session(const Env& env, std::string_view token);

// Ends every session of these users (their password changed).
void end_user_sessions(const Env& env, const std::vector<common::Id>& uids);

// Deletes the sessions that are over (at each login, so the table does not grow).
void delete_expired_sessions(const Env& env);

// web.session_lifetime in seconds (kDefaultSessionLifetime when unset or not positive).
std::int64_t session_lifetime(const Env& env);

// The CSRF token of a session token.
std::string csrf_token(std::string_view token);

// Whether `given` is the CSRF token of `token` (constant time).
bool csrf_token_matches(std::string_view token, std::string_view given);

}  // namespace autorules::orm
