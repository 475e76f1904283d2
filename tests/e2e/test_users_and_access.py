"""Users and access rights (docs/security.md): internal users read and write business
records; only base.group_system may change configuration models (ir.*, users, groups, currencies,
keys of others); the admin may do everything. Denials are 403 AccessError and change nothing."""

import datetime

import pytest

from helpers import assert_error

ACCESS = "odoo.exceptions.AccessError"


@pytest.fixture(scope="module")
def internal(api):
    """An internal (non-admin) user made through the API, with its own key."""
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Ivy Internal", "login": "ivy"}])
    key = api.ok("res.users.apikeys", "generate", name="ivy's key", user_id=uid)
    return {"uid": uid, "key": key, "client": api.with_key(key)}


def test_a_user_created_with_name_and_login_is_internal_with_a_partner(api, internal):
    user = api.ok("res.users", "read", ids=[internal["uid"]], fields=["name", "login", "partner_id", "groups_id", "share"])[0]
    assert user["login"] == "ivy" and user["share"] is False
    assert user["partner_id"][1] == "Ivy Internal"
    group_user = api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", "group_user"]],
                        fields=["res_id"])[0]["res_id"]
    group_system = api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", "group_system"]],
                          fields=["res_id"])[0]["res_id"]
    assert group_user in user["groups_id"] and group_system not in user["groups_id"]


def test_context_get_answers_for_the_calling_user(api, internal):
    ctx = internal["client"].ok("res.users", "context_get")
    assert ctx["uid"] == internal["uid"]
    assert isinstance(ctx.get("lang"), str) and isinstance(ctx.get("tz"), str)
    assert api.ok("res.users", "context_get")["uid"] == 2


def test_an_internal_user_reads_and_writes_business_records(internal):
    ivy = internal["client"]
    [pid] = ivy.ok("res.partner", "create", vals_list=[{"name": "Made by Ivy", "email": "ivy@example.com"}])
    assert ivy.ok("res.partner", "write", ids=[pid], vals={"phone": "+1 555 0199"}) is True
    row = ivy.ok("res.partner", "read", ids=[pid], fields=["name", "phone", "create_uid", "write_uid"])[0]
    assert row["phone"] == "+1 555 0199"
    assert row["create_uid"][0] == internal["uid"] and row["write_uid"][0] == internal["uid"]
    assert ivy.ok("res.partner", "search", domain=[["name", "=", "Made by Ivy"]]) == [pid]
    [tag] = ivy.ok("res.partner.category", "create", vals_list=[{"name": "Ivy's tag"}])
    ivy.ok("res.partner", "write", ids=[pid], vals={"category_id": [[4, tag]]})
    [copy] = ivy.ok("res.partner", "copy", ids=[pid])
    assert ivy.ok("res.partner", "unlink", ids=[pid, copy]) is True
    assert ivy.ok("res.partner", "search_count", domain=[["id", "in", [pid, copy]]]) == 0


def test_an_internal_user_reads_users_and_currencies(internal):
    ivy = internal["client"]
    assert ivy.ok("res.users", "read", ids=[internal["uid"]], fields=["login"])[0]["login"] == "ivy"
    assert ivy.ok("res.currency", "search_count", domain=[["name", "=", "EUR"]]) == 1


@pytest.mark.parametrize("model, method, params", [
    ("ir.model", "create", {"vals_list": [{"name": "Ivy's model", "model": "x_ivy"}]}),
    ("ir.model.fields", "create", {"vals_list": [{"name": "x_ivy", "ttype": "char", "model": "res.partner",
                                                  "field_description": "Ivy"}]}),
    ("ir.config_parameter", "create", {"vals_list": [{"key": "ivy.key", "value": "1"}]}),
    ("ir.config_parameter", "set_param", {"key": "ivy.key", "value": "1"}),
    ("ir.config_parameter", "get_param", {"key": "database.uuid"}),
    ("ir.config_parameter", "search_read", {"domain": [], "fields": ["key", "value"]}),
    ("res.users", "create", {"vals_list": [{"name": "Another", "login": "another"}]}),
    ("res.groups", "create", {"vals_list": [{"name": "Ivy's group"}]}),
    ("res.currency", "create", {"vals_list": [{"name": "IVY", "symbol": "I"}]}),
])
def test_an_internal_user_cannot_change_or_read_configuration(api, internal, model, method, params):
    status, body = internal["client"].call_with(model, method, params)
    assert_error((status, body), 403, ACCESS, model)


def test_an_internal_user_cannot_write_or_delete_configuration_records(api, internal):
    ivy = internal["client"]
    partner_model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    # ir.model is readable (clients discover models) but not writable
    assert ivy.ok("ir.model", "read", ids=partner_model, fields=["model"])[0]["model"] == "res.partner"
    assert_error(ivy.call("ir.model", "write", ids=partner_model, vals={"name": "Hacked"}), 403, ACCESS)
    assert api.ok("ir.model", "read", ids=partner_model, fields=["name"])[0]["name"] == "Contact"
    group_system = api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", "group_system"]],
                          fields=["res_id"])[0]["res_id"]
    assert_error(ivy.call("res.groups", "write", ids=[group_system], vals={"users": [[4, internal["uid"]]]}), 403, ACCESS)
    assert_error(ivy.call("res.users", "write", ids=[internal["uid"]], vals={"groups_id": [[4, group_system]]}), 403,
                 ACCESS)
    assert group_system not in api.ok("res.users", "read", ids=[internal["uid"]], fields=["groups_id"])[0]["groups_id"]
    eur = api.ok("res.currency", "search", domain=[["name", "=", "EUR"]])
    assert_error(ivy.call("res.currency", "write", ids=eur, vals={"rate": 99.0}), 403, ACCESS)
    assert api.ok("res.currency", "read", ids=eur, fields=["rate"])[0]["rate"] == 1.0
    assert_error(ivy.call("res.users", "unlink", ids=[internal["uid"]]), 403, ACCESS)


def test_an_internal_user_makes_keys_for_itself_only(api, internal):
    ivy = internal["client"]
    in_a_month = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    own = ivy.ok("res.users.apikeys", "generate", name="ivy's second key", expiration_date=in_a_month)
    assert ivy.ok("res.users", "context_get", key=own)["uid"] == internal["uid"]
    assert_error(ivy.call("res.users.apikeys", "generate", name="for the admin", user_id=2), 403, ACCESS)
    admin_keys = api.ok("res.users.apikeys", "search", domain=[["user_id", "=", 2]])
    assert_error(ivy.call("res.users.apikeys", "revoke", ids=admin_keys[:1]), 403, ACCESS)
    assert api.ok("res.users.apikeys", "search", domain=[["user_id", "=", 2]]) == admin_keys


def test_a_denied_call_changes_nothing(api, internal):
    before = api.ok("ir.model", "search_count", domain=[])
    assert_error(internal["client"].call("ir.model", "create", vals_list=[
        {"name": "Denied", "model": "x_denied", "field_id": [[0, 0, {"name": "x_name", "ttype": "char",
                                                                      "field_description": "Name"}]]}]), 403, ACCESS)
    assert api.ok("ir.model", "search_count", domain=[]) == before
    assert_error(api.call("x_denied", "search", domain=[]), 404, "werkzeug.exceptions.NotFound")


def test_the_admin_can_change_configuration(api, unique):
    model = unique("x_admin_made")
    api.ok("ir.model", "create", vals_list=[{"name": "Admin made", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]}])
    assert api.ok(model, "create", vals_list=[{"x_name": "ok"}])
    assert api.call_with("ir.config_parameter", "set_param", {"key": "e2e.flag", "value": "on"}) == (200, True)
    assert api.call_with("ir.config_parameter", "get_param", {"key": "e2e.flag"}) == (200, "on")
    assert api.call_with("ir.config_parameter", "get_param", {"key": "e2e.none", "default": "dflt"}) == (200, "dflt")
    [gid] = api.ok("res.groups", "create", vals_list=[{"name": "E2E Group"}])
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Grouped", "login": unique("grouped"),
                                                       "groups_id": [[6, 0, [gid]]]}])
    assert api.ok("res.users", "read", ids=[uid], fields=["groups_id"])[0]["groups_id"] == [gid]
    eur = api.ok("res.currency", "search", domain=[["name", "=", "EUR"]])
    assert api.ok("res.currency", "write", ids=eur, vals={"rate": 0.9}) is True
    assert api.ok("res.currency", "read", ids=eur, fields=["rate"])[0]["rate"] == 0.9


def test_a_user_without_the_internal_group_is_a_share_user(api, unique):
    portal = api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", "group_portal"]],
                    fields=["res_id"])[0]["res_id"]
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Portal Pat", "login": unique("pat"),
                                                       "groups_id": [[6, 0, [portal]]]}])
    assert api.ok("res.users", "read", ids=[uid], fields=["share"])[0]["share"] is True


def test_logins_are_unique(api):
    assert_error(api.call("res.users", "create", vals_list=[{"name": "Second Admin", "login": "admin"}]), 422,
                 "odoo.exceptions.ValidationError", "login")


def test_odoo_19_group_fields_and_the_older_name(api, internal, unique):
    """group_ids (Odoo 19), all_group_ids (with implied groups) and groups_id, the Odoo 18 name
    older clients send: the same links, read, written and searched through either name."""
    def group(name):
        return api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", name]],
                      fields=["res_id"])[0]["res_id"]
    group_user, group_system = group("group_user"), group("group_system")
    [admin] = api.ok("res.users", "read", ids=[2], fields=["group_ids", "groups_id", "all_group_ids"])
    assert group_system in admin["group_ids"] and admin["group_ids"] == admin["groups_id"]
    assert {group_system, group_user} <= set(admin["all_group_ids"])
    # A group implying Settings: a user in it has Settings among all_group_ids only.
    [boss] = api.ok("res.groups", "create", vals_list=[{"name": unique("Boss"), "implied_ids": [[4, group_system]]}])
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Bo", "login": unique("bo"),
                                                       "groups_id": [[6, 0, [boss, group_user]]]}])
    [user] = api.ok("res.users", "read", ids=[uid], fields=["group_ids", "all_group_ids"])
    assert sorted(user["group_ids"]) == sorted([boss, group_user])
    assert {boss, group_user, group_system} <= set(user["all_group_ids"])
    assert api.ok("res.users", "has_group", ids=[uid], group_ext_id="base.group_system") is True
    assert api.ok("res.users", "write", ids=[uid], vals={"group_ids": [[3, boss]]}) is True
    assert api.ok("res.users", "read", ids=[uid], fields=["groups_id"])[0]["groups_id"] == [group_user]
    assert api.ok("res.users", "has_group", ids=[uid], group_ext_id="base.group_system") is False
    assert uid in api.ok("res.users", "search", domain=[["groups_id", "in", [group_user]]])
    assert uid in api.ok("res.users", "search", domain=[["group_ids", "in", [group_user]]])
    assert_error(api.call("res.users", "write", ids=[uid], vals={"all_group_ids": [[4, boss]]}), 422)
    # Server actions too.
    fields = api.ok("ir.actions.server", "fields_get", allfields=["group_ids", "groups_id"], attributes=["type"])
    assert fields["group_ids"]["type"] == fields["groups_id"]["type"] == "many2many"
