// Odoo's XML-RPC endpoint, /xmlrpc/2/<service> (docs/rpc.md): a methodCall decoded with libxml2,
// the call made by dispatch_rpc (rpc.h), its result or its fault encoded as Python's
// xmlrpc.client expects them. Faults have Odoo's integer codes: 1 an application error (with a
// traceback-like text), 2 a warning (UserError, ValidationError, MissingError), 3 AccessDenied,
// 4 AccessError.
#pragma once

#include <string>
#include <string_view>

#include "api/json2.h"
#include "api/rpc.h"
#include "common/json.h"
#include "orm/runtime.h"

namespace autorules::api {

struct XmlRpcCall {
  std::string method;
  common::Json params = common::Json::array();
};

// BadRequestError for a body that is not an XML-RPC methodCall: malformed XML, a document type
// declaration (entities are never expanded), values nested deeper than 256 levels, a value of
// an unknown type or that does not parse as its type.
XmlRpcCall parse_xmlrpc_call(std::string_view body);

// A methodResponse holding `result` (null as <nil/>, integers outside 32 bits as <i8>).
std::string xmlrpc_response(const common::Json& result);
// A methodResponse holding a fault.
std::string xmlrpc_fault(int code, const std::string& text);

// The whole exchange: status 200 and the response or fault (Odoo answers faults with 200 too),
// or 400 with a fault for a body that is not a call.
Response handle_xmlrpc(orm::Runtime& runtime, const std::string& service, std::string_view body,
                       const RpcOrigin& origin = {});

}  // namespace autorules::api
