#include "api/jsonrpc.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/rpc.h"
#include "common/errors.h"

namespace autorules::api {

using common::Json;

namespace {

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Json jsonrpc_error(const Json& id, const char* name, const std::string& message,
                   const Json& context) {
  return Json{
      {"jsonrpc", "2.0"},
      {"id", id},
      {"error",
       {{"code", 200},
        {"message", "Odoo Server Error"},
        {"data",
         {{"name", name},
          {"message", message},
          {"arguments", Json::array({message})},
          {"debug", fmt::format("Traceback (most recent call last):\n{}: {}\n", name, message)},
          {"context", context}}}}}};
}

Response handle_jsonrpc(orm::Runtime& runtime, std::string_view body, const RpcOrigin& origin) {
  Json id = nullptr;
  Json call;
  try {
    call = common::parse_json(body);
    if (!call.is_object())
      throw common::BadRequestError("a JSON-RPC call is a JSON object");
    if (auto i = call.find("id"); i != call.end() && (i->is_primitive()))
      id = *i;
    if (call.value("method", Json()) != "call")
      throw common::BadRequestError("a JSON-RPC call's method is \"call\"");
    const Json& params = call.value("params", Json());
    if (!params.is_object() || !params.value("service", Json()).is_string() ||
        !params.value("method", Json()).is_string())
      throw common::BadRequestError(
          "a JSON-RPC call's params name a service and a method, with their args");
  } catch (const common::Error& e) {
    return {400, dump(jsonrpc_error(id, "werkzeug.exceptions.BadRequest", e.what()))};
  }
  const Json& params = call["params"];
  std::string service = params["service"].get<std::string>();
  std::string method = params["method"].get<std::string>();
  try {
    Json args = params.value("args", Json::array());
    Json result = dispatch_rpc(runtime, service, method, args, origin);
    return {200, dump(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}})};
  } catch (const common::Error& e) {
    std::string message = e.what();
    if (e.kind() == common::ErrorKind::kInternal) {
      spdlog::error("/jsonrpc {} {}: {}", service, method, message);
      message = "internal server error (details in the server log)";
    }
    Json context = Json::object();
    // An object call that reached a rule was authenticated: its uid is the caller.
    if (e.rule() && service == "object" && params.value("args", Json()).is_array() &&
        params["args"].size() > 1 && params["args"][1].is_number_integer())
      context =
          rule_error_context(runtime, params["args"][1].get<common::Id>(), *e.rule(), context);
    return {200, dump(jsonrpc_error(id, e.name(), message, context))};
  } catch (const std::exception& e) {
    spdlog::error("/jsonrpc {} {}: unexpected error: {}", service, method, e.what());
    return {200, dump(jsonrpc_error(id, "builtins.RuntimeError",
                                    "internal server error (details in the server log)"))};
  }
}

}  // namespace autorules::api
