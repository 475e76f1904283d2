#include "common/errors.h"

#include "common/text.h"

namespace autorules::common {

Error::Error(ErrorKind kind, const std::string& message)
    : std::runtime_error(
          message.size() > kMaxErrorMessage ? truncate_utf8(message, kMaxErrorMessage) : message),
      kind_(kind) {}

const char* Error::name() const {
  switch (kind_) {
    case ErrorKind::kUser:
      return "odoo.exceptions.UserError";
    case ErrorKind::kValidation:
      return "odoo.exceptions.ValidationError";
    case ErrorKind::kAccess:
      return "odoo.exceptions.AccessError";
    case ErrorKind::kMissing:
      return "odoo.exceptions.MissingError";
    case ErrorKind::kAccessDenied:
      return "odoo.exceptions.AccessDenied";
    case ErrorKind::kNotFound:
      return "werkzeug.exceptions.NotFound";
    case ErrorKind::kBadRequest:
      return "werkzeug.exceptions.BadRequest";
    case ErrorKind::kUnprocessable:
      return "werkzeug.exceptions.UnprocessableEntity";
    case ErrorKind::kValue:
      return "builtins.ValueError";
    case ErrorKind::kTooLarge:
      return "werkzeug.exceptions.RequestEntityTooLarge";
    case ErrorKind::kConflict:
      return "odoo.exceptions.ConcurrencyError";
    case ErrorKind::kInternal:
      return "werkzeug.exceptions.InternalServerError";
  }
  return "builtins.Exception";
}

namespace {

template <class E>
[[noreturn]] void throw_with(const std::string& message, std::optional<RuleContext> rule) {
  E e(message);
  if (rule)
    e.set_rule(std::move(*rule));
  throw e;
}

}  // namespace

void throw_error(ErrorKind kind, const std::string& message, std::optional<RuleContext> rule) {
  switch (kind) {
    case ErrorKind::kUser:
      throw_with<UserError>(message, std::move(rule));
    case ErrorKind::kValidation:
      throw_with<ValidationError>(message, std::move(rule));
    case ErrorKind::kAccess:
      throw_with<AccessError>(message, std::move(rule));
    case ErrorKind::kMissing:
      throw_with<MissingError>(message, std::move(rule));
    case ErrorKind::kAccessDenied:
      throw_with<AccessDenied>(message, std::move(rule));
    case ErrorKind::kNotFound:
      throw_with<NotFoundError>(message, std::move(rule));
    case ErrorKind::kBadRequest:
      throw_with<BadRequestError>(message, std::move(rule));
    case ErrorKind::kUnprocessable:
      throw_with<UnprocessableError>(message, std::move(rule));
    case ErrorKind::kValue:
      throw_with<ValueError>(message, std::move(rule));
    case ErrorKind::kTooLarge:
      throw_with<TooLargeError>(message, std::move(rule));
    case ErrorKind::kConflict:
      throw_with<ConflictError>(message, std::move(rule));
    case ErrorKind::kInternal:
      break;
  }
  throw_with<InternalError>(message, std::move(rule));
}

}  // namespace autorules::common
