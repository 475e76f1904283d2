// Phone numbers in E.164 ("+32475123456"), the form SMS and WhatsApp providers take: a number as a
// person wrote it on a record ("0475 12 34 56", "+1 (650) 253-0000", "0032 475 12 34 56") read in
// the record's country, by libphonenumber (its metadata says which lengths and ranges each
// country has). A number that cannot be read, or that no country could have assigned, has no
// E.164 form: an SMS for it is never sent.
//
// Thread-safety: may be called from any number of threads at once (libphonenumber's single
// instance is built on first use, and only read afterwards).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace autorules::mail {

// Longer text is not a phone number (libphonenumber itself stops at 250 characters).
inline constexpr std::size_t kMaxPhoneNumberLength = 64;

// `number` in E.164, read as written in `country` (an ISO 3166-1 alpha-2 code such as "BE", in
// either case; empty or unknown when the record has none: the number must then be written
// internationally, "+32 ..."). Words before the number ("Tel:") and an extension ("ext. 12", not
// part of the E.164 form) are allowed, as libphonenumber reads them. None when it is empty, longer
// than kMaxPhoneNumberLength bytes, not valid UTF-8, not a number, or not a possible and valid
// number of its country (a wrong number of digits, a range no operator has) — what Odoo's phone
// validation refuses too.
std::optional<std::string> to_e164(std::string_view number, std::string_view country);

}  // namespace autorules::mail
