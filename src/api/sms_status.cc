#include "api/sms_status.h"

#include <charconv>

#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "mail/sms.h"

namespace autorules::api {

Response handle_sms_status(orm::Runtime& runtime, const SmsStatusRequest& request) {
  common::Id id = 0;
  const std::string& p = request.provider;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), id);
  if (ec != std::errc() || end != p.data() + p.size() || id <= 0)
    return {404, error_body("werkzeug.exceptions.NotFound", "No such SMS provider", 404)};
  mail::SmsStatusReport report;
  report.provider_id = id;
  report.target = request.target;
  report.urls = request.urls;
  report.form = request.form;
  report.query = request.query;
  report.signature = request.signature;
  try {
    int status = mail::apply_twilio_status(runtime, report);
    switch (status) {
      case 204:
        return {204, ""};
      case 403:
        spdlog::warn("/sms/twilio/status/{}: a report with a wrong signature was refused", id);
        return {403, error_body("werkzeug.exceptions.Forbidden",
                                "The request's X-Twilio-Signature is missing or wrong", 403)};
      case 404:
        return {404, error_body("werkzeug.exceptions.NotFound", "No such SMS provider", 404)};
      default:
        return {400,
                error_body("werkzeug.exceptions.BadRequest",
                           "Not a status report: MessageSid and MessageStatus are needed", 400)};
    }
  } catch (const common::Error& e) {
    spdlog::error("/sms/twilio/status/{}: {}", id, e.what());
    int code = status_of(e.kind());
    return {code, error_body(e.name(), "The report could not be applied; send it again", code)};
  }
}

}  // namespace autorules::api
