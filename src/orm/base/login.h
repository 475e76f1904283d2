// Logging in with a login and a password (docs/security.md, "Passwords"), as Odoo's res.users
// does for XML-RPC's common.login and for every execute_kw that sends a password:
//
//  - the password is checked against the user's hash (orm/password.h) outside any transaction:
//    the few tens of milliseconds Argon2id takes never hold the database;
//  - where a call is not interactive (RPC), one of the user's API keys may stand for the password;
//  - an unknown login costs the same as a wrong password (a hash is checked either way), and the
//    answer never says which of the two was wrong;
//  - a source address that failed base.login_cooldown_after times in a row (5; 0 turns the
//    cooldown off) may not try again for base.login_cooldown_duration seconds (60): its attempts
//    are refused unchecked with "Too many login failures, please wait a bit before trying again.";
//    a success forgets its failures;
//  - a check that succeeded is remembered (a keyed digest of the password, never the password)
//    until the "security" generation moves (a user, a group or a password changed), so a script
//    that sends its password with each call pays for one hash only;
//  - a match against a hash of an older kind (Odoo's PBKDF2) stores an Argon2id hash in its place.
//
// Thread-safety: everything here may be called from any thread; the cooldown and the remembered
// checks are the runtime's, behind one mutex, and bounded in size.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/value.h"
#include "orm/env.h"

namespace autorules::orm {

// Who is trying: the client's address (for the cooldown; "" is a local caller, never cooled
// down) and whether an API key may stand for the password.
struct LoginAttempt {
  std::string source;
  bool allow_api_key = true;
};

// The user whose login and password (or API key) these are, when the user is active; nullopt
// otherwise. Throws common::AccessDenied while `attempt.source` is on cooldown.
std::optional<common::Id> login_with_password(Runtime& runtime, std::string_view login,
                                              std::string_view password,
                                              const LoginAttempt& attempt);

// Whether `password` (or an API key) is active user `uid`'s, for protocols that send uid and
// password with every call. Throws common::AccessDenied while the source is on cooldown.
bool check_user_password(Runtime& runtime, common::Id uid, std::string_view password,
                         const LoginAttempt& attempt);

// Whether check_user_password() or login_with_password() accepted this uid and password under
// the security generation `env` sees: a lookup in memory, no query, no hash.
bool password_recently_checked(const Env& env, common::Id uid, std::string_view password);

// The password rules: not empty, at most kMaxPasswordBytes, at least
// auth_password_policy.minlength characters (8; Odoo's parameter). Throws common::UserError.
void check_password_policy(const Env& env, std::string_view password);

// Stores an existing hash as `uid`'s password (Argon2id, or Odoo's "$pbkdf2-sha512$"): for users
// carried over from Odoo. Throws common::ValidationError when verify_password cannot use it.
void set_password_hash(const Env& env, common::Id uid, std::string_view hash);

// res.users's password field (hashed when written, cleared by false or "") and Odoo's
// change_password(old_passwd, new_passwd).
void register_password_methods(Runtime& runtime);

}  // namespace autorules::orm
