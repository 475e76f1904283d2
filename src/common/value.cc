#include "common/value.h"

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

}  // namespace autorules::common
