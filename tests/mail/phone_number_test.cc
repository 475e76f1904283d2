// Phone numbers to E.164 (mail/phone_number.h): numbers written as people write them in several
// countries, international forms, the record's country used only for local numbers, and text
// that is not a possible number.
#include "mail/phone_number.h"

#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace autorules::mail::test {
namespace {

TEST(PhoneNumber, LocalNumbersAreReadInTheirCountry) {
  struct Case {
    const char* number;
    const char* country;
    const char* e164;
  };
  for (const Case& c : std::vector<Case>{
           {"0475 12 34 56", "BE", "+32475123456"},
           {"0475/12.34.56", "be", "+32475123456"},  // the country's code in either case
           {"06 12 34 56 78", "FR", "+33612345678"},
           {"(650) 253-0000", "US", "+16502530000"},
           {"650.253.0000", "US", "+16502530000"},
           {"07911 123456", "GB", "+447911123456"},
           {"030 123456", "DE", "+4930123456"},
           {"0612345678", "NL", "+31612345678"},
           {"312 345 6789", "IT", "+393123456789"},
           {"(11) 96123-4567", "BR", "+5511961234567"},
           {"090-1234-5678", "JP", "+819012345678"},
           {"98765 43210", "IN", "+919876543210"},
       }) {
    EXPECT_EQ(to_e164(c.number, c.country), std::optional<std::string>(c.e164)) << c.number;
  }
}

TEST(PhoneNumber, InternationalNumbersKeepTheirOwnCountry) {
  // A number written with its calling code is that country's, whatever the record's.
  EXPECT_EQ(to_e164("+1 650-253-0000", "BE"), "+16502530000");
  EXPECT_EQ(to_e164("+32 475 12 34 56", ""), "+32475123456");
  EXPECT_EQ(to_e164("+32 475 12 34 56", "XX"), "+32475123456");  // an unknown country
  // The country's own international prefix.
  EXPECT_EQ(to_e164("0032 475 12 34 56", "BE"), "+32475123456");
  EXPECT_EQ(to_e164("011 32 475 12 34 56", "US"), "+32475123456");
  // Digits of other scripts (full-width here) are digits.
  EXPECT_EQ(to_e164("+32 \xef\xbc\x94\xef\xbc\x97\xef\xbc\x95 12 34 56", ""), "+32475123456");
  // Words around the number are skipped, and an extension is not part of the E.164 form (as
  // Odoo's phone validation, which uses the same library's metadata, reads them).
  EXPECT_EQ(to_e164("Tel: 0475 12 34 56", "BE"), "+32475123456");
  EXPECT_EQ(to_e164("(650) 253-0000 ext. 12", "US"), "+16502530000");
  // Already E.164: unchanged.
  EXPECT_EQ(to_e164("+447911123456", "FR"), "+447911123456");
}

TEST(PhoneNumber, WhatIsNotAPossibleNumberHasNoE164Form) {
  for (const char* country : {"BE", "US", ""}) {
    for (const std::string& bad : std::vector<std::string>{
             "", "   ", "abc", "12", "0475 12 34", "0475 12 34 56 78 90 12", "+32 475",
             "+999 1234567",           // no such calling code
             "+1 555 0100 0000 0000",  // too long
             "+32 475 12 34 56\xff",   // not UTF-8
             "\xc0\xaf+32475123456",   // an overlong '/'
         }) {
      EXPECT_EQ(to_e164(bad, country), std::nullopt) << bad << " in " << country;
    }
  }
  // A local number without a country cannot be placed.
  EXPECT_EQ(to_e164("0475 12 34 56", ""), std::nullopt);
  EXPECT_EQ(to_e164("0475 12 34 56", "B"), std::nullopt);
  EXPECT_EQ(to_e164("0475 12 34 56", "B\xc3\xa9"), std::nullopt);
  // Numbers the right length for their country but in no range it assigns.
  EXPECT_EQ(to_e164("+1 123 456 7890", ""), std::nullopt);  // area codes never start with 1
  EXPECT_EQ(to_e164("0123 45 67 89", "BE"), std::nullopt);
}

TEST(PhoneNumber, LongOrHostileTextIsRefusedCheaply) {
  EXPECT_EQ(to_e164(std::string(kMaxPhoneNumberLength + 1, '1'), "BE"), std::nullopt);
  EXPECT_EQ(to_e164("+32475123456" + std::string(100, ' '), "BE"), std::nullopt);
  EXPECT_EQ(to_e164(std::string(10'000'000, '9'), "US"), std::nullopt);
  // Random bytes never crash it, and whatever it answers is E.164.
  std::mt19937 random(7);
  for (int i = 0; i < 20'000; ++i) {
    std::string text(random() % 30, '\0');
    for (char& c : text)
      c = static_cast<char>(random() % 4 ? "+0123456789 ()-./x"[random() % 18] : random());
    if (std::optional<std::string> out = to_e164(text, i % 2 ? "BE" : "US")) {
      ASSERT_EQ((*out)[0], '+') << text;
      ASSERT_LE(out->size(), 16u) << text;
      ASSERT_EQ(out->find_first_not_of("+0123456789"), std::string::npos) << text;
    }
  }
}

TEST(PhoneNumber, ManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::vector<int> right(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &right] {
      for (int i = 0; i < 500; ++i)
        right[t] += to_e164("0475 12 34 56", "BE") == "+32475123456";
    });
  }
  for (std::thread& t : threads)
    t.join();
  for (int r : right)
    EXPECT_EQ(r, 500);
}

}  // namespace
}  // namespace autorules::mail::test
