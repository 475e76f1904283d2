#include "orm/base/sessions.h"

#include <fmt/format.h>

#include "common/datetime.h"
#include "common/errors.h"
#include "common/text.h"
#include "orm/base/users.h"
#include "orm/crypto.h"

namespace autorules::orm {

using common::Id;
using common::Json;
using common::Value;

namespace {

constexpr std::size_t kTokenBytes = 32;  // 64 hex characters
constexpr std::size_t kIndexChars = 8;
constexpr std::size_t kMaxUserAgent = 256;
constexpr std::size_t kMaxAddress = 64;

std::string bounded(std::string_view text, std::size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  }
  return out;
}

bool well_formed(std::string_view token) {
  if (token.size() != 2 * kTokenBytes)
    return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

}  // namespace

std::int64_t session_lifetime(const Env& env) {
  std::int64_t s = get_int_param(env.sudo(), "web.session_lifetime", kDefaultSessionLifetime);
  return s > 0 ? s : kDefaultSessionLifetime;
}

NewSession create_session(const Env& env, Id uid, std::string_view remote_address,
                          std::string_view user_agent) {
  NewSession s;
  s.token = common::random_hex(kTokenBytes);
  s.csrf_token = csrf_token(s.token);
  Json vals = {{"user_id", uid},
               {"index", s.token.substr(0, kIndexChars)},
               {"last_seen", common::format_datetime(env.now())},
               {"ip_address", bounded(remote_address, kMaxAddress)},
               {"user_agent", bounded(user_agent, kMaxUserAgent)}};
  s.id = env.sudo()["res.users.session"].create(vals).id();
  Value p[] = {Value(sha256_hex(s.token)), Value(s.id)};
  env.cr().execute("UPDATE \"res_users_session\" SET \"token\" = ? WHERE \"id\" = ?", p);
  return s;
}

std::optional<SessionRow> find_session(const Env& env, std::string_view token) {
  if (!well_formed(token))
    return std::nullopt;
  const std::string hash = sha256_hex(token);
  const common::DateTime now = env.now();
  const common::DateTime oldest{now.seconds - session_lifetime(env)};
  Value p[] = {Value(std::string(token.substr(0, kIndexChars))),
               Value(common::format_datetime(oldest))};
  std::optional<SessionRow> found;
  env.cr().query(
      "SELECT s.\"id\", s.\"user_id\", s.\"token\", s.\"last_seen\" FROM \"res_users_session\" AS "
      "s JOIN \"res_users\" AS u ON u.\"id\" = s.\"user_id\" WHERE s.\"index\" = ? AND "
      "s.\"last_seen\" > ? AND u.\"active\" = 1",
      p, [&](const store::RowView& r) {
        if (found || r.is_null(2) || !constant_time_equal(r.text(2), hash))
          return;
        auto seen = common::parse_datetime(r.text(3));
        found = SessionRow{r.int64(0), r.int64(1),
                           !seen || now.seconds - seen->seconds >= kTouchIntervalSeconds};
      });
  return found;
}

void touch_session(const Env& env, Id session_id) {
  Value p[] = {Value(common::format_datetime(env.now())), Value(session_id)};
  env.cr().execute("UPDATE \"res_users_session\" SET \"last_seen\" = ? WHERE \"id\" = ?", p);
}

void end_session(const Env& env, std::string_view token) {
  if (auto row = find_session(env, token)) {
    Value p[] = {Value(row->id)};
    env.cr().execute("DELETE FROM \"res_users_session\" WHERE \"id\" = ?", p);
  }
}

void end_user_sessions(const Env& env, const std::vector<Id>& uids) {
  for (Id uid : uids) {
    Value p[] = {Value(uid)};
    env.cr().execute("DELETE FROM \"res_users_session\" WHERE \"user_id\" = ?", p);
  }
}

void delete_expired_sessions(const Env& env) {
  const common::DateTime oldest{env.now().seconds - session_lifetime(env)};
  Value p[] = {Value(common::format_datetime(oldest))};
  env.cr().execute("DELETE FROM \"res_users_session\" WHERE \"last_seen\" <= ?", p);
}

std::string csrf_token(std::string_view token) {
  // A keyed digest with the token as key: tells nothing of the token, and only this session's
  // token gives it.
  return hmac_sha256_hex(token, "autorules csrf");
}

bool csrf_token_matches(std::string_view token, std::string_view given) {
  return !given.empty() && constant_time_equal(csrf_token(token), given);
}

}  // namespace autorules::orm
