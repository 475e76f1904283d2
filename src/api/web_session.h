// The browser's session, through Odoo's /web/session routes (docs/security.md, "Sessions"). All
// three are JSON-RPC calls ({"jsonrpc": "2.0", "method": "call", "params": {...}, "id"}) sent with
// Content-Type application/json, which a cross-site form cannot send:
//
//   POST /web/session/authenticate     params {login, password, db?}: opens a session, sets the
//                                      session_id cookie (HttpOnly, SameSite=Lax, Secure when the
//                                      request came over HTTPS) and answers the session's info
//   POST /web/session/get_session_info the info of the cookie's session, or Odoo's "Session
//                                      Expired" error (code 100)
//   POST /web/session/destroy          ends it (with its CSRF token in X-CSRF-Token) and clears the
//                                      cookie
//
// The info: uid, name, username, partner_id, is_admin, is_system, db, server_version,
// user_context and csrf_token (what the page sends in X-CSRF-Token). Logging in counts failures
// per client address as every password login does (orm/base/login.h).
//
// Thread-safety: any thread; each call opens its own transactions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "orm/runtime.h"

namespace autorules::api {

struct SessionRequest {
  std::string body;
  std::string content_type;
  std::string cookie;   // the Cookie header
  std::string csrf;     // the X-CSRF-Token header
  std::string address;  // the client's address
  std::string user_agent;
  bool https = false;  // the request came over HTTPS (X-Forwarded-Proto, or an https base URL)
};

struct SessionResponse {
  int status = 200;
  std::string body;                                          // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // Set-Cookie
};

// `action` is the last segment of the path: authenticate, get_session_info or destroy. Others:
// NotFound.
SessionResponse handle_session(orm::Runtime& runtime, const std::string& action,
                               const SessionRequest& request);

}  // namespace autorules::api
