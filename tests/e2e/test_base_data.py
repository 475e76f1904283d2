"""Odoo's base data (docs/apps.md, "Base data"): the countries of ISO 3166-1 and their top-level
subdivisions, read at first start from Debian's iso-codes package; the ISO 4217 currencies; the
English language; the main company and its partner; the address fields of contacts, which the
demo contacts fill in. Countries, states, languages and companies are configuration: internal
users read them, only administrators change them."""

import json
import os

import pytest

from helpers import MODULES_PATH, assert_error

ISO_DIR = "/usr/share/iso-codes/json"
ACCESS = "odoo.exceptions.AccessError"
VALIDATION = "odoo.exceptions.ValidationError"


def iso_list(name, key):
    with open(os.path.join(ISO_DIR, name)) as f:
        return json.load(f)[key]


def ref(api, xmlid):
    module, name = xmlid.split(".")
    rows = api.ok("ir.model.data", "search_read", domain=[["module", "=", module], ["name", "=", name]],
                  fields=["res_id", "model"])
    assert len(rows) == 1, f"no xml id {xmlid}"
    return rows[0]["res_id"]


@pytest.fixture(scope="module")
def demo(module_demo_server):
    return module_demo_server.client()


@pytest.fixture(scope="module")
def internal(demo):
    [uid] = demo.ok("res.users", "create", vals_list=[{"name": "Ines Internal", "login": "ines"}])
    key = demo.ok("res.users.apikeys", "generate", name="ines's key", user_id=uid)
    return {"uid": uid, "client": demo.with_key(key)}


def test_every_iso_3166_country_is_there_with_its_xml_id(demo):
    iso = iso_list("iso_3166-1.json", "3166-1")
    rows = demo.ok("res.country", "search_read", domain=[], fields=["name", "code", "phone_code"])
    assert len(rows) >= 249 and len(rows) == len(iso)
    by_code = {r["code"]: r for r in rows}
    for c in iso:
        assert by_code[c["alpha_2"]]["name"] == c.get("common_name", c["name"])
    assert by_code["BE"]["name"] == "Belgium" and by_code["US"]["name"] == "United States"
    assert by_code["BO"]["name"] == "Bolivia"  # the common name, as Odoo
    assert ref(demo, "base.be") == by_code["BE"]["id"] and ref(demo, "base.us") == by_code["US"]["id"]
    assert by_code["BE"]["phone_code"] == 32 and by_code["US"]["phone_code"] == 1


def test_countries_are_linked_to_their_currency_when_known(demo):
    rows = demo.ok("res.country", "search_read", domain=[["code", "in", ["BE", "US", "GB", "JP"]]],
                   fields=["code", "currency_id"])
    currency = {r["code"]: r["currency_id"] and r["currency_id"][1] for r in rows}
    assert currency == {"BE": "EUR", "US": "USD", "GB": "GBP", "JP": "JPY"}
    assert demo.ok("res.country", "search_count", domain=[["currency_id.name", "=", "EUR"]]) >= 15


def test_states_are_the_top_level_subdivisions(demo):
    us = ref(demo, "base.us")
    states = demo.ok("res.country.state", "search_read", domain=[["country_id", "=", us]],
                     fields=["name", "code", "country_id"])
    by_code = {s["code"]: s for s in states}
    assert by_code["CA"]["name"] == "California" and by_code["CA"]["country_id"][0] == us
    assert ref(demo, "base.state_us_ca") == by_code["CA"]["id"]
    iso = [s for s in iso_list("iso_3166-2.json", "3166-2") if "parent" not in s]
    assert len(states) == sum(1 for s in iso if s["code"].startswith("US-"))
    assert demo.ok("res.country.state", "search_count", domain=[]) == len(iso)
    # the one2many side, and a search through it
    [be] = demo.ok("res.country", "read", ids=[ref(demo, "base.be")], fields=["state_ids"])
    assert len(be["state_ids"]) == 3
    assert demo.ok("res.country", "search", domain=[["state_ids.code", "=", "CA"], ["code", "=", "US"]]) == [us]


def test_iso_4217_currencies_are_added_inactive(demo):
    iso = {c["alpha_3"] for c in iso_list("iso_4217.json", "4217")}
    rows = demo.ok("res.currency", "search_read", domain=[["active", "in", [True, False]]],
                   fields=["name", "active"])
    names = {r["name"] for r in rows}
    assert iso <= names
    active = {r["name"] for r in rows if r["active"]}
    assert {"EUR", "USD"} <= active and "SEK" not in active
    # the default search (active only) is what it was
    assert demo.ok("res.currency", "search_count", domain=[["name", "in", ["USD", "EUR"]]]) == 2
    assert demo.ok("res.currency", "search_count", domain=[["name", "=", "SEK"]]) == 0


def test_the_main_company_has_its_partner_and_currency(demo):
    company = ref(demo, "base.main_company")
    [row] = demo.ok("res.company", "read", ids=[company],
                    fields=["name", "partner_id", "currency_id", "country_id", "street", "email"])
    assert row["name"] == "My Company"
    assert row["partner_id"][0] == ref(demo, "base.main_partner") and row["partner_id"][1] == "My Company"
    assert row["currency_id"][1] == "USD"
    assert demo.ok("res.company", "search_count", domain=[]) == 1
    [admin] = demo.ok("res.users", "read", ids=[2], fields=["company_id", "company_ids"])
    assert admin["company_id"][0] == company and admin["company_ids"] == [company]


def test_a_company_address_is_kept_on_its_partner(demo):
    company = ref(demo, "base.main_company")
    assert demo.ok("res.company", "write", ids=[company],
                   vals={"street": "Chaussée de Namur 40", "zip": "1367", "city": "Grand-Rosière",
                         "country_id": ref(demo, "base.be"), "vat": "BE0477472701"}) is True
    [p] = demo.ok("res.partner", "read", ids=[ref(demo, "base.main_partner")],
                  fields=["street", "city", "country_id", "vat"])
    assert p["street"] == "Chaussée de Namur 40" and p["city"] == "Grand-Rosière"
    assert p["country_id"][1] == "Belgium" and p["vat"] == "BE0477472701"


def test_new_users_work_in_the_main_company(demo, internal):
    company = ref(demo, "base.main_company")
    [u] = demo.ok("res.users", "read", ids=[internal["uid"]], fields=["company_id", "company_ids"])
    assert u["company_id"][0] == company and u["company_ids"] == [company]


def test_english_is_installed_as_odoo_has_it(demo):
    [lang] = demo.ok("res.lang", "search_read", domain=[["code", "=", "en_US"]],
                     fields=["name", "code", "iso_code", "active", "direction", "date_format", "time_format",
                             "week_start", "decimal_point", "thousands_sep", "grouping"])
    assert lang["id"] == ref(demo, "base.lang_en")
    assert lang == {"id": lang["id"], "name": "English (US)", "code": "en_US", "iso_code": "en", "active": True,
                    "direction": "ltr", "date_format": "%m/%d/%Y", "time_format": "%H:%M:%S", "week_start": "7",
                    "decimal_point": ".", "thousands_sep": ",", "grouping": "[3,0]"}
    week_start = demo.ok("res.lang", "fields_get", attributes=["selection"])["week_start"]["selection"]
    assert week_start[0] == ["1", "Monday"] and week_start[6] == ["7", "Sunday"]


def test_partner_address_fields_are_written_and_searched(demo, internal):
    ines = internal["client"]
    be, us = ref(demo, "base.be"), ref(demo, "base.us")
    [pid] = ines.ok("res.partner", "create", vals_list=[{
        "name": "Atelier Ines", "street": "Rue Haute 1", "street2": "Boîte 3", "zip": "1000", "city": "Brussels",
        "country_id": be, "vat": "BE0123456789", "lang": "fr_BE", "tz": "Europe/Brussels"}])
    row = ines.ok("res.partner", "read", ids=[pid],
                  fields=["street", "street2", "zip", "city", "country_id", "state_id", "vat", "lang", "tz"])[0]
    assert row["country_id"] == [be, "Belgium"] and row["state_id"] is False
    assert (row["street2"], row["vat"], row["lang"], row["tz"]) == ("Boîte 3", "BE0123456789", "fr_BE",
                                                                      "Europe/Brussels")
    assert pid in ines.ok("res.partner", "search", domain=[["country_id.code", "=", "BE"]])
    ca = ref(demo, "base.state_us_ca")
    assert ines.ok("res.partner", "write", ids=[pid], vals={"country_id": us, "state_id": ca}) is True
    assert pid in ines.ok("res.partner", "search", domain=[["state_id.code", "=", "CA"], ["country_id.code", "=", "US"]])
    assert pid not in ines.ok("res.partner", "search", domain=[["country_id.code", "=", "BE"]])
    [other] = ines.ok("res.partner", "create", vals_list=[{"name": "No language given"}])
    assert ines.ok("res.partner", "read", ids=[other], fields=["lang"])[0]["lang"] == "en_US"


@pytest.mark.parametrize("model, xmlid", [
    ("res.country", "base.be"), ("res.country.state", "base.state_us_ca"), ("res.lang", "base.lang_en"),
    ("res.company", "base.main_company"),
])
def test_internal_users_read_but_do_not_change_base_data(demo, internal, model, xmlid):
    ines = internal["client"]
    rid = ref(demo, xmlid)
    assert ines.ok(model, "read", ids=[rid], fields=["name"])[0]["name"]
    assert_error(ines.call(model, "write", ids=[rid], vals={"name": "Renamed"}), 403, ACCESS)
    assert_error(ines.call(model, "unlink", ids=[rid]), 403, ACCESS)
    assert ines.ok(model, "read", ids=[rid], fields=["name"])[0]["name"] != "Renamed"


def test_internal_users_do_not_create_countries(internal):
    assert_error(internal["client"].call("res.country", "create", vals_list=[{"name": "Ruritania", "code": "RU"}]),
                 403, ACCESS)


def test_country_codes_are_unique_and_two_letters(demo):
    assert_error(demo.call("res.country", "create", vals_list=[{"name": "Another Belgium", "code": "be"}]),
                 422, VALIDATION, "unique")
    assert_error(demo.call("res.country", "create", vals_list=[{"name": "Narnia", "code": "NAR"}]),
                 422, VALIDATION, "two characters")
    [xx] = demo.ok("res.country", "create", vals_list=[{"name": "Ruritania", "code": "xr"}])
    assert demo.ok("res.country", "read", ids=[xx], fields=["code"])[0]["code"] == "XR"
    assert_error(demo.call("res.country.state", "create",
                           vals_list=[{"name": "Cali", "code": "CA", "country_id": ref(demo, "base.us")}]),
                 422, VALIDATION, "unique")
    assert demo.ok("res.country.state", "create", vals_list=[{"name": "Zenda", "code": "CA", "country_id": xx}])
    assert demo.ok("res.country", "unlink", ids=[xx]) is True  # its states go with it


def demo_partners():
    with open(os.path.join(MODULES_PATH, "contacts", "demo.json")) as f:
        return [r for r in json.load(f) if r["model"] == "res.partner"]


def test_demo_contacts_have_addresses(demo):
    records = demo_partners()
    ids = {r["id"]: ref(demo, f"contacts.{r['id']}") for r in records}
    rows = {r["id"]: r for r in demo.ok("res.partner", "read", ids=list(ids.values()),
                                        fields=["street", "zip", "city", "country_id", "state_id"])}
    with_city = [r for r in records if "city" in r["values"]]
    assert len(with_city) >= 20
    for r in with_city:
        row = rows[ids[r["id"]]]
        assert row["street"] and row["zip"] and row["city"] and row["country_id"], r["id"]
    assert rows[ids["partner_readymat"]]["country_id"][1] == "Belgium"
    assert rows[ids["partner_azure"]]["state_id"][1] == "California"
    assert demo.ok("res.partner", "search_count", domain=[["country_id.code", "=", "US"]]) >= 15
