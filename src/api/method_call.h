// One method call of the API, whatever its protocol (JSON-2, XML-RPC, JSON-RPC): its own
// transaction (read-only for a method that only reads; a write shares its database transaction
// with concurrent writes, orm/write_group.h), the caller authenticated inside it (no
// second connection; the key is checked against the state the call sees), the method run with
// the caller's context and committed, the whole retried on a write conflict with another process
// (SQLite busy, PostgreSQL serialization) as Odoo does; the server's address learnt from an
// administrator's request while it is not known (base_url.h).
#pragma once

#include <functional>
#include <string>

#include "common/json.h"
#include "common/value.h"
#include "orm/env.h"

namespace autorules::api {

// What the protocol hands the method, read once the caller is authenticated.
struct CallArguments {
  common::Json ids = nullptr;
  common::Json params = common::Json::object();
  common::Json context = common::Json::object();  // already cleaned (client_context)
};

// `authenticate` answers the caller's id in the call's transaction or throws (AccessDenied);
// `arguments` answers the call's ids, parameters and context. `caller` is set once the caller is
// known (for the error's context when the call fails). Errors propagate as common::Error.
common::Json run_method_call(orm::Runtime& runtime, const std::string& model,
                             const std::string& method, const std::string& host,
                             const std::function<common::Id(const orm::Env& txn)>& authenticate,
                             const std::function<CallArguments()>& arguments,
                             common::Id* caller = nullptr);

}  // namespace autorules::api
