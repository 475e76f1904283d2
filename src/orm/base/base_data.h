// Odoo's base data beyond users and groups: the countries of ISO 3166-1 and their top-level
// subdivisions (ISO 3166-2) as res.country / res.country.state, the currencies of ISO 4217
// (res.currency, inactive unless created active before), the English language (res.lang) and
// the main company (res.company) with its partner. docs/base-data.md.
//
// The ISO lists are read from Debian's iso-codes package, once, when the database has no
// country yet; without the files a warning is logged and the lists are left empty (the next
// start tries again).
#pragma once

#include <string>

#include "orm/env.h"

namespace autorules::orm {

// Where the iso-codes JSON files are: $AUTORULES_ISO_CODES_DIR, else /usr/share/iso-codes/json.
std::string iso_codes_dir();

// The hooks and access of res.country, res.country.state, res.lang and res.company, and the
// company defaults of res.users (from register_base_models).
void register_base_data_models(Runtime& runtime);

// Creates the base data that is missing. Runs in ensure_base_data, as the superuser, in the
// initializing transaction; idempotent and cheap once loaded.
void ensure_countries_and_company(const Env& env);

}  // namespace autorules::orm
