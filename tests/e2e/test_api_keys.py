"""API keys: res.users.apikeys/generate and revoke (Odoo 19's names), expiry, and keys of archived
users. A key that is missing, wrong, expired or revoked gives a 401."""

import datetime
import time

import pytest

from helpers import ADMIN_KEY, assert_error

UNAUTHORIZED = ("odoo.exceptions.AccessDenied", "werkzeug.exceptions.Unauthorized")


def utc_in(seconds):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def key_record(api, name):
    rows = api.ok("res.users.apikeys", "search_read", domain=[["name", "=", name]],
                  fields=["name", "user_id", "expiration_date", "scope"])
    assert len(rows) == 1, rows
    return rows[0]


def test_the_admin_key_from_the_environment_authenticates_as_admin(api):
    ctx = api.ok("res.users", "context_get")
    assert ctx["uid"] == 2
    assert api.ok("res.users", "read", ids=[ctx["uid"]], fields=["login"])[0]["login"] == "admin"


def test_generate_returns_a_new_key_that_works_at_once(api):
    key = api.ok("res.users.apikeys", "generate", name="script one")
    assert isinstance(key, str) and len(key) >= 32 and key != ADMIN_KEY
    assert api.ok("res.users", "context_get", key=key)["uid"] == 2
    rec = key_record(api, "script one")
    assert rec["user_id"][0] == 2 and rec["expiration_date"] is False


def test_keys_are_stored_hashed_and_never_shown(api):
    key = api.ok("res.users.apikeys", "generate", name="hashed")
    rec = key_record(api, "hashed")
    fields = api.ok("res.users.apikeys", "fields_get", attributes=["type"])
    readable = [f for f in fields if f not in ("key",)]
    row = api.ok("res.users.apikeys", "read", ids=[rec["id"]], fields=readable)[0]
    assert key not in repr(row)
    assert_error(api.call("res.users.apikeys", "read", ids=[rec["id"]], fields=["key"]), 422, None, "key")


def test_a_revoked_key_is_401_at_once(api):
    key = api.ok("res.users.apikeys", "generate", name="to revoke")
    assert api.ok("res.partner", "search_count", key=key, domain=[]) >= 1
    rec = key_record(api, "to revoke")
    assert api.ok("res.users.apikeys", "revoke", ids=[rec["id"]]) is True
    assert_error(api.call("res.partner", "search_count", key=key, domain=[]), 401, UNAUTHORIZED)
    assert api.ok("res.users.apikeys", "search_count", domain=[["name", "=", "to revoke"]]) == 0
    # other keys still work
    assert api.ok("res.partner", "search_count", domain=[]) >= 1


def test_a_key_can_revoke_itself(api):
    key = api.ok("res.users.apikeys", "generate", name="self revoking")
    rec = key_record(api, "self revoking")
    assert api.ok("res.users.apikeys", "revoke", key=key, ids=[rec["id"]]) is True
    assert_error(api.call("res.users", "context_get", key=key), 401, UNAUTHORIZED)


def test_generate_refuses_an_expiration_date_in_the_past(api):
    before = api.ok("res.users.apikeys", "search_count", domain=[])
    assert_error(api.call("res.users.apikeys", "generate", name="already expired",
                          expiration_date="2000-01-01 00:00:00"), 422, None, "expiration")
    assert_error(api.call("res.users.apikeys", "generate", name="expired a minute ago",
                          expiration_date=utc_in(-60)), 422, None, "expiration")
    assert_error(api.call("res.users.apikeys", "generate", name="bad date", expiration_date="next week"), 422,
                 None, "expiration_date")
    assert api.ok("res.users.apikeys", "search_count", domain=[]) == before


def test_a_key_with_a_future_expiration_works_until_it_expires(api):
    # An expiry in the past is refused at generation (above), and `autorules apikey new --days N`
    # only makes keys that live whole days; so the expiry itself is tested with a key that
    # expires three seconds from now: it works at once, and is refused once the moment has passed.
    expiry = utc_in(3)
    key = api.ok("res.users.apikeys", "generate", name="short lived", expiration_date=expiry)
    assert key_record(api, "short lived")["expiration_date"] == expiry
    assert api.ok("res.users", "context_get", key=key)["uid"] == 2
    moment = datetime.datetime.strptime(expiry, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    time.sleep(max(0.0, (moment - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1.1)
    assert_error(api.call("res.users", "context_get", key=key), 401, UNAUTHORIZED)


def test_a_key_with_a_far_expiration_works(api):
    key = api.ok("res.users.apikeys", "generate", name="next year", expiration_date=utc_in(365 * 86400))
    assert api.ok("res.users", "context_get", key=key)["uid"] == 2


def test_the_key_of_an_archived_user_is_401(api, unique):
    login = unique("archived")
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Soon Archived", "login": login}])
    key = api.ok("res.users.apikeys", "generate", name=f"key of {login}", user_id=uid)
    assert api.ok("res.users", "context_get", key=key)["uid"] == uid
    api.ok("res.users", "write", ids=[uid], vals={"active": False})
    assert_error(api.call("res.users", "context_get", key=key), 401, UNAUTHORIZED)
    api.ok("res.users", "write", ids=[uid], vals={"active": True})
    assert api.ok("res.users", "context_get", key=key)["uid"] == uid


def test_the_cli_makes_keys_for_a_login(module_server, binary):
    import subprocess
    out = subprocess.run([binary, "apikey", "new", "--db", f"sqlite:{module_server.db}", "--user", "admin",
                          "--name", "from the cli", "--days", "2"], capture_output=True, text=True, timeout=30,
                         cwd=module_server.workdir)
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip().splitlines()[-1]
    api = module_server.client()
    assert api.ok("res.users", "context_get", key=key)["uid"] == 2
    rec = key_record(api, "from the cli")
    assert rec["expiration_date"] and rec["expiration_date"] > utc_in(86400)


def test_odoo_19_generate_from_a_key_and_revoke_by_key(api, unique):
    """generate(key, scope, name, expiration_date) and revoke(key) as Odoo 19 documents them: a
    user proves a key of theirs to get another; internal users only when the administrators
    enabled it (base.enable_programmatic_api_keys), with an expiration date at most their groups'
    api_key_duration (90 days for internal users) away."""
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Rota", "login": unique("rota")}])
    first = api.ok("res.users.apikeys", "generate", name="rota first", user_id=uid, expiration_date=utc_in(86400))
    rota = api.with_key(first)
    # Odoo's positional order over JSON-RPC-like names: key, scope, name, expiration_date.
    refused = rota.call_with("res.users.apikeys", "generate", {"key": first, "scope": "rpc", "name": "second",
                                                               "expiration_date": utc_in(86400)})
    assert_error(refused, 422, "odoo.exceptions.UserError", "Programmatic API keys are not enabled")
    assert api.call_with("ir.config_parameter", "set_param",
                         {"key": "base.enable_programmatic_api_keys", "value": "True"})[0] == 200
    try:
        assert_error(rota.call_with("res.users.apikeys", "generate", {"key": first, "name": "forever"}), 422,
                     "odoo.exceptions.ValidationError", "must have an expiration date")
        assert_error(rota.call_with("res.users.apikeys", "generate", {"key": first, "name": "too long",
                                                                      "expiration_date": utc_in(91 * 86400)}),
                     422, "odoo.exceptions.ValidationError", "cannot exceed 90 days")
        assert_error(rota.call_with("res.users.apikeys", "generate", {"key": ADMIN_KEY, "name": "not mine",
                                                                      "expiration_date": utc_in(86400)}),
                     401, UNAUTHORIZED[0], "does not belong to the current user")
        second = rota.call_with("res.users.apikeys", "generate", {"key": first, "name": "rota second",
                                                                  "expiration_date": utc_in(80 * 86400)})
        assert second[0] == 200 and second[1] != first
        second = second[1]
        assert api.with_key(second).ok("res.users", "context_get")["uid"] == uid
        # Renewal: the new key revokes the old one by its value.
        assert api.with_key(second).call_with("res.users.apikeys", "revoke", {"key": first}) == (200, True)
        assert api.with_key(first).call("res.users", "context_get")[0] == 401
        assert_error(api.with_key(second).call_with("res.users.apikeys", "revoke", {"key": first}), 401,
                     UNAUTHORIZED[0], "invalid")
        # Someone else's key cannot be revoked by a user; an administrator may.
        assert_error(api.with_key(second).call_with("res.users.apikeys", "revoke", {"key": ADMIN_KEY}), 403,
                     "odoo.exceptions.AccessError")
        assert api.ok("res.users", "context_get")["uid"] == 2
        assert api.call_with("res.users.apikeys", "revoke", {"key": second}) == (200, True)
    finally:
        api.call_with("ir.config_parameter", "set_param", {"key": "base.enable_programmatic_api_keys", "value": "False"})


def test_the_programmatic_key_limit(api, unique):
    api.call_with("ir.config_parameter", "set_param", {"key": "base.programmatic_api_keys_limit", "value": "2"})
    try:
        first = api.ok("res.users.apikeys", "generate", name=unique("limit one"))
        second = api.call_with("res.users.apikeys", "generate", {"key": first, "name": unique("limit two")})
        # The admin already holds keys (the environment's, this test's): the limit is reached.
        assert_error(second, 422, "odoo.exceptions.UserError", "Limit of 2 API keys")
        api.ok("res.users.apikeys", "revoke", ids=api.ok("res.users.apikeys", "search",
                                                         domain=[["name", "like", "limit one"]]))
    finally:
        api.call_with("ir.config_parameter", "set_param", {"key": "base.programmatic_api_keys_limit", "value": "10"})


def test_a_user_lists_their_own_keys_and_only_theirs(api, unique):
    """own_keys(): what the account page lists: the caller's keys, never the key nor its hash,
    while res.users.apikeys itself stays for administrators."""
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Lister", "login": unique("lister")}])
    mine = api.ok("res.users.apikeys", "generate", name="lister sync", user_id=uid, expiration_date=utc_in(86400))
    api.ok("res.users.apikeys", "generate", name="someone else's", user_id=2)
    lister = api.with_key(mine)
    listed = lister.ok("res.users.apikeys", "own_keys")
    assert [k["name"] for k in listed] == ["lister sync"]
    assert set(listed[0]) == {"id", "name", "scope", "create_date", "expiration_date"}
    assert mine not in str(listed)
    status, _ = lister.call("res.users.apikeys", "search_read", domain=[], fields=["name"])
    assert status == 403
    # The ids it gives are the ones revoke takes.
    assert lister.ok("res.users.apikeys", "revoke", ids=[listed[0]["id"]]) is True
    assert lister.call("res.users", "context_get")[0] == 401
