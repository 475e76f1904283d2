// The server's address as other systems reach it: the system parameter web.base.url, from which
// webhook URLs are made (docs/automation.md, "On webhook"). Until a person sets it, autorules
// keeps it right by itself, as Odoo does:
//   - at start, from the address and port the server listens on;
//   - then from the Host of the first JSON-2 request of an administrator (base.group_system), as
//     Odoo does at an administrator's login.
// A value a person set (one that is not a loopback address) is never changed, nor any value
// while the parameter web.base.url.freeze is set.
//
// Thread-safety: both functions may be called from any thread; each opens its own transaction.
#pragma once

#include <optional>
#include <string>

#include "orm/runtime.h"

namespace autorules::api {

// At start, once the server listens on `host`:`port`: sets web.base.url to
// "http://<host>:<port>" (127.0.0.1 for a wildcard address) when it is absent or still a loopback
// address, and not frozen; then learns from requests while it is a loopback address.
void init_base_url(orm::Runtime& runtime, const std::string& host, int port);

// Whether the address is still to be learnt from a request (an atomic read: cheap).
bool learning_base_url(orm::Runtime& runtime);

// "http://<host>" for a Host header naming a host name, an IPv4 address or a bracketed IPv6
// address, with an optional port; nullopt for anything else (the header is the client's).
std::optional<std::string> base_url_of_host(const std::string& host_header);

// After a successful request of an administrator whose Host gave `url` (base_url_of_host): when
// `url` is not a loopback address, and web.base.url still is one and is not frozen, sets
// web.base.url to it; learning then stops.
void learn_base_url(orm::Runtime& runtime, const std::string& url);

}  // namespace autorules::api
