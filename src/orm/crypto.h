// Hashing and signing for secrets the ORM keeps (API keys) and, later, outgoing signatures.
// Thin wrappers over OpenSSL's libcrypto; stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace autorules::orm {

// SHA-256 as lower-case hex.
std::string sha256_hex(std::string_view data);
// HMAC-SHA256 as raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
// HMAC-SHA1 as raw bytes (only where a provider's signature is defined with it: Twilio's).
std::string hmac_sha1(std::string_view key, std::string_view data);
// HMAC-SHA256 as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Compares two strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace autorules::orm
