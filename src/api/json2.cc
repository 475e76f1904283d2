#include "api/json2.h"

#include <optional>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/method_call.h"
#include "api/metrics.h"
#include "common/errors.h"
#include "common/text.h"
#include "orm/env.h"
#include "orm/methods.h"

namespace autorules::api {

using common::ErrorKind;
using common::Json;

int status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUser:
    case ErrorKind::kValidation:
    case ErrorKind::kUnprocessable:
    case ErrorKind::kValue:
      return 422;
    case ErrorKind::kAccess:
      return 403;
    case ErrorKind::kMissing:
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kAccessDenied:
      return 401;
    case ErrorKind::kBadRequest:
      return 400;
    case ErrorKind::kTooLarge:
      return 413;
    case ErrorKind::kConflict:
      return 503;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

std::string error_body(const char* name, const std::string& message, int status,
                       const Json& context) {
  // Odoo repeats the message in `arguments` and `debug`: each copy is bounded, so an answer never
  // grows with what the failing call produced.
  std::string text = common::truncate_utf8(message, common::kMaxErrorMessage);
  Json err = {{"name", name},
              {"message", text},
              {"arguments", Json::array({text, status})},
              {"context", context.is_object() ? context : Json::object()},
              {"debug", fmt::format("{}: {}", name, text)}};
  return err.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

constexpr std::size_t kMaxContextBytes = 256u << 10;

}  // namespace

Json client_context(Json context) {
  context = orm::without_internal_keys(std::move(context));
  if (context.dump(-1, ' ', false, Json::error_handler_t::replace).size() > kMaxContextBytes) {
    throw common::UnprocessableError(
        fmt::format("'context' is larger than {} KiB", kMaxContextBytes >> 10));
  }
  return context;
}

Json rule_error_context(orm::Runtime& runtime, common::Id uid, const common::RuleContext& rule,
                        const Json& fallback) {
  if (!uid)
    return fallback;
  try {
    orm::Env env = orm::Env::begin(runtime, uid, store::Access::kRead);
    if (!env.has_group("base.group_user"))
      return fallback;
  } catch (const std::exception&) {
    return fallback;  // the answer is an error already: it is not made worse
  }
  return Json{{"exception_class", "base_automation"},
              {"base_automation", {{"id", rule.id}, {"name", rule.name}}}};
}

namespace {

Response error_response(const common::Error& e, const Json& context) {
  int status = status_of(e.kind());
  return {status, error_body(e.name(), e.what(), status, context)};
}

}  // namespace

Response handle_json2(orm::Runtime& runtime, const std::string& model, const std::string& method,
                      const std::string& authorization, const std::string& body,
                      const std::string& host) {
  Credentials credentials;
  credentials.authorization = authorization;
  return handle_json2(runtime, model, method, credentials, body, host);
}

Response handle_json2(orm::Runtime& runtime, const std::string& model, const std::string& method,
                      const Credentials& credentials, const std::string& body,
                      const std::string& host) {
  Json context = Json::object();
  common::Id caller = 0;  // the authenticated user, once known
  SessionUse session;
  // The session's last use is recorded after the call, whatever its outcome.
  struct Touch {
    orm::Runtime& runtime;
    SessionUse& use;
    ~Touch() { touch_session_if_stale(runtime, use); }
  } touch{runtime, session};
  try {
    // Without a key, the missing key's message (a session is the browser's, and says so when
    // it has expired).
    std::string key;
    if (credentials.session.empty() || !credentials.authorization.empty())
      key = bearer_key(credentials.authorization);
    Json result = run_method_call(
        runtime, model, method, host,
        [&](const orm::Env& txn) {
          return key.empty() ? authenticate(txn, credentials, &session) : authenticate(txn, key);
        },
        [&]() {
          // As Odoo's JSON-2: the body is always a JSON object, `{}` for no parameters; an empty
          // body is not one (never "no domain, every record"). Read only once the caller is
          // known.
          if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
            throw common::BadRequestError(
                "the body is empty: send a JSON object of named parameters ({} for none)");
          }
          CallArguments args;
          args.params = common::parse_json(body);
          if (!args.params.is_object()) {
            throw common::UnprocessableError(
                fmt::format("the body must be a JSON object of named parameters, got {}",
                            common::json_type_name(args.params)));
          }
          if (auto it = args.params.find("ids"); it != args.params.end()) {
            args.ids = *it;
            args.params.erase(it);
          }
          if (auto it = args.params.find("context"); it != args.params.end()) {
            if (!it->is_object() && !it->is_null()) {
              throw common::UnprocessableError(
                  fmt::format("'context' must be an object, got {}", common::json_type_name(*it)));
            }
            if (it->is_object())
              context = client_context(std::move(*it));
            args.params.erase(it);
          }
          args.context = context;
          return args;
        },
        &caller);
    return {200, result.dump(-1, ' ', false, Json::error_handler_t::replace)};
  } catch (const common::Error& e) {
    if (e.rule())
      context = rule_error_context(runtime, caller, *e.rule(), context);
    if (e.kind() == ErrorKind::kInternal) {
      spdlog::error("/json/2/{}/{}: {}", model, method, e.what());
      return {500, error_body(e.name(), "internal server error (details in the server log)", 500,
                              context)};
    }
    return error_response(e, context);
  } catch (const std::exception& e) {
    spdlog::error("/json/2/{}/{}: unexpected error: {}", model, method, e.what());
    return {500, error_body("werkzeug.exceptions.InternalServerError",
                            "internal server error (details in the server log)", 500, context)};
  }
}

}  // namespace autorules::api
