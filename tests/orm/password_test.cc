// Password hashes (src/orm/password.h): Argon2id made and checked, Odoo's PBKDF2 hashes checked
// and marked for renewal, and hashes out of bounds or malformed never matching.
#include "orm/password.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "common/errors.h"
#include "test_support/expect_throw.h"

namespace autorules::orm {
namespace {

// Made by passlib (what Odoo uses): pbkdf2_sha512.using(rounds=1000, salt=b"0123456789abcdef")
// .hash("correct horse"), and with an empty salt for "pässwörd".
constexpr const char* kOdooHash =
    "$pbkdf2-sha512$1000$MDEyMzQ1Njc4OWFiY2RlZg$OM0FAoIqCVK1sWtxDiffVlBejtLa.ks4TP71JiecwuSZCG8iLbn"
    "lIEPOMoVX.i2B2wkSxjQ8CRGR9OkNGuIPMQ";
constexpr const char* kOdooHashNoSalt =
    "$pbkdf2-sha512$1000$$pFm.W6eUTeXbItjzofsU1o.f88J6i8clTLx0286lJRt7oStOZYvji5HR5Ne9bqsltIsMDJpFc"
    "eCk5TTCcaMqSQ";

TEST(Password, Argon2idHashesMatchOnlyTheirPassword) {
  std::string h = hash_password("correct horse battery staple");
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << h;
  EXPECT_EQ(verify_password("correct horse battery staple", h), PasswordMatch::kYes);
  EXPECT_EQ(verify_password("correct horse battery stapl", h), PasswordMatch::kNo);
  EXPECT_EQ(verify_password("Correct horse battery staple", h), PasswordMatch::kNo);
  EXPECT_EQ(verify_password("", h), PasswordMatch::kNo);
  // A random salt: the same password never gives the same hash.
  EXPECT_NE(hash_password("correct horse battery staple"), h);
  EXPECT_TRUE(is_password_hash(h));
}

TEST(Password, OdoosPbkdf2HashesMatchAndAskForRenewal) {
  EXPECT_EQ(verify_password("correct horse", kOdooHash), PasswordMatch::kYesRehash);
  EXPECT_EQ(verify_password("correct horsE", kOdooHash), PasswordMatch::kNo);
  EXPECT_EQ(verify_password("pässwörd", kOdooHashNoSalt), PasswordMatch::kYesRehash);
  EXPECT_EQ(verify_password("passwörd", kOdooHashNoSalt), PasswordMatch::kNo);
  EXPECT_TRUE(is_password_hash(kOdooHash));
}

TEST(Password, WeakerArgon2idLimitsAskForRenewal) {
  // Made with libsodium's lowest limits (8 KiB, one pass), as an older setting might have.
  char weak[crypto_pwhash_STRBYTES];
  ASSERT_EQ(
      crypto_pwhash_argon2id_str(weak, "s3cret-words", 12, crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                 crypto_pwhash_argon2id_MEMLIMIT_MIN),
      0);
  EXPECT_EQ(verify_password("s3cret-words", weak), PasswordMatch::kYesRehash);
  EXPECT_EQ(verify_password("s3cret-word", weak), PasswordMatch::kNo);
  // Changing the parameters written in a hash breaks it: it no longer matches.
  std::string h = hash_password("s3cret-words");
  h.replace(h.find("m=65536,t=2"), 11, "m=65536,t=3");
  EXPECT_EQ(verify_password("s3cret-words", h), PasswordMatch::kNo);
}

TEST(Password, MalformedOrCostlyHashesNeverMatch) {
  std::string good = kOdooHash;
  for (std::string bad : {
           std::string(),
           std::string("correct horse"),     // plain text is never a hash
           good.substr(0, good.size() - 2),  // checksum too short
           good + "$",
           good + "$x",
           std::string("$pbkdf2-sha512$0$MDEy$") + good.substr(good.rfind('$') + 1),
           std::string("$pbkdf2-sha512$010$MDEy$") + good.substr(good.rfind('$') + 1),
           std::string("$pbkdf2-sha512$10000001$MDEy$") + good.substr(good.rfind('$') + 1),
           std::string("$pbkdf2-sha512$1000$MD+y$") + good.substr(good.rfind('$') + 1),
           std::string("$pbkdf2-sha256$1000$MDEy$") + good.substr(good.rfind('$') + 1),
           std::string("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),  // 4 GiB
           std::string("$argon2id$v=19$m=65536,t=100,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
           std::string("$argon2id$v=19$m=65536,t=2,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"),
           std::string("$argon2id$v=16$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
           std::string("$argon2id$v=19$m=65536,t=2,p=1,x=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
           std::string("$argon2i$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
       }) {
    EXPECT_FALSE(is_password_hash(bad)) << bad;
    EXPECT_EQ(verify_password("correct horse", bad), PasswordMatch::kNo) << bad;
  }
}

TEST(Password, LengthIsBounded) {
  std::string longest(kMaxPasswordBytes, 'a');
  std::string h = hash_password(longest);
  EXPECT_EQ(verify_password(longest, h), PasswordMatch::kYes);
  EXPECT_EQ(verify_password(longest + "a", h), PasswordMatch::kNo);
  EXPECT_THROW_MSG(hash_password(longest + "a"), common::ValueError, "longer than 4096 bytes");
}

TEST(Password, BytesAreCompared) {
  // NUL and bytes that are not UTF-8 are part of the password, not its end.
  std::string with_nul("abc\0def", 7);
  std::string h = hash_password(with_nul);
  EXPECT_EQ(verify_password(with_nul, h), PasswordMatch::kYes);
  EXPECT_EQ(verify_password("abc", h), PasswordMatch::kNo);
}

}  // namespace
}  // namespace autorules::orm
