#include "orm/web_read.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::ValueError;
using schema::FieldType;

namespace {

// Checks the whole specification before anything is read: objects all the way down, bounded.
void check_specification(const Json& spec, int depth, std::size_t& fields) {
  if (!spec.is_object())
    throw ValueError("a field specification must be an object of field names");
  if (depth > kMaxSpecificationDepth) {
    throw ValueError(
        fmt::format("a field specification nests at most {} levels", kMaxSpecificationDepth));
  }
  for (const auto& [name, sub] : spec.items()) {
    if (++fields > kMaxSpecificationFields) {
      throw ValueError(
          fmt::format("a field specification names at most {} fields", kMaxSpecificationFields));
    }
    if (!sub.is_object()) {
      throw ValueError(fmt::format("the specification of '{}' must be an object",
                                   common::truncate_utf8(name, 80)));
    }
    auto nested = sub.find("fields");
    if (nested != sub.end() && !nested->is_null())
      check_specification(*nested, depth + 1, fields);
    auto limit = sub.find("limit");
    if (limit != sub.end() && !limit->is_null() &&
        (!limit->is_number_integer() || limit->get<std::int64_t>() < 0)) {
      throw ValueError(fmt::format("the limit of '{}' must be a non-negative integer",
                                   common::truncate_utf8(name, 80)));
    }
    auto order = sub.find("order");
    if (order != sub.end() && !order->is_null() && !order->is_string()) {
      throw ValueError(
          fmt::format("the order of '{}' must be a string", common::truncate_utf8(name, 80)));
    }
  }
}

const Json* sub_fields(const Json& field_spec) {
  auto it = field_spec.find("fields");
  return it == field_spec.end() || it->is_null() ? nullptr : &*it;
}

Json read_spec(const RecordSet& records, const Json& spec) {
  std::vector<std::string> names;
  for (const auto& [name, _] : spec.items())
    names.push_back(name);
  Json rows;
  if (names.empty() || (names.size() == 1 && names[0] == "id")) {
    // The ids are known: the comodel is not read (it may not be readable by the user).
    rows = Json::array();
    for (Id id : records.ids())
      rows.push_back(Json{{"id", id}});
    return rows;
  }
  rows = records.read(names);
  const schema::Model& model = records.model();
  for (const auto& [name, field_spec] : spec.items()) {
    const schema::Field* f = model.field(name);
    if (!f)
      continue;
    const Json* fields = sub_fields(field_spec);
    if (f->type == FieldType::kMany2one) {
      // A bare id unless the specification asks for the related record's fields.
      IdList ids;
      for (Json& row : rows) {
        Json& v = row[name];
        if (v.is_array() && !v.empty())
          v = v[0];
        if (v.is_number_integer())
          ids.push_back(v.get<Id>());
      }
      if (!fields)
        continue;
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      Json extra = *fields;
      const bool wants_name = extra.contains("display_name");
      extra.erase("display_name");
      RecordSet co = records.env()[f->relation].browse(ids);
      std::unordered_map<Id, Json> by_id;
      for (Json& r : read_spec(co, extra)) {
        Id id = r["id"].get<Id>();  // before the move: Json's assignment takes its value first
        by_id[id] = std::move(r);
      }
      if (wants_name) {
        // As Odoo: the display name of a linked record is shown even when it cannot be read.
        RecordSet names_of = co.sudo();
        std::vector<std::string> names_read = names_of.display_names();
        for (std::size_t i = 0; i < co.ids().size(); ++i)
          by_id[co.ids()[i]]["display_name"] = names_read[i];
      }
      for (Json& row : rows) {
        Json& v = row[name];
        if (v.is_number_integer()) {
          auto it = by_id.find(v.get<Id>());
          v = it == by_id.end() ? Json(false) : it->second;
        }
      }
    } else if (f->is_x2many()) {
      if (!fields && !field_spec.contains("order"))
        continue;
      IdList all;
      std::unordered_set<Id> seen;
      for (const Json& row : rows)
        for (const Json& id : row[name])
          if (seen.insert(id.get<Id>()).second)
            all.push_back(id.get<Id>());
      RecordSet co = records.env()[f->relation].browse(all);
      auto order = field_spec.find("order");
      if (order != field_spec.end() && order->is_string() && !all.empty()) {
        // The linked records in the given order.
        RecordSet sorted = co.search(domain::Domain::term("id", domain::Op::kIn, Json(all)),
                                     SearchOptions{.order = order->get<std::string>()});
        std::unordered_map<Id, std::size_t> rank;
        for (std::size_t i = 0; i < sorted.ids().size(); ++i)
          rank[sorted.ids()[i]] = i;
        for (Json& row : rows) {
          Json ids = Json::array();
          for (const Json& id : row[name])
            if (rank.count(id.get<Id>()))
              ids.push_back(id);
          std::sort(ids.begin(), ids.end(), [&](const Json& a, const Json& b) {
            return rank[a.get<Id>()] < rank[b.get<Id>()];
          });
          row[name] = std::move(ids);
        }
      }
      if (!fields)
        continue;
      std::optional<std::size_t> limit;
      if (auto l = field_spec.find("limit"); l != field_spec.end() && l->is_number_integer())
        limit = static_cast<std::size_t>(l->get<std::int64_t>());
      IdList to_read;
      std::unordered_set<Id> wanted;
      for (const Json& row : rows) {
        std::size_t n = 0;
        for (const Json& id : row[name]) {
          if (limit && n++ >= *limit)
            break;
          if (wanted.insert(id.get<Id>()).second)
            to_read.push_back(id.get<Id>());
        }
      }
      std::unordered_map<Id, Json> by_id;
      for (Json& r : read_spec(co.browse(to_read), *fields)) {
        Id id = r["id"].get<Id>();  // before the move: Json's assignment takes its value first
        by_id[id] = std::move(r);
      }
      for (Json& row : rows) {
        Json list = Json::array();
        for (const Json& id : row[name]) {
          auto it = by_id.find(id.get<Id>());
          list.push_back(it == by_id.end() ? Json{{"id", id}} : it->second);
        }
        row[name] = std::move(list);
      }
    }
  }
  return rows;
}

}  // namespace

Json web_read(const RecordSet& records, const Json& specification) {
  std::size_t fields = 0;
  check_specification(specification, 1, fields);
  records.check_access(RecordSet::Operation::kRead);
  return read_spec(records, specification);
}

Json web_search_read(const RecordSet& model, const domain::Domain& domain,
                     const Json& specification, const SearchOptions& options,
                     std::optional<std::int64_t> count_limit) {
  std::size_t fields = 0;
  check_specification(specification, 1, fields);
  RecordSet found = model.search(domain, options);
  if (found.empty())
    return Json{{"length", 0}, {"records", Json::array()}};
  Json records = read_spec(found, specification);
  const std::int64_t current = static_cast<std::int64_t>(found.size()) + options.offset;
  const bool limit_reached =
      options.limit && static_cast<std::int64_t>(found.size()) == *options.limit;
  const bool count_limit_reached = count_limit && *count_limit <= current;
  std::int64_t length = current;
  if (options.limit && limit_reached && !count_limit_reached)
    length = model.search_count(domain, count_limit);
  return Json{{"length", length}, {"records", std::move(records)}};
}

}  // namespace autorules::orm
