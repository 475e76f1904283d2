#include "api/auth.h"

#include <cctype>

#include "common/errors.h"
#include "orm/base/users.h"

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

}  // namespace autorules::api
