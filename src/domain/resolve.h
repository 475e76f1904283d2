// Resolution: a Domain given meaning against a model (docs/domains.md). Dotted
// paths become nested any/not any, values are converted to the field's type, relational fields
// compared with names become display-name sub-domains, =? and empty "in" lists fold to
// constants, NOT is pushed down to the terms. The in-memory evaluator (evaluate.h) and the SQL
// compiler (sql.h) both work on this one form, which is why they agree.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/value.h"
#include "domain/domain.h"
#include "schema/registry.h"

namespace autorules::domain {

using common::Id;
using common::IdList;
using common::Value;

// The resolved form, which the evaluator and the SQL compiler read (and which the rest of the
// code base need not look into, beyond `model`):
// - every path has one field: "a.b op v" is a kAny on `a` whose `sub` is "b op v";
// - a kCompare never has an x2many field (those become kAny / kNotAny on the comodel's ids),
//   and a boolean field only with kIsSet / kNotSet;
// - display_name is the model's rec_name field (kCompare on "name"), or, for a model without
//   one, the field "display_name" itself, whose value is "model.name,id" and is never unset;
// - values have the field's type: strings for text and selection fields, kInt / kFloat for
//   numbers (false is 0 there), kDate / kDateTime for dates, kInt ids for many2one and "id";
// - kIn / kNotIn lists are non-empty and never contain false (an unset value is an explicit
//   kNotSet / kIsSet alongside); a one-element list is a kEq / kNe;
// - kIsSet / kNotSet: for text fields '' counts as unset; for numbers and booleans, 0 / false.

// The comparison operators left after resolution.
// clang-format off
enum class Cmp {
  kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn,
  kLike, kNotLike, kIlike, kNotIlike,  // `pattern` is the full LIKE pattern (wildcards added)
  kIsSet, kNotSet,                     // "(f, '!=', False)" / "(f, '=', False)"
};
// clang-format on

struct Resolved {
  // kNot is the only negation left after resolution, and it appears only directly above
  // - a kCompare with <, <=, > or >= on a field that can be unset (text, selection, dates,
  //   many2one...): "not (x < 5)" must also keep the records where x is unset, which "x >= 5"
  //   would not;
  // - a kHierarchy (child_of / parent_of): the complement of the records it keeps.
  // Every other NOT is pushed into the terms (= ↔ !=, in ↔ not in, any ↔ not any, ...).
  enum class Kind { kTrue, kFalse, kAnd, kOr, kCompare, kAny, kNotAny, kHierarchy, kNot };
  Kind kind = Kind::kTrue;
  std::vector<Resolved> children;  // kAnd / kOr: two or more; kNot: exactly one

  const schema::Model* model = nullptr;  // the model this node applies to
  const schema::Field* field = nullptr;  // kCompare, kAny, kNotAny, kHierarchy

  // kCompare
  Cmp cmp = Cmp::kEq;
  std::vector<Value> values;  // one for scalar comparisons, the list for kIn/kNotIn
  std::string pattern;        // kLike family: the complete pattern, "\" escapes

  // kAny / kNotAny: the sub-domain on the comodel (field->relation). For a many2one the node
  // tests the linked record; for x2many "some linked record". `id` paths are kCompare on "id".
  std::shared_ptr<Resolved> sub;

  // kHierarchy (child_of / parent_of): the root ids (names already looked up) and the direction;
  // the node keeps records whose `field` value (or id, for field "id") is a root or below
  // (descendants=true) / above (false) one, through the comodel's parent field.
  IdList roots;
  bool descendants = true;
  const schema::Model* hierarchy_model = nullptr;  // the model whose parent field is followed
};

// What resolution needs from the outside: names to ids for child_of/parent_of with text values.
class NameLookup {
 public:
  virtual ~NameLookup() = default;
  // Ids of `model` records whose display name ilike-matches `name`.
  virtual IdList ids_by_name(const schema::Model& model, const std::string& name) = 0;
};

// What a caller may search, for resolving a domain on behalf of a user (access rights live in
// the ORM). Asked for every field a domain names, path segments included, with its model, and
// for every comodel a term crosses (paths, any, names of related records, child_of): a domain
// never reaches data its caller could not read. Throws to refuse.
class SearchAccess {
 public:
  virtual ~SearchAccess() = default;
  virtual void check_model(const schema::Model& model) = 0;
  virtual void check_field(const schema::Model& model, const schema::Field& field) = 0;
};

// A one-line rendering for tests and logs, e.g. "(name = 'x' AND partner_id ANY (email IS SET))".
std::string debug_string(const Resolved& resolved);

// ValueError naming the term and the problem for an unknown field, an operator that does not
// apply to the field's type, or a value that cannot be converted.
Resolved resolve(const Domain& domain, const schema::Model& model, const schema::Registry& registry,
                 NameLookup* names = nullptr, SearchAccess* access = nullptr);

}  // namespace autorules::domain
