#include "cli/first_start.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string_view>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/password.h"
#include "orm/recordset.h"
#include "store/database.h"

namespace autorules::cli {

namespace fs = std::filesystem;

namespace {

// A file of the admin's beside the SQLite file, named after it (var/autorules.db ->
// var/autorules.db.admin.key, .admin.password), so that two databases served from one folder
// never share or overwrite each other's. None for an in-memory database.
std::optional<fs::path> admin_file(const std::string& url, std::string_view suffix) {
  // Beside the database's file: the URL's options are no part of its name.
  std::optional<std::string> file = store::Database::sqlite_file(url);
  if (!file || file->empty() || *file == ":memory:")
    return std::nullopt;
  return fs::path(*file + ".admin." + std::string(suffix));
}

// The file earlier versions kept the key in: admin.key in the database's folder.
fs::path legacy_admin_key_file(const fs::path& key_file) {
  return key_file.parent_path() / "admin.key";
}

// Writes `key` and a newline to `file`, readable by its owner only: a new file made 0600 from
// the start, then renamed over the old one, so no other user can ever read it and a reader never
// sees half of it. Throws common::UserError when it cannot.
void write_secret_file(const fs::path& file, const std::string& key) {
  fs::create_directories(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  fs::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    throw common::UserError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  std::string line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw common::UserError(
        fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  }
}

// Whether the first line of `file` is a key of the admin in this database.
bool holds_admin_key(const orm::Env& env, const fs::path& file) {
  std::ifstream in(file);
  std::string key;
  return in && std::getline(in, key) && orm::authenticate_key(env, key) == orm::kAdminId;
}

// The admin's first key, made on the first start of a database and written to its key file
// (admin_key_file()); AUTORULES_ADMIN_KEY instead when set. Returns the file that holds a working
// admin key, if any, for the start-up message.
std::optional<fs::path> ensure_admin_key(orm::Runtime& rt, const std::string& db_url) {
  const char* fixed = std::getenv("AUTORULES_ADMIN_KEY");
  orm::Env env = orm::Env::begin(rt, orm::kSuperuserId, store::Access::kWrite).sudo();
  if (fixed && *fixed) {
    if (orm::authenticate_key(env, fixed) != orm::kAdminId) {
      orm::generate_key(env, orm::kAdminId, "AUTORULES_ADMIN_KEY", "rpc", std::nullopt,
                        std::string(fixed));
      env.commit();
    }
    std::cout << "autorules: the admin API key is the one given in AUTORULES_ADMIN_KEY"
              << std::endl;
    return std::nullopt;
  }
  std::optional<fs::path> file = admin_file(db_url, "key");
  common::Value p[] = {common::Value(orm::kAdminId)};
  bool has_key =
      env.cr().scalar("SELECT 1 FROM \"res_users_apikeys\" WHERE \"user_id\" = ?", p).is_int();
  if (!file) {
    if (!has_key) {
      std::cout << "autorules: an in-memory database keeps no key file: set AUTORULES_ADMIN_KEY "
                   "to give the admin a key"
                << std::endl;
    }
    return std::nullopt;
  }
  if (has_key) {
    if (holds_admin_key(env, *file))
      return file;
    // A database made by an earlier version: its key is in the folder's admin.key. Moved to the
    // database's own file only when it is this database's key.
    fs::path legacy = legacy_admin_key_file(*file);
    if (!fs::exists(*file) && holds_admin_key(env, legacy)) {
      std::error_code ec;
      fs::rename(legacy, *file, ec);
      if (!ec) {
        std::cout << "autorules: moved the admin API key from " << legacy.string() << " to "
                  << file->string() << std::endl;
        return file;
      }
    }
    std::cout << fmt::format(
                     "autorules: {} does not hold an admin API key of this database (the admin "
                     "already has keys); make a new one with: autorules apikey new --user admin "
                     "--db {}",
                     file->string(), db_url)
              << std::endl;
    return std::nullopt;
  }
  // No key yet: the database is new (or lost its keys). The file, named after this database,
  // can only hold a key of an earlier database at this same path, which is gone.
  std::string key = orm::generate_key(env, orm::kAdminId, "admin key (first start)", "rpc");
  write_secret_file(*file, key);
  env.commit();
  std::cout << "autorules: created the admin API key (login 'admin') in " << file->string()
            << std::endl;
  return file;
}

// The admin's first password: AUTORULES_ADMIN_PASSWORD, else one made at random while the admin
// has none, written to its file.
void ensure_admin_password(orm::Runtime& rt, const std::string& db_url, AdminCredentials& out) {
  const char* fixed = std::getenv("AUTORULES_ADMIN_PASSWORD");
  orm::Env env = orm::Env::begin(rt, orm::kSuperuserId, store::Access::kWrite).sudo();
  common::Value p[] = {common::Value(orm::kAdminId)};
  common::Value hash =
      env.cr().scalar("SELECT \"password\" FROM \"res_users\" WHERE \"id\" = ?", p);
  orm::RecordSet admin = env["res.users"].browse({orm::kAdminId});
  if (fixed && *fixed) {
    out.password_from_environment = true;
    if (!hash.is_string() ||
        orm::verify_password(fixed, hash.as_string()) == orm::PasswordMatch::kNo) {
      try {
        admin.write(common::Json{{"password", fixed}});
      } catch (const common::Error& e) {
        throw common::UserError(fmt::format("AUTORULES_ADMIN_PASSWORD: {}", e.what()));
      }
      env.commit();
    }
    std::cout << "autorules: the admin password is the one given in AUTORULES_ADMIN_PASSWORD"
              << std::endl;
    return;
  }
  std::optional<fs::path> file = admin_file(db_url, "password");
  if (hash.is_string() && !hash.as_string().empty()) {
    if (file && fs::exists(*file))
      out.password_file = file;
    return;
  }
  if (!file) {
    std::cout << "autorules: an in-memory database keeps no password file: set "
                 "AUTORULES_ADMIN_PASSWORD to give the admin a password"
              << std::endl;
    return;
  }
  std::string password = common::random_hex(12);
  admin.write(common::Json{{"password", password}});
  write_secret_file(*file, password);
  env.commit();
  out.password_file = file;
  std::cout << "autorules: created the admin password (login 'admin') in " << file->string()
            << std::endl;
}

}  // namespace

AdminCredentials ensure_admin_credentials(orm::Runtime& rt, const std::string& db_url) {
  AdminCredentials out;
  out.key_file = ensure_admin_key(rt, db_url);
  ensure_admin_password(rt, db_url, out);
  return out;
}

}  // namespace autorules::cli
