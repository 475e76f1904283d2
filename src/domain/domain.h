// Domain: an Odoo search domain (docs/domains.md) as a tree, parsed from its JSON form
// (the API) or its Python-literal text form (filter_domain fields). Parsing checks the syntax
// only; meaning depends on a model and is given by resolve() (resolve.h). Immutable value type.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "common/json.h"

namespace autorules::domain {

using common::Json;

// Every operator of the language, after normalisation of spelling ("<>" → !=, "==" → =,
// upper case → lower case).
// clang-format off
enum class Op {
  kEq, kNe, kLt, kLe, kGt, kGe, kEqOpt,       // =  !=  <  <=  >  >=  =?
  kIn, kNotIn,                                // in, not in
  kLike, kNotLike, kIlike, kNotIlike,         // like, not like, ilike, not ilike
  kEqLike, kNotEqLike, kEqIlike, kNotEqIlike, // =like, not =like, =ilike, not =ilike
  kChildOf, kParentOf,                        // child_of, parent_of
  kAny, kNotAny,                              // any, not any (value: a sub-domain)
};
// clang-format on
std::string_view op_text(Op op);

struct Node {
  enum class Kind { kTrue, kFalse, kAnd, kOr, kNot, kTerm };
  Kind kind = Kind::kTrue;
  std::vector<Node> children;  // kAnd/kOr: two or more; kNot: one
  // kTerm:
  std::string path;  // "name", "partner_id.email"
  Op op = Op::kEq;
  Json value;  // the right-hand side as given (for kAny/kNotAny: the sub-domain)
  std::shared_ptr<const Node> sub;  // kAny/kNotAny: the parsed sub-domain
};

class Domain {
 public:
  Domain();  // the empty domain: TRUE

  // JSON form: [["state","=","draft"], "|", ["a","=",1], ["b","=",2]], also [1,"=",1] and
  // [0,"=",1] constants. ValueError saying what is wrong and where ("term #2: ...") otherwise.
  static Domain from_json(const Json& json);

  // Python-literal text: "[('state', '=', 'draft'), ('user_id', 'in', [1, 2])]". Accepts
  // tuples and lists, '...' and "..." strings with escapes, ints, floats, True/False/None.
  // A value that is an expression (a name such as uid, a call such as context_today()) is an
  // ExpressionInDomain error: a client's domain holds literals only, and a domain saved on a
  // rule is evaluated by the sandbox first (orm::parse_domain).
  static Domain from_text(std::string_view text);

  const Node& root() const { return *root_; }
  bool is_true() const { return root_->kind == Node::Kind::kTrue; }

  // Normalised prefix JSON form: operators explicit, "&" for implicit AND.
  Json to_json() const;

  // AND / OR of two domains.
  static Domain conjoin(const Domain& a, const Domain& b);
  static Domain disjoin(const Domain& a, const Domain& b);
  // [(path, op, value)]
  static Domain term(std::string path, Op op, Json value);

  // Whether some term's path starts with `field` (e.g. "active"), at any depth outside any/not
  // any sub-domains: what Odoo's active_test looks at.
  bool mentions(std::string_view field) const;

 private:
  explicit Domain(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

// The text form of a domain holds a Python expression (uid, context_today(), ...) rather than
// only literals: it must be evaluated by the sandbox first (orm::parse_domain does).
class ExpressionInDomain : public common::ValueError {
 public:
  using common::ValueError::ValueError;
};

// Parses an operator's text ("=", "not ilike", "<>", "IN"); nullopt when unknown.
std::optional<Op> parse_op(std::string_view text);

// `text` as a like pattern that matches exactly it: `\`, `%` and `_` escaped (for =like and
// =ilike on a value from outside, such as an email address).
std::string like_literal(std::string_view text);

}  // namespace autorules::domain
