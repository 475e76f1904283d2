// Internal to outbox/: the rule for an HTTP message's own headers (its content type, its
// Authorization value and the name of its idempotency header). enqueue() refuses a message that
// breaks it, and the dispatcher applies it again to the rows it reads, which an administrator may
// have changed through the API since: nothing with a line end or a byte outside printable ASCII
// reaches libcurl, which sends what it is given.
//
// Thread-safety: pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace autorules::outbox::internal {

// Why these headers cannot be sent, or nullopt. The text is a message for a person, for a
// ValueError or an attempt's error: "The message's authorization is not printable ASCII".
std::optional<std::string> http_headers_problem(std::string_view content_type,
                                                std::string_view authorization,
                                                std::string_view idempotency_header);

}  // namespace autorules::outbox::internal
