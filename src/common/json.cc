#include "common/json.h"

#include <fmt/format.h>

#include "common/errors.h"

namespace autorules::common {

Json to_json(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kFalse:
      return false;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kInt:
      return v.as_int();
    case Value::Kind::kFloat:
      return v.as_float();
    case Value::Kind::kString:
      return v.as_string();
    case Value::Kind::kDate:
      return format_date(v.as_date());
    case Value::Kind::kDateTime:
      return format_datetime(v.as_datetime());
    case Value::Kind::kIds:
      return v.as_ids();
  }
  return false;
}

Json parse_json(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // nlohmann's message already names the byte position and what was expected.
    throw BadRequestError(fmt::format("could not parse the body as json: {}", e.what()));
  } catch (const Json::exception& e) {
    // Valid syntax that cannot be represented, e.g. a number beyond a double's range.
    throw UnprocessableError(fmt::format("could not read the body's values: {}", e.what()));
  }
}

std::string json_type_name(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

std::string json_repr(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return j.get<bool>() ? "True" : "False";
    case Json::value_t::string:
      return fmt::format("'{}'", j.get_ref<const std::string&>());
    case Json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < j.size(); ++i) {
        out += (i ? ", " : "") + json_repr(j[i]);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        out += fmt::format("{}'{}': {}", first ? "" : ", ", k, json_repr(v));
        first = false;
      }
      return out + "}";
    }
    default:
      return j.dump();
  }
}

}  // namespace autorules::common
