// Conversions of field values between their three forms: the API's JSON (Odoo's conventions),
// the typed Value the ORM works with, and the database column. Input conversion validates:
// a wrong type, an unknown selection key or a bad date is a ValueError naming the field.
#pragma once

#include <string>

#include "common/json.h"
#include "common/value.h"
#include "schema/model.h"
#include "store/connection.h"

namespace autorules::orm {

// JSON from the caller → the Value stored in the field's column. Not for x2many fields.
common::Value json_to_value(const schema::Model& model, const schema::Field& field,
                            const common::Json& json);

// A column as read from the database → the field's typed Value (numbers 0 when NULL, booleans
// as bool, dates parsed).
common::Value column_to_value(const schema::Field& field, const store::RowView& row, int column);

// A Value → the parameter bound for the field's column.
common::Value value_to_param(const schema::Field& field, const common::Value& v);

// A Value → JSON in raw form (many2one as an id, not [id, name]).
common::Json value_to_json(const schema::Field& field, const common::Value& v);

// "'Customer' (partner_id)" for messages.
std::string field_label(const schema::Field& field);

}  // namespace autorules::orm
