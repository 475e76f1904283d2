#include "api/web_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/jsonrpc.h"
#include "api/rpc.h"
#include "common/errors.h"
#include "orm/base/login.h"
#include "orm/base/sessions.h"
#include "orm/base/users.h"
#include "orm/write_group.h"

namespace autorules::api {

using common::Json;

namespace {

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Odoo's answer when a session is missing or over.
Json session_expired(const Json& id) {
  return Json{{"jsonrpc", "2.0"},
              {"id", id},
              {"error",
               {{"code", 100},
                {"message", "Odoo Session Expired"},
                {"data",
                 {{"name", "odoo.http.SessionExpiredException"},
                  {"message", "Session expired"},
                  {"arguments", Json::array({"Session expired"})},
                  {"debug", "odoo.http.SessionExpiredException: Session expired"},
                  {"context", Json::object()}}}}}};
}

std::string cookie(const std::string& value, std::int64_t max_age, bool https) {
  return fmt::format("session_id={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}", value, max_age,
                     https ? "; Secure" : "");
}

std::string param_text(const Json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null() || (it->is_boolean() && !it->get<bool>()))
    return "";
  if (!it->is_string())
    throw common::UnprocessableError(fmt::format("'{}' must be text", name));
  return it->get<std::string>();
}

Json session_info(const orm::Env& env, const std::string& db, const std::string& token) {
  orm::RecordSet user = env.sudo()["res.users"].browse({env.uid()});
  Json row = user.read({"name", "login", "partner_id"}).at(0);
  Json partner = row["partner_id"].is_array() ? row["partner_id"][0] : Json(false);
  return Json{{"uid", env.uid()},
              {"name", row["name"]},
              {"username", row["login"]},
              {"partner_id", partner},
              {"is_system", env.is_system()},
              {"is_admin", env.has_group("base.group_erp_manager") || env.is_system()},
              {"db", db},
              {"server_version", "19.0"},
              {"user_context", {{"lang", "en_US"}, {"tz", "UTC"}, {"uid", env.uid()}}},
              {"csrf_token", orm::csrf_token(token)}};
}

}  // namespace

SessionResponse handle_session(orm::Runtime& runtime, const std::string& action,
                               const SessionRequest& request) {
  Json id = nullptr;
  Json params;
  try {
    if (!request.content_type.starts_with("application/json"))
      throw common::BadRequestError("send the call as JSON (Content-Type: application/json)");
    Json call = common::parse_json(request.body);
    if (!call.is_object())
      throw common::BadRequestError("a JSON-RPC call is a JSON object");
    if (auto i = call.find("id"); i != call.end() && i->is_primitive())
      id = *i;
    params = call.value("params", Json::object());
    if (params.is_null())
      params = Json::object();
    if (!params.is_object())
      throw common::BadRequestError("a JSON-RPC call's params are a JSON object");
  } catch (const common::Error& e) {
    return {400, dump(jsonrpc_error(id, "werkzeug.exceptions.BadRequest", e.what())), {}};
  }

  const std::string db = database_name(runtime);
  const std::string token = session_cookie(request.cookie);
  try {
    if (action == "authenticate") {
      std::string login = param_text(params, "login");
      std::string password = param_text(params, "password");
      std::string wanted = param_text(params, "db");
      if (!wanted.empty() && wanted != db)
        throw common::AccessDenied(fmt::format("The database {} does not exist here", wanted));
      if (login.empty() || password.empty())
        throw common::AccessDenied("Wrong login/password");
      std::optional<common::Id> uid = orm::login_with_password(
          runtime, login, password,
          orm::LoginAttempt{.source = request.address, .allow_api_key = false});
      if (!uid)
        throw common::AccessDenied("Wrong login/password");
      orm::NewSession opened;
      std::int64_t lifetime = 0;
      Json info = common::retry_on_conflict([&] {
        return orm::run_write(runtime, [&](const orm::Env& txn) {
          orm::Env env = txn;
          orm::delete_expired_sessions(env);
          if (!token.empty())
            orm::end_session(env, token);  // the one it replaces
          opened = orm::create_session(env, *uid, request.address, request.user_agent);
          lifetime = orm::session_lifetime(env);
          Json result = session_info(env.with_user(*uid), db, opened.token);
          env.commit();
          return result;
        });
      });
      return {200,
              dump(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", info}}),
              {{"Set-Cookie", cookie(opened.token, lifetime, request.https)}}};
    }
    if (action == "get_session_info") {
      std::optional<orm::SessionRow> row;
      Json info;
      std::int64_t lifetime = 0;
      {  // the read transaction ends before the touch writes
        orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
        row = orm::find_session(env, token);
        if (row) {
          info = session_info(env.with_user(row->uid), db, token);
          lifetime = orm::session_lifetime(env);
        }
      }
      if (!row)
        return {200, dump(session_expired(id)), {}};
      touch_session_if_stale(runtime, SessionUse{row->id, row->stale});
      // The cookie again, so that the browser keeps it as long as the session is used.
      return {200,
              dump(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", info}}),
              {{"Set-Cookie", cookie(token, lifetime, request.https)}}};
    }
    if (action == "destroy") {
      Credentials credentials{
          .authorization = "", .session = token, .csrf = request.csrf, .state_changing = true};
      bool ended = common::retry_on_conflict([&] {
                     return orm::run_write(runtime, [&](const orm::Env& txn) {
                       orm::Env env = txn;
                       authenticate(env, credentials);  // a live session, and its CSRF token
                       orm::end_session(env, token);
                       env.commit();
                       return Json(true);
                     });
                   }).get<bool>();
      return {200,
              dump(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", ended}}),
              {{"Set-Cookie", cookie("", 0, request.https)}}};
    }
    throw common::NotFoundError(fmt::format("No route /web/session/{}", action));
  } catch (const common::AccessDenied& e) {
    if (action != "authenticate")
      return {200, dump(session_expired(id)), {}};
    return {200, dump(jsonrpc_error(id, "odoo.exceptions.AccessDenied", e.what())), {}};
  } catch (const common::Error& e) {
    int status = e.kind() == common::ErrorKind::kNotFound ? 404 : 200;
    std::string message = e.what();
    if (e.kind() == common::ErrorKind::kInternal) {
      spdlog::error("/web/session/{}: {}", action, message);
      message = "internal server error (details in the server log)";
    }
    return {status, dump(jsonrpc_error(id, e.name(), message)), {}};
  }
}

}  // namespace autorules::api
