#include "orm/read_group.h"

#include <regex>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "common/date_group.h"
#include "common/errors.h"
#include "common/text.h"
#include "orm/internal/rows.h"
#include "orm/internal/search.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using common::ValueError;
using schema::FieldType;

namespace {

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto comma = s.find(',', start);
    out.push_back(
        common::trim(s.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos)
      return out;
    start = comma + 1;
  }
}

// en_US, the language the labels are written in, starts its weeks on Sunday.
constexpr common::WeekStart kWeekStart = 7;

// Specifications come from clients: each part is bounded before it is echoed in a message.
std::string shown(std::string_view text) {
  return common::truncate_utf8(std::string(text), 80);
}

// The time zone datetimes are grouped in: the context's "tz" when the system knows it.
std::string group_tz(const Env& env) {
  const Json& ctx = env.context();
  auto it = ctx.find("tz");
  if (it == ctx.end() || !it->is_string())
    return "";
  std::string tz = it->get<std::string>();
  if (tz.size() > 64 || !common::to_local(common::DateTime{}, tz))
    return "";
  return tz;
}

// A field named by a specification: it exists, may be read by the user, and is stored.
const schema::Field& spec_field(const RecordSet& rs, std::string_view name, std::string_view spec) {
  const schema::Model& model = rs.model();
  const schema::Field* f = model.field(name);
  if (!f || f->secret) {
    throw ValueError(fmt::format("Invalid field '{}' on model '{}' for '{}'", shown(name),
                                 model.name(), shown(spec)));
  }
  check_field_access(rs.env(), model, *f);
  if (!f->store || f->type == FieldType::kOne2many) {
    throw ValueError(
        fmt::format("The field '{}' of '{}' is not stored: it cannot be grouped or "
                    "aggregated ('{}')",
                    f->name, model.name(), shown(spec)));
  }
  return *f;
}

struct GroupTerm {
  std::string spec;
  const schema::Field* field = nullptr;
  std::string granularity;  // a period or a date part, for dates
  std::string sql;
  std::vector<Value> params;
  std::string join;  // a many2many's relation table
};

struct AggregateTerm {
  std::string spec;
  const schema::Field* field = nullptr;  // nullptr for __count
  std::string function;
  std::string sql;
};

bool is_date(const schema::Field& f) {
  return f.type == FieldType::kDate || f.type == FieldType::kDatetime;
}

GroupTerm parse_groupby(const RecordSet& rs, const std::string& spec, std::size_t index,
                        const std::string& tz) {
  const auto& d = rs.env().cr().dialect();
  GroupTerm g;
  g.spec = spec;
  auto colon = spec.find(':');
  std::string name = spec.substr(0, colon);
  if (colon != std::string::npos)
    g.granularity = spec.substr(colon + 1);
  if (name.find('.') != std::string::npos) {
    throw ValueError(
        fmt::format("Grouping by a related path ('{}') is not supported: group by a "
                    "field of the model",
                    shown(spec)));
  }
  g.field = &spec_field(rs, name, spec);
  const std::string column = fmt::format("t.{}", d.quote(g.field->name));
  if (is_date(*g.field)) {
    if (g.granularity.empty())
      throw ValueError(fmt::format("Granularity not set on a date(time) field: '{}'", shown(spec)));
    if (!common::is_period_granularity(g.granularity) &&
        !common::is_date_part_granularity(g.granularity)) {
      throw ValueError(
          fmt::format("'{}' isn't a valid granularity: it is day, week, month, "
                      "quarter, year or a date part such as month_number",
                      shown(g.granularity)));
    }
    g.sql = d.date_group(column);
    // A date has no time zone: its day is the same everywhere.
    g.params = {Value(g.granularity), Value(g.field->type == FieldType::kDatetime ? tz : ""),
                Value(static_cast<std::int64_t>(kWeekStart))};
    return g;
  }
  if (!g.granularity.empty())
    throw ValueError(
        fmt::format("Granularity set on a field that is not a date: '{}'", shown(spec)));
  if (g.field->type == FieldType::kMany2many) {
    std::string alias = d.quote(fmt::format("g{}", index));
    g.join = fmt::format(" LEFT JOIN {} AS {} ON {}.{} = t.\"id\"",
                         d.quote(g.field->relation_table), alias, alias, d.quote(g.field->column1));
    g.sql = fmt::format("{}.{}", alias, d.quote(g.field->column2));
  } else if (g.field->type == FieldType::kBoolean) {
    g.sql = fmt::format("COALESCE({}, 0)", column);
  } else {
    g.sql = column;
  }
  return g;
}

AggregateTerm parse_aggregate(const RecordSet& rs, const std::string& spec) {
  const auto& d = rs.env().cr().dialect();
  AggregateTerm a;
  a.spec = spec;
  if (spec == "__count") {
    a.function = "count";
    a.sql = "COUNT(*)";
    return a;
  }
  auto colon = spec.find(':');
  if (colon == std::string::npos || colon + 1 == spec.size())
    throw ValueError(fmt::format("Aggregate method is mandatory for '{}'", shown(spec)));
  std::string name = spec.substr(0, colon);
  a.function = spec.substr(colon + 1);
  if (name.find('.') != std::string::npos)
    throw ValueError(fmt::format("Invalid '{}', this dot notation is not supported", shown(spec)));
  a.field = &spec_field(rs, name, spec);
  if (a.field->type == FieldType::kMany2many)
    throw ValueError(fmt::format("A many2many field cannot be aggregated ('{}')", shown(spec)));
  const std::string column = fmt::format("t.{}", d.quote(a.field->name));
  const std::string& f = a.function;
  const bool numeric = a.field->is_numeric();
  if ((f == "sum" || f == "avg") && !numeric)
    throw ValueError(fmt::format("'{}' needs a number field: '{}' is not one", f, shown(spec)));
  if ((f == "bool_and" || f == "bool_or") && a.field->type != FieldType::kBoolean)
    throw ValueError(fmt::format("'{}' needs a boolean field ('{}')", f, shown(spec)));
  if (f == "recordset" && a.field->type != FieldType::kMany2one && name != "id") {
    throw ValueError(
        fmt::format("Aggregate method 'recordset' can be only used on relational "
                    "field (or id) (for '{}')",
                    shown(spec)));
  }
  if (f == "sum")
    a.sql = fmt::format("SUM({})", column);
  else if (f == "avg")
    a.sql = fmt::format("AVG({})", column);
  else if (f == "min" || f == "bool_and")
    a.sql = fmt::format("MIN({})", column);
  else if (f == "max" || f == "bool_or")
    a.sql = fmt::format("MAX({})", column);
  else if (f == "count")
    a.sql = fmt::format("COUNT({})", column);
  else if (f == "count_distinct")
    a.sql = fmt::format("COUNT(DISTINCT {})", column);
  else if (f == "array_agg")
    a.sql = d.array_agg(column, false);
  else if (f == "array_agg_distinct" || f == "recordset")
    a.sql = d.array_agg(column, true);
  else
    throw ValueError(fmt::format("Invalid aggregate method '{}' for '{}'", shown(f), shown(spec)));
  return a;
}

// A value of a field's column as JSON: booleans as true/false, NULL as false.
Json column_json(const schema::Field* field, const store::RowView& row, int c) {
  if (row.is_null(c))
    return false;
  Value v = row.value(c);
  if (field && field->type == FieldType::kBoolean)
    return v.is_int() ? v.as_int() != 0 : v.truthy();
  if (field && (field->type == FieldType::kFloat || field->type == FieldType::kMonetary) &&
      v.is_int())
    return static_cast<double>(v.as_int());
  if (v.is_int())
    return v.as_int();
  if (v.is_float())
    return v.as_float();
  return v.as_string();
}

Json aggregate_json(const AggregateTerm& a, const store::RowView& row, int c) {
  const std::string& f = a.function;
  if (f == "count" || f == "count_distinct")
    return row.is_null(c) ? Json(0) : Json(row.int64(c));
  if (f == "array_agg" || f == "array_agg_distinct" || f == "recordset") {
    if (row.is_null(c))
      return Json::array();
    Json list = Json::parse(row.text(c));
    if (f == "recordset") {
      Json ids = Json::array();
      for (const Json& id : list)
        if (id.is_number_integer() && id.get<std::int64_t>() > 0)
          ids.push_back(id);
      return ids;
    }
    if (a.field && a.field->type == FieldType::kBoolean)
      for (Json& b : list)
        b = b.is_number() ? Json(b.get<std::int64_t>() != 0) : Json(false);
    return list;
  }
  if (f == "avg")
    return row.is_null(c) ? Json(false) : Json(row.real(c));
  if (f == "bool_and" || f == "bool_or")
    return !row.is_null(c) && row.int64(c) != 0;
  return column_json(a.field, row, c);
}

// A having domain: Odoo's comparisons of aggregates with numbers, in prefix notation.
std::string having_sql(const RecordSet& rs, const Json& having, std::vector<Value>& params) {
  if (having.is_null() || (having.is_array() && having.empty()))
    return "";
  if (!having.is_array() || having.size() > 64)
    throw ValueError("'having' must be a domain of at most 64 terms over the aggregates");
  static const std::set<std::string> kSupported = {"in", "not in", "<", ">", "<=", ">=", "=", "!="};
  std::vector<std::pair<std::string, std::vector<Value>>> stack;
  for (auto it = having.rbegin(); it != having.rend(); ++it) {
    const Json& item = *it;
    if (item.is_string() && (item == "&" || item == "|" || item == "!")) {
      const std::size_t need = item == "!" ? 1 : 2;
      if (stack.size() < need)
        throw ValueError("Invalid having clause: an operator lacks its operands");
      auto a = std::move(stack.back());
      stack.pop_back();
      if (item == "!") {
        stack.emplace_back("(NOT " + a.first + ")", std::move(a.second));
        continue;
      }
      auto b = std::move(stack.back());
      stack.pop_back();
      a.second.insert(a.second.end(), b.second.begin(), b.second.end());
      stack.emplace_back(fmt::format("({} {} {})", a.first, item == "&" ? "AND" : "OR", b.first),
                         std::move(a.second));
      continue;
    }
    if (!item.is_array() || item.size() != 3 || !item[0].is_string() || !item[1].is_string())
      throw ValueError(fmt::format("Invalid having clause {}: it should be a domain-like clause",
                                   shown(item.dump())));
    std::string op = item[1].get<std::string>();
    if (!kSupported.count(op)) {
      throw ValueError(fmt::format(
          "Invalid having clause {}: supported comparators are in, not in, <, >, <=, >=, =, !=",
          shown(item.dump())));
    }
    AggregateTerm a = parse_aggregate(rs, item[0].get<std::string>());
    std::vector<Value> values;
    auto number = [&](const Json& j) {
      if (j.is_boolean())
        return Value(static_cast<std::int64_t>(j.get<bool>()));
      if (j.is_number_integer())
        return Value(j.get<std::int64_t>());
      if (j.is_number())
        return Value(j.get<double>());
      throw ValueError(fmt::format("Invalid having clause {}: compare aggregates with numbers",
                                   shown(item.dump())));
    };
    std::string sql;
    if (op == "in" || op == "not in") {
      if (!item[2].is_array() || item[2].empty() || item[2].size() > 1000)
        throw ValueError(fmt::format("Invalid having clause {}: 'in' takes a list of numbers",
                                     shown(item.dump())));
      std::string marks;
      for (const Json& j : item[2]) {
        values.push_back(number(j));
        marks += marks.empty() ? "?" : ", ?";
      }
      sql = fmt::format("({} {} ({}))", a.sql, op == "in" ? "IN" : "NOT IN", marks);
    } else {
      values.push_back(number(item[2]));
      sql = fmt::format("({} {} ?)", a.sql, op == "!=" ? "<>" : op);
    }
    stack.emplace_back(std::move(sql), std::move(values));
  }
  while (stack.size() > 1) {
    auto a = std::move(stack.back());
    stack.pop_back();
    auto b = std::move(stack.back());
    stack.pop_back();
    a.second.insert(a.second.end(), b.second.begin(), b.second.end());
    stack.emplace_back(fmt::format("({} AND {})", a.first, b.first), std::move(a.second));
  }
  params.insert(params.end(), stack[0].second.begin(), stack[0].second.end());
  return " HAVING " + stack[0].first;
}

std::string order_sql(const RecordSet& rs, const GroupQuery& q,
                      const std::vector<GroupTerm>& groups, std::vector<Value>& params) {
  const auto& d = rs.env().cr().dialect();
  const bool explicit_order = !common::trim(q.order).empty();
  std::vector<std::string> parts;
  if (explicit_order) {
    parts = split_commas(q.order);
  } else {
    parts = q.groupby;
  }
  std::string out;
  static const std::regex kPart(R"(^([\w.:]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$)",
                                std::regex::icase);
  for (const std::string& part : parts) {
    std::smatch m;
    if (part.size() > 200 || !std::regex_match(part, m, kPart))
      throw ValueError(fmt::format("Invalid order '{}' for read_group", shown(q.order)));
    std::string term = m[1];
    std::string dir = common::ascii_lower(m[2].str()) == "desc" ? " DESC" : " ASC";
    std::string nulls =
        m[3].matched ? (common::ascii_lower(m[3].str()) == "first" ? " NULLS FIRST" : " NULLS LAST")
                     : "";
    std::string expr;
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const GroupTerm& t) { return t.spec == term; });
    if (g != groups.end()) {
      const schema::Field& f = *g->field;
      const std::size_t column = static_cast<std::size_t>(g - groups.begin()) + 1;
      if (explicit_order && f.type == FieldType::kMany2one) {
        // As a search orders a many2one: by the comodel's name.
        const schema::Model* co = rs.env().registry().find(f.relation);
        expr = co && !co->rec_name().empty()
                   ? fmt::format("(SELECT o.{} FROM {} AS o WHERE o.\"id\" = {})",
                                 d.quote(co->rec_name()), d.quote(co->table()), g->sql)
                   : g->sql;
      } else if (f.type == FieldType::kSelection && f.selection.size() <= 200) {
        // In the order of the field's options, as Odoo does.
        expr = "CASE " + g->sql;
        for (std::size_t i = 0; i < f.selection.size(); ++i) {
          expr += " WHEN ? THEN " + std::to_string(i);
          params.emplace_back(f.selection[i].value);
        }
        expr += " END";
      } else {
        expr = std::to_string(column);
      }
    } else {
      try {
        expr = parse_aggregate(rs, term).sql;
      } catch (const ValueError&) {
        throw ValueError(
            fmt::format("Order term '{}' is not a valid aggregate nor valid groupby", shown(part)));
      }
    }
    out += (out.empty() ? "" : ", ") + expr + dir + nulls;
  }
  return out;
}

std::string date_text_of(const Json& key) {
  return key.is_string() ? key.get<std::string>() : "";
}

// A domain term as Odoo writes it.
Json term(const std::string& field, const char* op, Json value) {
  return Json::array({field, op, std::move(value)});
}

// Odoo's AND of normalized domains: one "&" per extra non-empty domain, then the domains.
Json and_domains(const std::vector<Json>& domains) {
  Json out = Json::array();
  std::size_t count = 0;
  for (const Json& d : domains)
    if (d.is_array() && !d.empty())
      ++count;
  for (std::size_t i = 1; i < count; ++i)
    out.push_back("&");
  for (const Json& d : domains)
    if (d.is_array())
      for (const Json& t : d)
        out.push_back(t);
  return out;
}

// How one group's value is shown and the domain selecting its records.
struct FormattedKey {
  Json value;
  Json domain;
  Json range;  // a period's {"from", "to"}, false when empty; null for other fields
  std::string label;
};

class KeyFormatter {
 public:
  KeyFormatter(const RecordSet& rs, std::string tz) : rs_(rs), tz_(std::move(tz)) {}

  // Display names of the many2one/many2many/id values in one column, fetched at once.
  void prefetch(const GroupTerm& g, const std::vector<std::vector<Json>>& rows, std::size_t col) {
    const schema::Field& f = *g.field;
    if (!f.is_relational() && f.name != "id")
      return;
    const schema::Model* co = f.name == "id" ? &rs_.model() : rs_.env().registry().find(f.relation);
    if (!co)
      return;
    IdList ids;
    for (const auto& row : rows)
      if (row[col].is_number_integer())
        ids.push_back(row[col].get<Id>());
    names_[g.spec] = fetch_display_names(rs_.env().sudo(), *co, ids);
  }

  FormattedKey format(const GroupTerm& g, const Json& key) const {
    const schema::Field& f = *g.field;
    FormattedKey out;
    if (is_date(f) && common::is_period_granularity(g.granularity)) {
      if (!key.is_string()) {
        out.value = false;
        out.domain = Json::array({term(f.name, "=", false)});
        out.range = false;
        return out;
      }
      auto start = common::parse_date(date_text_of(key).substr(0, 10));
      common::Date end = common::period_end(*start, g.granularity);
      std::string from, to;
      if (f.type == FieldType::kDatetime) {
        from = common::format_datetime(
            common::from_local(common::midnight(*start), tz_).value_or(common::midnight(*start)));
        to = common::format_datetime(
            common::from_local(common::midnight(end), tz_).value_or(common::midnight(end)));
      } else {
        from = common::format_date(*start);
        to = common::format_date(end);
      }
      out.label = common::period_label(*start, g.granularity, kWeekStart);
      out.value = Json::array({from, out.label});
      out.domain = Json::array({"&", term(f.name, ">=", from), term(f.name, "<", to)});
      out.range = Json{{"from", from}, {"to", to}};
      return out;
    }
    if (is_date(f)) {  // a date part
      out.value = key;
      out.domain = key.is_boolean() ? Json::array({term(f.name, "=", false)})
                                    : Json::array({term(f.name + "." + g.granularity, "=", key)});
      return out;
    }
    if (f.is_relational() || f.name == "id") {
      if (!key.is_number_integer()) {
        out.value = false;
        out.domain = f.type == FieldType::kMany2many
                         ? Json::array({term(f.name, "not any", Json::array())})
                         : Json::array({term(f.name, "=", false)});
        return out;
      }
      Id id = key.get<Id>();
      auto names = names_.find(g.spec);
      std::string name;
      if (names != names_.end()) {
        auto it = names->second.find(id);
        if (it != names->second.end())
          name = it->second;
      }
      out.value = Json::array({id, name});
      out.domain = Json::array({term(f.name, "=", id)});
      return out;
    }
    out.value = key;
    out.domain = Json::array({term(f.name, "=", key)});
    return out;
  }

 private:
  const RecordSet& rs_;
  std::string tz_;
  std::unordered_map<std::string, std::unordered_map<Id, std::string>> names_;
};

struct PreparedGroups {
  std::vector<GroupTerm> groups;
  std::vector<AggregateTerm> aggregates;
  std::vector<std::vector<Json>> rows;
};

PreparedGroups run_group_query(const RecordSet& rs, const GroupQuery& q, const std::string& tz) {
  const Env& env = rs.env();
  rs.check_access(RecordSet::Operation::kRead);
  if (q.groupby.size() > kMaxGroupSpecs || q.aggregates.size() > kMaxGroupSpecs) {
    throw ValueError(fmt::format("A read_group takes at most {} groupby and {} aggregates",
                                 kMaxGroupSpecs, kMaxGroupSpecs));
  }
  if (q.offset < 0)
    throw ValueError("offset must be a non-negative integer");
  if (q.limit && *q.limit < 0)
    throw ValueError("limit must be a non-negative integer or null");
  PreparedGroups out;
  std::set<std::string> seen;
  for (const std::string& spec : q.groupby) {
    if (!seen.insert(spec).second)
      throw ValueError(fmt::format("'{}' is grouped by twice", shown(spec)));
    out.groups.push_back(parse_groupby(rs, spec, out.groups.size(), tz));
  }
  for (const std::string& spec : q.aggregates)
    out.aggregates.push_back(parse_aggregate(rs, spec));
  if (out.groups.empty() && out.aggregates.empty())
    throw ValueError("Need groupby or aggregates.");

  const auto& d = env.cr().dialect();
  std::vector<Value> params;
  std::string select, joins, group_by;
  for (std::size_t i = 0; i < out.groups.size(); ++i) {
    const GroupTerm& g = out.groups[i];
    select += (select.empty() ? "" : ", ") + g.sql;
    params.insert(params.end(), g.params.begin(), g.params.end());
    joins += g.join;
    group_by += (group_by.empty() ? "" : ", ") + std::to_string(i + 1);
  }
  for (const AggregateTerm& a : out.aggregates)
    select += (select.empty() ? "" : ", ") + a.sql;
  domain::SqlCondition where = where_clause(env, rs.model(), q.domain, env.active_test());
  params.insert(params.end(), where.params.begin(), where.params.end());
  std::string sql = fmt::format("SELECT {} FROM {} AS t{} WHERE {}", select,
                                d.quote(rs.model().table()), joins, where.sql);
  if (!out.groups.empty()) {
    sql += " GROUP BY " + group_by;
    sql += having_sql(rs, q.having, params);
    std::string order = order_sql(rs, q, out.groups, params);
    if (!order.empty())
      sql += " ORDER BY " + order;
    if (q.limit || q.offset) {
      sql += " LIMIT ? OFFSET ?";
      params.emplace_back(q.limit ? *q.limit : std::int64_t{-1});
      params.emplace_back(q.offset);
    }
  } else if (!q.having.is_null() && !q.having.empty()) {
    throw ValueError("'having' needs a groupby");
  }
  env.cr().query(sql, params, [&](const store::RowView& row) {
    std::vector<Json> values;
    int c = 0;
    for (const GroupTerm& g : out.groups) {
      // A date's group is its period's text or its date part's number.
      values.push_back(column_json(is_date(*g.field) ? nullptr : g.field, row, c));
      ++c;
    }
    for (const AggregateTerm& a : out.aggregates)
      values.push_back(aggregate_json(a, row, c++));
    out.rows.push_back(std::move(values));
  });
  return out;
}

}  // namespace

namespace {

// The query run, and the formatter of its group values with their display names fetched.
struct FormattedGroups {
  PreparedGroups prepared;
  KeyFormatter keys;
};

FormattedGroups run_formatted(const RecordSet& records, const GroupQuery& query) {
  std::string tz = group_tz(records.env());
  FormattedGroups out{run_group_query(records, query, tz), KeyFormatter(records, std::move(tz))};
  for (std::size_t i = 0; i < out.prepared.groups.size(); ++i)
    out.keys.prefetch(out.prepared.groups[i], out.prepared.rows, i);
  return out;
}

}  // namespace

std::vector<std::vector<Json>> read_group_rows(const RecordSet& records, const GroupQuery& query) {
  return run_group_query(records, query, group_tz(records.env())).rows;
}

Json formatted_read_group(const RecordSet& records, const GroupQuery& query) {
  auto [p, keys] = run_formatted(records, query);
  Json out = Json::array();
  for (const auto& row : p.rows) {
    Json group = Json::object();
    std::vector<Json> domains;
    for (std::size_t i = 0; i < p.groups.size(); ++i) {
      FormattedKey k = keys.format(p.groups[i], row[i]);
      group[p.groups[i].spec] = std::move(k.value);
      domains.push_back(std::move(k.domain));
    }
    group["__extra_domain"] = and_domains(domains);
    for (std::size_t i = 0; i < p.aggregates.size(); ++i)
      group[p.aggregates[i].spec] = row[p.groups.size() + i];
    out.push_back(std::move(group));
  }
  return out;
}

Json read_group(const RecordSet& records, const LegacyGroupQuery& query) {
  const schema::Model& model = records.model();
  std::vector<std::string> groupby = query.groupby;
  std::vector<std::string> lazy_groupby = groupby;
  if (query.lazy && lazy_groupby.size() > 1)
    lazy_groupby.resize(1);

  // The key of each group value in the answer → the explicit groupby specification.
  std::vector<std::pair<std::string, std::string>> annotated_groupby;
  for (const std::string& spec : lazy_groupby) {
    std::string name = spec.substr(0, spec.find(':'));
    const schema::Field* f = model.field(name);
    if (f && is_date(*f) && spec.find(':') == std::string::npos)
      annotated_groupby.emplace_back(spec, name + ":month");
    else
      annotated_groupby.emplace_back(spec, spec);
  }
  // The key of each aggregate → its specification.
  std::vector<std::pair<std::string, std::string>> annotated_aggregates;
  const std::string count_key =
      query.lazy && lazy_groupby.size() == 1
          ? lazy_groupby[0].substr(0, lazy_groupby[0].find(':')) + "_count"
          : "__count";
  annotated_aggregates.emplace_back(count_key, "__count");
  static const std::regex kFieldAgg(R"(^(\w+)(?::(\w+)(?:\((\w+)\))?)?$)");
  for (const std::string& spec : query.fields) {
    if (spec == "__count")
      continue;
    std::smatch m;
    if (spec.size() > 200 || !std::regex_match(spec, m, kFieldAgg))
      throw ValueError(fmt::format("Invalid field specification '{}'", shown(spec)));
    std::string name = m[1], function = m[2], of = m[3];
    auto add = [&](std::string key, std::string agg) {
      for (auto& [k, v] : annotated_aggregates) {
        if (k == key) {
          v = std::move(agg);
          return;
        }
      }
      annotated_aggregates.emplace_back(std::move(key), std::move(agg));
    };
    if (!of.empty()) {
      add(name, of + ":" + function);
      continue;
    }
    if (!function.empty()) {
      add(name, name + ":" + function);
      continue;
    }
    const schema::Field* f = model.field(name);
    if (!f || f->secret)
      throw ValueError(fmt::format("Invalid field '{}' on model '{}'", shown(name), model.name()));
    // A plain name is aggregated by its field's aggregator: numbers are summed, other fields
    // (and the groupby fields) are left out.
    bool grouped = std::any_of(annotated_groupby.begin(), annotated_groupby.end(),
                               [&](const auto& g) { return g.first == spec; });
    if (f->has_column() && f->is_numeric() && f->name != "id" && !grouped)
      add(name, name + ":sum");
  }

  GroupQuery q;
  q.domain = query.domain;
  for (const auto& [_, spec] : annotated_groupby)
    q.groupby.push_back(spec);
  for (const auto& [_, spec] : annotated_aggregates)
    q.aggregates.push_back(spec);
  q.offset = query.offset;
  q.limit = query.limit;
  // The order names keys of the answer: each becomes its specification.
  if (!common::trim(query.orderby).empty()) {
    std::string order;
    for (const std::string& part : split_commas(query.orderby)) {
      std::string first = part.substr(0, part.find(' '));
      std::string rest = part.substr(first.size());
      std::string key = first.substr(0, first.find(':'));
      for (const auto& [k, spec] : annotated_groupby)
        if (k.substr(0, k.find(':')) == key)
          first = spec;
      for (const auto& [k, spec] : annotated_aggregates)
        if (k == key)
          first = spec;
      order += (order.empty() ? "" : ",") + first + rest;
    }
    q.order = order;
  }

  auto [p, keys] = run_formatted(records, q);

  Json out = Json::array();
  for (const auto& row : p.rows) {
    Json group = Json::object();
    std::vector<Json> domains = {query.domain.to_json()};
    for (std::size_t i = 0; i < p.groups.size(); ++i) {
      const std::string& key = annotated_groupby[i].first;
      FormattedKey k = keys.format(p.groups[i], row[i]);
      if (!k.range.is_null()) {
        group[key] = k.value.is_array() ? Json(k.label) : Json(false);
        group["__range"][key] = k.range;
      } else {
        group[key] = k.value;
      }
      domains.push_back(std::move(k.domain));
    }
    for (std::size_t i = 0; i < p.aggregates.size(); ++i)
      group[annotated_aggregates[i].first] = row[p.groups.size() + i];
    group["__domain"] = and_domains(domains);
    if (lazy_groupby.size() < groupby.size()) {
      group["__context"] = {
          {"group_by",
           std::vector<std::string>(
               groupby.begin() + static_cast<std::ptrdiff_t>(lazy_groupby.size()), groupby.end())}};
    }
    out.push_back(std::move(group));
  }
  return out;
}

}  // namespace autorules::orm
