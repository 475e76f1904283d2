#include "common/value.h"

#include <functional>

#include <fmt/format.h>

namespace autorules::common {

bool Value::truthy() const {
  switch (kind()) {
    case Kind::kFalse:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_float() != 0.0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kDate:
    case Kind::kDateTime:
      return true;
    case Kind::kIds:
      return !as_ids().empty();
  }
  return false;
}

std::string Value::repr() const {
  switch (kind()) {
    case Kind::kFalse:
      return "False";
    case Kind::kBool:
      return as_bool() ? "True" : "False";
    case Kind::kInt:
      return std::to_string(as_int());
    case Kind::kFloat:
      return fmt::format("{}", as_float());
    case Kind::kString:
      return fmt::format("'{}'", as_string());
    case Kind::kDate:
      return fmt::format("'{}'", format_date(as_date()));
    case Kind::kDateTime:
      return fmt::format("'{}'", format_datetime(as_datetime()));
    case Kind::kIds:
      return fmt::format("[{}]", fmt::join(as_ids(), ", "));
  }
  return "?";
}

size_t ValueHash::operator()(const Value& v) const {
  size_t kind = static_cast<size_t>(v.kind()) * 0x9e3779b97f4a7c15ULL;
  switch (v.kind()) {
    case Value::Kind::kFalse:
      return kind;
    case Value::Kind::kBool:
      return kind ^ std::hash<bool>{}(v.as_bool());
    case Value::Kind::kInt:
      return kind ^ std::hash<std::int64_t>{}(v.as_int());
    case Value::Kind::kFloat:
      return kind ^ std::hash<double>{}(v.as_float());
    case Value::Kind::kString:
      return kind ^ std::hash<std::string>{}(v.as_string());
    case Value::Kind::kDate:
      return kind ^ std::hash<std::int32_t>{}(v.as_date().days);
    case Value::Kind::kDateTime:
      return kind ^ std::hash<std::int64_t>{}(v.as_datetime().seconds);
    case Value::Kind::kIds: {
      size_t h = kind;
      for (Id id : v.as_ids())
        h = h * 31 + std::hash<Id>{}(id);
      return h;
    }
  }
  return kind;
}

}  // namespace autorules::common
