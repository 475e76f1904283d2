#include "orm/base/base_data.h"

#include <cstdlib>
#include <fstream>

#include "common/errors.h"
#include "orm/orm_fixture.h"

namespace autorules::orm::test {
namespace {

// The number of entries of an iso-codes list (top-level subdivisions only for 3166-2).
size_t iso_count(const std::string& file, const char* key) {
  std::ifstream in(iso_codes_dir() + "/" + file);
  Json doc = Json::parse(in);
  size_t n = 0;
  for (const Json& e : doc[key]) {
    if (!e.contains("parent"))
      ++n;
  }
  return n;
}

TEST_F(OrmTest, CountriesAndStatesComeFromIsoCodes) {
  Env e = env();
  EXPECT_EQ(static_cast<size_t>(e["res.country"].search_count(Domain())),
            iso_count("iso_3166-1.json", "3166-1"));
  EXPECT_EQ(static_cast<size_t>(e["res.country.state"].search_count(Domain())),
            iso_count("iso_3166-2.json", "3166-2"));
  RecordSet be = e.ref("base.be");
  EXPECT_EQ(be.read({"name", "code"})[0]["name"], "Belgium");
  EXPECT_EQ(be.read({"code"})[0]["code"], "BE");
  RecordSet ca = e.ref("base.state_us_ca");
  Json row = ca.read({"name", "code", "country_id"})[0];
  EXPECT_EQ(row["name"], "California");
  EXPECT_EQ(row["code"], "CA");
  EXPECT_EQ(row["country_id"][0], e.ref("base.us").id());
  EXPECT_EQ(e.ref("base.us").read({"currency_id"})[0]["currency_id"][0], e.ref("base.USD").id());
}

TEST_F(OrmTest, IsoCurrenciesAreAddedInactiveBesideTheActiveOnes) {
  Env e = env();
  EXPECT_EQ(e["res.currency"].search_count(parse("[('name', 'in', ['USD', 'EUR'])]")), 2);
  EXPECT_EQ(e["res.currency"].search_count(parse("[('name', '=', 'SEK')]")), 0);
  EXPECT_EQ(e["res.currency"].search_count(parse("[('name', '=', 'SEK'), ('active', '=', False)]")),
            1);
  EXPECT_EQ(e.ref("base.SEK").read({"symbol"})[0]["symbol"], "SEK");
}

TEST_F(OrmTest, MainCompanyLanguageAndUsersCompany) {
  Id marc = make_internal_user();
  Env e = env();
  RecordSet company = e.ref("base.main_company");
  Json row = company.read({"name", "partner_id", "currency_id"})[0];
  EXPECT_EQ(row["name"], "My Company");
  EXPECT_EQ(row["partner_id"][0], e.ref("base.main_partner").id());
  EXPECT_EQ(row["currency_id"][0], e.ref("base.USD").id());
  EXPECT_EQ(e.ref("base.user_admin").read({"company_id"})[0]["company_id"][0], company.id());
  Json user = e["res.users"].browse({marc}).read({"company_id", "company_ids"})[0];
  EXPECT_EQ(user["company_id"][0], company.id());
  EXPECT_EQ(user["company_ids"], Json::array({company.id()}));
  Json lang = e.ref("base.lang_en").read({"code", "week_start", "grouping"})[0];
  EXPECT_EQ(lang["code"], "en_US");
  EXPECT_EQ(lang["week_start"], "7");
  EXPECT_EQ(lang["grouping"], "[3,0]");
}

TEST_F(OrmTest, ANewCompanyGetsItsPartnerWithItsAddress) {
  Env e = env();
  RecordSet c = e["res.company"].create(
      Json{{"name", "Second Co"}, {"city", "Gent"}, {"country_id", e.ref("base.be").id()}});
  Json row = c.read({"partner_id", "currency_id"})[0];
  RecordSet partner = e["res.partner"].browse({row["partner_id"][0].get<Id>()});
  Json p = partner.read({"name", "city", "country_id", "is_company"})[0];
  EXPECT_EQ(p["name"], "Second Co");
  EXPECT_EQ(p["city"], "Gent");
  EXPECT_EQ(p["country_id"][0], e.ref("base.be").id());
  EXPECT_EQ(p["is_company"], true);
  EXPECT_EQ(row["currency_id"][0], e.ref("base.USD").id());  // the main company's
  c.write(Json{{"street", "Korenmarkt 1"}});
  EXPECT_EQ(partner.read({"street"})[0]["street"], "Korenmarkt 1");
}

TEST_F(OrmTest, CountryAndStateCodesAreUnique) {
  Env e = env();
  EXPECT_THROW_MSG(e["res.country"].create(Json{{"name", "Belgium 2"}, {"code", "be"}}),
                   common::ValidationError, "must be unique");
  EXPECT_THROW_MSG(e["res.country"].create(Json{{"name", "Narnia"}, {"code", "NAR"}}),
                   common::ValidationError, "two characters");
  EXPECT_THROW_MSG(e.ref("base.fr").write(Json{{"code", "BE"}}), common::ValidationError,
                   "must be unique");
  RecordSet xr = e["res.country"].create(Json{{"name", "Ruritania"}, {"code", "xr"}});
  EXPECT_EQ(xr.read({"code"})[0]["code"], "XR");
  Id us = e.ref("base.us").id();
  EXPECT_THROW_MSG(
      e["res.country.state"].create(Json{{"name", "Cali"}, {"code", "CA"}, {"country_id", us}}),
      common::ValidationError, "unique by country");
  RecordSet zenda = e["res.country.state"].create(
      Json{{"name", "Zenda"}, {"code", "CA"}, {"country_id", xr.id()}});
  EXPECT_THROW_MSG(zenda.write(Json{{"country_id", us}}), common::ValidationError,
                   "unique by country");
}

TEST_F(OrmTest, InternalUsersReadButDoNotChangeCountries) {
  Id marc = make_internal_user();
  Env e = env(marc);
  EXPECT_GT(e["res.country"].search_count(Domain()), 0);
  EXPECT_THROW(e.ref("base.be").write(Json{{"name", "Belgique"}}), common::AccessError);
  EXPECT_THROW(e.ref("base.lang_en").write(Json{{"active", false}}), common::AccessError);
  EXPECT_THROW(e.ref("base.main_company").write(Json{{"name", "Mine"}}), common::AccessError);
}

// Without the iso-codes files the server starts, without countries; the next start with the
// files loads them, once.
TEST(BaseDataTest, MissingIsoCodesAreSkippedThenLoadedAtTheNextStart) {
  ::autorules::test::TempDir dir;
  common::ManualClock clock(*common::parse_datetime("2026-01-15 10:00:00"));
  std::string db = "sqlite:" + dir.path("t.db");
  auto count = [&](Runtime& rt, const char* model) {
    Env e = Env::begin(rt, kSuperuserId, store::Access::kRead);
    return e[model].search_count(Domain());
  };
  ::setenv("AUTORULES_ISO_CODES_DIR", dir.path("nowhere").c_str(), 1);
  {
    Runtime rt(store::Database::open(db), clock);
    rt.initialize();
    EXPECT_EQ(count(rt, "res.country"), 0);
    EXPECT_EQ(count(rt, "res.company"), 1);
    EXPECT_EQ(count(rt, "res.lang"), 1);
  }
  ::unsetenv("AUTORULES_ISO_CODES_DIR");
  std::int64_t countries = 0;
  for (int start = 0; start < 2; ++start) {
    Runtime rt(store::Database::open(db), clock);
    rt.initialize();
    if (start == 0)
      countries = count(rt, "res.country");
    EXPECT_GE(countries, 249);
    EXPECT_EQ(count(rt, "res.country"), countries);
    EXPECT_EQ(count(rt, "res.company"), 1);
  }
}

}  // namespace
}  // namespace autorules::orm::test
