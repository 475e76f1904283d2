#include "orm/password.h"

#include <charconv>
#include <new>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "common/errors.h"

namespace autorules::orm {

namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";
constexpr std::string_view kPbkdf2Prefix = "$pbkdf2-sha512$";
constexpr std::size_t kPbkdf2Checksum = 64;   // SHA-512's output, as passlib stores it
constexpr std::size_t kMaxPbkdf2Salt = 1024;  // passlib's own bound
// The costliest Argon2id hash verified: libsodium's "moderate" memory (256 MiB) and 16 passes.
constexpr std::uint64_t kMaxArgon2MemoryKiB = 256u * 1024u;
constexpr std::uint64_t kMaxArgon2Passes = 16;

void init_sodium() {
  // Thread-safe and idempotent; it picks the fastest implementations for this CPU.
  static const int ready = sodium_init();
  if (ready < 0)
    throw std::runtime_error("libsodium could not be initialised");
}

std::string_view next_part(std::string_view& rest) {
  std::size_t dollar = rest.find('$');
  std::string_view part = rest.substr(0, dollar);
  rest = dollar == std::string_view::npos ? std::string_view() : rest.substr(dollar + 1);
  return part;
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t n = 0;
  if (text.empty() || text.size() > 12 || (text.size() > 1 && text[0] == '0'))
    return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return n;
}

// passlib's "adapted base64" ('.' for '+', no padding) to bytes; nullopt when it is not.
std::optional<std::string> ab64_decode(std::string_view text, std::size_t max_bytes) {
  std::string b64(text);
  for (char& c : b64) {
    if (c == '.')
      c = '+';
    else if (c == '+')
      return std::nullopt;
  }
  std::string out(max_bytes, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != b64.data() + b64.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

struct Pbkdf2Hash {
  std::uint32_t rounds = 0;
  std::string salt;
  std::string checksum;
};

// "$pbkdf2-sha512$<rounds>$<salt>$<checksum>", its cost within bounds.
std::optional<Pbkdf2Hash> parse_pbkdf2(std::string_view stored) {
  if (!stored.starts_with(kPbkdf2Prefix))
    return std::nullopt;
  std::string_view rest = stored.substr(kPbkdf2Prefix.size());
  auto rounds = parse_number(next_part(rest));
  std::string_view salt = next_part(rest);
  std::string_view checksum = next_part(rest);
  if (!rounds || *rounds < 1 || *rounds > kMaxPbkdf2Rounds || !rest.empty() ||
      stored.ends_with('$'))
    return std::nullopt;
  Pbkdf2Hash h;
  h.rounds = static_cast<std::uint32_t>(*rounds);
  auto s = ab64_decode(salt, kMaxPbkdf2Salt);
  auto c = ab64_decode(checksum, kPbkdf2Checksum);
  if (!s || !c || c->size() != kPbkdf2Checksum)
    return std::nullopt;
  h.salt = std::move(*s);
  h.checksum = std::move(*c);
  return h;
}

// An Argon2id PHC string libsodium can verify ("$argon2id$v=19$m=..,t=..,p=1$salt$hash"), its
// cost within bounds.
bool argon2id_within_bounds(std::string_view stored) {
  if (!stored.starts_with(kArgon2idPrefix) || stored.size() >= crypto_pwhash_STRBYTES)
    return false;
  std::string_view rest = stored.substr(kArgon2idPrefix.size());
  if (next_part(rest) != "v=19")
    return false;
  std::string_view params = next_part(rest);
  std::optional<std::uint64_t> m, t, p;
  while (!params.empty()) {
    std::size_t comma = params.find(',');
    std::string_view kv = params.substr(0, comma);
    params = comma == std::string_view::npos ? std::string_view() : params.substr(comma + 1);
    if (kv.size() < 3 || kv[1] != '=')
      return false;
    auto n = parse_number(kv.substr(2));
    if (kv[0] == 'm')
      m = n;
    else if (kv[0] == 't')
      t = n;
    else if (kv[0] == 'p')
      p = n;
    else
      return false;
  }
  std::string_view salt = next_part(rest);
  std::string_view hash = next_part(rest);
  return m && t && p && *p == 1 && *m >= 8 && *m <= kMaxArgon2MemoryKiB && *t >= 1 &&
         *t <= kMaxArgon2Passes && !salt.empty() && !hash.empty() && rest.empty() &&
         !stored.ends_with('$');
}

}  // namespace

std::string hash_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes)
    throw common::ValueError(
        fmt::format("A password may not be longer than {} bytes", kMaxPasswordBytes));
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(),
                                 crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) != 0)
    throw std::bad_alloc();
  return std::string(out);
}

PasswordMatch verify_password(std::string_view password, std::string_view stored) {
  if (password.empty() || password.size() > kMaxPasswordBytes)
    return PasswordMatch::kNo;
  if (argon2id_within_bounds(stored)) {
    init_sodium();
    std::string str(stored);  // libsodium reads a NUL-terminated string
    if (crypto_pwhash_argon2id_str_verify(str.c_str(), password.data(), password.size()) != 0)
      return PasswordMatch::kNo;
    return crypto_pwhash_argon2id_str_needs_rehash(str.c_str(),
                                                   crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                                   crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) == 0
               ? PasswordMatch::kYes
               : PasswordMatch::kYesRehash;
  }
  if (auto h = parse_pbkdf2(stored)) {
    unsigned char derived[kPbkdf2Checksum];
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(h->salt.data()),
                          static_cast<int>(h->salt.size()), static_cast<int>(h->rounds),
                          EVP_sha512(), static_cast<int>(kPbkdf2Checksum), derived) != 1)
      return PasswordMatch::kNo;
    init_sodium();
    if (sodium_memcmp(derived, h->checksum.data(), kPbkdf2Checksum) != 0)
      return PasswordMatch::kNo;
    return PasswordMatch::kYesRehash;
  }
  return PasswordMatch::kNo;
}

bool is_password_hash(std::string_view stored) {
  return argon2id_within_bounds(stored) || parse_pbkdf2(stored).has_value();
}

}  // namespace autorules::orm
