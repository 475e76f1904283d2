#include "api/rpc.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "api/json2.h"
#include "api/method_call.h"
#include "common/errors.h"
#include "orm/base/login.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/methods.h"
#include "orm/model_hooks.h"
#include "store/database.h"

namespace autorules::api {

using common::Id;
using common::Json;

namespace {

constexpr const char* kVersion = "19.0";

Json version_info() {
  Json info = Json::array({19, 0, 0, "final", 0, ""});
  return Json{{"server_version", kVersion}, {"server_version_info", info}, {"protocol_version", 1}};
}

// Argument `i` of `args`, or `def` when it is absent (a copy: `def` is often a temporary).
Json arg(const Json& args, std::size_t i, Json def = Json()) {
  return i < args.size() ? args[i] : def;
}

std::string string_arg(const Json& args, std::size_t i, const char* name) {
  Json v = arg(args, i);
  if (!v.is_string())
    throw common::UnprocessableError(
        fmt::format("'{}' must be a string, got {}", name, common::json_type_name(v)));
  return v.get<std::string>();
}

void check_database(orm::Runtime& runtime, const Json& db) {
  std::string name = db.is_string() ? db.get<std::string>() : common::json_repr(db);
  if (name != database_name(runtime))
    throw common::UserError(fmt::format("database \"{}\" does not exist", name));
}

// The user whose login and password (or API key) these are; nullopt when they do not match or
// the client is on cooldown (Odoo answers false to both).
std::optional<Id> login_user(orm::Runtime& runtime, const std::string& login,
                             const std::string& password, const RpcOrigin& origin) {
  try {
    return orm::login_with_password(runtime, login, password,
                                    orm::LoginAttempt{origin.address, /*allow_api_key=*/true});
  } catch (const common::AccessDenied&) {
    return std::nullopt;
  }
}

Json common_service(orm::Runtime& runtime, const std::string& method, const Json& args,
                    const RpcOrigin& origin) {
  if (method == "version")
    return version_info();
  if (method == "login" || method == "authenticate") {
    if (args.size() < 3)
      throw common::UnprocessableError(
          fmt::format("{}() takes the database, the login and the password", method));
    check_database(runtime, args[0]);
    std::optional<Id> uid =
        login_user(runtime, string_arg(args, 1, "login"), string_arg(args, 2, "password"), origin);
    return uid ? Json(*uid) : Json(false);
  }
  throw common::NotFoundError(
      fmt::format("The method '{}' does not exist on the service 'common'", method));
}

Json db_service(orm::Runtime& runtime, const std::string& method, const Json&) {
  if (method == "list")
    return Json::array({database_name(runtime)});
  if (method == "server_version")
    return kVersion;
  if (method == "list_lang" || method == "list_countries" || method == "db_exist")
    throw common::NotFoundError(fmt::format("The method '{}' is not served", method));
  // Creating, copying, dumping or dropping databases: never over the network.
  throw common::AccessDenied("Access Denied");
}

// The named parameters of a call made with Odoo's positional arguments: `args` follow the
// method's parameters in order (after the ids of a record method), `kwargs` name them.
Json named_params(const orm::Method& m, const std::string& method, const Json& args,
                  std::size_t first, const Json& kwargs) {
  Json params = Json::object();
  std::size_t positional = args.size() > first ? args.size() - first : 0;
  if (positional > m.params.size()) {
    throw common::UnprocessableError(
        fmt::format("{}() takes {} positional arguments but {} were given", method,
                    m.params.size() + first, positional + first));
  }
  for (std::size_t i = 0; i < positional; ++i)
    params[m.params[i]] = args[first + i];
  for (const auto& [k, v] : kwargs.items()) {
    if (k == "context")
      continue;
    if (params.contains(k))
      throw common::UnprocessableError(
          fmt::format("{}() got multiple values for argument '{}'", method, k));
    params[k] = v;
  }
  return params;
}

// execute_kw(db, uid, password, model, method, args, kwargs) and execute(db, uid, password,
// model, method, *args).
Json object_service(orm::Runtime& runtime, const std::string& service_method, const Json& args,
                    const RpcOrigin& origin) {
  const bool kw = service_method == "execute_kw";
  if (!kw && service_method != "execute")
    throw common::NotFoundError(
        fmt::format("The method '{}' does not exist on the service 'object'", service_method));
  if (args.size() < 5)
    throw common::UnprocessableError(
        fmt::format("{}() takes the database, the uid, the password, the model and the method",
                    service_method));
  check_database(runtime, args[0]);
  const Json& uid_arg = args[1];
  std::string password = args[2].is_string() ? args[2].get<std::string>() : "";
  std::string model = string_arg(args, 3, "model");
  std::string method = string_arg(args, 4, "method");
  Json call_args = Json::array();
  Json kwargs = Json::object();
  if (kw) {
    Json a = arg(args, 5, Json::array());
    Json k = arg(args, 6, Json::object());
    if (!a.is_array() && !a.is_null())
      throw common::UnprocessableError("execute_kw()'s args must be a list");
    if (!k.is_object() && !k.is_null())
      throw common::UnprocessableError("execute_kw()'s kwargs must be a dictionary");
    if (a.is_array())
      call_args = a;
    if (k.is_object())
      kwargs = k;
  } else {
    for (std::size_t i = 5; i < args.size(); ++i)
      call_args.push_back(args[i]);
  }

  const orm::Method* m = runtime.method(model, method);
  if (!m || !orm::is_public_method(method))
    throw common::NotFoundError(
        fmt::format("The method '{}' does not exist on the model '{}'", method, model));
  // A record method's first argument is its ids (one id or a list).
  Json ids = nullptr;
  std::size_t first = 0;
  if (!m->model_level) {
    ids = arg(call_args, 0, Json::array());
    if (ids.is_number_integer())
      ids = Json::array({ids});
    first = 1;
  }
  Json params = named_params(*m, method, call_args, first, kwargs);
  Json context = Json::object();
  if (auto c = kwargs.find("context"); c != kwargs.end() && c->is_object())
    context = client_context(*c);

  if (!uid_arg.is_number_integer() || password.empty())
    throw common::AccessDenied("Access Denied");
  const Id uid = uid_arg.get<Id>();
  // In the call's transaction, only what costs no hash: a password checked before (under the
  // same security generation) or an API key. Anything else is checked outside any transaction
  // (a password hash takes tens of milliseconds), then the call starts again.
  struct NeedsPasswordCheck {};
  auto call = [&] {
    return run_method_call(
        runtime, model, method, origin.host,
        [&](const orm::Env& txn) -> Id {
          if (orm::password_recently_checked(txn, uid, password) ||
              orm::authenticate_key(txn, password) == uid)
            return uid;
          throw NeedsPasswordCheck{};
        },
        [&]() {
          return CallArguments{ids, params, context};
        });
  };
  Json result;
  try {
    result = call();
  } catch (const NeedsPasswordCheck&) {
    if (!orm::check_user_password(runtime, uid, password,
                                  orm::LoginAttempt{origin.address, /*allow_api_key=*/true}))
      throw common::AccessDenied("Access Denied");
    try {
      result = call();
    } catch (const NeedsPasswordCheck&) {
      // The user's security changed between the check and the call: checked again next time.
      throw common::AccessDenied("Access Denied");
    }
  }
  // Odoo's create gives one id for one dictionary, a list for a list.
  if (method == "create" && params.value("vals_list", Json()).is_object() && result.is_array() &&
      result.size() == 1)
    return result[0];
  return result;
}

}  // namespace

std::string database_name(orm::Runtime& runtime) {
  std::string url = runtime.database().url();
  size_t colon = url.find(':');
  std::string rest = colon == std::string::npos ? url : url.substr(colon + 1);
  rest = rest.substr(0, rest.find('?'));
  return std::filesystem::path(rest).stem().string();
}

Json dispatch_rpc(orm::Runtime& runtime, const std::string& service, const std::string& method,
                  const Json& args, const RpcOrigin& origin) {
  if (!args.is_array())
    throw common::UnprocessableError("the arguments of an RPC call must be a list");
  if (service == "common")
    return common_service(runtime, method, args, origin);
  if (service == "object")
    return object_service(runtime, method, args, origin);
  if (service == "db")
    return db_service(runtime, method, args);
  throw common::NotFoundError(fmt::format("The service '{}' does not exist", service));
}

}  // namespace autorules::api
