#include "mail/internal/sms_provider.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/json.h"
#include "common/text.h"
#include "mail/internal/provider_answer.h"
#include "orm/crypto.h"
#include "store/connection.h"

namespace autorules::mail::internal {

using common::Id;
using common::Json;
using common::Value;

namespace {

constexpr const char* kTwilioDefaultUrl = "https://api.twilio.com";
constexpr size_t kMaxSmsMessageId = 128;

std::optional<SmsProvider> read_provider(const orm::Env& env, const std::string& where,
                                         std::vector<Value> params) {
  std::optional<SmsProvider> found;
  env.cr().query(
      "SELECT \"id\", \"name\", \"provider\", \"api_url\", \"twilio_account_sid\", "
      "\"twilio_auth_token\", \"twilio_from\", \"api_token\" FROM \"sms_provider\" WHERE " +
          where + " ORDER BY \"sequence\", \"id\" LIMIT 1",
      params, [&](const store::RowView& r) {
        auto text = [&](int i) { return r.is_null(i) ? std::string() : std::string(r.text(i)); };
        SmsProvider p;
        p.id = r.int64(0);
        p.name = text(1);
        p.kind = text(2);
        p.api_url = common::trim(text(3));
        p.account_sid = common::trim(text(4));
        p.auth_token = text(5);
        p.from = common::trim(text(6));
        p.api_token = text(7);
        found = std::move(p);
      });
  return found;
}

bool http_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

}  // namespace

std::optional<SmsProvider> active_sms_provider(const orm::Env& env) {
  return read_provider(env, "\"active\" = 1", {});
}

std::optional<SmsProvider> sms_provider(const orm::Env& env, Id id) {
  return read_provider(env, "\"id\" = ?", {Value(id)});
}

std::optional<std::string> sms_provider_problem(const SmsProvider& p) {
  if (p.kind == "twilio") {
    if (p.account_sid.empty() || !printable_ascii(p.account_sid))
      return fmt::format("The SMS provider '{}' has no valid Account SID", p.name);
    if (p.auth_token.empty())
      return fmt::format("The SMS provider '{}' has no Auth Token", p.name);
    if (p.from.empty() || !printable_ascii(p.from))
      return fmt::format("The SMS provider '{}' has no From number", p.name);
    if (!p.api_url.empty() && !http_url(p.api_url))
      return fmt::format("The SMS provider '{}' has an API URL that is not http(s)", p.name);
    return std::nullopt;
  }
  if (p.kind == "webhook") {
    if (!http_url(p.api_url))
      return fmt::format("The SMS provider '{}' has no http(s) URL", p.name);
    return std::nullopt;
  }
  return fmt::format("The SMS provider '{}' is of an unknown kind '{}'", p.name, p.kind);
}

outbox::Message sms_request(const SmsProvider& p, const std::string& number,
                            const std::string& body, const std::string& reference,
                            const std::string& status_callback) {
  outbox::Message m;
  m.kind = "sms";
  m.name = common::truncate_utf8(fmt::format("SMS to {} ({})", number, p.name), 200);
  if (p.kind == "twilio") {
    std::string base = p.api_url.empty() ? kTwilioDefaultUrl : p.api_url;
    while (!base.empty() && base.back() == '/')
      base.pop_back();
    // The SID goes in the path: percent-encoded like a form value (an SID is letters and digits).
    std::string sid = common::form_encode({{"", p.account_sid}}).substr(1);
    m.url = fmt::format("{}/2010-04-01/Accounts/{}/Messages.json", base, sid);
    std::vector<std::pair<std::string, std::string>> form{{"To", number}};
    // A Messaging Service sends from a pool of numbers: its SID (MG + 32 hex digits) is given
    // instead of a From number.
    if (p.from.size() == 34 && p.from.starts_with("MG"))
      form.emplace_back("MessagingServiceSid", p.from);
    else
      form.emplace_back("From", p.from);
    form.emplace_back("Body", body);
    if (!status_callback.empty())
      form.emplace_back("StatusCallback", status_callback);
    m.body = common::form_encode(form);
    m.content_type = "application/x-www-form-urlencoded";
    m.authorization = "Basic " + common::base64_encode(p.account_sid + ":" + p.auth_token);
    m.idempotency_header = "I-Twilio-Idempotency-Token";
  } else {
    m.url = p.api_url;
    m.body = Json{{"to", number}, {"body", body}, {"reference", reference}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
    if (!p.api_token.empty())
      m.authorization = "Bearer " + p.api_token;
  }
  return m;
}

std::string sms_message_id(std::string_view response) {
  Json j = provider_json(response, 32);
  std::string id = json_string(j, "sid");
  if (id.empty())
    id = json_string(j, "id");
  if (id.empty())
    id = json_string(j, "message_id");
  if (id.size() > kMaxSmsMessageId || !printable_ascii(id))
    return {};
  return id;
}

std::string twilio_error_type(std::string_view code) {
  // https://www.twilio.com/docs/api/errors: the 21xxx are refusals of the request, the 30xxx
  // delivery failures reported later.
  if (code == "21211" || code == "21217" || code == "21401")
    return "sms_number_format";
  if (code == "21408" || code == "21612" || code == "21614" || code == "30003" || code == "30005" ||
      code == "30006")
    return "sms_invalid_destination";
  if (code == "20003" || code == "20404" || code == "21606" || code == "21659" || code == "30002")
    return "sms_acc";
  if (code == "30004" || code == "30007" || code == "21610")
    return "sms_rejected";
  if (code == "30001" || code == "30008")
    return "sms_not_delivered";
  return "sms_server";
}

SmsFailure sms_failure(long status, std::string_view error, std::string_view response) {
  Json j = provider_json(response, 32);
  std::string code;
  if (j.is_object() && j.contains("code")) {
    code = j["code"].is_string()           ? j["code"].get<std::string>()
           : j["code"].is_number_integer() ? std::to_string(j["code"].get<std::int64_t>())
                                           : std::string();
  }
  std::string said = json_string(j, "message");
  if (said.empty())
    said = json_string(j, "error");
  SmsFailure f;
  if (!code.empty() && code.size() <= 8 && printable_ascii(code))
    f.type = twilio_error_type(code);
  else if (status == 401 || status == 403)
    f.type = "sms_acc";
  else if (status == 402)
    f.type = "sms_credit";
  else
    f.type = "sms_server";
  std::string reason(error);
  if (!said.empty())
    reason += fmt::format(": {}{}", code.empty() ? "" : "error " + code + ", ", said);
  f.reason = common::truncate_utf8(reason, 1024);
  return f;
}

std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());  // by name, then value (a name given twice)
  std::string data(url);
  for (const auto& [name, value] : params) {
    data += name;
    data += value;
  }
  return common::base64_encode(orm::hmac_sha1(auth_token, data));
}

}  // namespace autorules::mail::internal
