// Who a text message (SMS, WhatsApp) about a record goes to: its number and the country to read
// it in, as Odoo finds them — the record's own mobile or phone, else its contact's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/value.h"
#include "orm/recordset.h"

namespace autorules::mail::internal {

// One record's recipient: the number as written, the country it is read in, the contact.
struct PhoneRecipient {
  std::string number;
  std::string country;  // ISO code, or "" when neither the record nor its contact has one
  common::Id partner_id = 0;
};

// The record's `mobile`, else its `phone` (char fields), else its contact's (`partner_id`, or the
// record itself for a contact); the country: the record's `country_id`, else the contact's, else
// the company's of the Env's user. With `path` (a dotted path to a char field, e.g.
// "partner_id.mobile"), the number is that field's value instead.
PhoneRecipient phone_recipient(const orm::RecordSet& record, std::string_view path = {});

// Why a message cannot go to the recipient's number — it has none, or `e164` (its E.164 form, from
// mail::to_e164) is empty: "'12' is not a valid phone number in BE" — or nullopt.
std::optional<std::string> number_problem(const PhoneRecipient& to,
                                          const std::optional<std::string>& e164);

// The value at a dotted path from one record as text, as a person reads it: a relation's display
// name, a selection's label, "" for an empty value or a path that leads nowhere. For template
// variables.
std::string path_text(const orm::RecordSet& record, std::string_view path);

}  // namespace autorules::mail::internal
