// Countries, states, ISO currencies, languages and the main company: see base_data.h.
#include "orm/base/base_data.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/mutex.h"
#include "common/text.h"
#include "orm/recordset.h"
#include "orm/xmlid.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

// (Named: the library is built as unity sources, where anonymous namespaces of files merge.)
namespace {
namespace base_data {

constexpr const char* kDefaultIsoCodesDir = "/usr/share/iso-codes/json";
// glibc's locale sources (Debian's `locales` package): each territory's currency and calling
// code, which iso-codes does not have.
constexpr const char* kDefaultLocalesDir = "/usr/share/i18n/locales";

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up
  return v && *v ? std::string(v) : std::string(fallback);
}

bool truthy(const Json& v) {
  return !(v.is_null() || (v.is_boolean() && !v.get<bool>()));
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The list under `key` of an iso-codes file, or nullopt (with a warning) when it is missing or
// not what is expected.
std::optional<Json> read_iso_list(const std::string& dir, const std::string& file,
                                  const char* key) {
  std::string path = dir + "/" + file;
  std::ifstream in(path);
  if (!in) {
    spdlog::warn("base data: {} not found (Debian package iso-codes): skipped", path);
    return std::nullopt;
  }
  Json doc = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains(key) || !doc[key].is_array()) {
    spdlog::warn("base data: {} has no \"{}\" list: skipped", path, key);
    return std::nullopt;
  }
  return std::move(doc[key]);
}

// What is kept of the iso-codes lists (names as loaded, see load_countries).
struct IsoItem {
  std::string code;     // currency: alpha_3; country: alpha_2; state: after the dash
  std::string name;     // as shown: a country's common name when it has one
  std::string country;  // states: the country's alpha_2
};
struct IsoLists {
  std::optional<std::vector<IsoItem>> currencies, countries, states;
  bool complete() const { return currencies && countries && states; }
};

IsoLists read_iso_lists(const std::string& dir) {
  IsoLists out;
  if (std::optional<Json> list = read_iso_list(dir, "iso_4217.json", "4217")) {
    out.currencies.emplace();
    for (const Json& c : *list) {
      std::string code = str(c, "alpha_3");
      if (code.size() == 3)
        out.currencies->push_back({code, str(c, "name"), {}});
    }
  }
  if (std::optional<Json> list = read_iso_list(dir, "iso_3166-1.json", "3166-1")) {
    out.countries.emplace();
    for (const Json& c : *list) {
      std::string name = str(c, "common_name");
      if (name.empty())
        name = str(c, "name");
      std::string code = common::ascii_upper(str(c, "alpha_2"));
      if (code.size() == 2 && !name.empty())
        out.countries->push_back({code, name, {}});
    }
  }
  if (std::optional<Json> list = read_iso_list(dir, "iso_3166-2.json", "3166-2")) {
    out.states.emplace();
    for (const Json& s : *list) {
      if (s.contains("parent"))
        continue;  // only the top level of each country
      std::string full = str(s, "code");
      size_t dash = full.find('-');
      std::string name = str(s, "name");
      if (dash != std::string::npos && dash + 1 < full.size() && !name.empty())
        out.states->push_back({full.substr(dash + 1), name, full.substr(0, dash)});
    }
  }
  return out;
}

// read_iso_lists, once per folder and process when the files are there: every new database
// needs them (tests make hundreds).
struct IsoCache {
  common::Mutex mutex;
  std::map<std::string, IsoLists> by_dir GUARDED_BY(mutex);
};

IsoLists cached_iso_lists(const std::string& dir) {
  static IsoCache cache;
  common::MutexLock lock(cache.mutex);
  auto it = cache.by_dir.find(dir);
  if (it != cache.by_dir.end())
    return it->second;
  IsoLists lists = read_iso_lists(dir);
  if (lists.complete())
    cache.by_dir.emplace(dir, lists);
  return lists;
}

struct TerritoryInfo {
  std::string currency;  // ISO 4217 code
  int phone_code = 0;
};

// "<U0045><U0055>R" → "EUR" (the locale sources' notation for characters).
std::string decode_locale_string(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 6 < s.size() && s[i + 1] == 'U' && s[i + 6] == '>') {
      unsigned long cp = std::strtoul(std::string(s.substr(i + 2, 4)).c_str(), nullptr, 16);
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
        i += 6;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// The quoted value of `keyword` at the start of a line of a locale source, or "".
std::string locale_value(const std::string& text, std::string_view keyword) {
  size_t pos = 0;
  while ((pos = text.find(keyword, pos)) != std::string::npos) {
    size_t line = text.rfind('\n', pos);
    line = line == std::string::npos ? 0 : line + 1;
    bool at_start = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(line),
                                text.begin() + static_cast<std::ptrdiff_t>(pos),
                                [](char c) { return c == ' ' || c == '\t'; });
    size_t after = pos + keyword.size();
    if (at_start && after < text.size() && (text[after] == ' ' || text[after] == '\t')) {
      size_t open = text.find('"', after);
      size_t eol = text.find('\n', after);
      if (open != std::string::npos && open < eol) {
        size_t close = text.find('"', open + 1);
        if (close != std::string::npos && close < eol)
          return decode_locale_string(std::string_view(text).substr(open + 1, close - open - 1));
      }
    }
    pos = after;
  }
  return {};
}

// Currency and calling code per ISO 3166-1 alpha-2 code, from the locale sources named
// <lang>_<TERRITORY>[@modifier] (the first file of a territory, in name order, that says).
std::map<std::string, TerritoryInfo> scan_territories(const std::string& dir) {
  std::map<std::string, TerritoryInfo> out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec))
      files.push_back(entry.path());
  }
  if (ec || files.empty()) {
    spdlog::info(
        "base data: no locale sources in {} (Debian package locales): countries get no "
        "currency or calling code",
        dir);
    return out;
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::string name = path.filename().string();
    size_t us = name.find('_');
    if (us < 2 || us > 3 || name.size() < us + 3)
      continue;
    std::string territory = name.substr(us + 1, 2);
    if (!std::isupper(static_cast<unsigned char>(territory[0])) ||
        !std::isupper(static_cast<unsigned char>(territory[1])) ||
        (name.size() > us + 3 && name[us + 3] != '@'))
      continue;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    TerritoryInfo& info = out[territory];
    if (info.currency.empty()) {
      std::string cur = locale_value(content, "int_curr_symbol");
      cur.erase(std::remove(cur.begin(), cur.end(), ' '), cur.end());
      if (cur.size() == 3)
        info.currency = cur;
    }
    if (info.phone_code == 0) {
      std::string prefix = locale_value(content, "int_prefix");
      if (!prefix.empty() && prefix.size() <= 4 &&
          std::all_of(prefix.begin(), prefix.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        info.phone_code = std::stoi(prefix);
    }
  }
  return out;
}

// scan_territories, once per folder and process: it reads some 13 MB, and every new database
// needs its result (tests make hundreds).
struct TerritoryCache {
  common::Mutex mutex;
  std::map<std::string, std::map<std::string, TerritoryInfo>> by_dir GUARDED_BY(mutex);
};

std::map<std::string, TerritoryInfo> read_territories(const std::string& dir) {
  static TerritoryCache cache;
  common::MutexLock lock(cache.mutex);
  auto it = cache.by_dir.find(dir);
  if (it == cache.by_dir.end())
    it = cache.by_dir.emplace(dir, scan_territories(dir)).first;
  return it->second;  // a copy: nothing is read from the cache outside the lock
}

// Records xml ids `base.<name>` for freshly created records, in order. (set_xmlid looks each id
// up first, which costs a scan of the module's ids per record: thousands here.)
void set_xmlids(const Env& env, const std::string& model, const IdList& ids,
                const std::vector<std::string>& names) {
  std::map<std::string, Id> existing;
  Value m[] = {Value("base")};
  env.cr().query("SELECT \"name\", \"id\" FROM \"ir_model_data\" WHERE \"module\" = ?", m,
                 [&](const store::RowView& r) { existing[std::string(r.text(0))] = r.int64(1); });
  Value now(env.now());
  Value uid(env.uid());
  for (size_t i = 0; i < ids.size() && i < names.size(); ++i) {
    auto it = existing.find(names[i]);
    if (it != existing.end()) {  // left by a deleted record: pointed at the new one
      set_xmlid(env, "base", names[i], model, ids[i], /*noupdate=*/true);
      continue;
    }
    Value p[] = {Value("base"),
                 Value(names[i]),
                 Value("base." + names[i]),
                 Value(model),
                 Value(ids[i]),
                 uid,
                 now,
                 uid,
                 now};
    env.cr().execute(
        "INSERT INTO \"ir_model_data\" (\"module\", \"name\", \"complete_name\", \"model\", "
        "\"res_id\", \"noupdate\", \"create_uid\", \"create_date\", \"write_uid\", "
        "\"write_date\") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        p);
  }
}

// ISO 4217 currencies not present yet (matched on their code), inactive. Returns the id of each
// currency code.
std::map<std::string, Id> load_currencies(const Env& env,
                                          const std::optional<std::vector<IsoItem>>& list) {
  std::map<std::string, Id> by_code;
  env.cr().query("SELECT \"name\", \"id\" FROM \"res_currency\"", {},
                 [&](const store::RowView& r) { by_code[std::string(r.text(0))] = r.int64(1); });
  if (!list)
    return by_code;
  Json vals = Json::array();
  std::vector<std::string> codes;
  for (const IsoItem& c : *list) {
    if (by_code.contains(c.code))
      continue;
    vals.push_back({{"name", c.code},
                    {"full_name", c.name.empty() ? c.code : c.name},
                    {"symbol", c.code},
                    {"active", false}});
    codes.push_back(c.code);
  }
  IdList ids = env["res.currency"].create(vals).ids();
  set_xmlids(env, "res.currency", ids, codes);
  for (size_t i = 0; i < ids.size(); ++i)
    by_code[codes[i]] = ids[i];
  return by_code;
}

// Countries and their top-level subdivisions, when the database has no country yet.
void load_countries(const Env& env) {
  if (env.cr().scalar("SELECT 1 FROM \"res_country\" LIMIT 1").is_int())
    return;
  IsoLists iso = cached_iso_lists(iso_codes_dir());
  std::map<std::string, Id> currency_ids = load_currencies(env, iso.currencies);
  if (!iso.countries)
    return;
  std::map<std::string, TerritoryInfo> territories =
      read_territories(env_or("AUTORULES_LOCALES_DIR", kDefaultLocalesDir));

  Json vals = Json::array();
  std::vector<std::string> codes;
  std::set<std::string> seen;
  for (const IsoItem& c : *iso.countries) {
    if (!seen.insert(c.code).second)
      continue;
    Json v = {{"name", c.name}, {"code", c.code}};
    auto t = territories.find(c.code);
    if (t != territories.end()) {
      if (t->second.phone_code)
        v["phone_code"] = t->second.phone_code;
      auto cur = currency_ids.find(t->second.currency);
      if (cur != currency_ids.end())
        v["currency_id"] = cur->second;
    }
    vals.push_back(std::move(v));
    codes.push_back(c.code);
  }
  IdList ids = env["res.country"].create(vals).ids();
  std::map<std::string, Id> country_ids;
  std::vector<std::string> names;
  for (size_t i = 0; i < ids.size(); ++i) {
    country_ids[codes[i]] = ids[i];
    names.push_back(common::ascii_lower(codes[i]));
  }
  set_xmlids(env, "res.country", ids, names);
  if (!iso.states)
    return;

  // Thousands of rows: inserted directly (an ORM create costs ten times as much, paid by every
  // new database, and by every test that makes one); nothing watches this model yet.
  IdList state_ids;
  names.clear();
  Value now(env.now());
  Value uid(env.uid());
  for (const IsoItem& s : *iso.states) {
    auto country = country_ids.find(s.country);
    if (country == country_ids.end())
      continue;
    Value p[] = {Value(country->second), Value(s.name), Value(s.code), uid, now, uid, now};
    env.cr().query(
        "INSERT INTO \"res_country_state\" (\"country_id\", \"name\", \"code\", \"create_uid\", "
        "\"create_date\", \"write_uid\", \"write_date\") VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "
        "\"id\"",
        p, [&](const store::RowView& r) { state_ids.push_back(r.int64(0)); });
    names.push_back(common::ascii_lower(fmt::format("state_{}_{}", s.country, s.code)));
  }
  set_xmlids(env, "res.country.state", state_ids, names);
}

void ensure_company(const Env& env) {
  if (env.xmlid_to_res_id("base.main_company"))
    return;
  Id partner = ensure_xmlid_record(
                   env, "base", "main_partner", "res.partner",
                   Json{{"name", "My Company"}, {"is_company", true}, {"company_type", "company"}})
                   .record.id();
  std::optional<Id> currency = env.xmlid_to_res_id("base.USD");
  if (!currency)
    currency = env.xmlid_to_res_id("base.EUR");
  Json vals = {{"name", "My Company"}, {"partner_id", partner}};
  if (currency)
    vals["currency_id"] = *currency;
  Id company = ensure_xmlid_record(env, "base", "main_company", "res.company", vals).record.id();
  // The users made before the company (the root and admin users, older databases' users).
  Value p[] = {Value(company)};
  env.cr().execute("UPDATE \"res_users\" SET \"company_id\" = ? WHERE \"company_id\" IS NULL", p);
  Value q[] = {Value(company), Value(company)};
  env.cr().execute(
      "INSERT INTO \"res_company_users_rel\" (\"cid\", \"user_id\") SELECT ?, \"id\" FROM "
      "\"res_users\" WHERE \"id\" NOT IN (SELECT \"user_id\" FROM \"res_company_users_rel\" WHERE "
      "\"cid\" = ?)",
      q);
}

// Odoo: the code of a country is unique, in capitals.
class CountryHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    check(env, vals, 0);
  }
  void before_write(const RecordSet& records, Json& vals) override {
    if (!vals.contains("code"))
      return;
    for (Id id : records.ids())
      check(records.env(), vals, id);
  }

 private:
  static void check(const Env& env, Json& vals, Id self) {
    auto it = vals.find("code");
    if (it == vals.end() || !it->is_string())
      return;
    *it = common::ascii_upper(it->get<std::string>());
    const std::string code = it->get<std::string>();
    if (code.size() != 2)
      throw common::ValidationError(
          fmt::format("The country code must be two characters long, not '{}'.", code));
    Value p[] = {Value(code), Value(self)};
    if (env.cr()
            .scalar("SELECT 1 FROM \"res_country\" WHERE \"code\" = ? AND \"id\" != ?", p)
            .is_int())
      throw common::ValidationError("The code of the country must be unique!");
  }
};

// Odoo: the code of a state is unique within its country.
class StateHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    if (vals.contains("code") && vals["code"].is_string() && vals.contains("country_id") &&
        vals["country_id"].is_number_integer())
      check(env, vals["country_id"].get<Id>(), vals["code"].get<std::string>(), 0);
  }
  void before_write(const RecordSet& records, Json& vals) override {
    if (!vals.contains("code") && !vals.contains("country_id"))
      return;
    for (Id id : records.ids()) {
      Value p[] = {Value(id)};
      Id country = 0;
      std::string code;
      records.env().cr().query(
          "SELECT \"country_id\", \"code\" FROM \"res_country_state\" WHERE \"id\" = ?", p,
          [&](const store::RowView& r) {
            country = r.is_null(0) ? 0 : r.int64(0);
            code = std::string(r.text(1));
          });
      if (vals.contains("country_id") && vals["country_id"].is_number_integer())
        country = vals["country_id"].get<Id>();
      if (vals.contains("code") && vals["code"].is_string())
        code = vals["code"].get<std::string>();
      check(records.env(), country, code, id);
    }
  }

 private:
  static void check(const Env& env, Id country, const std::string& code, Id self) {
    Value p[] = {Value(country), Value(code), Value(self)};
    if (env.cr()
            .scalar("SELECT 1 FROM \"res_country_state\" WHERE \"country_id\" = ? AND \"code\" = "
                    "? AND \"id\" != ?",
                    p)
            .is_int())
      throw common::ValidationError("The code of the state must be unique by country!");
  }
};

// The contact fields a company keeps on its partner, as Odoo (where the company's are computed
// from the partner's and written through to it).
constexpr const char* kCompanyPartnerFields[] = {"street",   "street2",    "zip",   "city",
                                                 "state_id", "country_id", "email", "phone",
                                                 "website",  "vat"};

// A company without a partner gets one (a company contact of the same name and address); the
// address and contact fields written on a company are written on its partner too.
class CompanyHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    if ((!vals.contains("partner_id") || !truthy(vals["partner_id"])) && vals.contains("name") &&
        vals["name"].is_string()) {  // else "required" reports the missing name
      Json pv = partner_values(vals);
      pv["name"] = vals["name"];
      pv["is_company"] = true;
      pv["company_type"] = "company";
      vals["partner_id"] = env.sudo()["res.partner"].create(pv).id();
    }
    if (!vals.contains("currency_id") || !truthy(vals["currency_id"])) {
      if (auto main = env.xmlid_to_res_id("base.main_company")) {
        Value p[] = {Value(*main)};
        Value cur =
            env.cr().scalar("SELECT \"currency_id\" FROM \"res_company\" WHERE \"id\" = ?", p);
        if (cur.is_int())
          vals["currency_id"] = cur.as_int();
      }
    }
  }
  void after_write(const RecordSet& records, const Json& vals) override {
    Json pv = partner_values(vals);
    if (vals.contains("name"))
      pv["name"] = vals["name"];
    if (pv.empty())
      return;
    IdList partners;
    for (const Value& p : records.sudo().mapped("partner_id")) {
      if (p.is_int())
        partners.push_back(p.as_int());
    }
    records.env().sudo()["res.partner"].browse(partners).write(pv);
  }

 private:
  static Json partner_values(const Json& vals) {
    Json pv = Json::object();
    for (const char* f : kCompanyPartnerFields) {
      if (vals.contains(f))
        pv[f] = vals[f];
    }
    return pv;
  }
};

// A new user works in the main company unless told otherwise.
class UserCompanyHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    if (!vals.contains("company_id") || !truthy(vals["company_id"])) {
      std::optional<Id> main = env.xmlid_to_res_id("base.main_company");
      if (!main)
        return;
      vals["company_id"] = *main;
    }
    if (!vals.contains("company_ids") && vals["company_id"].is_number_integer()) {
      vals["company_ids"] =
          Json::array({Json::array({6, 0, Json::array({vals["company_id"].get<Id>()})})});
    }
  }
};

}  // namespace base_data
}  // namespace

void register_base_data_models(Runtime& rt) {
  rt.add_hooks("res.country", std::make_shared<base_data::CountryHooks>());
  rt.add_hooks("res.country.state", std::make_shared<base_data::StateHooks>());
  rt.add_hooks("res.company", std::make_shared<base_data::CompanyHooks>());
  rt.add_hooks("res.users", std::make_shared<base_data::UserCompanyHooks>());
  for (const char* m : {"res.country", "res.country.state", "res.lang", "res.company"})
    rt.set_access(m, ModelAccess::kConfiguration);
}

std::string iso_codes_dir() {
  return base_data::env_or("AUTORULES_ISO_CODES_DIR", base_data::kDefaultIsoCodesDir);
}

void ensure_countries_and_company(const Env& env) {
  Env su = env.sudo();
  base_data::load_countries(su);
  ensure_xmlid_record(su, "base", "lang_en", "res.lang",
                      Json{{"name", "English (US)"},
                           {"code", "en_US"},
                           {"iso_code", "en"},
                           {"url_code", "en"},
                           {"active", true},
                           {"direction", "ltr"},
                           {"date_format", "%m/%d/%Y"},
                           {"time_format", "%H:%M:%S"},
                           {"week_start", "7"},
                           {"decimal_point", "."},
                           {"thousands_sep", ","},
                           {"grouping", "[3,0]"}});
  base_data::ensure_company(su);
}

}  // namespace autorules::orm
