// How the resolver, the evaluator and the SQL compiler classify a field: what its values look
// like in memory and in the database, and whether it can be unset. One definition, so that the
// three agree.
#pragma once

#include "schema/field.h"

namespace autorules::domain::internal {

enum class FieldKind {
  kId,           // "id": an integer, never unset
  kNumber,       // integer, float, monetary: never NULL in practice; an unset value reads as 0
  kBoolean,      // stored 0/1; unset reads as false
  kText,         // char, text, html: NULL and '' are both "unset"
  kString,       // selection, binary: NULL is unset, '' is a value
  kDate,         // "YYYY-MM-DD" text in the database, Date in memory
  kDateTime,     // "YYYY-MM-DD HH:MM:SS" text in the database, DateTime in memory
  kMany2one,     // the linked id, NULL when unset
  kX2many,       // one2many / many2many: linked ids
  kDisplayName,  // display_name of a model without rec_name: "model.name,id", never unset
};

FieldKind field_kind(const schema::Field& field);

// Fields a model may lack in hand-made test registries; resolution falls back to these.
const schema::Field& synthetic_id_field();
const schema::Field& synthetic_display_name_field();

}  // namespace autorules::domain::internal
