#include "mail/internal/phone_recipient.h"

#include <fmt/format.h>

#include "common/json.h"
#include "common/text.h"
#include "mail/phone_number.h"

namespace autorules::mail::internal {

using common::Value;

namespace {

// The text of a char field of `record` when the model has it, trimmed; "" otherwise.
std::string char_of(const orm::RecordSet& record, const char* name) {
  const schema::Field* f = record.model().field(name);
  if (!f || f->type != schema::FieldType::kChar)
    return {};
  Value v = record.get(name);
  return v.is_string() ? common::trim(v.as_string()) : std::string();
}

// The record linked by a many2one `name` to `comodel`, or an empty set.
orm::RecordSet linked(const orm::RecordSet& record, const char* name, const char* comodel) {
  const schema::Field* f = record.model().field(name);
  if (!f || f->type != schema::FieldType::kMany2one || f->relation != comodel)
    return record.env()[comodel].browse({});
  return record.related(name);
}

std::string country_code(const orm::RecordSet& holder) {
  orm::RecordSet country = linked(holder, "country_id", "res.country");
  if (country.empty())
    return {};
  Value code = country.get("code");
  return code.is_string() ? code.as_string() : std::string();
}

// At most this many steps in a path (a.b.c...): more is not a path people write.
constexpr size_t kMaxPathSteps = 8;

}  // namespace

PhoneRecipient phone_recipient(const orm::RecordSet& record, std::string_view path) {
  PhoneRecipient r;
  orm::RecordSet partner =
      record.name() == "res.partner" ? record : linked(record, "partner_id", "res.partner");
  if (!partner.empty())
    r.partner_id = partner.id();
  if (!path.empty()) {
    r.number = common::trim(path_text(record, path));
  } else {
    for (const char* f : {"mobile", "phone"}) {
      if (r.number.empty())
        r.number = char_of(record, f);
    }
    for (const char* f : {"mobile", "phone"}) {
      if (r.number.empty() && !partner.empty())
        r.number = char_of(partner, f);
    }
  }
  r.country = country_code(record);
  if (r.country.empty() && !partner.empty())
    r.country = country_code(partner);
  if (r.country.empty()) {
    orm::RecordSet user = record.env()["res.users"].browse({record.env().uid()}).exists();
    orm::RecordSet company = user.empty() ? user : linked(user, "company_id", "res.company");
    if (!company.empty())
      r.country = country_code(company);
  }
  return r;
}

std::optional<std::string> number_problem(const PhoneRecipient& to,
                                          const std::optional<std::string>& e164) {
  if (to.number.empty())
    return "The record and its contact have no mobile or phone number";
  if (e164)
    return std::nullopt;
  return fmt::format(
      "'{}' is not a valid phone number{}", common::truncate_utf8(to.number, kMaxPhoneNumberLength),
      to.country.empty() ? " (no country to read it in)" : fmt::format(" in {}", to.country));
}

std::string path_text(const orm::RecordSet& record, std::string_view path) {
  orm::RecordSet at = record;
  size_t start = 0;
  for (size_t step = 0; step < kMaxPathSteps && at.size() == 1; ++step) {
    size_t dot = path.find('.', start);
    std::string name(path.substr(start, dot == std::string_view::npos ? path.npos : dot - start));
    const schema::Field* f = at.model().field(name);
    if (!f)
      return {};
    if (dot != std::string_view::npos) {
      if (f->type != schema::FieldType::kMany2one)
        return {};
      at = at.related(name);
      start = dot + 1;
      continue;
    }
    switch (f->type) {
      case schema::FieldType::kMany2one:
      case schema::FieldType::kMany2many:
      case schema::FieldType::kOne2many: {
        std::string out;
        for (const std::string& n : at.related(name).display_names())
          out += (out.empty() ? "" : ", ") + n;
        return out;
      }
      case schema::FieldType::kSelection: {
        Value v = at.get(name);
        if (!v.is_string())
          return {};
        for (const schema::SelectionOption& o : f->selection) {
          if (o.value == v.as_string())
            return o.label;
        }
        return v.as_string();
      }
      case schema::FieldType::kBinary:
        return {};
      default: {
        Value v = at.get(name);
        if (v.is_false())
          return {};
        if (v.is_string())
          return v.as_string();
        common::Json j = common::to_json(v);
        return j.is_string() ? j.get<std::string>() : j.dump();
      }
    }
  }
  return {};
}

}  // namespace autorules::mail::internal
