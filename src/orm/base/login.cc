#include "orm/base/login.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/json.h"
#include "common/mutex.h"
#include "common/text.h"
#include "orm/base/sessions.h"
#include "orm/base/users.h"
#include "orm/crypto.h"
#include "orm/methods.h"
#include "orm/password.h"
#include "orm/runtime.h"
#include "orm/write_group.h"

namespace autorules::orm {

using common::Id;
using common::Json;
using common::Value;

namespace {

constexpr const char* kCooldownMessage =
    "Too many login failures, please wait a bit before trying again.";
// Bounds of the runtime's memory of logins: sources with recent failures, users with
// remembered checks, and remembered passwords per user (a script and a person, a few keys).
constexpr std::size_t kMaxSources = 65536;
constexpr std::size_t kMaxUsers = 65536;
constexpr std::size_t kMaxChecksPerUser = 8;

struct Checked {
  std::string digest;
  std::int64_t generation = 0;
};

// The runtime's memory of logins (Runtime::component).
class LoginState {
 public:
  LoginState() : key_(common::random_hex(32)) {}

  std::string digest(std::string_view password) const { return hmac_sha256(key_, password); }

  bool on_cooldown(const std::string& source, std::int64_t now, std::int64_t after,
                   std::int64_t duration) EXCLUDES(mu_) {
    if (source.empty() || after <= 0)
      return false;
    common::MutexLock lock(mu_);
    auto it = failures_.find(source);
    return it != failures_.end() && it->second.count >= after && now - it->second.last < duration;
  }

  void failed(const std::string& source, std::int64_t now) EXCLUDES(mu_) {
    if (source.empty())
      return;
    common::MutexLock lock(mu_);
    if (failures_.size() >= kMaxSources && !failures_.contains(source)) {
      // Full: the source whose last failure is oldest goes.
      auto oldest = std::min_element(failures_.begin(), failures_.end(), [](auto& a, auto& b) {
        return a.second.last < b.second.last;
      });
      failures_.erase(oldest);
    }
    Failures& f = failures_[source];
    ++f.count;
    f.last = now;
  }

  void succeeded(const std::string& source, Id uid, std::string digest, std::int64_t generation)
      EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    if (!source.empty())
      failures_.erase(source);
    if (checked_.size() >= kMaxUsers && !checked_.contains(uid))
      checked_.clear();
    std::vector<Checked>& list = checked_[uid];
    std::erase_if(list, [&](const Checked& c) {
      return c.generation != generation || constant_time_equal(c.digest, digest);
    });
    if (list.size() >= kMaxChecksPerUser)
      list.erase(list.begin());
    list.push_back(Checked{std::move(digest), generation});
  }

  bool checked(Id uid, const std::string& digest, std::int64_t generation) const EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    auto it = checked_.find(uid);
    if (it == checked_.end())
      return false;
    bool found = false;
    for (const Checked& c : it->second)
      found = (c.generation == generation && constant_time_equal(c.digest, digest)) || found;
    return found;
  }

 private:
  struct Failures {
    std::int64_t count = 0;
    std::int64_t last = 0;  // seconds
  };
  const std::string key_;  // for the digests of remembered passwords; never leaves the process
  mutable common::Mutex mu_;
  std::unordered_map<std::string, Failures> failures_ GUARDED_BY(mu_);
  std::unordered_map<Id, std::vector<Checked>> checked_ GUARDED_BY(mu_);
};

// What one login needs to know, read in one short read transaction.
struct UserRow {
  Id uid = 0;
  std::string login;
  std::string hash;  // "" when the user has no password
  bool key_match = false;
  std::int64_t generation = 0;
  std::int64_t cooldown_after = 5;
  std::int64_t cooldown_duration = 60;
};

// The hash an unknown login is checked against, so that it costs what a wrong password costs.
const std::string& decoy_hash() {
  static const std::string hash = hash_password(common::random_hex(16));
  return hash;
}

// A client's text for the log: quoted, escaped (line breaks and control characters cannot forge
// log lines), bounded.
std::string printable(std::string_view text) {
  return Json(common::truncate_utf8(text, 64)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The check itself: `by_login` or `uid` names the user.
std::optional<Id> check(Runtime& runtime, std::optional<std::string_view> by_login, Id uid,
                        std::string_view password, const LoginAttempt& attempt) {
  LoginState& state = runtime.component<LoginState>();
  UserRow row;
  bool found = false;
  {
    Env env = Env::begin(runtime, kSuperuserId, store::Access::kRead).sudo();
    row.generation = env.generation("security");
    row.cooldown_after = get_int_param(env, "base.login_cooldown_after", 5);
    row.cooldown_duration = get_int_param(env, "base.login_cooldown_duration", 60);
    std::int64_t now = runtime.clock().now().seconds;
    if (state.on_cooldown(attempt.source, now, row.cooldown_after, row.cooldown_duration)) {
      spdlog::warn(
          "Login attempt ignored for {} (user {}): too many failures since the last success; "
          "base.login_cooldown_after and base.login_cooldown_duration set the rule",
          attempt.source, by_login ? printable(*by_login) : std::to_string(uid));
      throw common::AccessDenied(kCooldownMessage);
    }
    Value p[] = {by_login ? Value(std::string(*by_login)) : Value(uid)};
    env.cr().query(
        fmt::format("SELECT \"id\", \"login\", \"password\" FROM \"res_users\" WHERE {} = ? AND "
                    "\"active\" = 1",
                    by_login ? "\"login\"" : "\"id\""),
        p, [&](const store::RowView& r) {
          found = true;
          row.uid = r.int64(0);
          row.login = std::string(r.text(1));
          row.hash = r.is_null(2) ? "" : std::string(r.text(2));
        });
    // Root (the superuser) never logs in.
    if (found && row.uid == kSuperuserId)
      found = false;
    if (found && attempt.allow_api_key && !password.empty())
      row.key_match = authenticate_key(env, password) == row.uid;
  }
  std::string who = by_login ? printable(*by_login) : fmt::format("#{}", uid);
  std::int64_t now = runtime.clock().now().seconds;
  if (row.key_match) {
    state.succeeded(attempt.source, row.uid, state.digest(password), row.generation);
    return row.uid;
  }
  PasswordMatch match = PasswordMatch::kNo;
  if (!password.empty() && password.size() <= kMaxPasswordBytes)
    match = verify_password(password, found && !row.hash.empty() ? row.hash : decoy_hash());
  if (!found || row.hash.empty() || match == PasswordMatch::kNo) {
    state.failed(attempt.source, now);
    spdlog::info("Login failed for login:{} from {}", who,
                 attempt.source.empty() ? "n/a" : attempt.source);
    return std::nullopt;
  }
  if (match == PasswordMatch::kYesRehash) {
    // An older hash (Odoo's PBKDF2): replaced, unless the password changed meanwhile.
    try {
      std::string fresh = hash_password(password);
      common::retry_on_conflict([&] {
        return run_write(runtime, [&](const Env& txn) {
          Env env = txn;
          Value q[] = {Value(fresh), Value(row.uid), Value(row.hash)};
          env.cr().execute(
              "UPDATE \"res_users\" SET \"password\" = ? WHERE \"id\" = ? AND \"password\" = ?", q);
          env.commit();
          return Json();
        });
      });
    } catch (const std::exception& e) {
      spdlog::warn("The password hash of user #{} could not be renewed: {}", row.uid, e.what());
    }
  }
  state.succeeded(attempt.source, row.uid, state.digest(password), row.generation);
  spdlog::info("Login successful for login:{} from {}", printable(row.login),
               attempt.source.empty() ? "n/a" : attempt.source);
  return row.uid;
}

// false, null and "" clear a password.
bool clears_password(const Json& v) {
  return v.is_null() || (v.is_boolean() && !v.get<bool>()) ||
         (v.is_string() && v.get<std::string>().empty());
}

// The stored form of a password value written to res.users: a hash, or false to clear it.
Json stored_password(const Env& env, const Json& value) {
  if (clears_password(value))
    return Json(false);
  if (!value.is_string())
    throw common::ValidationError(
        fmt::format("A password must be text, not {}", common::json_type_name(value)));
  std::string password = value.get<std::string>();
  check_password_policy(env, password);
  return Json(hash_password(password));
}

class PasswordHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    auto it = vals.find("password");
    if (it == vals.end())
      return;
    Json stored = stored_password(env, *it);
    if (stored.is_string())
      *it = std::move(stored);
    else
      vals.erase(it);
  }
  void before_write(const RecordSet& records, Json& vals) override {
    auto it = vals.find("password");
    if (it != vals.end())
      *it = stored_password(records.env(), *it);
  }
  void after_write(const RecordSet& records, const Json& vals) override {
    if (vals.contains("password")) {
      // A new password (or none) ends every session opened with the old one.
      end_user_sessions(records.env(), records.ids());
      records.env().bump_generation("security");
      spdlog::info("Password change for user(s) {} by user #{}", common::json_repr(records.ids()),
                   records.env().uid());
    }
  }
};

}  // namespace

std::optional<Id> login_with_password(Runtime& runtime, std::string_view login,
                                      std::string_view password, const LoginAttempt& attempt) {
  return check(runtime, login, 0, password, attempt);
}

bool check_user_password(Runtime& runtime, Id uid, std::string_view password,
                         const LoginAttempt& attempt) {
  if (password.empty())
    return false;
  return check(runtime, std::nullopt, uid, password, attempt).has_value();
}

bool password_recently_checked(const Env& env, Id uid, std::string_view password) {
  if (password.empty() || password.size() > kMaxPasswordBytes)
    return false;
  LoginState& state = env.runtime().component<LoginState>();
  return state.checked(uid, state.digest(password), env.generation("security"));
}

void check_password_policy(const Env& env, std::string_view password) {
  if (password.empty())
    throw common::UserError("Setting empty passwords is not allowed for security reasons!");
  if (password.size() > kMaxPasswordBytes)
    throw common::UserError(
        fmt::format("Passwords may not be longer than {} bytes", kMaxPasswordBytes));
  std::int64_t min = get_int_param(env.sudo(), "auth_password_policy.minlength", 8);
  std::int64_t chars = 0;
  for (unsigned char c : password)
    chars += (c & 0xC0) != 0x80;  // UTF-8 characters, not bytes
  if (chars < min)
    throw common::UserError(
        fmt::format("Passwords must have at least {} characters, got {}.", min, chars));
}

void set_password_hash(const Env& env, Id uid, std::string_view hash) {
  if (!is_password_hash(hash))
    throw common::ValidationError(
        "Not a password hash autorules can check: expected \"$argon2id$v=19$m=...\" or Odoo's "
        "\"$pbkdf2-sha512$<rounds>$<salt>$<checksum>\"");
  Value p[] = {Value(std::string(hash)), Value(uid)};
  env.cr().execute("UPDATE \"res_users\" SET \"password\" = ? WHERE \"id\" = ?", p);
  end_user_sessions(env, {uid});
  env.bump_generation("security");
}

void register_password_methods(Runtime& rt) {
  rt.add_hooks("res.users", std::make_shared<PasswordHooks>());
  // Odoo's change_password(old_passwd, new_passwd): the caller's own password, proved by the
  // old one (an API key does not stand for it here).
  rt.add_method(
      "res.users", "change_password",
      Method{
          .fn =
              [](const RecordSet& rs, const Json& p) {
                const Env& env = rs.env();
                std::string old_password = param_string(p, "old_passwd");
                std::string new_password = param_string(p, "new_passwd");
                if (old_password.empty())
                  throw common::AccessDenied("Access Denied");
                Value q[] = {Value(env.uid())};
                Value hash =
                    env.cr().scalar("SELECT \"password\" FROM \"res_users\" WHERE \"id\" = ?", q);
                if (!hash.is_string() ||
                    verify_password(old_password, hash.as_string()) == PasswordMatch::kNo)
                  throw common::AccessDenied("Access Denied");
                // The new one is stripped, as Odoo does, then held to the rules.
                new_password = common::trim(new_password);
                check_password_policy(env, new_password);
                env.sudo()["res.users"].browse({env.uid()}).write(Json{{"password", new_password}});
                return Json(true);
              },
          .params = {"old_passwd", "new_passwd"},
          .required_params = {"old_passwd", "new_passwd"},
          .model_level = true});
}

}  // namespace autorules::orm
