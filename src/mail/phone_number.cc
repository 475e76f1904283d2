#include "mail/phone_number.h"

#include <cctype>

#include <phonenumbers/phonenumberutil.h>

namespace autorules::mail {

namespace {

// libphonenumber's region code: two ASCII letters in upper case, else "ZZ" (unknown), with which
// only international numbers parse.
std::string region_of(std::string_view country) {
  if (country.size() != 2 || !std::isalpha(static_cast<unsigned char>(country[0])) ||
      !std::isalpha(static_cast<unsigned char>(country[1])))
    return "ZZ";
  return {static_cast<char>(std::toupper(static_cast<unsigned char>(country[0]))),
          static_cast<char>(std::toupper(static_cast<unsigned char>(country[1])))};
}

}  // namespace

std::optional<std::string> to_e164(std::string_view number, std::string_view country) {
  // Text that is not UTF-8 is not a number for libphonenumber either (NOT_A_NUMBER).
  if (number.empty() || number.size() > kMaxPhoneNumberLength)
    return std::nullopt;
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber parsed;
  if (util.Parse(std::string(number), region_of(country), &parsed) !=
      PhoneNumberUtil::NO_PARSING_ERROR)
    return std::nullopt;
  if (!util.IsPossibleNumber(parsed) || !util.IsValidNumber(parsed))
    return std::nullopt;
  std::string out;
  util.Format(parsed, PhoneNumberUtil::E164, &out);
  return out;
}

}  // namespace autorules::mail
