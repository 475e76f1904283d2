#include "api/auth.h"

#include <cctype>

#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/base/sessions.h"
#include "orm/base/users.h"
#include "orm/write_group.h"

namespace autorules::api {

std::string bearer_key(const std::string& authorization) {
  std::string key;
  if (authorization.size() >= 7) {
    std::string scheme = authorization.substr(0, 7);
    for (char& c : scheme)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "bearer ") {
      key = authorization.substr(7);
      while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back())))
        key.pop_back();
      while (!key.empty() && std::isspace(static_cast<unsigned char>(key.front())))
        key.erase(0, 1);
    }
  }
  if (key.empty()) {
    throw common::AccessDenied(
        authorization.empty() ? "Missing API key: send the header 'Authorization: bearer <key>'"
                              : "Invalid apikey");
  }
  return key;
}

common::Id authenticate(const orm::Env& env, const std::string& key) {
  std::optional<common::Id> uid = orm::authenticate_key(env, key);
  if (!uid)
    throw common::AccessDenied("Invalid apikey");
  return *uid;
}

common::Id authenticate(const orm::Env& env, const Credentials& credentials, SessionUse* use) {
  if (!credentials.authorization.empty() || credentials.session.empty())
    return authenticate(env, bearer_key(credentials.authorization));
  std::optional<orm::SessionRow> row = orm::find_session(env, credentials.session);
  if (!row)
    throw common::AccessDenied("Session expired: log in again");
  if (credentials.state_changing &&
      !orm::csrf_token_matches(credentials.session, credentials.csrf)) {
    throw common::AccessError(
        "Invalid or missing CSRF token: a call made with the session cookie sends the session's "
        "csrf_token in the X-CSRF-Token header");
  }
  if (use)
    *use = SessionUse{row->id, row->stale};
  return row->uid;
}

void touch_session_if_stale(orm::Runtime& runtime, const SessionUse& use) {
  if (!use.stale || use.session_id == 0)
    return;
  try {
    orm::run_write(runtime, [&](const orm::Env& txn) {
      orm::Env env = txn;
      orm::touch_session(env, use.session_id);
      env.commit();
      return common::Json();
    });
  } catch (const std::exception& e) {
    spdlog::warn("The last use of session #{} was not recorded: {}", use.session_id, e.what());
  }
}

std::string session_cookie(std::string_view header) {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == "session_id") {
      std::string_view value = item.substr(eq + 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
  }
  return "";
}

}  // namespace autorules::api
