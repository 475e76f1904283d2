#include "api/webhook.h"

#include <spdlog/spdlog.h>

#include "automation/automation.h"
#include "common/errors.h"
#include "common/json.h"

namespace autorules::api {

using common::Json;

Response handle_webhook(orm::Runtime& runtime, const std::string& uuid, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& query) {
  // Any JSON value; a body that is not JSON (an empty GET, a form) gives the query parameters.
  // JSON nested past the bound is refused before anything walks it.
  common::JsonParse parsed = common::try_parse_json(body);
  if (parsed.status == common::JsonParse::kTooDeep ||
      parsed.status == common::JsonParse::kUnrepresentable) {
    return Response{400, Json{{"status", "error"}, {"message", parsed.error}}.dump()};
  }
  Json payload = std::move(parsed.value);
  if (parsed.status != common::JsonParse::kOk) {
    payload = Json::object();
    for (const auto& [k, v] : query) {
      if (!payload.contains(k))
        payload[k] = v;
    }
    // Parameters are bytes: invalid UTF-8 becomes U+FFFD rather than an error later.
    payload = Json::parse(payload.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  // As a JSON-2 call: a database busy with another process's writer is tried again
  // (common::retry_on_conflict).
  try {
    automation::WebhookResponse r = common::retry_on_conflict(
        [&] { return automation::receive_webhook(runtime, uuid, payload); });
    return Response{r.status, r.body.dump()};
  } catch (const common::ConflictError& e) {
    spdlog::error("/web/hook: the database stayed busy: {}", e.what());
    return Response{500, Json{{"status", "error"}}.dump()};
  } catch (const std::exception& e) {
    spdlog::error("/web/hook: unexpected error: {}", e.what());
    return Response{500, Json{{"status", "error"}}.dump()};
  }
}

}  // namespace autorules::api
