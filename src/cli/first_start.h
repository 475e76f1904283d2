// The admin's first credentials, made when a database is served for the first time
// (docs/security.md): an API key, and a password for logging in with a login.
//
//  - the key is AUTORULES_ADMIN_KEY when set, else one made at random and written to the
//    database's key file (var/autorules.db -> var/autorules.db.admin.key);
//  - the password is AUTORULES_ADMIN_PASSWORD when set (set again at start when it changed), else,
//    while the admin has none, one made at random and written to the database's password file
//    (var/autorules.db.admin.password).
//
// Both files are readable by their owner only. An in-memory database keeps no file: the
// variables are the only way to give its admin credentials.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "orm/runtime.h"

namespace autorules::cli {

// Where the admin's first credentials went, for the start-up message: a file, or nullopt when
// they came from the environment (or there are none).
struct AdminCredentials {
  std::optional<std::filesystem::path> key_file;
  std::optional<std::filesystem::path> password_file;
  bool password_from_environment = false;
};

AdminCredentials ensure_admin_credentials(orm::Runtime& runtime, const std::string& db_url);

}  // namespace autorules::cli
