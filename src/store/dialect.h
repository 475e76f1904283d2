// Dialect: what differs in SQL between the database backends, so that the layers above write
// one SQL text for all of them. SQL written above store/ uses "?" placeholders, double-quoted
// identifiers, and the dialect's helpers for everything else. Dialects are stateless and
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "schema/field.h"

namespace autorules::store {

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual std::string_view name() const = 0;

  // "ident" with embedded quotes doubled.
  std::string quote(std::string_view ident) const;

  // Column type of a stored field.
  virtual std::string column_type(schema::FieldType t) const = 0;
  // The id column of a model table.
  virtual std::string id_column_definition() const = 0;
  // Case-sensitive and case-insensitive LIKE, with "\" as the escape character, on an expression
  // and a bound pattern.
  virtual std::string like(std::string_view expr, std::string_view pattern) const = 0;
  virtual std::string ilike(std::string_view expr, std::string_view pattern) const = 0;
  // The constant DEFAULT clause of an added column of this type ("" for none). Numbers and
  // booleans are never NULL: Odoo reads an empty number as 0 and an empty boolean as False.
  virtual std::string column_default(schema::FieldType t) const;
  // A sub-query giving the elements of a JSON array bound at `placeholder`, for "x IN (...)"
  // with long lists: one parameter instead of one per value (SQLite refuses statements with more
  // than its maximum number of parameters).
  virtual std::string json_array_values(std::string_view placeholder) const = 0;
  // The read_group key of a date or datetime column expression (common::date_group_key): the
  // SQL takes three bound parameters after the expression's own, in this order: the
  // granularity, the time zone, the week start (1 Monday ... 7 Sunday).
  virtual std::string date_group(std::string_view expr) const = 0;
  // An aggregate giving the values of an expression in a group as JSON array text ("[1,2]"),
  // each value once when `distinct`.
  virtual std::string array_agg(std::string_view expr, bool distinct) const = 0;
  // Whether DROP COLUMN is available (SQLite ≥ 3.35, PostgreSQL).
  virtual bool supports_drop_column() const { return true; }
};

}  // namespace autorules::store
