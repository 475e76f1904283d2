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

namespace {

// nlohmann's DOM builder with a bound on nesting: the parser itself is iterative, but everything
// that later walks the value (conversions, rendering, messages) recurses, so depth is refused
// here, at the edge, before any of it runs.
class BoundedDomParser : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  BoundedDomParser(Json& result, int max_depth)
      : nlohmann::detail::json_sax_dom_parser<Json>(result, /*allow_exceptions=*/false),
        max_depth_(max_depth) {}
  bool start_object(std::size_t n) {
    return enter() && nlohmann::detail::json_sax_dom_parser<Json>::start_object(n);
  }
  bool start_array(std::size_t n) {
    return enter() && nlohmann::detail::json_sax_dom_parser<Json>::start_array(n);
  }
  bool end_object() {
    --depth_;
    return nlohmann::detail::json_sax_dom_parser<Json>::end_object();
  }
  bool end_array() {
    --depth_;
    return nlohmann::detail::json_sax_dom_parser<Json>::end_array();
  }
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& e) {
    error_ = e.what();
    return false;
  }
  bool too_deep() const { return too_deep_; }
  const std::string& error() const { return error_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }
  const int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
  std::string error_;
};

}  // namespace

JsonParse try_parse_json(std::string_view text, int max_depth) {
  JsonParse out;
  BoundedDomParser sax(out.value, max_depth);
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const Json::exception& e) {
    // Valid syntax that cannot be represented, e.g. a number beyond a double's range.
    out.status = JsonParse::kUnrepresentable;
    out.error = e.what();
    out.value = nullptr;
    return out;
  }
  if (ok)
    return out;
  out.value = nullptr;
  if (sax.too_deep()) {
    out.status = JsonParse::kTooDeep;
    out.error = fmt::format("the JSON nests deeper than {} levels", max_depth);
  } else {
    out.status = JsonParse::kNotJson;
    out.error = sax.error();
  }
  return out;
}

Json parse_json(std::string_view text, int max_depth) {
  JsonParse parsed = try_parse_json(text, max_depth);
  switch (parsed.status) {
    case JsonParse::kOk:
      return std::move(parsed.value);
    case JsonParse::kTooDeep:
      throw BadRequestError(fmt::format("could not parse the body as json: {}", parsed.error));
    case JsonParse::kNotJson:
      // nlohmann's message already names the byte position and what was expected.
      throw BadRequestError(fmt::format("could not parse the body as json: {}", parsed.error));
    case JsonParse::kUnrepresentable:
      throw UnprocessableError(fmt::format("could not read the body's values: {}", parsed.error));
  }
  throw BadRequestError("could not parse the body as json");
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

namespace {

// Appends the repr of `j` to `out` until `out` reaches `limit` bytes; then stops with "...".
void append_repr(const Json& j, std::string& out, std::size_t limit) {
  if (out.size() >= limit)
    return;
  switch (j.type()) {
    case Json::value_t::null:
      out += "None";
      break;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "True" : "False";
      break;
    case Json::value_t::string: {
      const std::string& text = j.get_ref<const std::string&>();
      out += '\'';
      std::size_t room = limit - out.size();
      if (text.size() > room) {
        out.append(text, 0, room);
        out += "...";
      } else {
        out += text;
      }
      out += '\'';
      break;
    }
    case Json::value_t::array:
      out += '[';
      for (size_t i = 0; i < j.size(); ++i) {
        if (out.size() >= limit) {
          out += "...";
          break;
        }
        if (i)
          out += ", ";
        append_repr(j[i], out, limit);
      }
      out += ']';
      break;
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        if (out.size() >= limit) {
          out += "...";
          break;
        }
        out += fmt::format("{}'{}': ", first ? "" : ", ", k);
        append_repr(v, out, limit);
        first = false;
      }
      out += '}';
      break;
    }
    default:
      out += j.dump();
  }
}

}  // namespace

std::string json_repr(const Json& j, std::size_t limit) {
  std::string out;
  append_repr(j, out, limit);
  return out;
}

}  // namespace autorules::common
