#include "mail/internal/address.h"

#include <fmt/format.h>

#include "common/datetime.h"
#include "common/text.h"
#include "domain/domain.h"

namespace autorules::mail::internal {

using common::Id;
using common::Json;
using domain::Domain;
using domain::Op;

namespace {

std::string parameter(const orm::Env& env, const char* key) {
  orm::RecordSet found = env.sudo()["ir.config_parameter"].search(Domain::term("key", Op::kEq, key),
                                                                  orm::SearchOptions{.limit = 1});
  if (found.empty())
    return "";
  common::Value v = found.get("value");
  return v.is_string() ? v.as_string() : std::string();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string normalized_email(std::string_view text) {
  std::string_view s = text;
  size_t open = s.rfind('<');
  if (open != std::string_view::npos) {
    size_t close = s.find('>', open);
    if (close == std::string_view::npos)
      return "";
    s = s.substr(open + 1, close - open - 1);
  }
  s = trim(s);
  size_t at = s.find('@');
  if (s.empty() || s.size() > 254 || at == 0 || at == std::string_view::npos ||
      at + 1 >= s.size() || s.find('@', at + 1) != std::string_view::npos)
    return "";
  for (unsigned char c : s) {
    if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';')
      return "";
  }
  return common::utf8_lower(s);
}

std::string format_address(std::string_view name, std::string_view email) {
  std::string clean;
  for (char c : trim(name)) {
    if (c == '\r' || c == '\n')
      continue;
    if (c == '"' || c == '\\')
      clean += '\\';
    clean += c;
  }
  if (clean.empty())
    return std::string(email);
  return fmt::format("\"{}\" <{}>", clean, email);
}

std::string mail_domain(const orm::Env& env) {
  std::string domain = parameter(env, "mail.catchall.domain");
  return domain.empty() ? "localhost" : domain;
}

std::string new_message_id(const orm::Env& env, const std::string& model, Id res_id) {
  return fmt::format("<{}.{}-autorules-{}-{}@{}>", common::random_hex(8), env.now().seconds, res_id,
                     model, mail_domain(env));
}

std::string reply_to(const orm::RecordSet& record, const std::string& record_name,
                     const std::string& email_from) {
  const orm::Env su = record.env().sudo();
  std::string domain = parameter(su, "mail.catchall.domain");
  std::string address;
  if (!domain.empty()) {
    orm::RecordSet model = su["ir.model"].search(Domain::term("model", Op::kEq, record.name()),
                                                 orm::SearchOptions{.limit = 1});
    if (!model.empty()) {
      Domain own = Domain::conjoin(
          Domain::conjoin(Domain::term("alias_parent_model_id", Op::kEq, model.id()),
                          Domain::term("alias_parent_thread_id", Op::kEq, record.id())),
          Domain::term("alias_name", Op::kNe, false));
      orm::RecordSet alias =
          su["mail.alias"].search(own, orm::SearchOptions{.limit = 1, .order = "id"});
      if (!alias.empty())
        address = alias.get("alias_name").as_string() + "@" + domain;
    }
    if (address.empty()) {
      std::string catchall = parameter(su, "mail.catchall.alias");
      address = (catchall.empty() ? std::string("catchall") : catchall) + "@" + domain;
    }
  }
  if (address.empty())
    return email_from;
  return format_address(record_name, address);
}

}  // namespace autorules::mail::internal
