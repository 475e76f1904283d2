// The JSON-2 call, independent of the HTTP library: authenticate, open the transaction,
// dispatch the method, commit; any error becomes a response (status and Odoo's error object).
#pragma once

#include <string>

#include "api/auth.h"
#include "common/errors.h"
#include "common/json.h"
#include "orm/runtime.h"

namespace autorules::api {

struct Response {
  int status = 200;
  std::string body;  // JSON text
};

// `credentials` say who calls (an API key, or a session and its CSRF token: auth.h), `body` is
// the request body, `host` the Host header (an administrator's tells the server its address:
// base_url.h).
Response handle_json2(orm::Runtime& runtime, const std::string& model, const std::string& method,
                      const Credentials& credentials, const std::string& body,
                      const std::string& host = "");
// The same with an API key's Authorization header only.
Response handle_json2(orm::Runtime& runtime, const std::string& model, const std::string& method,
                      const std::string& authorization, const std::string& body,
                      const std::string& host = "");

// The context a client sent, as a call will use it: the server's own keys ("__...") dropped, and
// its size bounded (UnprocessableError), since every action a call's rules run gets a copy of it.
common::Json client_context(common::Json context);

// The `context` of the error object of an error raised in an automation rule, as Odoo's
// _add_postmortem makes it for an internal user (`uid`):
// {"exception_class": "base_automation", "base_automation": {"id", "name"}}; `fallback` for
// anyone else (no rule names for portal users).
common::Json rule_error_context(orm::Runtime& runtime, common::Id uid,
                                const common::RuleContext& rule, const common::Json& fallback);

// Odoo's error object for an error kind, message and status.
std::string error_body(const char* name, const std::string& message, int status,
                       const common::Json& context = common::Json::object());
int status_of(common::ErrorKind kind);

}  // namespace autorules::api
