// Password hashes: what res.users keeps instead of a password (docs/security.md, "Passwords").
//
// New hashes are Argon2id (libsodium's crypto_pwhash_str, its "interactive" limits: 64 MiB and
// two passes), in the PHC string format "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>". Hashes
// carried over from Odoo are also verified: PBKDF2-HMAC-SHA512 in passlib's format
// "$pbkdf2-sha512$<rounds>$<salt>$<checksum>" (adapted base64, '.' for '+', no padding), which
// Odoo stores in res_users.password. A match against such a hash, or against an Argon2id hash
// made with weaker limits, says so, and the caller stores a new hash in its place.
//
// Both are bounded before any work: a password longer than kMaxPasswordBytes, or a stored hash
// whose cost exceeds the limits below (more memory or passes than the interactive level allows
// several times over, more PBKDF2 rounds than kMaxPbkdf2Rounds), never matches, so a hash written
// by hand cannot make each login attempt take minutes or gigabytes.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace autorules::orm {

// The longest password accepted, in bytes.
constexpr std::size_t kMaxPasswordBytes = 4096;
// The most PBKDF2 rounds a carried-over hash may ask for (Odoo's default is 600,000).
constexpr std::uint32_t kMaxPbkdf2Rounds = 10'000'000;

// A new Argon2id hash of `password` (random salt). Throws common::ValueError when the password is
// longer than kMaxPasswordBytes; std::bad_alloc when the memory the hash needs cannot be had.
std::string hash_password(std::string_view password);

enum class PasswordMatch {
  kNo,
  kYes,
  kYesRehash,  // a match, against a hash of an older kind or weaker limits: replace it
};

// Whether `password` is the one `stored` was made from. An empty or unrecognised `stored` (no
// password set) never matches; neither does an empty password. Time depends on the hash's cost,
// not on where the password differs.
PasswordMatch verify_password(std::string_view password, std::string_view stored);

// Whether `stored` is a hash verify_password() understands and would try (its kind known, its
// parts well formed, its cost within the limits): what may be given as an existing hash when
// users are carried over from Odoo.
bool is_password_hash(std::string_view stored);

}  // namespace autorules::orm
