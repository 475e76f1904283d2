// The Python-literal text form of domains ("[('state', '=', 'draft'), ('id', 'in', (1, 2))]"),
// as stored in filter_domain fields: a small reader for Python literals (lists, tuples,
// strings with every escape Python knows, ints, floats, True/False/None) that produces the JSON
// form. Anything else that Python would evaluate (names such as uid, calls, attribute access,
// arithmetic) is reported as an expression, which needs the sandbox.
#include <charconv>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "domain/domain.h"
#include "domain/internal/repr.h"

namespace autorules::domain {
namespace internal {
namespace {

using common::ValueError;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}
// Characters that, after a complete value, mean Python would compute something.
bool is_operator_char(char c) {
  return std::string_view("+-*/%.([<>=!&|^~@").find(c) != std::string_view::npos;
}

class LiteralReader {
 public:
  explicit LiteralReader(std::string_view text) : s_(text) {}

  Json read_all() {
    skip_space();
    Json v = value();
    skip_space();
    if (i_ < s_.size()) {
      after_value_error();
    }
    return v;
  }

 private:
  // "line 1, column 12" for byte offset `at` (columns count bytes, from 1).
  std::string where(size_t at) const {
    size_t line = 1, col = 1;
    for (size_t k = 0; k < at && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return fmt::format("line {}, column {}", line, col);
  }

  [[noreturn]] void fail(size_t at, std::string_view what) const {
    throw ValueError(fmt::format("Invalid domain text at {}: {}", where(at), what));
  }

  [[noreturn]] void expression_error(size_t at, std::string_view what) const {
    throw ExpressionInDomain(fmt::format(
        "Invalid domain text at {}: {} is a Python expression, not a literal value; a domain "
        "sent in a call holds literals only (lists, tuples, strings, numbers, True, False, "
        "None): expressions such as uid or context_today() are evaluated only in domains "
        "saved on rules and actions",
        where(at), what));
  }

  // A short excerpt of the text from `at`, for messages.
  std::string excerpt(size_t at) const {
    size_t end = at;
    while (end < s_.size() && end - at < 30 && s_[end] != ',' && s_[end] != ']' &&
           s_[end] != '\n') {
      ++end;
    }
    return std::string(s_.substr(at, end - at));
  }

  [[noreturn]] void after_value_error() const {
    char c = s_[i_];
    size_t prev = i_;
    while (prev > 0 && is_space(s_[prev - 1])) {
      --prev;
    }
    if ((c == '(' || c == '[') && prev > 0 && (s_[prev - 1] == ')' || s_[prev - 1] == ']')) {
      // "(...) (...)": most likely a forgotten comma between two terms.
      fail(i_, fmt::format("expected ',' between two items, found '{}'", c));
    }
    if (is_operator_char(c) || is_name_start(c)) {
      // Find the start of the expression: back to the previous separator.
      size_t start = i_;
      while (start > 0 && s_[start - 1] != ',' && s_[start - 1] != '[' && s_[start - 1] != '(') {
        --start;
      }
      while (start < i_ && is_space(s_[start])) {
        ++start;
      }
      expression_error(start, fmt::format("'{}'", excerpt(start)));
    }
    fail(i_, fmt::format("unexpected character '{}' after a value", c));
  }

  void skip_space() {
    while (i_ < s_.size()) {
      if (is_space(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
        i_ += 2;  // explicit line continuation
      } else if (s_[i_] == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') {
          ++i_;
        }
      } else {
        break;
      }
    }
  }

  Json value() {
    if (++depth_ > kMaxDepth) {
      fail(i_, "the value is nested too deeply");
    }
    Json v = value_inner();
    --depth_;
    return v;
  }

  Json value_inner() {
    if (i_ >= s_.size()) {
      fail(i_, "unexpected end of text, a value is missing");
    }
    char c = s_[i_];
    if (c == '[') {
      size_t open = i_++;
      return sequence(']', open, "list");
    }
    if (c == '(') {
      size_t open = i_++;
      skip_space();
      if (i_ < s_.size() && s_[i_] == ')') {
        ++i_;
        return Json::array();
      }
      Json first = value();
      skip_space();
      if (i_ < s_.size() && s_[i_] == ')') {
        ++i_;
        return first;  // a parenthesised value, not a tuple
      }
      if (i_ >= s_.size()) {
        fail(open, "unclosed '(' (the text ends before ')')");
      }
      if (s_[i_] != ',') {
        after_value_error();
      }
      ++i_;
      Json rest = sequence(')', open, "tuple");
      rest.insert(rest.begin(), std::move(first));
      return rest;
    }
    if (c == '\'' || c == '"') {
      return string_literals();
    }
    if (is_digit(c) || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])) || c == '-' ||
        c == '+') {
      return number();
    }
    if (c == '{') {
      fail(i_, "a dict is not a valid domain value");
    }
    if (is_name_start(c)) {
      size_t start = i_;
      while (i_ < s_.size() && is_name_char(s_[i_])) {
        ++i_;
      }
      std::string_view name = s_.substr(start, i_ - start);
      // String prefixes: r'..', u'..', b'..', rb'..'; f-strings are expressions.
      if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"') && name.size() <= 2) {
        std::string lower;
        for (char n : name) {
          lower += static_cast<char>(n | 0x20);
        }
        if (lower == "r" || lower == "u" || lower == "b" || lower == "rb" || lower == "br") {
          i_ = start;
          return string_literals();
        }
        if (lower.find('f') != std::string::npos) {
          expression_error(start, fmt::format("the f-string {}", excerpt(start)));
        }
      }
      if (name == "True")
        return true;
      if (name == "False")
        return false;
      if (name == "None")
        return nullptr;
      std::string hint;
      if (name == "true" || name == "false" || name == "none" || name == "null") {
        hint = fmt::format(" (did you mean {}?)", name == "true"    ? "True"
                                                  : name == "false" ? "False"
                                                                    : "None");
      }
      skip_space();
      if (i_ < s_.size() && s_[i_] == '(') {
        expression_error(start, fmt::format("the call '{}(...)'{}", name, hint));
      }
      expression_error(start, fmt::format("the name '{}'{}", name, hint));
    }
    fail(i_, fmt::format("unexpected character '{}', a value was expected", c));
  }

  // Items up to `close`, separated by commas, trailing comma allowed. `i_` is past the opener.
  Json sequence(char close, size_t open, std::string_view kind) {
    Json out = Json::array();
    while (true) {
      skip_space();
      if (i_ >= s_.size()) {
        fail(open, fmt::format("unclosed {} (the text ends before '{}')", kind, close));
      }
      if (s_[i_] == close) {
        ++i_;
        return out;
      }
      if (s_[i_] == ',') {
        fail(i_, fmt::format("unexpected ',' in a {}", kind));
      }
      out.push_back(value());
      skip_space();
      if (i_ >= s_.size()) {
        fail(open, fmt::format("unclosed {} (the text ends before '{}')", kind, close));
      }
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == close) {
        ++i_;
        return out;
      }
      if (s_[i_] == ']' || s_[i_] == ')') {
        fail(i_, fmt::format("'{}' does not close the {} opened at {}", s_[i_], kind, where(open)));
      }
      after_value_error();
    }
  }

  // One or more adjacent string literals, concatenated as Python does.
  Json string_literals() {
    std::string out;
    do {
      string_literal(out);
      skip_space();
    } while (i_ < s_.size() && starts_string());
    return out;
  }

  bool starts_string() const {
    size_t k = i_;
    while (k < s_.size() && k - i_ < 2 && std::string_view("rRuUbB").find(s_[k]) != s_.npos) {
      ++k;
    }
    return k < s_.size() && (s_[k] == '\'' || s_[k] == '"');
  }

  void string_literal(std::string& out) {
    size_t start = i_;
    bool raw = false;
    while (s_[i_] != '\'' && s_[i_] != '"') {
      raw = raw || s_[i_] == 'r' || s_[i_] == 'R';
      ++i_;
    }
    char quote = s_[i_];
    bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == quote && s_[i_ + 2] == quote;
    i_ += triple ? 3 : 1;
    while (true) {
      if (i_ >= s_.size()) {
        fail(start, "unterminated string (no closing quote)");
      }
      char c = s_[i_];
      if (c == quote) {
        if (!triple) {
          ++i_;
          return;
        }
        if (i_ + 2 < s_.size() && s_[i_ + 1] == quote && s_[i_ + 2] == quote) {
          i_ += 3;
          return;
        }
        out += c;
        ++i_;
        continue;
      }
      if (c == '\n' && !triple) {
        fail(start, "unterminated string (the line ends before the closing quote)");
      }
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      // A backslash.
      if (i_ + 1 >= s_.size()) {
        fail(start, "unterminated string (it ends with a backslash)");
      }
      char e = s_[i_ + 1];
      if (raw) {
        // Raw strings keep the backslash; it only stops the next quote from ending the string.
        out += c;
        out += e;
        i_ += 2;
        continue;
      }
      size_t esc_at = i_;
      i_ += 2;
      switch (e) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          common::utf8_append(out, hex_escape(esc_at, 2));
          break;
        case 'u':
          common::utf8_append(out, hex_escape(esc_at, 4));
          break;
        case 'U':
          common::utf8_append(out, hex_escape(esc_at, 8));
          break;
        case 'N':
          fail(esc_at, "named escapes (\\N{...}) are not supported in domain text");
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int k = 0; k < 2 && i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '7'; ++k) {
              v = v * 8 + static_cast<std::uint32_t>(s_[i_++] - '0');
            }
            common::utf8_append(out, v);
          } else {
            // Python keeps unknown escapes as they are ("\%" stays backslash + percent).
            out += '\\';
            out += e;
          }
      }
    }
  }

  std::uint32_t hex_escape(size_t at, int digits) {
    std::uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      if (i_ >= s_.size()) {
        fail(at, "truncated \\x/\\u/\\U escape in a string");
      }
      char h = s_[i_++];
      int d = is_digit(h)              ? h - '0'
              : (h >= 'a' && h <= 'f') ? h - 'a' + 10
              : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                       : -1;
      if (d < 0) {
        fail(at, "truncated \\x/\\u/\\U escape in a string");
      }
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      fail(at, fmt::format("the escape names an invalid code point (U+{:04X})", v));
    }
    return v;
  }

  Json number() {
    size_t start = i_;
    bool negative = false;
    while (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+' || is_space(s_[i_]))) {
      if (s_[i_] == '-') {
        negative = !negative;
      }
      ++i_;
    }
    if (i_ >= s_.size() ||
        !(is_digit(s_[i_]) || (s_[i_] == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])))) {
      if (i_ < s_.size() && (is_name_start(s_[i_]) || s_[i_] == '(')) {
        expression_error(start, fmt::format("'{}'", excerpt(start)));
      }
      fail(start, "a sign must be followed by a number");
    }
    size_t num_start = i_;
    // Prefixed integers.
    if (s_[i_] == '0' && i_ + 1 < s_.size() &&
        std::string_view("xXoObB").find(s_[i_ + 1]) != std::string_view::npos) {
      char kind = static_cast<char>(s_[i_ + 1] | 0x20);
      int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      i_ += 2;
      std::string digits;
      while (i_ < s_.size() && (is_name_char(s_[i_]))) {
        if (s_[i_] != '_') {
          digits += s_[i_];
        }
        ++i_;
      }
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
      if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) {
        fail(num_start, fmt::format("invalid number '{}'", s_.substr(num_start, i_ - num_start)));
      }
      return signed_int(v, negative, num_start);
    }
    std::string digits;
    bool is_float = false;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (is_digit(c) || c == '_') {
        if (c != '_') {
          digits += c;
        }
      } else if (c == '.' && !is_float) {
        is_float = true;
        digits += c;
      } else if ((c == 'e' || c == 'E') && i_ + 1 < s_.size() &&
                 (is_digit(s_[i_ + 1]) || ((s_[i_ + 1] == '-' || s_[i_ + 1] == '+') &&
                                           i_ + 2 < s_.size() && is_digit(s_[i_ + 2])))) {
        is_float = true;
        digits += c;
        digits += s_[++i_];
      } else {
        break;
      }
      ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'j' || s_[i_] == 'J')) {
      fail(num_start, "complex numbers are not valid domain values");
    }
    if (i_ < s_.size() && is_name_char(s_[i_])) {
      fail(num_start, fmt::format("invalid number '{}'", excerpt(num_start)));
    }
    if (is_float) {
      double d = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
      if (ec != std::errc() || p != digits.data() + digits.size()) {
        fail(num_start, fmt::format("invalid number '{}'", s_.substr(num_start, i_ - num_start)));
      }
      return negative ? -d : d;
    }
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size()) {
      fail(num_start,
           fmt::format("the integer '{}' is too large", s_.substr(num_start, i_ - num_start)));
    }
    return signed_int(v, negative, num_start);
  }

  Json signed_int(std::uint64_t v, bool negative, size_t at) {
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
      if (v > kMax + 1) {
        fail(at, "the integer is too large");
      }
      return v == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                           : -static_cast<std::int64_t>(v);
    }
    if (v > kMax) {
      fail(at, "the integer is too large");
    }
    return static_cast<std::int64_t>(v);
  }

  static constexpr int kMaxDepth = 200;
  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Json parse_python_literal(std::string_view text) {
  return LiteralReader(text).read_all();
}

}  // namespace internal

Domain Domain::from_text(std::string_view text) {
  bool blank = true;
  for (char c : text) {
    blank = blank && internal::is_space(c);
  }
  if (blank) {
    return Domain();  // an empty filter field means no filter
  }
  return from_json(internal::parse_python_literal(text));
}

}  // namespace autorules::domain
