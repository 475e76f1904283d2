// Value: one field value of a record, as the ORM, the store and the domain evaluator see it.
//
// Odoo's convention is that an empty value of any type is `false`; Value follows it with the
// kFalse kind, which is what a default-constructed Value holds. A many2one holds its id as kInt;
// one2many/many2many hold kIds. Values are plain data: copyable, comparable, no thread-safety
// concerns beyond those of std::string and std::vector.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/datetime.h"

namespace autorules::common {

using Id = std::int64_t;
using IdList = std::vector<Id>;

class Value {
 public:
  enum class Kind : std::uint8_t { kFalse, kBool, kInt, kFloat, kString, kDate, kDateTime, kIds };

  Value() = default;
  Value(bool b) : v_(b) {}                            // NOLINT(google-explicit-constructor)
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}  // NOLINT
  Value(std::int64_t i) : v_(i) {}                    // NOLINT
  Value(double d) : v_(d) {}                          // NOLINT
  Value(std::string s) : v_(std::move(s)) {}          // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}   // NOLINT
  Value(const char* s) : v_(std::string(s)) {}        // NOLINT
  Value(Date d) : v_(d) {}                            // NOLINT
  Value(DateTime d) : v_(d) {}                        // NOLINT
  Value(IdList ids) : v_(std::move(ids)) {}           // NOLINT

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_false() const { return v_.index() == 0; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_date() const { return kind() == Kind::kDate; }
  bool is_datetime() const { return kind() == Kind::kDateTime; }
  bool is_ids() const { return kind() == Kind::kIds; }

  // Python truthiness: false, 0, 0.0, "", [] are falsy.
  bool truthy() const;

  // Accessors; calling one on another kind is a programmer error (std::bad_variant_access).
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // A number of either kind as a double.
  double as_number() const { return is_int() ? static_cast<double>(as_int()) : as_float(); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  Date as_date() const { return std::get<Date>(v_); }
  DateTime as_datetime() const { return std::get<DateTime>(v_); }
  const IdList& as_ids() const { return std::get<IdList>(v_); }

  // A human-readable rendering for messages and logs (Python-like: False, 'text', [1, 2]).
  std::string repr() const;

  friend bool operator==(const Value& a, const Value& b) = default;

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Date, DateTime, IdList> v_;
};

// Hashing for sets of Values (e.g. the right-hand side of a large `in`).
struct ValueHash {
  size_t operator()(const Value& v) const;
};

}  // namespace autorules::common
