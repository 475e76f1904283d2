// The error hierarchy. Errors are typed exceptions inside the process and become data once, at an
// edge (the API's JSON error and status, a log row, a delivery attempt). Every error carries a
// message meant for a person; the API maps ErrorKind to an HTTP status (api/ only).
//
// The names follow Odoo's so that Odoo clients recognise them: UserError and its subclasses are
// business errors raised by rules, actions and user code; the werkzeug-style errors describe a
// bad request; InternalError is a bug or an environment failure (500, details in the log).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace autorules::common {

enum class ErrorKind {
  kUser,           // odoo.exceptions.UserError                 422
  kValidation,     // odoo.exceptions.ValidationError           422
  kAccess,         // odoo.exceptions.AccessError               403
  kMissing,        // odoo.exceptions.MissingError              404
  kAccessDenied,   // odoo.exceptions.AccessDenied (bad key)    401
  kNotFound,       // werkzeug.exceptions.NotFound              404
  kBadRequest,     // werkzeug.exceptions.BadRequest            400
  kUnprocessable,  // werkzeug.exceptions.UnprocessableEntity   422
  kValue,          // builtins.ValueError (bad domain, values)  422
  kTooLarge,       // werkzeug.exceptions.RequestEntityTooLarge 413
  kConflict,       // a retryable database conflict (busy, serialization)
  kInternal,       // anything else                             500
};

// The longest message an error keeps: longer ones are cut (with a note of how much was left
// out), so that no error — and no answer or log line made from one — grows with the size of what
// a client sent or user code produced.
inline constexpr std::size_t kMaxErrorMessage = 16u << 10;

// The automation rule in which an error happened: set by each rule the error passes through
// (automation/internal/engine.cc), so the outermost remains, as Odoo's _add_postmortem.
struct RuleContext {
  std::int64_t id = 0;
  std::string name;
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message);
  ErrorKind kind() const { return kind_; }
  // The fully qualified exception name of Odoo's JSON-2 error object.
  const char* name() const;
  // The rule in which the error happened, if any (see RuleContext).
  const std::optional<RuleContext>& rule() const { return rule_; }
  void set_rule(RuleContext rule) { rule_ = std::move(rule); }

 private:
  ErrorKind kind_;
  std::optional<RuleContext> rule_;
};

#define AUTORULES_ERROR(Class, Kind)                                            \
  class Class : public Error {                                                  \
   public:                                                                      \
    explicit Class(const std::string& message) : Error(Kind, message) {}        \
                                                                                \
   protected:                                                                   \
    Class(ErrorKind kind, const std::string& message) : Error(kind, message) {} \
  }

AUTORULES_ERROR(UserError, ErrorKind::kUser);
AUTORULES_ERROR(NotFoundError, ErrorKind::kNotFound);
AUTORULES_ERROR(BadRequestError, ErrorKind::kBadRequest);
AUTORULES_ERROR(UnprocessableError, ErrorKind::kUnprocessable);
AUTORULES_ERROR(ValueError, ErrorKind::kValue);
AUTORULES_ERROR(TooLargeError, ErrorKind::kTooLarge);
AUTORULES_ERROR(ConflictError, ErrorKind::kConflict);
AUTORULES_ERROR(InternalError, ErrorKind::kInternal);
AUTORULES_ERROR(AccessDenied, ErrorKind::kAccessDenied);

#undef AUTORULES_ERROR

class ValidationError : public UserError {
 public:
  explicit ValidationError(const std::string& message)
      : UserError(ErrorKind::kValidation, message) {}
};
class AccessError : public UserError {
 public:
  explicit AccessError(const std::string& message) : UserError(ErrorKind::kAccess, message) {}
};
class MissingError : public UserError {
 public:
  explicit MissingError(const std::string& message) : UserError(ErrorKind::kMissing, message) {}
};

// Throws the error of `kind` (its class in the hierarchy above) with `message` and `rule`: for
// layers that add context to an error without changing what it is (e.g. naming the rule that
// raised it).
[[noreturn]] void throw_error(ErrorKind kind, const std::string& message,
                              std::optional<RuleContext> rule = std::nullopt);

// How many times a call is tried in all when the database reports a conflict (ConflictError:
// SQLite busy across processes, a serialization failure), as Odoo retries a request.
inline constexpr int kConflictAttempts = 5;

// Runs `call` (a whole transaction: it begins, works and commits its own) and returns its result;
// when it throws a ConflictError, runs it again, kConflictAttempts times in all, then lets the
// last ConflictError through. Any other error goes through at once.
template <class F>
auto retry_on_conflict(F&& call) -> decltype(call()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return call();
    } catch (const ConflictError&) {
      if (attempt >= kConflictAttempts)
        throw;
    }
  }
}

}  // namespace autorules::common
