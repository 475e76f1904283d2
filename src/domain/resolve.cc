// Resolution of a parsed domain against a model (docs/domains.md). The result is the one
// form that both the in-memory evaluator and the SQL compiler read, so every decision about
// meaning is taken here, once:
//
// - a dotted path "a.b op v" is "a any [(b, op, v)]", for every operator;
// - negative operators are the negation of their positive form (!= of =, not in of in, not like
//   of like, ...), and NOT is pushed down (De Morgan); see Resolved::Kind::kNot for the two
//   places where a negation stays;
// - values are converted to the field's type (numbers, booleans, dates, ids); a value that does
//   not fit is a ValueError naming the term;
// - booleans become "is set" / "not set" tests, x2many comparisons become any / not any on the
//   comodel's ids, relational fields compared with names become display-name sub-domains, and
//   display_name becomes the model's rec_name field (or the "model,id" text without one).
#include "domain/resolve.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "domain/internal/field_kind.h"
#include "domain/internal/repr.h"

namespace autorules::domain {
namespace internal {

FieldKind field_kind(const schema::Field& f) {
  using T = schema::FieldType;
  if (f.name == "id" && (f.type == T::kInteger || f.magic)) {
    return FieldKind::kId;
  }
  if (f.name == "display_name" && !f.store) {
    return FieldKind::kDisplayName;
  }
  switch (f.type) {
    case T::kChar:
    case T::kText:
    case T::kHtml:
      return FieldKind::kText;
    case T::kSelection:
    case T::kBinary:
      return FieldKind::kString;
    case T::kInteger:
    case T::kFloat:
    case T::kMonetary:
      return FieldKind::kNumber;
    case T::kBoolean:
      return FieldKind::kBoolean;
    case T::kDate:
      return FieldKind::kDate;
    case T::kDatetime:
      return FieldKind::kDateTime;
    case T::kMany2one:
      return FieldKind::kMany2one;
    case T::kOne2many:
    case T::kMany2many:
      return FieldKind::kX2many;
  }
  return FieldKind::kString;
}

const schema::Field& synthetic_id_field() {
  static const schema::Field f = [] {
    schema::Field x = schema::integer_field("id", "ID");
    x.magic = true;
    return x;
  }();
  return f;
}

const schema::Field& synthetic_display_name_field() {
  static const schema::Field f = [] {
    schema::Field x = schema::char_field("display_name", "Display Name").store(false);
    x.magic = true;
    return x;
  }();
  return f;
}

}  // namespace internal

namespace {

using common::ValueError;
using internal::field_kind;
using internal::FieldKind;
using K = Resolved::Kind;

// An integral JSON number as int64; false when it is not one or does not fit.
bool json_int(const Json& v, std::int64_t& out) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return false;
    }
    out = static_cast<std::int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    out = v.get<std::int64_t>();
    return true;
  }
  return false;
}

bool is_unset_json(const Json& v) {
  return v.is_null() || (v.is_boolean() && !v.get<bool>());
}

// Python truthiness of a JSON value (for =?).
bool json_truthy(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return false;
    case Json::value_t::boolean:
      return v.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return v.get<std::int64_t>() != 0;
    case Json::value_t::number_float:
      return v.get<double>() != 0.0;
    case Json::value_t::string:
      return !v.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
      return !v.empty();
    default:
      return true;
  }
}

Op positive_of(Op op) {
  switch (op) {
    case Op::kNe:
      return Op::kEq;
    case Op::kNotIn:
      return Op::kIn;
    case Op::kNotLike:
      return Op::kLike;
    case Op::kNotIlike:
      return Op::kIlike;
    case Op::kNotEqLike:
      return Op::kEqLike;
    case Op::kNotEqIlike:
      return Op::kEqIlike;
    case Op::kNotAny:
      return Op::kAny;
    default:
      return op;
  }
}

bool is_like(Op op) {
  return op == Op::kLike || op == Op::kIlike || op == Op::kEqLike || op == Op::kEqIlike;
}

bool is_inequality(Op op) {
  return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
}

Cmp cmp_of(Op op) {
  switch (op) {
    case Op::kLt:
      return Cmp::kLt;
    case Op::kLe:
      return Cmp::kLe;
    case Op::kGt:
      return Cmp::kGt;
    case Op::kGe:
      return Cmp::kGe;
    case Op::kIn:
      return Cmp::kIn;
    default:
      return Cmp::kEq;
  }
}

Resolved constant(bool value, const schema::Model& m) {
  Resolved r;
  r.kind = value ? K::kTrue : K::kFalse;
  r.model = &m;
  return r;
}

Resolved compare(const schema::Model& m, const schema::Field& f, Cmp c,
                 std::vector<Value> values = {}) {
  Resolved r;
  r.kind = K::kCompare;
  r.model = &m;
  r.field = &f;
  r.cmp = c;
  if (c == Cmp::kIn && values.size() == 1) {
    r.cmp = Cmp::kEq;
  }
  r.values = std::move(values);
  return r;
}

Resolved any_of(const schema::Model& m, const schema::Field& f, Resolved sub) {
  if (sub.kind == K::kFalse) {
    return constant(false, m);
  }
  Resolved r;
  r.kind = K::kAny;
  r.model = &m;
  r.field = &f;
  r.sub = std::make_shared<Resolved>(std::move(sub));
  return r;
}

// AND / OR with constant folding and flattening.
Resolved combine(K kind, std::vector<Resolved> parts, const schema::Model& m) {
  const K absorbing = kind == K::kAnd ? K::kFalse : K::kTrue;
  const K neutral = kind == K::kAnd ? K::kTrue : K::kFalse;
  Resolved r;
  r.kind = kind;
  r.model = &m;
  for (Resolved& p : parts) {
    if (p.kind == absorbing) {
      return constant(kind == K::kOr, m);
    }
    if (p.kind == neutral) {
      continue;
    }
    if (p.kind == kind) {
      for (Resolved& c : p.children) {
        r.children.push_back(std::move(c));
      }
    } else {
      r.children.push_back(std::move(p));
    }
  }
  if (r.children.empty()) {
    return constant(kind == K::kAnd, m);
  }
  if (r.children.size() == 1) {
    Resolved only = std::move(r.children.front());
    return only;
  }
  return r;
}

Resolved either(Resolved a, Resolved b, const schema::Model& m) {
  std::vector<Resolved> parts;
  parts.push_back(std::move(a));
  parts.push_back(std::move(b));
  return combine(K::kOr, std::move(parts), m);
}

// A field whose value is never unset, so that an inequality can be negated by flipping it.
bool never_unset(const schema::Field& f) {
  FieldKind k = field_kind(f);
  return k == FieldKind::kId || k == FieldKind::kNumber || k == FieldKind::kBoolean ||
         k == FieldKind::kDisplayName;
}

Resolved negate(Resolved r) {
  switch (r.kind) {
    case K::kTrue:
      r.kind = K::kFalse;
      return r;
    case K::kFalse:
      r.kind = K::kTrue;
      return r;
    case K::kAnd:
    case K::kOr: {
      std::vector<Resolved> parts;
      for (Resolved& c : r.children) {
        parts.push_back(negate(std::move(c)));
      }
      return combine(r.kind == K::kAnd ? K::kOr : K::kAnd, std::move(parts), *r.model);
    }
    case K::kAny:
      r.kind = K::kNotAny;
      return r;
    case K::kNotAny:
      r.kind = K::kAny;
      return r;
    case K::kNot: {
      Resolved only = std::move(r.children.front());
      return only;
    }
    case K::kHierarchy:
      break;
    case K::kCompare:
      switch (r.cmp) {
        case Cmp::kEq:
          r.cmp = Cmp::kNe;
          return r;
        case Cmp::kNe:
          r.cmp = Cmp::kEq;
          return r;
        case Cmp::kIn:
          r.cmp = Cmp::kNotIn;
          return r;
        case Cmp::kNotIn:
          r.cmp = Cmp::kIn;
          return r;
        case Cmp::kLike:
          r.cmp = Cmp::kNotLike;
          return r;
        case Cmp::kNotLike:
          r.cmp = Cmp::kLike;
          return r;
        case Cmp::kIlike:
          r.cmp = Cmp::kNotIlike;
          return r;
        case Cmp::kNotIlike:
          r.cmp = Cmp::kIlike;
          return r;
        case Cmp::kIsSet:
          r.cmp = Cmp::kNotSet;
          return r;
        case Cmp::kNotSet:
          r.cmp = Cmp::kIsSet;
          return r;
        case Cmp::kLt:
        case Cmp::kLe:
        case Cmp::kGt:
        case Cmp::kGe:
          if (never_unset(*r.field)) {
            r.cmp = r.cmp == Cmp::kLt   ? Cmp::kGe
                    : r.cmp == Cmp::kLe ? Cmp::kGt
                    : r.cmp == Cmp::kGt ? Cmp::kLe
                                        : Cmp::kLt;
            return r;
          }
          break;
      }
      break;
  }
  Resolved n;
  n.kind = K::kNot;
  n.model = r.model;
  n.children.push_back(std::move(r));
  return n;
}

// The pattern of a like-family value: a trailing lone backslash would escape nothing (SQL
// rejects or ignores it), so it is doubled into a literal backslash.
std::string fix_trailing_escape(std::string_view text) {
  std::string out(text);
  bool escaped = false;
  for (char c : text) {
    escaped = !escaped && c == '\\';
  }
  if (escaped) {
    out += '\\';
  }
  return out;
}

std::string kind_label(const schema::Field& f) {
  if (field_kind(f) == FieldKind::kDisplayName) {
    return "display name";
  }
  return std::string(schema::type_key(f.type));
}

class Resolver {
 public:
  Resolver(const schema::Registry& registry, NameLookup* names, SearchAccess* access)
      : registry_(registry), names_(names), access_(access) {}

  Resolved node(const Node& n, const schema::Model& m) {
    switch (n.kind) {
      case Node::Kind::kTrue:
        return constant(true, m);
      case Node::Kind::kFalse:
        return constant(false, m);
      case Node::Kind::kAnd:
      case Node::Kind::kOr: {
        std::vector<Resolved> parts;
        parts.reserve(n.children.size());
        for (const Node& c : n.children) {
          parts.push_back(node(c, m));
        }
        return combine(n.kind == Node::Kind::kAnd ? K::kAnd : K::kOr, std::move(parts), m);
      }
      case Node::Kind::kNot:
        return negate(node(n.children.at(0), m));
      case Node::Kind::kTerm:
        return path_term(m, n.path, n.op, n.value, n);
    }
    return constant(true, m);
  }

 private:
  // ------------------------------------------------------------------ errors
  [[noreturn]] void invalid_value(const Node& term, const schema::Field& f, const Json& v,
                                  std::string_view why) const {
    throw ValueError(fmt::format("Invalid value {} for field '{}' ({}) in term {}: {}",
                                 common::json_repr(v), f.name, kind_label(f),
                                 internal::term_repr(term), why));
  }

  // Named with the operator as the user wrote it (term.op), not its positive form.
  [[noreturn]] void bad_operator(const Node& term, const schema::Field& f,
                                 std::string_view why = {}) const {
    throw ValueError(
        fmt::format("Invalid term {}: operator '{}' cannot be used on field '{}' of type {}{}",
                    internal::term_repr(term), op_text(term.op), f.name, kind_label(f),
                    why.empty() ? std::string() : fmt::format(" ({})", why)));
  }

  // ------------------------------------------------------------------ paths
  // The field `name` of `m` as a term uses it, once the caller may search it.
  const schema::Field& lookup(const schema::Model& m, std::string_view name,
                              const Node& term) const {
    const schema::Field& f = lookup_field(m, name, term);
    if (access_) {
      access_->check_model(m);
      access_->check_field(m, f);
    }
    // After the access check: a field the caller may not read is refused as such, whatever it
    // is.
    if (!f.store && field_kind(f) != FieldKind::kDisplayName) {
      throw ValueError(fmt::format(
          "Invalid field '{}' on model '{}' in term {}: the field is not stored and cannot be "
          "searched",
          name, m.name(), internal::term_repr(term)));
    }
    return f;
  }

  const schema::Field& lookup_field(const schema::Model& m, std::string_view name,
                                    const Node& term) const {
    const schema::Field* f = m.field(name);
    if (name == "display_name" && (!f || field_kind(*f) == FieldKind::kDisplayName)) {
      // Searching the display name searches the field it comes from.
      if (!m.rec_name().empty()) {
        if (const schema::Field* rec = m.field(m.rec_name())) {
          return *rec;
        }
      }
    }
    if (!f) {
      if (name == "id") {
        return internal::synthetic_id_field();
      }
      if (name == "display_name") {
        return internal::synthetic_display_name_field();
      }
      throw ValueError(fmt::format("Invalid field '{}' on model '{}' in term {}", name, m.name(),
                                   internal::term_repr(term)));
    }
    if (f->secret) {
      throw ValueError(fmt::format(
          "Invalid field '{}' on model '{}' in term {}: the field is secret and cannot be "
          "searched",
          name, m.name(), internal::term_repr(term)));
    }
    return *f;
  }

  // The model `f` refers to; unless told otherwise, the term reads it, and the caller must be
  // allowed to.
  const schema::Model& comodel(const schema::Model& m, const schema::Field& f, const Node& term,
                               bool reads_comodel = true) const {
    const schema::Model* co = registry_.find(f.relation);
    if (co && access_ && reads_comodel)
      access_->check_model(*co);
    if (!co) {
      throw ValueError(fmt::format(
          "Invalid term {}: field '{}' of model '{}' refers to the model '{}', which does not "
          "exist",
          internal::term_repr(term), f.name, m.name(), f.relation));
    }
    if (f.type == schema::FieldType::kOne2many) {
      const schema::Field* inverse = co->field(f.relation_field);
      const schema::Field* of_model =
          f.relation_model_field.empty() ? nullptr : co->field(f.relation_model_field);
      bool stored_inverse =
          inverse && inverse->store &&
          (of_model ? inverse->type == schema::FieldType::kInteger && of_model->store
                    : inverse->type == schema::FieldType::kMany2one);
      if (!stored_inverse) {
        throw ValueError(fmt::format(
            "Invalid term {}: the one2many field '{}' of model '{}' has no stored inverse "
            "many2one '{}' on '{}'",
            internal::term_repr(term), f.name, m.name(), f.relation_field, co->name()));
      }
    }
    if (f.type == schema::FieldType::kMany2many &&
        (f.relation_table.empty() || f.column1.empty() || f.column2.empty())) {
      throw ValueError(fmt::format(
          "Invalid term {}: the many2many field '{}' of model '{}' has no relation table",
          internal::term_repr(term), f.name, m.name()));
    }
    return *co;
  }

  Resolved path_term(const schema::Model& m, std::string_view path, Op op, const Json& value,
                     const Node& term) {
    size_t dot = path.find('.');
    std::string_view head = path.substr(0, dot);
    const schema::Field& f = lookup(m, head, term);
    if (dot != std::string_view::npos) {
      if (!f.is_relational()) {
        throw ValueError(fmt::format(
            "Invalid path '{}' in term {}: field '{}' of model '{}' is not relational and cannot "
            "be followed",
            path, internal::term_repr(term), f.name, m.name()));
      }
      const schema::Model& co = comodel(m, f, term);
      Crossing crossing(*this, term);
      return any_of(m, f, path_term(co, path.substr(dot + 1), op, value, term));
    }
    return leaf(m, f, op, value, term);
  }

  // ------------------------------------------------------------------ leaves
  Resolved leaf(const schema::Model& m, const schema::Field& f, Op op, const Json& raw,
                const Node& term) {
    Op positive = positive_of(op);
    if (positive != op) {
      return negate(leaf(m, f, positive, raw, term));
    }
    if (op == Op::kAny) {
      return any_term(m, f, raw, term);
    }
    if (op == Op::kChildOf || op == Op::kParentOf) {
      return hierarchy(m, f, op, raw, term);
    }
    if (op == Op::kEqOpt) {
      if (!json_truthy(raw)) {
        return constant(true, m);
      }
      op = Op::kEq;
    }
    Json value = raw.is_null() ? Json(false) : raw;
    if (op == Op::kEq && value.is_array()) {
      op = Op::kIn;
    }
    if (op == Op::kIn && !value.is_array()) {
      if (value.is_boolean()) {
        op = Op::kEq;
      } else {
        value = Json::array({value});
      }
    }
    if (op == Op::kIn && value.empty()) {
      return constant(false, m);
    }
    if (value.is_object() || (op != Op::kIn && value.is_array())) {
      invalid_value(term, f, value,
                    fmt::format("operator '{}' expects a single value", op_text(op)));
    }
    if (op == Op::kIn) {
      for (const Json& item : value) {
        if (item.is_array() || item.is_object()) {
          invalid_value(term, f, value, "the list must contain plain values");
        }
      }
    }
    FieldKind kind = field_kind(f);
    if (kind == FieldKind::kMany2one || kind == FieldKind::kX2many) {
      return relational(m, f, op, value, term);
    }
    if (is_like(op)) {
      return like(m, f, op, value, term);
    }
    if (kind == FieldKind::kBoolean) {
      return boolean(m, f, op, value, term);
    }
    if (op == Op::kEq) {
      if (is_unset(kind, value)) {
        return not_set(m, f);
      }
      return compare(m, f, Cmp::kEq, {convert(f, value, term)});
    }
    if (op == Op::kIn) {
      bool unset = false;
      std::vector<Value> values;
      std::unordered_set<Value, common::ValueHash> seen;
      for (const Json& item : value) {
        if (is_unset(kind, item)) {
          unset = true;
          if (kind == FieldKind::kNumber) {
            push_unique(values, seen, Value(std::int64_t{0}));
          }
          continue;
        }
        push_unique(values, seen, convert(f, item, term));
      }
      Resolved in = values.empty() ? constant(false, m) : compare(m, f, Cmp::kIn, values);
      if (unset && kind != FieldKind::kNumber) {
        return either(not_set(m, f), std::move(in), m);
      }
      return in;
    }
    // <, <=, >, >=
    if (is_unset_json(value)) {
      if (kind == FieldKind::kNumber) {
        return compare(m, f, cmp_of(op), {Value(std::int64_t{0})});
      }
      return constant(false, m);
    }
    return compare(m, f, cmp_of(op), {convert(f, value, term)});
  }

  // Appends v unless `values` holds it already; `seen` makes this O(1) for long lists.
  static void push_unique(std::vector<Value>& values,
                          std::unordered_set<Value, common::ValueHash>& seen, Value v) {
    if (seen.insert(v).second) {
      values.push_back(std::move(v));
    }
  }

  static bool is_unset(FieldKind kind, const Json& v) {
    if (is_unset_json(v)) {
      return true;
    }
    return (kind == FieldKind::kText || kind == FieldKind::kDisplayName) && v.is_string() &&
           v.get_ref<const std::string&>().empty();
  }

  // "(f, '=', False)".
  static Resolved not_set(const schema::Model& m, const schema::Field& f) {
    FieldKind kind = field_kind(f);
    if (kind == FieldKind::kId || kind == FieldKind::kDisplayName) {
      return constant(false, m);
    }
    return compare(m, f, Cmp::kNotSet);
  }

  // A scalar (not unset) converted to the field's type.
  Value convert(const schema::Field& f, const Json& v, const Node& term) const {
    switch (field_kind(f)) {
      case FieldKind::kId:
      case FieldKind::kNumber:
        return number(f, v, term);
      case FieldKind::kText:
      case FieldKind::kString:
      case FieldKind::kDisplayName:
        if (!v.is_string()) {
          invalid_value(term, f, v, "expected a string");
        }
        return Value(v.get_ref<const std::string&>());
      case FieldKind::kDate:
      case FieldKind::kDateTime:
        return date_value(f, v, term);
      default:
        break;
    }
    invalid_value(term, f, v, "unexpected value");
  }

  Value number(const schema::Field& f, const Json& v, const Node& term) const {
    if (v.is_boolean()) {
      return Value(std::int64_t{v.get<bool>() ? 1 : 0});
    }
    if (v.is_number_integer()) {
      std::int64_t i = 0;
      if (!json_int(v, i)) {
        invalid_value(term, f, v, "the number is too large");
      }
      return Value(i);
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (!std::isfinite(d)) {
        invalid_value(term, f, v, "not a finite number");
      }
      return Value(d);
    }
    if (v.is_string()) {
      std::string_view s = v.get_ref<const std::string&>();
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
      }
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
      }
      std::string_view digits = s;
      if (!digits.empty() && digits.front() == '+') {
        digits.remove_prefix(1);
      }
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
      if (!digits.empty() && ec == std::errc() && p == digits.data() + digits.size()) {
        return Value(i);
      }
      double d = 0;
      auto [q, ec2] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
      if (!digits.empty() && ec2 == std::errc() && q == digits.data() + digits.size() &&
          std::isfinite(d)) {
        return Value(d);
      }
      invalid_value(term, f, v, "not a number");
    }
    invalid_value(term, f, v, "expected a number");
  }

  Value date_value(const schema::Field& f, const Json& v, const Node& term) const {
    bool is_date = field_kind(f) == FieldKind::kDate;
    if (!v.is_string()) {
      invalid_value(
          term, f, v,
          is_date ? "expected a date 'YYYY-MM-DD'" : "expected a datetime 'YYYY-MM-DD HH:MM:SS'");
    }
    const std::string& s = v.get_ref<const std::string&>();
    if (is_date) {
      if (auto d = common::parse_date(s)) {
        return Value(*d);
      }
      if (auto dt = common::parse_datetime(s)) {
        return Value(common::date_of(*dt));
      }
      invalid_value(term, f, v, "not a valid date (expected 'YYYY-MM-DD')");
    }
    if (auto dt = common::parse_datetime(s)) {
      return Value(*dt);
    }
    invalid_value(term, f, v, "not a valid datetime (expected 'YYYY-MM-DD HH:MM:SS')");
  }

  Resolved boolean(const schema::Model& m, const schema::Field& f, Op op, const Json& value,
                   const Node& term) const {
    auto to_bool = [&](const Json& v) -> bool {
      if (v.is_null())
        return false;
      if (v.is_boolean())
        return v.get<bool>();
      if (v.is_number_integer() || v.is_number_unsigned())
        return v.get<std::int64_t>() != 0;
      if (v.is_number_float())
        return v.get<double>() != 0.0;
      if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (s == "true" || s == "True")
          return true;
        if (s == "false" || s == "False")
          return false;
      }
      invalid_value(term, f, v, "expected a boolean (True/False, 1/0 or 'true'/'false')");
    };
    // Which of the two values, false (0) and true (1), satisfy the term.
    bool keep_false = false, keep_true = false;
    if (op == Op::kIn) {
      for (const Json& item : value) {
        (to_bool(item) ? keep_true : keep_false) = true;
      }
    } else {
      int b = to_bool(value) ? 1 : 0;
      auto test = [&](int x) {
        switch (op) {
          case Op::kLt:
            return x < b;
          case Op::kLe:
            return x <= b;
          case Op::kGt:
            return x > b;
          case Op::kGe:
            return x >= b;
          default:
            return x == b;
        }
      };
      keep_false = test(0);
      keep_true = test(1);
    }
    if (keep_false && keep_true)
      return constant(true, m);
    if (keep_true)
      return compare(m, f, Cmp::kIsSet);
    if (keep_false)
      return compare(m, f, Cmp::kNotSet);
    return constant(false, m);
  }

  Resolved like(const schema::Model& m, const schema::Field& f, Op op, const Json& value,
                const Node& term) const {
    FieldKind kind = field_kind(f);
    if (kind == FieldKind::kNumber || kind == FieldKind::kId || kind == FieldKind::kBoolean) {
      bad_operator(term, f, "the like operators apply to text, selection and date fields");
    }
    std::string text;
    if (value.is_string()) {
      text = value.get_ref<const std::string&>();
    } else if (std::int64_t i = 0; json_int(value, i)) {
      text = std::to_string(i);
    } else if (!is_unset_json(value)) {
      invalid_value(term, f, value, fmt::format("operator '{}' expects a string", op_text(op)));
    }
    bool whole = op == Op::kEqLike || op == Op::kEqIlike;
    if (text.empty()) {
      // like '' matches everything; =like '' only unset values.
      return whole ? not_set(m, f) : constant(true, m);
    }
    Resolved r = compare(m, f, (op == Op::kLike || op == Op::kEqLike) ? Cmp::kLike : Cmp::kIlike);
    r.pattern = whole ? fix_trailing_escape(text) : "%" + fix_trailing_escape(text) + "%";
    return r;
  }

  // many2one, one2many, many2many with =, in, <, <=, >, >= and the like family.
  Resolved relational(const schema::Model& m, const schema::Field& f, Op op, const Json& value,
                      const Node& term) {
    bool x2many = f.is_x2many();
    bool names = value.is_string();
    bool ids = value.is_number_integer();
    if (value.is_array()) {
      for (const Json& item : value) {
        names = names || item.is_string();
        ids = ids || item.is_number_integer();
      }
    }
    // A many2one compared with ids reads its own column only; names and x2many links are read
    // from the comodel's side, which the caller must be allowed to read.
    const schema::Model& co = comodel(m, f, term, /*reads_comodel=*/x2many || names || is_like(op));
    if (is_like(op)) {
      return any_of(m, f, path_term(co, "display_name", op, value, term));
    }
    if (names && ids) {
      invalid_value(term, f, value, "a list mixes record ids and names");
    }
    if (names) {
      if (is_inequality(op)) {
        bad_operator(term, f, "records cannot be ordered by name");
      }
      Json strings = Json::array();
      bool unset = false;
      if (value.is_array()) {
        for (const Json& item : value) {
          if (is_unset_json(item)) {
            unset = true;
          } else {
            strings.push_back(item);
          }
        }
      } else {
        strings.push_back(value);
      }
      Resolved by_name = any_of(m, f, path_term(co, "display_name", Op::kIn, strings, term));
      return unset ? either(unset_relation(m, f, co), std::move(by_name), m) : by_name;
    }
    auto to_id = [&](const Json& v) -> Value {
      std::int64_t id = 0;
      if (!json_int(v, id)) {
        invalid_value(term, f, v, "expected a record id (an integer) or a name (a string)");
      }
      return Value(id);
    };
    const schema::Field& co_id = id_field(co);
    if (op == Op::kEq) {
      if (is_unset_json(value)) {
        return unset_relation(m, f, co);
      }
      Value id = to_id(value);
      return x2many ? any_of(m, f, compare(co, co_id, Cmp::kEq, {id}))
                    : compare(m, f, Cmp::kEq, {id});
    }
    if (op == Op::kIn) {
      bool unset = false;
      std::vector<Value> values;
      std::unordered_set<Value, common::ValueHash> seen;
      for (const Json& item : value) {
        if (is_unset_json(item)) {
          unset = true;
        } else {
          push_unique(values, seen, to_id(item));
        }
      }
      Resolved in = values.empty() ? constant(false, m)
                    : x2many       ? any_of(m, f, compare(co, co_id, Cmp::kIn, values))
                                   : compare(m, f, Cmp::kIn, values);
      return unset ? either(unset_relation(m, f, co), std::move(in), m) : in;
    }
    // <, <=, >, >= on ids.
    if (is_unset_json(value)) {
      return constant(false, m);
    }
    Value id = to_id(value);
    return x2many ? any_of(m, f, compare(co, co_id, cmp_of(op), {id}))
                  : compare(m, f, cmp_of(op), {id});
  }

  // "(f, '=', False)" on a relational field.
  Resolved unset_relation(const schema::Model& m, const schema::Field& f,
                          const schema::Model& co) const {
    if (!f.is_x2many()) {
      return compare(m, f, Cmp::kNotSet);
    }
    return negate(any_of(m, f, constant(true, co)));
  }

  static const schema::Field& id_field(const schema::Model& m) {
    const schema::Field* f = m.field("id");
    return f ? *f : internal::synthetic_id_field();
  }

  Resolved any_term(const schema::Model& m, const schema::Field& f, const Json& value,
                    const Node& term) {
    if (!f.is_relational()) {
      bad_operator(term, f, "'any' and 'not any' apply to relational fields only");
    }
    const schema::Model& co = comodel(m, f, term);
    Crossing crossing(*this, term);
    if (term.sub && &term.value == &value) {
      return any_of(m, f, node(*term.sub, co));
    }
    if (!value.is_array()) {
      invalid_value(term, f, value, "the value of 'any' must be a domain (a list)");
    }
    Domain sub = Domain::from_json(value);
    return any_of(m, f, node(sub.root(), co));
  }

  Resolved hierarchy(const schema::Model& m, const schema::Field& f, Op op, const Json& value,
                     const Node& term) {
    FieldKind kind = field_kind(f);
    const schema::Model* h = nullptr;
    if (kind == FieldKind::kId) {
      h = &m;
    } else if (f.is_relational()) {
      h = &comodel(m, f, term);
    } else {
      bad_operator(term, f, "it applies to 'id' and to relational fields");
    }
    if (h->parent_field().empty()) {
      throw ValueError(fmt::format(
          "Invalid term {}: operator '{}' needs a hierarchy, and model '{}' has no parent field "
          "(parent_id)",
          internal::term_repr(term), op_text(op), h->name()));
    }
    IdList roots;
    auto add = [&](const Json& v) {
      if (is_unset_json(v)) {
        return;
      }
      std::int64_t id = 0;
      if (json_int(v, id)) {
        roots.push_back(id);
        return;
      }
      if (v.is_string()) {
        if (!names_) {
          throw ValueError(fmt::format(
              "Invalid term {}: looking up records by name for '{}' is not available here; "
              "give record ids",
              internal::term_repr(term), op_text(op)));
        }
        IdList found = names_->ids_by_name(*h, v.get_ref<const std::string&>());
        roots.insert(roots.end(), found.begin(), found.end());
        return;
      }
      invalid_value(term, f, v, "expected record ids or names");
    };
    if (value.is_array()) {
      for (const Json& item : value) {
        add(item);
      }
    } else {
      add(value);
    }
    std::sort(roots.begin(), roots.end());
    roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
    if (roots.empty()) {
      return constant(false, m);
    }
    Resolved r;
    r.kind = K::kHierarchy;
    r.model = &m;
    r.field = &f;
    r.roots = std::move(roots);
    r.descendants = op == Op::kChildOf;
    r.hierarchy_model = h;
    return r;
  }

  // Relations crossed on the way to the current term (dotted paths and any/not any): each one
  // is a nested sub-query, and databases bound how deep those may go.
  static constexpr int kMaxCrossings = 64;
  class Crossing {
   public:
    Crossing(Resolver& r, const Node& term) : r_(r) {
      if (++r_.crossings_ > kMaxCrossings) {
        --r_.crossings_;
        throw ValueError(fmt::format(
            "Invalid term {}: the domain follows more than {} relations in a row (dotted paths "
            "and any/not any)",
            internal::term_repr(term), kMaxCrossings));
      }
    }
    ~Crossing() { --r_.crossings_; }
    Crossing(const Crossing&) = delete;
    Crossing& operator=(const Crossing&) = delete;

   private:
    Resolver& r_;
  };

  const schema::Registry& registry_;
  NameLookup* names_;
  SearchAccess* access_;
  int crossings_ = 0;
};

const char* cmp_text(Cmp c) {
  switch (c) {
    case Cmp::kEq:
      return "=";
    case Cmp::kNe:
      return "!=";
    case Cmp::kLt:
      return "<";
    case Cmp::kLe:
      return "<=";
    case Cmp::kGt:
      return ">";
    case Cmp::kGe:
      return ">=";
    case Cmp::kIn:
      return "IN";
    case Cmp::kNotIn:
      return "NOT IN";
    case Cmp::kLike:
      return "LIKE";
    case Cmp::kNotLike:
      return "NOT LIKE";
    case Cmp::kIlike:
      return "ILIKE";
    case Cmp::kNotIlike:
      return "NOT ILIKE";
    case Cmp::kIsSet:
      return "IS SET";
    case Cmp::kNotSet:
      return "NOT SET";
  }
  return "?";
}

void debug(const Resolved& r, std::string& out) {
  switch (r.kind) {
    case K::kTrue:
      out += "TRUE";
      return;
    case K::kFalse:
      out += "FALSE";
      return;
    case K::kAnd:
    case K::kOr:
      out += '(';
      for (size_t i = 0; i < r.children.size(); ++i) {
        if (i) {
          out += r.kind == K::kAnd ? " AND " : " OR ";
        }
        debug(r.children[i], out);
      }
      out += ')';
      return;
    case K::kNot:
      out += "NOT ";
      debug(r.children.at(0), out);
      return;
    case K::kCompare:
      out += r.field->name;
      out += ' ';
      out += cmp_text(r.cmp);
      if (r.cmp == Cmp::kLike || r.cmp == Cmp::kNotLike || r.cmp == Cmp::kIlike ||
          r.cmp == Cmp::kNotIlike) {
        out += fmt::format(" '{}'", r.pattern);
      } else if (r.cmp == Cmp::kIn || r.cmp == Cmp::kNotIn) {
        out += " [";
        for (size_t i = 0; i < r.values.size(); ++i) {
          out += (i ? ", " : "") + r.values[i].repr();
        }
        out += ']';
      } else if (!r.values.empty()) {
        out += ' ';
        out += r.values.front().repr();
      }
      return;
    case K::kAny:
    case K::kNotAny:
      out += r.field->name;
      out += r.kind == K::kAny ? " ANY " : " NOT ANY ";
      if (r.sub->kind == K::kAnd || r.sub->kind == K::kOr) {
        debug(*r.sub, out);
      } else {
        out += '(';
        debug(*r.sub, out);
        out += ')';
      }
      return;
    case K::kHierarchy:
      out += fmt::format("{} {} [{}]", r.field->name, r.descendants ? "CHILD_OF" : "PARENT_OF",
                         fmt::join(r.roots, ", "));
      return;
  }
}

}  // namespace

std::string debug_string(const Resolved& resolved) {
  std::string out;
  debug(resolved, out);
  return out;
}

Resolved resolve(const Domain& domain, const schema::Model& model, const schema::Registry& registry,
                 NameLookup* names, SearchAccess* access) {
  return Resolver(registry, names, access).node(domain.root(), model);
}

}  // namespace autorules::domain
