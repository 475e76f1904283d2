#include "outbox/internal/http_headers.h"

#include <fmt/format.h>

#include "outbox/outbox.h"

namespace autorules::outbox::internal {

namespace {

// A header value: printable ASCII without line ends, bounded.
std::optional<std::string> value_problem(std::string_view what, std::string_view value) {
  if (value.size() > kMaxHeaderValueLength)
    return fmt::format("The message's {} is longer than {} bytes", what, kMaxHeaderValueLength);
  for (char c : value) {
    if (c < 0x20 || c > 0x7e)
      return fmt::format("The message's {} is not printable ASCII", what);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> http_headers_problem(std::string_view content_type,
                                                std::string_view authorization,
                                                std::string_view idempotency_header) {
  if (auto why = value_problem("content type", content_type))
    return why;
  if (auto why = value_problem("authorization", authorization))
    return why;
  if (auto why = value_problem("idempotency header", idempotency_header))
    return why;
  if (idempotency_header.find_first_of(": ") != std::string_view::npos)
    return std::string("The message's idempotency header is not a header name");
  return std::nullopt;
}

}  // namespace autorules::outbox::internal
