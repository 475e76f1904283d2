// Odoo's RPC services, as its XML-RPC (/xmlrpc/2/<service>) and JSON-RPC (/jsonrpc) endpoints
// serve them (docs/rpc.md): `common` (version, login, authenticate), `object` (execute_kw,
// execute) and `db` (list, server_version), with positional arguments as Odoo's. The password
// of login, authenticate and object calls is the user's password or one of their API keys
// (orm/base/login.h: cooldown per client address, checks remembered). The transports only encode
// and decode: the calls are the same.
//
// Thread-safety: dispatch_rpc may run on any thread; each object call opens its own transaction.
#pragma once

#include <string>

#include "common/json.h"
#include "orm/runtime.h"

namespace autorules::api {

// The database's name as `db.list` gives it and calls name it: the SQLite file's name without
// its extension.
std::string database_name(orm::Runtime& runtime);

// Where a call comes from: the request's Host header (an administrator's tells the server its
// address) and the client's address (what login failures are counted against).
struct RpcOrigin {
  std::string host;
  std::string address;
};

// Calls `method` of `service` with positional `args` (a JSON array). Returns the result; throws
// common::Error (AccessDenied for bad credentials on object calls, NotFoundError for an unknown
// service or method, UserError for an unknown database, and whatever the called method raises).
common::Json dispatch_rpc(orm::Runtime& runtime, const std::string& service,
                          const std::string& method, const common::Json& args,
                          const RpcOrigin& origin = {});

}  // namespace autorules::api
