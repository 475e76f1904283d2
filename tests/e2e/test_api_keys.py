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
