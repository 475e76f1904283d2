#include "mail/internal/whatsapp_api.h"

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

constexpr const char* kGraphUrl = "https://graph.facebook.com";
constexpr size_t kMaxParameter = 1024;
constexpr size_t kMaxWhatsappMessageId = 256;

std::vector<WhatsappAccount> read_accounts(const orm::Env& env, const std::string& where,
                                           std::vector<Value> params) {
  std::vector<WhatsappAccount> found;
  env.cr().query(
      "SELECT \"id\", \"name\", \"phone_uid\", \"app_secret\", \"token\", "
      "\"webhook_verify_token\", \"api_url\", \"api_version\" FROM \"whatsapp_account\" WHERE " +
          where + " ORDER BY \"id\"",
      params, [&](const store::RowView& r) {
        auto text = [&](int i) { return r.is_null(i) ? std::string() : std::string(r.text(i)); };
        WhatsappAccount a;
        a.id = r.int64(0);
        a.name = text(1);
        a.phone_uid = common::trim(text(2));
        a.app_secret = text(3);
        a.token = text(4);
        a.verify_token = text(5);
        a.api_url = common::trim(text(6));
        a.api_version = common::trim(text(7));
        found.push_back(std::move(a));
      });
  return found;
}

const Json& array_at(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  if (j.is_object() && j.contains(key) && j[key].is_array())
    return j[key];
  return kEmpty;
}

long long code_at(const Json& j) {
  if (j.is_object() && j.contains("code")) {
    const Json& c = j["code"];
    if (c.is_number_integer())
      return c.get<long long>();
    if (c.is_string()) {
      try {
        return std::stoll(c.get<std::string>());
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

}  // namespace

std::optional<WhatsappAccount> whatsapp_account(const orm::Env& env, Id id) {
  std::vector<WhatsappAccount> found = read_accounts(env, "\"id\" = ?", {Value(id)});
  if (found.empty())
    return std::nullopt;
  return std::move(found.front());
}

std::vector<WhatsappAccount> active_whatsapp_accounts(const orm::Env& env) {
  return read_accounts(env, "\"active\" = 1", {});
}

std::optional<std::string> whatsapp_account_problem(const WhatsappAccount& a) {
  if (a.phone_uid.empty() || !printable_ascii(a.phone_uid) ||
      a.phone_uid.find_first_of("/?#%") != std::string::npos)
    return fmt::format("The WhatsApp account '{}' has no valid Phone Number ID", a.name);
  if (a.token.empty())
    return fmt::format("The WhatsApp account '{}' has no access token", a.name);
  if (!a.api_url.empty() && !a.api_url.starts_with("https://") && !a.api_url.starts_with("http://"))
    return fmt::format("The WhatsApp account '{}' has an API URL that is not http(s)", a.name);
  if (!a.api_version.empty() &&
      (!printable_ascii(a.api_version) || a.api_version.find('/') != std::string::npos))
    return fmt::format("The WhatsApp account '{}' has an API version that is not one", a.name);
  return std::nullopt;
}

std::string whatsapp_parameter(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  int spaces = 0;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
    spaces = c == ' ' ? spaces + 1 : 0;
    if (spaces > 4)
      continue;
    out += c;
  }
  std::string trimmed = common::trim(out);
  if (common::utf8_length(trimmed) <= kMaxParameter)
    return trimmed;
  // Cut on a code point: the first kMaxParameter code points.
  size_t count = 0, i = 0;
  for (; i < trimmed.size() && count < kMaxParameter; ++count) {
    unsigned char b = static_cast<unsigned char>(trimmed[i]);
    i += b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  }
  return trimmed.substr(0, std::min(i, trimmed.size()));
}

outbox::Message whatsapp_request(const WhatsappAccount& a, const std::string& number,
                                 const std::string& name, const std::string& language,
                                 const std::vector<std::string>& parameters) {
  outbox::Message m;
  m.kind = "whatsapp";
  m.name = common::truncate_utf8(fmt::format("WhatsApp {} to {} ({})", name, number, a.name), 200);
  std::string base = a.api_url.empty() ? kGraphUrl : a.api_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  m.url = fmt::format("{}/{}/{}/messages", base, a.api_version.empty() ? "v21.0" : a.api_version,
                      a.phone_uid);
  Json params = Json::array();
  for (const std::string& p : parameters)
    params.push_back(Json{{"type", "text"}, {"text", p}});
  Json tmpl{{"name", name}, {"language", Json{{"code", language}}}};
  if (!parameters.empty())
    tmpl["components"] = Json::array({Json{{"type", "body"}, {"parameters", params}}});
  std::string to = number.starts_with('+') ? number.substr(1) : number;
  m.body = Json{
      {"messaging_product", "whatsapp"},
      {"recipient_type", "individual"},
      {"to", to},
      {"type", "template"},
      {"template",
       tmpl}}.dump(-1, ' ', false, Json::error_handler_t::replace);
  m.authorization = "Bearer " + a.token;
  return m;
}

std::string whatsapp_message_id(std::string_view response) {
  Json j = provider_json(response, 16);
  const Json& messages = array_at(j, "messages");
  if (messages.empty())
    return {};
  std::string id = json_string(messages[0], "id");
  if (id.size() > kMaxWhatsappMessageId || !printable_ascii(id))
    return {};
  return id;
}

std::string whatsapp_error_type(long long code) {
  // https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
  switch (code) {
    case 0:
    case 3:
    case 10:
    case 190:
    case 200:
    case 131005:
    case 131031:
      return "account";
    case 131026:
    case 131021:
    case 133010:
      return "phone_invalid";
    case 131047:
      return "outdated_channel";
    case 132000:
    case 132001:
    case 132005:
    case 132007:
    case 132012:
    case 132015:
    case 132016:
    case 132018:
      return "template";
    case 4:
    case 80007:
    case 130429:
    case 131048:
    case 131056:
      return "network";
    case 131000:
    case 131016:
      return "whatsapp_recoverable";
    default:
      return "unknown";
  }
}

WhatsappFailure whatsapp_failure(long status, std::string_view error, std::string_view response) {
  Json j = provider_json(response, 16);
  Json e = j.is_object() && j.contains("error") ? j["error"] : Json();
  long long code = code_at(e);
  std::string said = json_string(e, "message");
  WhatsappFailure f;
  if (code)
    f.type = whatsapp_error_type(code);
  else if (status == 401 || status == 403)
    f.type = "account";
  else if (status == 0)
    f.type = "network";
  else
    f.type = "unknown";
  std::string reason(error);
  if (!said.empty())
    reason += code ? fmt::format(": error {}, {}", code, said) : ": " + said;
  f.reason = common::truncate_utf8(reason, 1024);
  return f;
}

std::string whatsapp_signature(std::string_view app_secret, std::string_view body) {
  return "sha256=" + orm::hmac_sha256_hex(app_secret, body);
}

std::optional<WhatsappEvents> parse_whatsapp_webhook(std::string_view body) {
  Json j = provider_json(body, 32);
  if (!j.is_object() || json_string(j, "object") != "whatsapp_business_account")
    return std::nullopt;
  WhatsappEvents out;
  for (const Json& entry : array_at(j, "entry")) {
    for (const Json& change : array_at(entry, "changes")) {
      if (!change.is_object() || !change.contains("value") || !change["value"].is_object())
        continue;
      const Json& value = change["value"];
      std::string phone = value.contains("metadata")
                              ? json_string(value["metadata"], "phone_number_id")
                              : std::string();
      std::string profile;
      for (const Json& c : array_at(value, "contacts")) {
        if (c.is_object() && c.contains("profile"))
          profile = json_string(c["profile"], "name");
      }
      for (const Json& s : array_at(value, "statuses")) {
        WhatsappStatus st;
        st.phone_number_id = phone;
        st.id = json_string(s, "id");
        st.status = json_string(s, "status");
        const Json& errors = array_at(s, "errors");
        if (!errors.empty()) {
          st.error_code = code_at(errors[0]);
          st.error_title = json_string(errors[0], "title");
          if (st.error_title.empty())
            st.error_title = json_string(errors[0], "message");
        }
        if (!st.id.empty() && !st.status.empty())
          out.statuses.push_back(std::move(st));
      }
      for (const Json& m : array_at(value, "messages")) {
        WhatsappIncoming in;
        in.phone_number_id = phone;
        in.from = json_string(m, "from");
        in.id = json_string(m, "id");
        in.type = json_string(m, "type");
        in.profile_name = profile;
        if (m.is_object() && m.contains("context"))
          in.context_id = json_string(m["context"], "id");
        if (in.type == "text" && m.contains("text"))
          in.text = json_string(m["text"], "body");
        else if (in.type == "button" && m.contains("button"))
          in.text = json_string(m["button"], "text");
        if (!in.id.empty() && !in.from.empty())
          out.messages.push_back(std::move(in));
      }
    }
  }
  return out;
}

}  // namespace autorules::mail::internal
