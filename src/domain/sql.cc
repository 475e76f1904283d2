// Compilation of resolved domains to SQL conditions. Values are always bound parameters; the
// identifiers come from the registry and are quoted by the dialect.
//
// NULL: the conditions never put NOT in front of an expression that can be NULL except through
// COALESCE(..., FALSE), so a NULL inside AND/OR behaves exactly as "false" does in the in-memory
// evaluator. Where a test must match unset values (!=, not in, not like, and every comparison
// that 0 satisfies on a number column) the condition says "x IS NULL OR ..." explicitly.
#include "domain/sql.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/errors.h"
#include "domain/internal/field_kind.h"

namespace autorules::domain {
namespace {

using internal::field_kind;
using internal::FieldKind;
using K = Resolved::Kind;

// An SQL expression with its parameters (in text order).
struct Expr {
  std::string sql;
  std::vector<Value> params;
};

void append(SqlCondition& out, const Expr& e) {
  out.sql += e.sql;
  out.params.insert(out.params.end(), e.params.begin(), e.params.end());
}

// Whether a number column's test holds for 0, the value an unset (NULL) number reads as.
bool zero_satisfies(const Resolved& n) {
  auto cmp0 = [](const Value& v) {
    double d = v.is_int()     ? static_cast<double>(v.as_int())
               : v.is_float() ? v.as_float()
               : v.is_bool()  ? (v.as_bool() ? 1.0 : 0.0)
                              : 0.0;
    return 0.0 < d ? -1 : 0.0 > d ? 1 : 0;
  };
  switch (n.cmp) {
    case Cmp::kEq:
      return !n.values.empty() && cmp0(n.values.front()) == 0;
    case Cmp::kNe:
      return !n.values.empty() && cmp0(n.values.front()) != 0;
    case Cmp::kLt:
      return !n.values.empty() && cmp0(n.values.front()) < 0;
    case Cmp::kLe:
      return !n.values.empty() && cmp0(n.values.front()) <= 0;
    case Cmp::kGt:
      return !n.values.empty() && cmp0(n.values.front()) > 0;
    case Cmp::kGe:
      return !n.values.empty() && cmp0(n.values.front()) >= 0;
    case Cmp::kIn:
      return std::any_of(n.values.begin(), n.values.end(),
                         [&](const Value& v) { return cmp0(v) == 0; });
    case Cmp::kNotIn:
      return std::none_of(n.values.begin(), n.values.end(),
                          [&](const Value& v) { return cmp0(v) == 0; });
    case Cmp::kNotSet:
      return true;
    default:
      return false;
  }
}

bool is_negative(Cmp c) {
  return c == Cmp::kNe || c == Cmp::kNotIn || c == Cmp::kNotLike || c == Cmp::kNotIlike;
}

class Compiler {
 public:
  Compiler(const schema::Registry& registry, const store::Dialect& dialect, std::string_view base)
      : registry_(registry), d_(dialect), base_(base) {}

  void node(const Resolved& n, const std::string& alias, SqlCondition& out) {
    switch (n.kind) {
      case K::kTrue:
        out.sql += "1=1";
        return;
      case K::kFalse:
        out.sql += "1=0";
        return;
      case K::kAnd:
      case K::kOr:
        junction(n, 0, n.children.size(), alias, out);
        return;
      case K::kNot:
        out.sql += "NOT COALESCE(";
        node(n.children.at(0), alias, out);
        out.sql += ", FALSE)";
        return;
      case K::kCompare:
        compare(n, alias, out);
        return;
      case K::kAny:
      case K::kNotAny:
        any(n, alias, out);
        return;
      case K::kHierarchy:
        hierarchy(n, alias, out);
        return;
    }
  }

 private:
  // "(a AND b AND ...)"; a long list is split into a balanced tree of groups, because SQLite
  // parses "a OR b OR c ..." as a left-deep tree and refuses expressions deeper than 1000.
  void junction(const Resolved& n, size_t begin, size_t end, const std::string& alias,
                SqlCondition& out) {
    constexpr size_t kGroup = 32;
    const char* op = n.kind == K::kAnd ? " AND " : " OR ";
    out.sql += '(';
    if (end - begin <= kGroup) {
      for (size_t i = begin; i < end; ++i) {
        if (i > begin) {
          out.sql += op;
        }
        node(n.children[i], alias, out);
      }
    } else {
      size_t step = (end - begin + kGroup - 1) / kGroup;
      for (size_t i = begin; i < end; i += step) {
        if (i > begin) {
          out.sql += op;
        }
        junction(n, i, std::min(end, i + step), alias, out);
      }
    }
    out.sql += ')';
  }

  std::string fresh() { return fmt::format("{}_{}", base_, ++counter_); }
  std::string q(std::string_view ident) const { return d_.quote(ident); }
  std::string col(const std::string& alias, std::string_view column) const {
    return q(alias) + "." + q(column);
  }

  const schema::Model& comodel_of(const schema::Field& f) const {
    const schema::Model* m = registry_.find(f.relation);
    if (!m) {
      throw common::ValueError(
          fmt::format("the model '{}' of field '{}' does not exist", f.relation, f.name));
    }
    return *m;
  }

  // The expression of a compared field on `alias`.
  Expr field_expr(const Resolved& n, const std::string& alias) const {
    if (field_kind(*n.field) == FieldKind::kDisplayName) {
      return Expr{fmt::format("(? || CAST({} AS TEXT))", col(alias, "id")),
                  {Value(n.model->name() + ",")}};
    }
    return Expr{col(alias, n.field->name), {}};
  }

  void compare(const Resolved& n, const std::string& alias, SqlCondition& out) {
    FieldKind kind = field_kind(*n.field);
    if (kind == FieldKind::kX2many) {
      compare_x2many(n, alias, out);
      return;
    }
    compare_on(n, field_expr(n, alias), kind, out);
  }

  // The comparison of `n` applied to the expression `e` of a field of kind `kind`.
  void compare_on(const Resolved& n, const Expr& e, FieldKind kind, SqlCondition& out) {
    const bool never_null = kind == FieldKind::kId || kind == FieldKind::kDisplayName;
    // Set / not set.
    if (n.cmp == Cmp::kIsSet || n.cmp == Cmp::kNotSet) {
      bool set = n.cmp == Cmp::kIsSet;
      if (never_null) {
        out.sql += set ? "1=1" : "1=0";
        return;
      }
      Value empty;
      bool has_empty = true;
      switch (kind) {
        case FieldKind::kNumber:
          empty = Value(std::int64_t{0});
          break;
        case FieldKind::kBoolean:
          empty = Value(false);
          break;
        case FieldKind::kText:
          empty = Value(std::string());
          break;
        default:
          has_empty = false;
      }
      if (!has_empty) {
        out.sql += '(';
        append(out, e);
        out.sql += set ? " IS NOT NULL)" : " IS NULL)";
        return;
      }
      out.sql += '(';
      append(out, e);
      if (set) {
        out.sql += " <> ?)";  // NULL <> x is NULL: not set
        out.params.push_back(empty);
      } else {
        out.sql += " IS NULL OR ";
        append(out, e);
        out.sql += " = ?)";
        out.params.push_back(empty);
      }
      return;
    }
    bool null_matches = false;
    if (!never_null) {
      null_matches = (kind == FieldKind::kNumber || kind == FieldKind::kBoolean)
                         ? zero_satisfies(n)
                         : is_negative(n.cmp);
    }
    out.sql += '(';
    if (null_matches) {
      append(out, e);
      out.sql += " IS NULL OR ";
    }
    switch (n.cmp) {
      case Cmp::kLike:
      case Cmp::kIlike:
      case Cmp::kNotLike:
      case Cmp::kNotIlike: {
        bool ci = n.cmp == Cmp::kIlike || n.cmp == Cmp::kNotIlike;
        bool neg = n.cmp == Cmp::kNotLike || n.cmp == Cmp::kNotIlike;
        std::string text = ci ? d_.ilike(e.sql, "?") : d_.like(e.sql, "?");
        out.sql += neg ? "NOT (" + text + ")" : text;
        out.params.insert(out.params.end(), e.params.begin(), e.params.end());
        out.params.push_back(Value(n.pattern));
        break;
      }
      case Cmp::kIn:
      case Cmp::kNotIn: {
        append(out, e);
        if (n.values.empty()) {
          // Not produced by resolve(); "x IN ()" is not portable SQL.
          out.sql += n.cmp == Cmp::kIn ? " IS NULL AND 1=0" : " IS NULL OR 1=1";
          break;
        }
        out.sql += n.cmp == Cmp::kIn ? " IN (" : " NOT IN (";
        append_values(n.values, out);
        out.sql += ')';
        break;
      }
      default: {
        const char* op = n.cmp == Cmp::kEq   ? " = "
                         : n.cmp == Cmp::kNe ? " <> "
                         : n.cmp == Cmp::kLt ? " < "
                         : n.cmp == Cmp::kLe ? " <= "
                         : n.cmp == Cmp::kGt ? " > "
                                             : " >= ";
        append(out, e);
        out.sql += op;
        out.sql += '?';
        out.params.push_back(n.values.empty() ? Value() : n.values.front());
      }
    }
    out.sql += ')';
  }

  // An x2many compared directly (hand-made trees; resolve() produces any / not any instead).
  void compare_x2many(const Resolved& n, const std::string& alias, SqlCondition& out) {
    const schema::Model& co = comodel_of(*n.field);
    const schema::Field* co_id = co.field("id");
    Resolved any;
    any.model = n.model;
    any.field = n.field;
    any.kind = (n.cmp == Cmp::kNotSet || is_negative(n.cmp)) ? K::kNotAny : K::kAny;
    auto sub = std::make_shared<Resolved>();
    sub->model = &co;
    if (n.cmp == Cmp::kIsSet || n.cmp == Cmp::kNotSet) {
      sub->kind = K::kTrue;
    } else {
      sub->kind = K::kCompare;
      sub->field = co_id ? co_id : &internal::synthetic_id_field();
      sub->cmp = n.cmp == Cmp::kNe ? Cmp::kEq : n.cmp == Cmp::kNotIn ? Cmp::kIn : n.cmp;
      sub->values = n.values;
    }
    any.sub = std::move(sub);
    node(any, alias, out);
  }

  // " AND <b>.<model field> = <model>" for a one2many on a polymorphic inverse
  // (Field::relation_model_field), nothing for any other field.
  void of_model(const schema::Field& f, const schema::Model& model, const std::string& b,
                SqlCondition& out) {
    if (f.relation_model_field.empty())
      return;
    out.sql += fmt::format(" AND {} = ?", col(b, f.relation_model_field));
    out.params.emplace_back(model.name());
  }

  // "SELECT <what> FROM <the comodel's rows linked to alias>" pieces, by field type.
  void any(const Resolved& n, const std::string& alias, SqlCondition& out) {
    const schema::Field& f = *n.field;
    const Resolved& sub = *n.sub;
    const bool positive = n.kind == K::kAny;
    const schema::Model& co = *sub.model;
    if (f.type == schema::FieldType::kMany2one) {
      std::string fcol = col(alias, f.name);
      if (sub.kind == K::kTrue) {
        out.sql += fcol + (positive ? " IS NOT NULL" : " IS NULL");
        return;
      }
      std::string b = fresh();
      out.sql += positive ? "(" + fcol + " IN (" : "(" + fcol + " IS NULL OR " + fcol + " NOT IN (";
      out.sql += fmt::format("SELECT {} FROM {} AS {} WHERE ", col(b, "id"), q(co.table()), q(b));
      node(sub, b, out);
      out.sql += "))";
      return;
    }
    std::string id = col(alias, "id");
    out.sql += id + (positive ? " IN (" : " NOT IN (");
    if (f.type == schema::FieldType::kOne2many) {
      std::string b = fresh();
      std::string inv = col(b, f.relation_field);
      out.sql += fmt::format("SELECT {} FROM {} AS {} WHERE {} IS NOT NULL", inv, q(co.table()),
                             q(b), inv);
      of_model(f, *n.model, b, out);
      if (sub.kind != K::kTrue) {
        out.sql += " AND ";
        node(sub, b, out);
      }
      out.sql += ')';
      return;
    }
    // many2many
    std::string r = fresh();
    out.sql += fmt::format("SELECT {} FROM {} AS {}", col(r, f.column1), q(f.relation_table), q(r));
    if (sub.kind == K::kTrue) {
      out.sql += ')';
      return;
    }
    if (sub.kind == K::kCompare && field_kind(*sub.field) == FieldKind::kId) {
      // Only the linked ids matter: no need to join the comodel.
      out.sql += " WHERE ";
      compare_on(sub, Expr{col(r, f.column2), {}}, FieldKind::kId, out);
      out.sql += ')';
      return;
    }
    std::string b = fresh();
    out.sql += fmt::format(" JOIN {} AS {} ON {} = {} WHERE ", q(co.table()), q(b), col(b, "id"),
                           col(r, f.column2));
    node(sub, b, out);
    out.sql += ')';
  }

  // The inside of "IN (...)": one parameter per value for short lists, else one JSON array
  // parameter read by the dialect's sub-query (a list of 300,000 ids is a valid domain).
  void append_values(const std::vector<Value>& values, SqlCondition& out) {
    if (values.size() <= kInlineValues) {
      for (size_t i = 0; i < values.size(); ++i) {
        out.sql += i ? ", ?" : "?";
        out.params.push_back(values[i]);
      }
      return;
    }
    Json list = Json::array();
    for (const Value& v : values)
      list.push_back(common::to_json(v));
    out.sql += d_.json_array_values("?");
    out.params.emplace_back(list.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  static constexpr size_t kInlineValues = 256;

  // A sub-query of the ids of hierarchy_model at or below / above the roots.
  void hierarchy_ids(const Resolved& n, SqlCondition& out) {
    const schema::Model& h = *n.hierarchy_model;
    std::string parent = h.parent_field();
    std::string cte = fresh();
    std::string c = fresh();
    out.sql +=
        fmt::format("WITH RECURSIVE {cte}({id}) AS (SELECT {id} FROM {t} WHERE {id} IN (",
                    fmt::arg("cte", q(cte)), fmt::arg("id", q("id")), fmt::arg("t", q(h.table())));
    std::vector<Value> roots(n.roots.begin(), n.roots.end());
    append_values(roots, out);
    out.sql += ") UNION ";
    if (n.descendants) {
      out.sql +=
          fmt::format("SELECT {cid} FROM {t} AS {c} JOIN {cte} ON {cparent} = {cteid}",
                      fmt::arg("cid", col(c, "id")), fmt::arg("t", q(h.table())),
                      fmt::arg("c", q(c)), fmt::arg("cte", q(cte)),
                      fmt::arg("cparent", col(c, parent)), fmt::arg("cteid", col(cte, "id")));
    } else {
      out.sql += fmt::format(
          "SELECT {cparent} FROM {t} AS {c} JOIN {cte} ON {cid} = {cteid} WHERE {cparent} IS NOT "
          "NULL",
          fmt::arg("cid", col(c, "id")), fmt::arg("t", q(h.table())), fmt::arg("c", q(c)),
          fmt::arg("cte", q(cte)), fmt::arg("cparent", col(c, parent)),
          fmt::arg("cteid", col(cte, "id")));
    }
    out.sql += fmt::format(") SELECT {} FROM {}", q("id"), q(cte));
  }

  void hierarchy(const Resolved& n, const std::string& alias, SqlCondition& out) {
    const schema::Field& f = *n.field;
    FieldKind kind = field_kind(f);
    if (kind == FieldKind::kId || kind == FieldKind::kMany2one) {
      out.sql += col(alias, kind == FieldKind::kId ? "id" : f.name) + " IN (";
      hierarchy_ids(n, out);
      out.sql += ')';
      return;
    }
    std::string id = col(alias, "id");
    if (f.type == schema::FieldType::kOne2many) {
      const schema::Model& co = comodel_of(f);
      std::string b = fresh();
      std::string inv = col(b, f.relation_field);
      out.sql += fmt::format("{} IN (SELECT {} FROM {} AS {} WHERE {} IS NOT NULL", id, inv,
                             q(co.table()), q(b), inv);
      of_model(f, *n.model, b, out);
      out.sql += fmt::format(" AND {} IN (", col(b, "id"));
      hierarchy_ids(n, out);
      out.sql += "))";
      return;
    }
    std::string r = fresh();
    out.sql += fmt::format("{} IN (SELECT {} FROM {} AS {} WHERE {} IN (", id, col(r, f.column1),
                           q(f.relation_table), q(r), col(r, f.column2));
    hierarchy_ids(n, out);
    out.sql += "))";
  }

  const schema::Registry& registry_;
  const store::Dialect& d_;
  std::string base_;
  int counter_ = 0;
};

}  // namespace

SqlCondition to_sql(const Resolved& domain, const schema::Registry& registry,
                    const store::Dialect& dialect, std::string_view alias) {
  SqlCondition out;
  Compiler(registry, dialect, alias).node(domain, std::string(alias), out);
  return out;
}

}  // namespace autorules::domain
