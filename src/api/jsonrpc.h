// Odoo's JSON-RPC endpoint, POST /jsonrpc (docs/rpc.md): {"jsonrpc": "2.0", "method": "call",
// "params": {"service", "method", "args"}, "id"}, the call made by dispatch_rpc (rpc.h), answered
// with {"jsonrpc", "id", "result"} or Odoo's {"jsonrpc", "id", "error": {"code": 200,
// "message": "Odoo Server Error", "data": {name, message, arguments, debug, context}}}.
#pragma once

#include <string>
#include <string_view>

#include "api/json2.h"
#include "api/rpc.h"
#include "orm/runtime.h"

namespace autorules::api {

// Odoo's JSON-RPC error envelope for an error `name` and `message` (code 200, "Odoo Server Error").
common::Json jsonrpc_error(const common::Json& id, const char* name, const std::string& message,
                           const common::Json& context = common::Json::object());

// Status 200 for a call, whatever its outcome (errors are in the envelope, as Odoo's); 400 with
// an error envelope for a body that is not a JSON-RPC call.

Response handle_jsonrpc(orm::Runtime& runtime, std::string_view body, const RpcOrigin& origin = {});

}  // namespace autorules::api
