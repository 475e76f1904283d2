// /doc: the models, their fields and methods, as one HTML page and as JSON per model, generated
// from the live registry (so models and fields made at run time appear at once). Both need a valid
// API key, checked as JSON-2 checks it (api/json2.cc), in the read transaction that reads the
// registry.
//
// Thread-safety: any thread; each call opens its own read transaction.
#pragma once

#include <string>

#include "orm/runtime.h"

namespace autorules::api {

// `authorization` is the Authorization header ("" when absent): "bearer <key>". AccessDenied
// (401) for a missing, malformed, unknown or expired key, with JSON-2's messages.
std::string doc_html(orm::Runtime& runtime, const std::string& authorization);
// The same key check; NotFoundError for an unknown model.
std::string doc_model_json(orm::Runtime& runtime, const std::string& authorization,
                           const std::string& model);

}  // namespace autorules::api
