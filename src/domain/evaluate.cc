// In-memory evaluation of resolved domains (docs/domains.md), set at a time: each node narrows a
// selection of candidate records (positions into the id list, kept in ascending order) instead
// of walking the tree once per record. A comparison is one tight loop over the selection with
// its constant prepared beforehand (hash sets for long `in` lists, lower-cased patterns); an
// any/not any collects the linked ids of every candidate, evaluates its sub-domain once on them
// (level by level, each level prefetched with one call), then tests each candidate.
//
// LIKE follows SQLite's patternCompare (func.c, 3.40) step for step, with PRAGMA
// case_sensitive_like=ON and ESCAPE '\', including its UTF-8 decoding of invalid bytes, so that
// the evaluator and the SQL compiler give the same answers; ilike lower-cases both sides with
// common::utf8_lower_into, the definition the SQL function ar_lower uses too.
//
// Thread-safety: filter() and matches() may run concurrently on different RecordSources; they
// share no mutable state (ilike lowers into a thread-local buffer).
#include "domain/evaluate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_set>

#include "common/text.h"
#include "domain/internal/field_kind.h"

namespace autorules::domain {

void RecordSource::prefetch(const schema::Model&, std::span<const schema::Field* const>,
                            std::span<const Id>) {}

namespace {

using internal::field_kind;
using internal::FieldKind;
using K = Resolved::Kind;

// ---------------------------------------------------------------------------------------------
// SQLite's LIKE.

constexpr unsigned char kUtf8Trans1[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
};

using Byte = unsigned char;

// sqlite3Utf8Read: the end of the text reads as the terminating 0.
inline std::uint32_t read_cp(const Byte*& p, const Byte* end) {
  if (p == end) {
    return 0;
  }
  std::uint32_t c = *p++;
  if (c >= 0xC0) {
    c = kUtf8Trans1[c - 0xC0];
    while (p != end && (*p & 0xC0) == 0x80) {
      c = (c << 6) + (0x3F & *p++);
    }
    if (c < 0x80 || (c & 0xFFFFF800) == 0xD800 || (c & 0xFFFFFFFE) == 0xFFFE) {
      c = 0xFFFD;
    }
  }
  return c;
}

enum LikeResult { kMatch = 0, kNoMatch = 1, kNoWildcardMatch = 2 };
constexpr std::uint32_t kMatchAll = '%', kMatchOne = '_', kEscape = '\\';

// patternCompare() of SQLite's func.c for LIKE (no GLOB sets), case-sensitive.
int pattern_compare(const Byte* p, const Byte* pe, const Byte* s, const Byte* se) {
  std::uint32_t c, c2;
  const Byte* escaped = nullptr;
  while ((c = read_cp(p, pe)) != 0) {
    if (c == kMatchAll) {
      while ((c = read_cp(p, pe)) == kMatchAll || c == kMatchOne) {
        if (c == kMatchOne && read_cp(s, se) == 0) {
          return kNoWildcardMatch;
        }
      }
      if (c == 0) {
        return kMatch;
      }
      if (c == kEscape) {
        c = read_cp(p, pe);
        if (c == 0) {
          return kNoWildcardMatch;
        }
      }
      if (c < 0x80) {
        while (true) {
          const void* hit = std::memchr(s, static_cast<int>(c), static_cast<size_t>(se - s));
          if (!hit) {
            break;
          }
          s = static_cast<const Byte*>(hit) + 1;
          int m = pattern_compare(p, pe, s, se);
          if (m != kNoMatch) {
            return m;
          }
        }
      } else {
        while ((c2 = read_cp(s, se)) != 0) {
          if (c2 != c) {
            continue;
          }
          int m = pattern_compare(p, pe, s, se);
          if (m != kNoMatch) {
            return m;
          }
        }
      }
      return kNoWildcardMatch;
    }
    if (c == kEscape) {
      c = read_cp(p, pe);
      if (c == 0) {
        return kNoMatch;
      }
      escaped = p;
    }
    c2 = read_cp(s, se);
    if (c == c2) {
      continue;
    }
    if (c == kMatchOne && p != escaped && c2 != 0) {
      continue;
    }
    return kNoMatch;
  }
  return s == se ? kMatch : kNoMatch;
}

// SQLite sees text up to its first NUL byte.
std::string_view until_nul(std::string_view s) {
  size_t z = s.find('\0');
  return z == std::string_view::npos ? s : s.substr(0, z);
}

bool raw_like(std::string_view text, std::string_view pattern) {
  auto* s = reinterpret_cast<const Byte*>(text.data());
  auto* p = reinterpret_cast<const Byte*>(pattern.data());
  return pattern_compare(p, p + pattern.size(), s, s + text.size()) == kMatch;
}

// A pattern prepared once and tested against many texts. Patterns made of one ASCII literal
// with % at either end take a shortcut (find / starts_with / ends_with / ==), which gives the
// same answers as patternCompare: an ASCII pattern character can only equal an ASCII byte of
// the text, so the character-wise match is a byte-wise one.
class LikeMatcher {
 public:
  LikeMatcher(std::string_view pattern, bool case_insensitive) : ci_(case_insensitive) {
    if (ci_) {
      std::string lowered;
      common::utf8_lower_into(pattern, lowered);
      pattern_ = std::string(until_nul(lowered));
    } else {
      pattern_ = std::string(until_nul(pattern));
    }
    std::string_view p = pattern_;
    bool lead = !p.empty() && p.front() == '%';
    if (lead) {
      p.remove_prefix(1);
    }
    bool trail = !p.empty() && p.back() == '%';
    if (trail) {
      p.remove_suffix(1);
    }
    bool simple = !p.empty();
    for (char ch : p) {
      auto b = static_cast<unsigned char>(ch);
      simple = simple && b < 0x80 && ch != '%' && ch != '_' && ch != '\\';
    }
    if (simple) {
      literal_ = std::string(p);
      mode_ = lead && trail ? Mode::kContains
              : lead        ? Mode::kSuffix
              : trail       ? Mode::kPrefix
                            : Mode::kEquals;
    }
  }

  bool operator()(std::string_view text) const {
    if (ci_) {
      thread_local std::string buffer;
      common::utf8_lower_into(text, buffer);
      return test(buffer);
    }
    return test(text);
  }

 private:
  enum class Mode { kGeneral, kContains, kPrefix, kSuffix, kEquals };

  // SQLite sees `text` up to its first NUL; the literal has none, which saves scanning the
  // whole text for one in the common modes.
  bool test(std::string_view text) const {
    switch (mode_) {
      case Mode::kContains: {
        size_t at = text.find(literal_);
        return at != std::string_view::npos && std::memchr(text.data(), 0, at) == nullptr;
      }
      case Mode::kPrefix:
        return text.starts_with(literal_);
      case Mode::kEquals:
        return text.starts_with(literal_) &&
               (text.size() == literal_.size() || text[literal_.size()] == '\0');
      case Mode::kSuffix:
        return until_nul(text).ends_with(literal_);
      case Mode::kGeneral:
        break;
    }
    return raw_like(until_nul(text), pattern_);
  }

  bool ci_;
  std::string pattern_;
  std::string literal_;
  Mode mode_ = Mode::kGeneral;
};

// ---------------------------------------------------------------------------------------------
// Values as the comparisons see them.

struct Num {
  bool is_int = true;
  std::int64_t i = 0;
  double d = 0;
};

// A number from a record's value; `false_is_zero` for number fields (an unset number reads as
// 0), not for many2one (unset = no value). False when there is no number.
inline bool num_of(const Value& v, bool false_is_zero, Num& out) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      out.is_int = true;
      out.i = v.as_int();
      return true;
    case Value::Kind::kFloat:
      out.is_int = false;
      out.d = v.as_float();
      return true;
    case Value::Kind::kBool:
      out.is_int = true;
      out.i = v.as_bool() ? 1 : 0;
      return true;
    case Value::Kind::kFalse:
      out.is_int = true;
      out.i = 0;
      return false_is_zero;
    default:
      return false;
  }
}

Num num_constant(const Value& v) {
  Num n;
  num_of(v, true, n);
  return n;
}

// <0, 0, >0 as SQLite compares INTEGER and REAL values.
inline int num_cmp(const Num& a, const Num& b) {
  if (a.is_int && b.is_int) {
    return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  }
  double x = a.is_int ? static_cast<double>(a.i) : a.d;
  double y = b.is_int ? static_cast<double>(b.i) : b.d;
  return x < y ? -1 : x > y ? 1 : 0;
}

// Integral doubles are looked up among the integers: 5.0 IN (5) as in SQL.
inline bool integral(double d, std::int64_t& out) {
  if (!(d >= -9.2e18 && d <= 9.2e18) || d != std::floor(d)) {
    return false;
  }
  out = static_cast<std::int64_t>(d);
  return true;
}

class NumSet {
 public:
  explicit NumSet(const std::vector<Value>& values) {
    for (const Value& v : values) {
      Num n = num_constant(v);
      std::int64_t i = 0;
      if (n.is_int) {
        ints_.push_back(n.i);
      } else if (integral(n.d, i)) {
        ints_.push_back(i);
      } else {
        reals_.push_back(n.d);
      }
    }
    if (ints_.size() > kLinear) {
      hashed_.insert(ints_.begin(), ints_.end());
    }
  }
  bool contains(const Num& n) const {
    std::int64_t i = 0;
    if (n.is_int) {
      return has_int(n.i);
    }
    if (integral(n.d, i)) {
      return has_int(i);
    }
    return std::find(reals_.begin(), reals_.end(), n.d) != reals_.end();
  }

 private:
  static constexpr size_t kLinear = 12;
  bool has_int(std::int64_t i) const {
    if (ints_.size() > kLinear) {
      return hashed_.contains(i);
    }
    return std::find(ints_.begin(), ints_.end(), i) != ints_.end();
  }
  std::vector<std::int64_t> ints_;
  std::vector<double> reals_;
  std::unordered_set<std::int64_t> hashed_;
};

class StringSet {
 public:
  explicit StringSet(const std::vector<Value>& values) {
    for (const Value& v : values) {
      if (v.is_string()) {
        list_.emplace_back(v.as_string());
      }
    }
    if (list_.size() > kLinear) {
      hashed_.insert(list_.begin(), list_.end());
    }
  }
  bool contains(std::string_view s) const {
    if (list_.size() > kLinear) {
      return hashed_.contains(s);
    }
    return std::find(list_.begin(), list_.end(), s) != list_.end();
  }

 private:
  static constexpr size_t kLinear = 8;
  std::vector<std::string_view> list_;
  std::unordered_set<std::string_view> hashed_;
};

// Dates and datetimes as seconds since the epoch (a date is its midnight), so that the two
// compare with each other.
inline bool time_of(const Value& v, std::int64_t& out) {
  if (v.is_date()) {
    out = static_cast<std::int64_t>(v.as_date().days) * 86400;
    return true;
  }
  if (v.is_datetime()) {
    out = v.as_datetime().seconds;
    return true;
  }
  return false;
}

bool is_positive_like(Cmp c) {
  return c == Cmp::kLike || c == Cmp::kIlike;
}
bool is_like_cmp(Cmp c) {
  return c == Cmp::kLike || c == Cmp::kIlike || c == Cmp::kNotLike || c == Cmp::kNotIlike;
}

// Ascending position lists.
std::vector<std::uint32_t> minus(const std::vector<std::uint32_t>& a,
                                 const std::vector<std::uint32_t>& b) {
  std::vector<std::uint32_t> out;
  out.reserve(a.size() - std::min(a.size(), b.size()));
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

class Evaluator {
 public:
  explicit Evaluator(RecordSource& source) : src_(source) {}

  // Prefetches every field that the nodes of this level (not the sub-domains of any/not any)
  // read, for all `ids`, in one call.
  void prefetch_level(const Resolved& n, std::span<const Id> ids) {
    std::vector<const schema::Field*> fields;
    collect(n, fields);
    if (!fields.empty() && n.model && !ids.empty()) {
      src_.prefetch(*n.model, fields, ids);
    }
  }

  void eval(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    if (sel.empty()) {
      return;
    }
    switch (n.kind) {
      case K::kTrue:
        return;
      case K::kFalse:
        sel.clear();
        return;
      case K::kAnd:
        for (const Resolved& c : n.children) {
          eval(c, ids, sel);
          if (sel.empty()) {
            return;
          }
        }
        return;
      case K::kOr: {
        // `hit` marks the positions some child matched; each child only sees the others.
        std::vector<std::uint8_t> hit(ids.size(), 0);
        std::vector<std::uint32_t> remaining = sel, tmp;
        for (const Resolved& c : n.children) {
          tmp = remaining;
          eval(c, ids, tmp);
          if (tmp.empty()) {
            continue;
          }
          for (std::uint32_t p : tmp) {
            hit[p] = 1;
          }
          std::erase_if(remaining, [&](std::uint32_t p) { return hit[p] != 0; });
          if (remaining.empty()) {
            break;
          }
        }
        std::erase_if(sel, [&](std::uint32_t p) { return hit[p] == 0; });
        return;
      }
      case K::kNot: {
        std::vector<std::uint32_t> tmp = sel;
        eval(n.children.at(0), ids, tmp);
        sel = minus(sel, tmp);
        return;
      }
      case K::kCompare:
        compare(n, ids, sel);
        return;
      case K::kAny:
      case K::kNotAny:
        any(n, ids, sel);
        return;
      case K::kHierarchy:
        hierarchy(n, ids, sel);
        return;
    }
  }

 private:
  void collect(const Resolved& n, std::vector<const schema::Field*>& fields) {
    auto add = [&](const schema::Field* f) {
      if (f && field_kind(*f) != FieldKind::kId &&
          std::find(fields.begin(), fields.end(), f) == fields.end()) {
        fields.push_back(f);
      }
    };
    switch (n.kind) {
      case K::kAnd:
      case K::kOr:
      case K::kNot:
        for (const Resolved& c : n.children) {
          collect(c, fields);
        }
        return;
      case K::kCompare:
      case K::kAny:
      case K::kNotAny:
      case K::kHierarchy:
        add(n.field);
        return;
      default:
        return;
    }
  }

  template <class Pred>
  void keep_if(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel,
               Pred pred) {
    const schema::Model& m = *n.model;
    const schema::Field& f = *n.field;
    size_t out = 0;
    for (std::uint32_t p : sel) {
      if (pred(src_.get(m, f, ids[p]))) {
        sel[out++] = p;
      }
    }
    sel.resize(out);
  }

  // (not) like / ilike: `match(like, v)` matches a value's text, or is nullopt for a value that
  // has none (unset, another type), which only the negative operators keep.
  template <class Match>
  void keep_like(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel,
                 Match match) {
    LikeMatcher like(n.pattern, n.cmp == Cmp::kIlike || n.cmp == Cmp::kNotIlike);
    bool positive = is_positive_like(n.cmp);
    keep_if(n, ids, sel, [&](const Value& v) {
      std::optional<bool> matched = match(like, v);
      return matched ? *matched == positive : !positive;
    });
  }

  template <class Pred>
  void keep_if_id(std::span<const Id> ids, std::vector<std::uint32_t>& sel, Pred pred) {
    size_t out = 0;
    for (std::uint32_t p : sel) {
      if (pred(ids[p])) {
        sel[out++] = p;
      }
    }
    sel.resize(out);
  }

  // The comparison `n.cmp` on the values that `read` accepts (it returns false for an unset
  // value, which only != and not in keep): `cmp3(v)` orders a value against the constant
  // (<0, 0, >0) and `in_set(v)` tests membership.
  template <class Read, class Cmp3, class InSet>
  void ordered(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel,
               Read read, Cmp3 cmp3, InSet in_set) {
    switch (n.cmp) {
      case Cmp::kEq:
        keep_if(n, ids, sel, [&](const Value& v) { return read(v) && cmp3(v) == 0; });
        return;
      case Cmp::kNe:
        keep_if(n, ids, sel, [&](const Value& v) { return !read(v) || cmp3(v) != 0; });
        return;
      case Cmp::kLt:
        keep_if(n, ids, sel, [&](const Value& v) { return read(v) && cmp3(v) < 0; });
        return;
      case Cmp::kLe:
        keep_if(n, ids, sel, [&](const Value& v) { return read(v) && cmp3(v) <= 0; });
        return;
      case Cmp::kGt:
        keep_if(n, ids, sel, [&](const Value& v) { return read(v) && cmp3(v) > 0; });
        return;
      case Cmp::kGe:
        keep_if(n, ids, sel, [&](const Value& v) { return read(v) && cmp3(v) >= 0; });
        return;
      case Cmp::kIn:
        keep_if(n, ids, sel, [&](const Value& v) { return read(v) && in_set(v); });
        return;
      case Cmp::kNotIn:
        keep_if(n, ids, sel, [&](const Value& v) { return !read(v) || !in_set(v); });
        return;
      default:
        return;
    }
  }

  void compare(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    FieldKind kind = field_kind(*n.field);
    switch (kind) {
      case FieldKind::kId:
        compare_ids(n, ids, sel);
        return;
      case FieldKind::kNumber:
      case FieldKind::kMany2one:
        compare_numbers(n, ids, sel, kind == FieldKind::kNumber);
        return;
      case FieldKind::kBoolean:
        if (n.cmp == Cmp::kIsSet || n.cmp == Cmp::kNotSet) {
          bool want = n.cmp == Cmp::kIsSet;
          keep_if(n, ids, sel, [&](const Value& v) { return v.truthy() == want; });
        } else {
          compare_numbers(n, ids, sel, true);
        }
        return;
      case FieldKind::kText:
      case FieldKind::kString:
      case FieldKind::kDisplayName:
        compare_strings(n, ids, sel, kind == FieldKind::kText || kind == FieldKind::kDisplayName);
        return;
      case FieldKind::kDate:
      case FieldKind::kDateTime:
        compare_times(n, ids, sel);
        return;
      case FieldKind::kX2many:
        // Resolution turns x2many comparisons into any / not any; kept for hand-made trees.
        compare_x2many(n, ids, sel);
        return;
    }
  }

  void compare_ids(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    if (n.cmp == Cmp::kIn || n.cmp == Cmp::kNotIn) {
      NumSet set(n.values);
      bool want = n.cmp == Cmp::kIn;
      keep_if_id(ids, sel, [&](Id id) { return set.contains(Num{true, id, 0}) == want; });
      return;
    }
    if (n.cmp == Cmp::kIsSet || n.cmp == Cmp::kNotSet) {
      if (n.cmp == Cmp::kNotSet) {
        sel.clear();
      }
      return;
    }
    if (is_like_cmp(n.cmp) || n.values.empty()) {
      return;
    }
    Num c = num_constant(n.values.front());
    Cmp op = n.cmp;
    keep_if_id(ids, sel, [&](Id id) {
      int r = num_cmp(Num{true, id, 0}, c);
      switch (op) {
        case Cmp::kEq:
          return r == 0;
        case Cmp::kNe:
          return r != 0;
        case Cmp::kLt:
          return r < 0;
        case Cmp::kLe:
          return r <= 0;
        case Cmp::kGt:
          return r > 0;
        case Cmp::kGe:
          return r >= 0;
        default:
          return false;
      }
    });
  }

  void compare_numbers(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel,
                       bool false_is_zero) {
    if (n.cmp == Cmp::kIsSet || n.cmp == Cmp::kNotSet) {
      bool want = n.cmp == Cmp::kIsSet;
      keep_if(n, ids, sel, [&](const Value& v) {
        Num x;
        bool set = num_of(v, false, x) && (false_is_zero ? num_cmp(x, Num{}) != 0 : true);
        return set == want;
      });
      return;
    }
    if (n.values.empty() && n.cmp != Cmp::kIn && n.cmp != Cmp::kNotIn) {
      return;
    }
    if (n.cmp == Cmp::kIn || n.cmp == Cmp::kNotIn) {
      NumSet set(n.values);
      Num x;
      ordered(
          n, ids, sel, [&](const Value& v) { return num_of(v, false_is_zero, x); },
          [&](const Value&) { return 0; }, [&](const Value&) { return set.contains(x); });
      return;
    }
    Num c = num_constant(n.values.front());
    // `op` compares (value, constant) as numbers; `unset` is the answer for a value that is not
    // a number (an unset many2one).
    auto run = [&](auto op, bool unset) {
      if (c.is_int) {
        keep_if(n, ids, sel, [&, op](const Value& v) {
          if (v.is_int()) {
            return op(v.as_int(), c.i);  // the common case, without conversions
          }
          Num x;
          return num_of(v, false_is_zero, x) ? op(num_cmp(x, c), 0) : unset;
        });
      } else {
        keep_if(n, ids, sel, [&, op](const Value& v) {
          Num x;
          return num_of(v, false_is_zero, x) ? op(num_cmp(x, c), 0) : unset;
        });
      }
    };
    switch (n.cmp) {
      case Cmp::kEq:
        return run(std::equal_to<>{}, false);
      case Cmp::kNe:
        return run(std::not_equal_to<>{}, true);
      case Cmp::kLt:
        return run(std::less<>{}, false);
      case Cmp::kLe:
        return run(std::less_equal<>{}, false);
      case Cmp::kGt:
        return run(std::greater<>{}, false);
      case Cmp::kGe:
        return run(std::greater_equal<>{}, false);
      default:
        return;
    }
  }

  void compare_strings(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel,
                       bool empty_is_unset) {
    auto read = [](const Value& v) { return v.is_string(); };
    switch (n.cmp) {
      case Cmp::kIsSet:
      case Cmp::kNotSet: {
        bool want = n.cmp == Cmp::kIsSet;
        keep_if(n, ids, sel, [&](const Value& v) {
          bool set = v.is_string() && !(empty_is_unset && v.as_string().empty());
          return set == want;
        });
        return;
      }
      case Cmp::kLike:
      case Cmp::kIlike:
      case Cmp::kNotLike:
      case Cmp::kNotIlike:
        keep_like(n, ids, sel, [](const LikeMatcher& like, const Value& v) -> std::optional<bool> {
          if (!v.is_string())
            return std::nullopt;
          return like(v.as_string());
        });
        return;
      case Cmp::kIn:
      case Cmp::kNotIn: {
        StringSet set(n.values);
        ordered(
            n, ids, sel, read, [](const Value&) { return 0; },
            [&](const Value& v) { return set.contains(v.as_string()); });
        return;
      }
      default:
        break;
    }
    if (n.values.empty() || !n.values.front().is_string()) {
      return;
    }
    std::string_view c = n.values.front().as_string();
    if (n.cmp == Cmp::kEq || n.cmp == Cmp::kNe) {
      bool eq = n.cmp == Cmp::kEq;
      keep_if(n, ids, sel,
              [&](const Value& v) { return v.is_string() ? (v.as_string() == c) == eq : !eq; });
      return;
    }
    ordered(
        n, ids, sel, read,
        [&](const Value& v) { return std::string_view(v.as_string()).compare(c); },
        [](const Value&) { return false; });
  }

  void compare_times(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    std::int64_t t = 0;
    auto read = [&](const Value& v) { return time_of(v, t); };
    switch (n.cmp) {
      case Cmp::kIsSet:
      case Cmp::kNotSet: {
        bool want = n.cmp == Cmp::kIsSet;
        keep_if(n, ids, sel, [&](const Value& v) { return !v.is_false() == want; });
        return;
      }
      case Cmp::kLike:
      case Cmp::kIlike:
      case Cmp::kNotLike:
      case Cmp::kNotIlike:
        // The text the database holds: "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS".
        keep_like(n, ids, sel, [](const LikeMatcher& like, const Value& v) -> std::optional<bool> {
          if (v.is_date())
            return like(common::format_date(v.as_date()));
          if (v.is_datetime())
            return like(common::format_datetime(v.as_datetime()));
          if (v.is_string())
            return like(v.as_string());
          return std::nullopt;
        });
        return;
      case Cmp::kIn:
      case Cmp::kNotIn: {
        std::vector<std::int64_t> set;
        for (const Value& v : n.values) {
          std::int64_t x = 0;
          if (time_of(v, x)) {
            set.push_back(x);
          }
        }
        std::sort(set.begin(), set.end());
        ordered(
            n, ids, sel, read, [](const Value&) { return 0; },
            [&](const Value&) { return std::binary_search(set.begin(), set.end(), t); });
        return;
      }
      default:
        break;
    }
    std::int64_t c = 0;
    if (n.values.empty() || !time_of(n.values.front(), c)) {
      return;
    }
    ordered(
        n, ids, sel, read, [&](const Value&) { return t < c   ? -1
                                                      : t > c ? 1
                                                              : 0; },
        [](const Value&) { return false; });
  }

  // x2many compared directly (not produced by resolve()): "some linked id" semantics.
  void compare_x2many(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    if (n.cmp == Cmp::kIsSet || n.cmp == Cmp::kNotSet) {
      bool want = n.cmp == Cmp::kIsSet;
      keep_if(n, ids, sel,
              [&](const Value& v) { return (v.is_ids() && !v.as_ids().empty()) == want; });
      return;
    }
    NumSet set(n.values);
    bool negative = n.cmp == Cmp::kNe || n.cmp == Cmp::kNotIn;
    keep_if(n, ids, sel, [&](const Value& v) {
      bool some = false;
      if (v.is_ids()) {
        for (Id id : v.as_ids()) {
          some = some || set.contains(Num{true, id, 0});
        }
      }
      return some != negative;
    });
  }

  void any(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    const bool x2many = field_kind(*n.field) == FieldKind::kX2many;
    const bool positive = n.kind == K::kAny;
    const schema::Model& m = *n.model;
    const schema::Field& f = *n.field;
    const Resolved& sub = *n.sub;
    if (sub.kind == K::kTrue) {
      keep_if(n, ids, sel, [&](const Value& v) {
        bool some = x2many ? (v.is_ids() && !v.as_ids().empty()) : v.is_int();
        return some == positive;
      });
      return;
    }
    // The linked records of every candidate, then the sub-domain on all of them at once.
    IdList linked;
    for (std::uint32_t p : sel) {
      const Value& v = src_.get(m, f, ids[p]);
      if (x2many) {
        if (v.is_ids()) {
          linked.insert(linked.end(), v.as_ids().begin(), v.as_ids().end());
        }
      } else if (v.is_int()) {
        linked.push_back(v.as_int());
      }
    }
    std::sort(linked.begin(), linked.end());
    linked.erase(std::unique(linked.begin(), linked.end()), linked.end());
    IdList satisfied;
    if (!linked.empty()) {
      prefetch_level(sub, linked);
      std::vector<std::uint32_t> sub_sel(linked.size());
      for (std::uint32_t k = 0; k < sub_sel.size(); ++k) {
        sub_sel[k] = k;
      }
      eval(sub, linked, sub_sel);
      satisfied.reserve(sub_sel.size());
      for (std::uint32_t k : sub_sel) {
        satisfied.push_back(linked[k]);  // ascending, as `linked` is
      }
    }
    keep_linked_in(n, ids, sel, satisfied, x2many, positive);
  }

  void hierarchy(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel) {
    IdList set = src_.hierarchy(*n.hierarchy_model, n.roots, n.descendants);
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    FieldKind kind = field_kind(*n.field);
    if (kind == FieldKind::kId) {
      keep_if_id(ids, sel, [&](Id id) { return std::binary_search(set.begin(), set.end(), id); });
      return;
    }
    keep_linked_in(n, ids, sel, set, kind == FieldKind::kX2many, true);
  }

  // Keeps the candidates that have (positive) / do not have some linked id in `set` (sorted).
  void keep_linked_in(const Resolved& n, std::span<const Id> ids, std::vector<std::uint32_t>& sel,
                      const IdList& set, bool x2many, bool positive) {
    auto in = [&](Id id) { return std::binary_search(set.begin(), set.end(), id); };
    keep_if(n, ids, sel, [&](const Value& v) {
      bool some = false;
      if (x2many) {
        if (v.is_ids()) {
          for (Id id : v.as_ids()) {
            if (in(id)) {
              some = true;
              break;
            }
          }
        }
      } else if (v.is_int()) {
        some = in(v.as_int());
      }
      return some == positive;
    });
  }

  RecordSource& src_;
};

}  // namespace

IdList filter(const Resolved& domain, std::span<const Id> ids, RecordSource& source) {
  if (domain.kind == K::kTrue) {
    return IdList(ids.begin(), ids.end());
  }
  if (domain.kind == K::kFalse || ids.empty()) {
    return {};
  }
  Evaluator ev(source);
  ev.prefetch_level(domain, ids);
  std::vector<std::uint32_t> sel(ids.size());
  for (std::uint32_t k = 0; k < sel.size(); ++k) {
    sel[k] = k;
  }
  ev.eval(domain, ids, sel);
  IdList out;
  out.reserve(sel.size());
  for (std::uint32_t p : sel) {
    out.push_back(ids[p]);
  }
  return out;
}

bool matches(const Resolved& domain, Id id, RecordSource& source) {
  return !filter(domain, std::span<const Id>(&id, 1), source).empty();
}

bool like_match(std::string_view text, std::string_view pattern, bool case_insensitive) {
  return LikeMatcher(pattern, case_insensitive)(text);
}

}  // namespace autorules::domain
