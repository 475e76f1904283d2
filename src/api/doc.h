// /doc: the models, their fields and methods, as one HTML page and as JSON per model, generated
// from the live registry (so models and fields made at run time appear at once).
#pragma once

#include <string>

#include "orm/runtime.h"

namespace autorules::api {

std::string doc_html(orm::Runtime& runtime);
// NotFoundError for an unknown model.
std::string doc_model_json(orm::Runtime& runtime, const std::string& model);

}  // namespace autorules::api
