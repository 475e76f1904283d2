#include "orm/internal/convert.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"

namespace autorules::orm {

using common::Json;
using common::Value;
using common::ValueError;
using schema::FieldType;

std::string field_label(const schema::Field& field) {
  return fmt::format("'{}' ({})", field.string.empty() ? field.name : field.string, field.name);
}

namespace {

[[noreturn]] void wrong_type(const schema::Model& model, const schema::Field& field,
                             const Json& json, std::string_view expected) {
  throw ValueError(fmt::format("Invalid value for field {} of model '{}': expected {}, got {} ({})",
                               field_label(field), model.name(), expected,
                               common::json_type_name(json), common::json_repr(json)));
}

}  // namespace

Value json_to_value(const schema::Model& model, const schema::Field& field, const Json& json) {
  bool empty = json.is_null() || (json.is_boolean() && !json.get<bool>());
  switch (field.type) {
    case FieldType::kChar:
    case FieldType::kText:
    case FieldType::kHtml:
      if (empty)
        return Value();
      if (!json.is_string())
        wrong_type(model, field, json, "a string");
      return Value(json.get<std::string>());
    case FieldType::kSelection: {
      if (empty)
        return Value();
      if (!json.is_string())
        wrong_type(model, field, json, "a selection key (a string)");
      const auto& key = json.get_ref<const std::string&>();
      if (!field.option(key)) {
        std::string keys;
        for (const auto& o : field.selection) {
          keys += (keys.empty() ? "'" : ", '") + o.value + "'";
        }
        throw ValueError(fmt::format("Wrong value for {}.{}: '{}' (allowed: {})", model.name(),
                                     field.name, key, keys.empty() ? "none" : keys));
      }
      return Value(key);
    }
    case FieldType::kInteger: {
      if (empty)
        return Value(std::int64_t{0});
      // nlohmann counts unsigned numbers as integers too: test them first.
      if (json.is_number_unsigned()) {
        auto u = json.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          wrong_type(model, field, json, "an integer in 64-bit range");
        }
        return Value(static_cast<std::int64_t>(u));
      }
      if (json.is_number_integer())
        return Value(json.get<std::int64_t>());
      if (json.is_number_float()) {
        double d = json.get<double>();
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
          return Value(static_cast<std::int64_t>(d));
        }
      }
      wrong_type(model, field, json, "an integer");
    }
    case FieldType::kFloat:
    case FieldType::kMonetary:
      if (empty)
        return Value(0.0);
      if (json.is_number()) {
        double d = json.get<double>();
        if (!std::isfinite(d))
          wrong_type(model, field, json, "a finite number");
        return Value(d);
      }
      wrong_type(model, field, json, "a number");
    case FieldType::kBoolean:
      if (json.is_null())
        return Value(false);
      if (!json.is_boolean())
        wrong_type(model, field, json, "true or false");
      return Value(json.get<bool>());
    case FieldType::kDate: {
      if (empty)
        return Value();
      if (!json.is_string())
        wrong_type(model, field, json, "a date \"YYYY-MM-DD\"");
      const auto& s = json.get_ref<const std::string&>();
      if (auto d = common::parse_date(s))
        return Value(*d);
      if (auto dt = common::parse_datetime(s))
        return Value(common::date_of(*dt));
      throw ValueError(
          fmt::format("Invalid date '{}' for field {} of model '{}': expected \"YYYY-MM-DD\"", s,
                      field_label(field), model.name()));
    }
    case FieldType::kDatetime: {
      if (empty)
        return Value();
      if (!json.is_string())
        wrong_type(model, field, json, "a datetime \"YYYY-MM-DD HH:MM:SS\"");
      const auto& s = json.get_ref<const std::string&>();
      if (auto dt = common::parse_datetime(s))
        return Value(*dt);
      throw ValueError(fmt::format(
          "Invalid datetime '{}' for field {} of model '{}': expected \"YYYY-MM-DD HH:MM:SS\" "
          "(UTC)",
          s, field_label(field), model.name()));
    }
    case FieldType::kBinary: {
      if (empty)
        return Value();
      if (!json.is_string())
        wrong_type(model, field, json, "base64 text");
      const auto& s = json.get_ref<const std::string&>();
      if (!common::base64_decode(s)) {
        throw ValueError(fmt::format("Invalid value for field {} of model '{}': not valid base64",
                                     field_label(field), model.name()));
      }
      return Value(s);
    }
    case FieldType::kMany2one: {
      if (empty)
        return Value();
      const Json* id = &json;
      if (json.is_array() && json.size() == 2) {
        id = &json[0];  // [id, "name"] as read() returns it
      }
      if (id->is_number_unsigned() &&
          id->get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        wrong_type(model, field, json, "a record id (a positive integer)");
      }
      if (id->is_number_integer() || id->is_number_unsigned()) {
        auto v = id->get<std::int64_t>();
        if (v <= 0)
          wrong_type(model, field, json, "a record id (a positive integer)");
        return Value(v);
      }
      wrong_type(model, field, json, fmt::format("a {} id (an integer) or false", field.relation));
    }
    case FieldType::kOne2many:
    case FieldType::kMany2many:
      break;
  }
  throw common::InternalError("json_to_value called on an x2many field");
}

Value column_to_value(const schema::Field& field, const store::RowView& row, int c) {
  switch (field.type) {
    case FieldType::kInteger:
      return Value(row.is_null(c) ? std::int64_t{0} : row.int64(c));
    case FieldType::kFloat:
    case FieldType::kMonetary:
      return Value(row.is_null(c) ? 0.0 : row.real(c));
    case FieldType::kBoolean:
      return Value(!row.is_null(c) && row.int64(c) != 0);
    case FieldType::kMany2one:
      return row.is_null(c) ? Value() : Value(row.int64(c));
    case FieldType::kDate: {
      if (row.is_null(c))
        return Value();
      auto d = common::parse_date(row.text(c));
      return d ? Value(*d) : Value();
    }
    case FieldType::kDatetime: {
      if (row.is_null(c))
        return Value();
      auto d = common::parse_datetime(row.text(c));
      return d ? Value(*d) : Value();
    }
    default:
      return row.is_null(c) ? Value() : Value(std::string(row.text(c)));
  }
}

Value value_to_param(const schema::Field& field, const Value& v) {
  switch (field.type) {
    case FieldType::kInteger:
      return v.is_false() ? Value(std::int64_t{0}) : v;
    case FieldType::kFloat:
    case FieldType::kMonetary:
      return v.is_false() ? Value(0.0) : Value(v.as_number());
    case FieldType::kBoolean:
      return Value(std::int64_t{v.truthy() ? 1 : 0});
    default:
      return v;
  }
}

Json value_to_json(const schema::Field& field, const Value& v) {
  if (field.type == FieldType::kBoolean) {
    return v.truthy();
  }
  return common::to_json(v);
}

}  // namespace autorules::orm
