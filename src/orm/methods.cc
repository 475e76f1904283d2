#include "orm/methods.h"

#include <cstdint>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/read_group.h"
#include "orm/recordset.h"
#include "orm/web_read.h"

namespace autorules::orm {

using common::Json;
using common::UnprocessableError;

namespace {

// A client's domain holds literals only: its text form is parsed, never evaluated (Odoo never
// evaluates a client's domain). Expressions are for domains saved on rules and actions.
domain::Domain param_domain(const Json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null())
    return domain::Domain();
  if (it->is_string())
    return domain::Domain::from_text(it->get<std::string>());
  return domain::Domain::from_json(*it);
}

}  // namespace

std::optional<std::int64_t> param_int(const Json& params, const char* name,
                                      std::optional<std::int64_t> def) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null() || (it->is_boolean() && !it->get<bool>()))
    return def;
  if (!it->is_number_integer() && !it->is_number_unsigned()) {
    throw UnprocessableError(
        fmt::format("'{}' must be an integer, got {}", name, common::json_type_name(*it)));
  }
  return it->get<std::int64_t>();
}

std::string param_string(const Json& params, const char* name, const std::string& def) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null() || (it->is_boolean() && !it->get<bool>()))
    return def;
  if (!it->is_string()) {
    throw UnprocessableError(
        fmt::format("'{}' must be a string, got {}", name, common::json_type_name(*it)));
  }
  return it->get<std::string>();
}

common::IdList param_ids(const Json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null() || (it->is_boolean() && !it->get<bool>()))
    return {};
  if (!it->is_array()) {
    throw UnprocessableError(
        fmt::format("'{}' must be a list of ids, got {}", name, common::json_type_name(*it)));
  }
  if (it->size() > kMaxParamIds)
    throw UnprocessableError(fmt::format("'{}' holds more than {} ids", name, kMaxParamIds));
  common::IdList out;
  std::unordered_set<common::Id> seen;
  for (const Json& j : *it) {
    if (!j.is_number_integer() && !j.is_number_unsigned())
      throw UnprocessableError(
          fmt::format("'{}' must be a list of ids, it holds {}", name, common::json_type_name(j)));
    bool positive = j.is_number_unsigned() ? j.get<std::uint64_t>() <= std::uint64_t{INT64_MAX} &&
                                                 j.get<std::uint64_t>() > 0
                                           : j.get<std::int64_t>() > 0;
    if (!positive)
      throw UnprocessableError(fmt::format("'{}' must hold positive ids", name));
    auto id = j.get<common::Id>();
    if (seen.insert(id).second)
      out.push_back(id);
  }
  return out;
}

bool param_bool(const Json& params, const char* name, bool def) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null())
    return def;
  if (!it->is_boolean()) {
    throw UnprocessableError(
        fmt::format("'{}' must be true or false, got {}", name, common::json_type_name(*it)));
  }
  return it->get<bool>();
}

std::vector<std::string> param_strings(const Json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null() || (it->is_boolean() && !it->get<bool>()))
    return {};
  if (!it->is_array()) {
    throw UnprocessableError(
        fmt::format("'{}' must be a list of strings, got {}", name, common::json_type_name(*it)));
  }
  std::vector<std::string> out;
  for (const Json& j : *it) {
    if (!j.is_string()) {
      throw UnprocessableError(fmt::format("'{}' must be a list of strings, it holds {}", name,
                                           common::json_type_name(j)));
    }
    out.push_back(j.get<std::string>());
  }
  return out;
}

namespace {

// read()'s `load`: Odoo's default "_classic_read" gives a many2one as [id, display name]; any
// other value (null, false, "") gives the bare id.
Json with_load(const RecordSet& rs, const Json& p, Json rows) {
  auto load = p.find("load");
  if (load == p.end() || (load->is_string() && load->get<std::string>() == "_classic_read"))
    return rows;
  const schema::Model& model = rs.model();
  for (Json& row : rows) {
    for (auto& [name, value] : row.items()) {
      const schema::Field* f = model.field(name);
      if (f && f->type == schema::FieldType::kMany2one && value.is_array() && !value.empty())
        value = value[0];
    }
  }
  return rows;
}

RecordSet::Operation param_operation(const Json& p, const char* name) {
  std::string op = param_string(p, name, "");
  if (op == "read")
    return RecordSet::Operation::kRead;
  if (op == "write")
    return RecordSet::Operation::kWrite;
  if (op == "create")
    return RecordSet::Operation::kCreate;
  if (op == "unlink")
    return RecordSet::Operation::kUnlink;
  throw common::ValueError(
      fmt::format("Invalid access mode '{}': it is read, write, create or unlink",
                  common::truncate_utf8(op, 40)));
}

// A groupby given as one name or a list of names.
std::vector<std::string> param_groupby(const Json& p, const char* name) {
  auto it = p.find(name);
  if (it != p.end() && it->is_string())
    return {it->get<std::string>()};
  return param_strings(p, name);
}

// A limit of 0 is no limit, as in Odoo (scripts pass search(domain, 0, 0) for "all").
std::optional<std::int64_t> param_limit(const Json& p) {
  auto limit = param_int(p, "limit", std::nullopt);
  if (limit && *limit == 0)
    return std::nullopt;
  return limit;
}

std::optional<std::int64_t> name_search_limit(const Json& p) {
  if (!p.contains("limit"))
    return 100;
  return param_limit(p);
}

SearchOptions search_options(const Json& p) {
  SearchOptions o;
  o.offset = param_int(p, "offset", 0).value_or(0);
  o.limit = param_limit(p);
  o.order = param_string(p, "order", "");
  return o;
}

}  // namespace

bool is_public_method(const std::string& method) {
  return !method.starts_with("_");
}

bool is_readonly_method(const Runtime& runtime, const std::string& model,
                        const std::string& method) {
  const Method* m = runtime.method(model, method);
  return m && m->readonly;
}

Json call_method(const Env& env, const std::string& model, const std::string& method,
                 const Json& ids, const Json& params) {
  RecordSet records = env[model];
  const Method* m = env.runtime().method(model, method);
  if (!m || !is_public_method(method)) {
    throw common::NotFoundError(
        fmt::format("The method '{}' does not exist on the model '{}'", method, model));
  }
  common::IdList id_list;
  if (!ids.is_null()) {
    if (!ids.is_array()) {
      throw UnprocessableError(
          fmt::format("'ids' must be a list of record ids, got {}", common::json_type_name(ids)));
    }
    for (const Json& j : ids) {
      if ((!j.is_number_integer() && !j.is_number_unsigned()) || j.get<std::int64_t>() <= 0) {
        throw UnprocessableError(
            fmt::format("'ids' must be a list of record ids, it holds {}", common::json_repr(j)));
      }
      id_list.push_back(j.get<std::int64_t>());
    }
  }
  if (m->model_level && !id_list.empty()) {
    throw UnprocessableError(fmt::format("cannot call {}.{} with ids", model, method));
  }
  if (!params.is_object()) {
    throw UnprocessableError("the parameters must be a JSON object");
  }
  for (const auto& [key, _] : params.items()) {
    if (std::find(m->params.begin(), m->params.end(), key) == m->params.end()) {
      throw UnprocessableError(
          fmt::format("{}() got an unexpected keyword argument '{}'", method, key));
    }
  }
  for (const std::string& req : m->required_params) {
    if (!params.contains(req)) {
      throw UnprocessableError(
          fmt::format("{}() missing 1 required positional argument: '{}'", method, req));
    }
  }
  return m->fn(records.browse(std::move(id_list)), params);
}

void register_base_methods(Runtime& rt) {
  rt.add_method(
      "*", "search",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   return Json(rs.search(param_domain(p, "domain"), search_options(p)).ids());
                 },
             .params = {"domain", "offset", "limit", "order"},
             .required_params = {"domain"},
             .model_level = true,
             .readonly = true});
  rt.add_method(
      "*", "search_count",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   return Json(rs.search_count(param_domain(p, "domain"), param_limit(p)));
                 },
             .params = {"domain", "limit"},
             .required_params = {"domain"},
             .model_level = true,
             .readonly = true});
  rt.add_method("*", "search_read",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             return with_load(
                                 rs, p,
                                 rs.search_read(param_domain(p, "domain"),
                                                param_strings(p, "fields"), search_options(p)));
                           },
                       .params = {"domain", "fields", "offset", "limit", "order", "load"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method("*", "read",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             return with_load(rs, p, rs.read(param_strings(p, "fields")));
                           },
                       .params = {"fields", "load"},
                       .readonly = true});
  rt.add_method("*", "create",
                Method{.fn = [](const RecordSet& rs,
                                const Json& p) { return Json(rs.create(p["vals_list"]).ids()); },
                       .params = {"vals_list"},
                       .required_params = {"vals_list"},
                       .model_level = true});
  rt.add_method("*", "write",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             rs.write(p["vals"]);
                             return Json(true);
                           },
                       .params = {"vals"},
                       .required_params = {"vals"}});
  rt.add_method("*", "unlink", Method{.fn = [](const RecordSet& rs, const Json&) {
                  rs.unlink();
                  return Json(true);
                }});
  rt.add_method(
      "*", "copy",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   auto it = p.find("default");
                   return Json(
                       rs.copy(it == p.end() || it->is_null() ? Json::object() : *it).ids());
                 },
             .params = {"default"}});
  rt.add_method("*", "fields_get",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             return rs.fields_get(param_strings(p, "allfields"),
                                                  param_strings(p, "attributes"));
                           },
                       .params = {"allfields", "attributes"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method("*", "default_get",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             auto f = param_strings(p, "fields");
                             if (f.empty())
                               f = param_strings(p, "fields_list");
                             return rs.default_get(f);
                           },
                       .params = {"fields", "fields_list"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method("*", "name_search",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             domain::Domain d = p.contains("domain") ? param_domain(p, "domain")
                                                                     : param_domain(p, "args");
                             return rs.name_search(param_string(p, "name", ""), d,
                                                   param_string(p, "operator", "ilike"),
                                                   name_search_limit(p));
                           },
                       // Odoo's order (name, domain, operator, limit), then the older name of
                       // domain.
                       .params = {"name", "domain", "operator", "limit", "args"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method("*", "onchange",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             return rs.onchange(
                                 p["values"], param_strings(p, "field_names"),
                                 p.contains("fields_spec") ? p["fields_spec"] : Json(nullptr));
                           },
                       .params = {"values", "field_names", "fields_spec"},
                       .required_params = {"values"}});
  // Access questions, as Odoo 17 (check_access_rights) and 18+ (has_access, check_access) ask
  // them.
  rt.add_method("*", "check_access_rights",
                Method{.fn = [](const RecordSet& rs, const Json& p) -> Json {
                         RecordSet::Operation op = param_operation(p, "operation");
                         if (param_bool(p, "raise_exception", true))
                           rs.check_access(op);
                         return rs.has_access(op);
                       },
                       .params = {"operation", "raise_exception"},
                       .required_params = {"operation"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method("*", "has_access",
                Method{.fn = [](const RecordSet& rs, const Json& p) -> Json {
                         return rs.has_access(param_operation(p, "operation"));
                       },
                       .params = {"operation"},
                       .required_params = {"operation"},
                       .readonly = true});
  rt.add_method("*", "check_access",
                Method{.fn = [](const RecordSet& rs, const Json& p) -> Json {
                         rs.check_access(param_operation(p, "operation"));
                         return nullptr;
                       },
                       .params = {"operation"},
                       .required_params = {"operation"},
                       .readonly = true});
  // Grouped reads: Odoo 19's formatted_read_group and the read_group of Odoo 16-18.
  rt.add_method(
      "*", "formatted_read_group",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   GroupQuery q;
                   q.domain = param_domain(p, "domain");
                   q.groupby = param_groupby(p, "groupby");
                   q.aggregates = param_strings(p, "aggregates");
                   if (auto h = p.find("having");
                       h != p.end() && !h->is_null() && !(h->is_boolean() && !h->get<bool>()))
                     q.having = *h;
                   SearchOptions o = search_options(p);
                   q.offset = o.offset;
                   q.limit = o.limit;
                   q.order = o.order;
                   return formatted_read_group(rs, q);
                 },
             .params = {"domain", "groupby", "aggregates", "having", "offset", "limit", "order"},
             .required_params = {"domain"},
             .model_level = true,
             .readonly = true});
  rt.add_method(
      "*", "read_group",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   LegacyGroupQuery q;
                   q.domain = param_domain(p, "domain");
                   q.fields = param_strings(p, "fields");
                   q.groupby = param_groupby(p, "groupby");
                   q.offset = param_int(p, "offset", 0).value_or(0);
                   q.limit = param_limit(p);
                   q.orderby = param_string(p, "orderby", "");
                   q.lazy = param_bool(p, "lazy", true);
                   return read_group(rs, q);
                 },
             .params = {"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"},
             .required_params = {"domain", "fields", "groupby"},
             .model_level = true,
             .readonly = true});
  // The web client's reads: a field specification followed into related records.
  rt.add_method("*", "web_read",
                Method{.fn = [](const RecordSet& rs,
                                const Json& p) { return web_read(rs, p["specification"]); },
                       .params = {"specification"},
                       .required_params = {"specification"},
                       .readonly = true});
  rt.add_method(
      "*", "web_search_read",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   return web_search_read(rs, param_domain(p, "domain"), p["specification"],
                                          search_options(p),
                                          param_int(p, "count_limit", std::nullopt));
                 },
             .params = {"domain", "specification", "offset", "limit", "order", "count_limit"},
             .required_params = {"domain", "specification"},
             .model_level = true,
             .readonly = true});
  // search_fetch: a search that also loads the named fields; over the API, the ids found (the
  // fields are checked as a read of them would be).
  rt.add_method("*", "search_fetch",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             RecordSet found =
                                 rs.search(param_domain(p, "domain"), search_options(p));
                             if (auto fields = param_strings(p, "field_names"); !fields.empty())
                               found.read(fields);
                             return Json(found.ids());
                           },
                       .params = {"domain", "field_names", "offset", "limit", "order"},
                       .required_params = {"domain"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method("*", "name_create",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             RecordSet r = rs.name_create(param_string(p, "name", ""));
                             return Json::array({r.id(), r.display_names()[0]});
                           },
                       .params = {"name"},
                       .required_params = {"name"},
                       .model_level = true});
}

}  // namespace autorules::orm
