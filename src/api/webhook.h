// POST/GET /web/hook/<uuid> (docs/automation.md, "On webhook"): the payload is the JSON body, else
// the query-string parameters (first value per key); the automation engine does the rest.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/json2.h"
#include "orm/runtime.h"

namespace autorules::api {

Response handle_webhook(orm::Runtime& runtime, const std::string& uuid, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace autorules::api
