// Text helpers shared by the layers: UTF-8 lower-casing (the one definition of "case-insensitive"
// used both by SQL and by the in-memory domain evaluator), base64, random tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autorules::common {

// Lower-cases ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters; every other code
// point (and invalid UTF-8) is copied unchanged.
std::string utf8_lower(std::string_view text);
// The same into `out` (cleared first), for loops that reuse one buffer.
void utf8_lower_into(std::string_view text, std::string& out);

// Appends one code point, UTF-8 encoded.
void utf8_append(std::string& out, char32_t code_point);

// ASCII-only case changes and trimming, for names and keywords (identifiers, "desc", "nulls").
std::string ascii_lower(std::string text);
std::string ascii_upper(std::string text);
// `text` without leading and trailing spaces, tabs and line breaks.
std::string trim(std::string_view text);

// Number of code points (invalid bytes count as one each).
size_t utf8_length(std::string_view text);

// `text` cut to at most `max_bytes` bytes on a code point boundary, followed by `marker` (with
// the number of bytes left out: "... (1234 more bytes)") when it was longer. For messages and log
// lines that must not grow with what a client or user code produced.
std::string truncate_utf8(std::string_view text, size_t max_bytes);

// HTML's five special characters (& < > " ') as entities: text safe in element content and
// in quoted attribute values.
std::string html_escape(std::string_view text);
std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64 (padding optional, whitespace ignored).
std::optional<std::string> base64_decode(std::string_view text);

// application/x-www-form-urlencoded: each name and value percent-encoded (every byte but ASCII
// letters, digits and -._~), joined as name=value&... in the order given.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// A random UUID4 in canonical text form (from the operating system's random source).
std::string random_uuid4();
// `bytes` random bytes, as lower-case hex.
std::string random_hex(size_t bytes);
// A Standard Webhooks signing secret: "whsec_" and the base64 of 32 random bytes.
std::string random_webhook_secret();

}  // namespace autorules::common
