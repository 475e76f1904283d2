// Resolution: a Domain given meaning against a model (reference §8.3's normalisation). Dotted
// paths become nested any/not any, values are converted to the field's type, relational fields
// compared with names become display-name sub-domains, =? and empty "in" lists fold to
// constants, NOT is pushed down to the terms. The in-memory evaluator (evaluate.h) and the SQL
// compiler (sql.h) both work on this one form, which is why they agree.
#pragma once

#include <memory>
#include <vector>

#include "common/value.h"
#include "domain/domain.h"
#include "schema/registry.h"

namespace autorules::domain {

using common::Id;
using common::IdList;
using common::Value;

// The comparison operators left after resolution.
enum class Cmp {
  kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn,
  kLike, kNotLike, kIlike, kNotIlike,  // `pattern` is the full LIKE pattern (wildcards added)
  kIsSet, kNotSet,                     // "(f, '!=', False)" / "(f, '=', False)"
};

struct Resolved {
  enum class Kind { kTrue, kFalse, kAnd, kOr, kCompare, kAny, kNotAny, kHierarchy };
  Kind kind = Kind::kTrue;
  std::vector<Resolved> children;  // kAnd / kOr

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

// ValueError naming the term and the problem for an unknown field, an operator that does not
// apply to the field's type, or a value that cannot be converted.
Resolved resolve(const Domain& domain, const schema::Model& model,
                 const schema::Registry& registry, NameLookup* names = nullptr);

}  // namespace autorules::domain
