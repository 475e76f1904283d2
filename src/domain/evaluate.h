// In-memory evaluation of a resolved domain on records in hand (docs/domains.md): what rule
// filters use, because they must see the transaction's uncommitted values. The values come from
// a RecordSource; evaluation first asks it to prefetch every field it will read, level by level
// (the records, then the records linked through any/not any), then tests record by record.
#pragma once

#include <span>
#include <string>

#include "domain/resolve.h"

namespace autorules::domain {

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Makes `fields` of the records `ids` of `model` ready for get(). May be called with ids
  // already loaded. The default does nothing (everything is in memory).
  virtual void prefetch(const schema::Model& model, std::span<const schema::Field* const> fields,
                        std::span<const Id> ids);
  // The value of a field: false when empty; numbers and booleans as ints/floats/bools (never
  // false for a stored 0); many2one as its id (kInt) or false; x2many as kIds; dates as
  // kDate/kDateTime; "display_name" as the record's display name (kString). Never asked for
  // "id" (the evaluator has the ids).
  virtual const Value& get(const schema::Model& model, const schema::Field& field, Id id) = 0;
  // Ids of the records of `model` at or below (descendants) / at or above `roots` through
  // model.parent_field().
  virtual IdList hierarchy(const schema::Model& model, const IdList& roots, bool descendants) = 0;
};

// The ids (in input order) of the records that satisfy the domain.
IdList filter(const Resolved& domain, std::span<const Id> ids, RecordSource& source);
bool matches(const Resolved& domain, Id id, RecordSource& source);

// The like-family pattern test shared with SQL's semantics: "%" any run, "_" one code point,
// "\" escapes the next character; case_insensitive lower-cases both sides with utf8_lower.
bool like_match(std::string_view text, std::string_view pattern, bool case_insensitive);

}  // namespace autorules::domain
