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

void throw_error(ErrorKind kind, const std::string& message) {
  switch (kind) {
    case ErrorKind::kUser:
      throw UserError(message);
    case ErrorKind::kValidation:
      throw ValidationError(message);
    case ErrorKind::kAccess:
      throw AccessError(message);
    case ErrorKind::kMissing:
      throw MissingError(message);
    case ErrorKind::kAccessDenied:
      throw AccessDenied(message);
    case ErrorKind::kNotFound:
      throw NotFoundError(message);
    case ErrorKind::kBadRequest:
      throw BadRequestError(message);
    case ErrorKind::kUnprocessable:
      throw UnprocessableError(message);
    case ErrorKind::kValue:
      throw ValueError(message);
    case ErrorKind::kTooLarge:
      throw TooLargeError(message);
    case ErrorKind::kConflict:
      throw ConflictError(message);
    case ErrorKind::kInternal:
      break;
  }
  throw InternalError(message);
}

}  // namespace autorules::common
