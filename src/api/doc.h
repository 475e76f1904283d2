// /doc: the models, their fields and methods, as one HTML page and as JSON per model, generated
// from the live registry (so models and fields made at run time appear at once). Both need a valid
// API key or session, checked as JSON-2 checks them (api/auth.h), in the read transaction that
// reads the registry.
//
// Thread-safety: any thread; each call opens its own read transaction.
#pragma once

#include <string>

#include "api/auth.h"
#include "orm/runtime.h"

namespace autorules::api {

// AccessDenied (401) for a missing, malformed, unknown or expired key or session, with JSON-2's
// messages.
std::string doc_html(orm::Runtime& runtime, const Credentials& credentials);
// The same check; NotFoundError for an unknown model.
std::string doc_model_json(orm::Runtime& runtime, const Credentials& credentials,
                           const std::string& model);

}  // namespace autorules::api
