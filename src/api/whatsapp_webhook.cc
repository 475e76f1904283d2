#include "api/whatsapp_webhook.h"

#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "mail/whatsapp.h"

namespace autorules::api {

namespace {

std::string first(const std::vector<std::pair<std::string, std::string>>& query, const char* name) {
  for (const auto& [k, v] : query) {
    if (k == name)
      return v;
  }
  return {};
}

}  // namespace

Response handle_whatsapp_verify(orm::Runtime& runtime,
                                const std::vector<std::pair<std::string, std::string>>& query) {
  std::optional<std::string> challenge = mail::verify_whatsapp_webhook(
      runtime, first(query, "hub.mode"), first(query, "hub.verify_token"),
      first(query, "hub.challenge"));
  if (!challenge) {
    spdlog::warn("/whatsapp/webhook: a verification with a wrong token or mode was refused");
    return {403, error_body("werkzeug.exceptions.Forbidden",
                            "The verify token is not an active WhatsApp account's", 403)};
  }
  return {200, *challenge};
}

Response handle_whatsapp_webhook(orm::Runtime& runtime, const std::string& body,
                                 const std::string& signature) {
  try {
    int status = mail::apply_whatsapp_webhook(runtime, body, signature);
    if (status == 403) {
      spdlog::warn("/whatsapp/webhook: a call with a wrong X-Hub-Signature-256 was refused");
      return {403, error_body("werkzeug.exceptions.Forbidden",
                              "The X-Hub-Signature-256 header is missing or wrong", 403)};
    }
    if (status == 400) {
      return {400, error_body("werkzeug.exceptions.BadRequest",
                              "Not a WhatsApp Business Account webhook payload", 400)};
    }
    return {200, R"({"status": "ok"})"};
  } catch (const common::Error& e) {
    // A rule on the incoming message failed, or the database stayed busy: nothing was kept, and
    // Meta calls again later.
    spdlog::error("/whatsapp/webhook: {}", e.what());
    int code = e.kind() == common::ErrorKind::kConflict ? 503 : 500;
    return {code, error_body(e.name(), "The call could not be applied; send it again", code)};
  }
}

}  // namespace autorules::api
