"""Logging in with a password, as Odoo's External API documentation does it (docs/security.md,
"Passwords"): XML-RPC and JSON-RPC with the admin's password, users given passwords over the API
and on the command line, Odoo's own password hashes carried over, the admin's first password, the
cooldown after failed logins (per client address, behind a proxy too), change_password, and bad
input answered without harm."""

import json
import os
import sqlite3
import stat
import subprocess
import time
import urllib.request
import xmlrpc.client

import pytest
from passlib.hash import pbkdf2_sha512  # Debian's python3-passlib: what Odoo hashes with

from helpers import ADMIN_KEY, ADMIN_PASSWORD, BIN, MODULES_PATH

NO_FIXED_CREDENTIALS = {"AUTORULES_ADMIN_KEY": "", "AUTORULES_ADMIN_PASSWORD": ""}


def db_name(server):
    return os.path.splitext(os.path.basename(server.db))[0]


def rpc(server, service):
    return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{server.port}/xmlrpc/2/{service}")


def jsonrpc(server, service, method, *args, headers=None):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}})
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}/jsonrpc", data=body.encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def stored_hash(server, login):
    with sqlite3.connect(server.db) as db:
        return db.execute("SELECT password FROM res_users WHERE login = ?", (login,)).fetchone()[0]


def set_password(login, password, db, extra=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    return subprocess.run([BIN, "user", "password", login, "--db", f"sqlite:{db}",
                           "--modules-path", MODULES_PATH, *extra],
                          input=password, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def server(server_factory):
    return server_factory(demo=True)


def test_the_documentations_session_runs_with_the_admins_password(server):
    db = db_name(server)
    common = rpc(server, "common")
    uid = common.authenticate(db, "admin", ADMIN_PASSWORD, {})
    assert uid == 2
    assert common.login(db, "admin", ADMIN_PASSWORD) == uid
    models = rpc(server, "object")
    assert models.execute_kw(db, uid, ADMIN_PASSWORD, "res.partner", "check_access_rights", ["read"],
                             {"raise_exception": False}) is True
    ids = models.execute_kw(db, uid, ADMIN_PASSWORD, "res.partner", "search",
                            [[["is_company", "=", True]]], {"limit": 1})
    assert ids
    # Many calls with the same password: each is answered (the check is remembered).
    for _ in range(20):
        assert models.execute_kw(db, uid, ADMIN_PASSWORD, "res.partner", "search_count", [[]]) > 0
    reply = jsonrpc(server, "common", "login", db, "admin", ADMIN_PASSWORD)
    assert reply["result"] == uid
    reply = jsonrpc(server, "object", "execute_kw", db, uid, ADMIN_PASSWORD, "res.partner", "read",
                    [ids, ["name"]])
    assert reply["result"][0]["id"] == ids[0]
    # The key still works where the password does.
    assert common.login(db, "admin", ADMIN_KEY) == uid


def test_wrong_passwords_are_refused_as_odoo_refuses_them(server):
    db = db_name(server)
    common = rpc(server, "common")
    assert common.authenticate(db, "admin", ADMIN_PASSWORD + "x", {}) is False
    assert common.login(db, "nobody", ADMIN_PASSWORD) is False
    assert common.login(db, "demo", ADMIN_PASSWORD) is False  # the demo user has none
    with pytest.raises(xmlrpc.client.Fault) as caught:
        rpc(server, "object").execute_kw(db, 2, "wrong password", "res.partner", "search", [[]])
    assert caught.value.faultCode == 3 and "Access Denied" in caught.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as caught:
        rpc(server, "object").execute_kw(db, 1, ADMIN_PASSWORD, "res.partner", "search", [[]])
    assert caught.value.faultCode == 3  # someone else's uid
    error = jsonrpc(server, "object", "execute_kw", db, 2, "", "res.partner", "search", [[]])["error"]
    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"


def test_an_administrator_gives_a_user_a_password_that_is_never_shown(server):
    api = server.client()
    db = db_name(server)
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Paula", "login": "paula",
                                                      "password": "paula's secret"}])
    assert rpc(server, "common").login(db, "paula", "paula's secret") == uid
    # Never readable, searchable or shown, whoever asks.
    [row] = api.ok("res.users", "read", ids=[uid], fields=[])
    assert "password" not in row
    status, body = api.call("res.users", "read", ids=[uid], fields=["password"])[:2]
    assert status >= 400, body
    status, body = api.call("res.users", "search", domain=[["password", "!=", False]])[:2]
    assert status >= 400, body
    assert stored_hash(server, "paula").startswith("$argon2id$")
    # The rules, with the server's message.
    status, body = api.call("res.users", "write", ids=[uid], vals={"password": "short"})[:2]
    assert 400 <= status < 500, body
    assert "at least 8 characters" in json.dumps(body)
    assert rpc(server, "common").login(db, "paula", "paula's secret") == uid  # unchanged
    # Paula changes her own, proving the old one; the old one stops working at once.
    models = rpc(server, "object")
    assert models.execute_kw(db, uid, "paula's secret", "res.partner", "search_count", [[]]) >= 0
    with pytest.raises(xmlrpc.client.Fault):
        models.execute_kw(db, uid, "paula's secret", "res.users", "change_password",
                          ["not the old one", "a better secret"])
    assert models.execute_kw(db, uid, "paula's secret", "res.users", "change_password",
                             ["paula's secret", "a better secret"]) is True
    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw(db, uid, "paula's secret", "res.partner", "search_count", [[]])
    assert caught.value.faultCode == 3
    assert models.execute_kw(db, uid, "a better secret", "res.partner", "search_count", [[]]) >= 0
    # She may not set another user's password.
    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw(db, uid, "a better secret", "res.users", "write", [[2], {"password": "taken over"}])
    assert caught.value.faultCode == 4
    assert rpc(server, "common").login(db, "admin", ADMIN_PASSWORD) == 2


def test_the_command_line_sets_passwords_and_carries_odoo_hashes_over(server_factory, tmp_path):
    db = tmp_path / "cli.db"
    s = server_factory(db=str(db))
    api = s.client()
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Olga", "login": "olga"}])
    s.stop()
    done = set_password("olga", "typed on stdin\n", db)
    assert done.returncode == 0, done.stderr
    assert "the password of 'olga' is set" in done.stdout
    assert "typed on stdin" not in done.stdout + done.stderr
    bad = set_password("olga", "short\n", db)
    assert bad.returncode == 1 and "at least 8 characters" in bad.stderr
    missing = set_password("nobody", "long enough\n", db)
    assert missing.returncode == 1 and "no user with the login 'nobody'" in missing.stderr
    s = server_factory(db=str(db))
    name = db_name(s)
    assert rpc(s, "common").login(name, "olga", "typed on stdin") == uid
    s.stop()
    # A hash as Odoo stores it (passlib's pbkdf2_sha512): the same password logs in here.
    odoo_hash = pbkdf2_sha512.using(rounds=600000).hash("from odoo 17")
    done = set_password("olga", "", db, extra=["--hash", odoo_hash])
    assert done.returncode == 0, done.stderr
    bad = set_password("olga", "", db, extra=["--hash", "plain text"])
    assert bad.returncode == 1 and "Not a password hash" in bad.stderr
    s = server_factory(db=str(db))
    assert stored_hash(s, "olga") == odoo_hash
    assert rpc(s, "common").login(name, "olga", "typed on stdin") is False
    assert rpc(s, "common").login(name, "olga", "from odoo 17") == uid
    # Renewed as Argon2id on the first login.
    assert stored_hash(s, "olga").startswith("$argon2id$")
    assert rpc(s, "common").login(name, "olga", "from odoo 17") == uid


def test_the_admins_first_password_is_written_beside_the_database(server_factory, tmp_path):
    s = server_factory(db=str(tmp_path / "first.db"), env=NO_FIXED_CREDENTIALS)
    file = tmp_path / "first.db.admin.password"
    assert file.exists(), s.output()
    assert f"created the admin password (login 'admin') in {file}" in s.output()
    assert f"log in as 'admin' with the password in {file}" in s.output()
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600
    password = file.read_text().strip()
    assert len(password) >= 16 and password not in s.output()
    assert rpc(s, "common").login("first", "admin", password) == 2
    s.stop()
    # A restart keeps it.
    s = server_factory(db=str(tmp_path / "first.db"), env=NO_FIXED_CREDENTIALS)
    assert "created the admin password" not in s.output()
    assert file.read_text().strip() == password
    assert rpc(s, "common").login("first", "admin", password) == 2
    s.stop()
    # AUTORULES_ADMIN_PASSWORD replaces it; one that breaks the rules stops the start.
    s = server_factory(db=str(tmp_path / "first.db"), env={"AUTORULES_ADMIN_PASSWORD": "chosen by me"})
    assert rpc(s, "common").login("first", "admin", "chosen by me") == 2
    assert rpc(s, "common").login("first", "admin", password) is False
    s.stop()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    env["AUTORULES_ADMIN_PASSWORD"] = "short"
    done = subprocess.run([BIN, "serve", "--db", f"sqlite:{tmp_path / 'first.db'}", "--http-port", "0",
                           "--http-interface", "127.0.0.1", "--modules-path", MODULES_PATH],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "AUTORULES_ADMIN_PASSWORD: Passwords must have at least 8 characters" in done.stderr


def test_failed_logins_put_the_client_on_cooldown(server):
    db = db_name(server)
    status = server.client().call_with("ir.config_parameter", "set_param",
                                       {"key": "base.login_cooldown_duration", "value": "2"})[0]
    assert status == 200
    common = rpc(server, "common")
    for i in range(5):
        assert common.login(db, "admin", f"guess {i}") is False
    # Refused unchecked, even with the right password, as Odoo does (login answers false)...
    assert common.login(db, "admin", ADMIN_PASSWORD) is False
    with pytest.raises(xmlrpc.client.Fault) as caught:
        rpc(server, "object").execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "search_count", [[]])
    assert caught.value.faultCode == 3 and "Too many login failures" in caught.value.faultString
    # ... while API keys on JSON-2 go on working, and the server answers everything else.
    assert server.client().ok("res.partner", "search_count", domain=[]) > 0
    # Without --proxy-mode, X-Forwarded-For is the client's word: it changes nothing.
    reply = jsonrpc(server, "common", "login", db, "admin", ADMIN_PASSWORD,
                    headers={"X-Forwarded-For": "203.0.113.9"})
    assert reply["result"] is False
    assert "Login attempt ignored for 127.0.0.1" in server.output()
    time.sleep(2.2)  # the cooldown set above
    assert common.login(db, "admin", ADMIN_PASSWORD) == 2


def test_behind_a_proxy_the_forwarded_address_is_cooled_down(server_factory):
    s = server_factory(extra_args=["--proxy-mode"])
    db = db_name(s)
    first = {"X-Forwarded-For": "198.51.100.1, 203.0.113.5"}  # the proxy appended the last
    for i in range(5):
        assert jsonrpc(s, "common", "login", db, "admin", f"guess {i}", headers=first)["result"] is False
    assert jsonrpc(s, "common", "login", db, "admin", ADMIN_PASSWORD, headers=first)["result"] is False
    # Another client behind the same proxy is not held back, nor is the first one's forged prefix.
    other = {"X-Forwarded-For": "203.0.113.5, 203.0.113.6"}
    assert jsonrpc(s, "common", "login", db, "admin", ADMIN_PASSWORD, headers=other)["result"] == 2


def test_bad_passwords_and_logins_are_answered_without_harm(server):
    db = db_name(server)
    common = rpc(server, "common")
    for login, password in [("admin", "x" * 100_000), ("a\nb", "p\r\nq"), ("é" * 1000, "ü" * 1000),
                            ("", "")]:
        assert common.login(db, login, password) is False
        assert common.login(db, "admin", ADMIN_PASSWORD) == 2  # a success clears the failures
    # XML cannot carry NUL; JSON can.
    assert jsonrpc(server, "common", "login", db, "admin", "\x00" * 10)["result"] is False
    assert jsonrpc(server, "common", "login", db, "admin\x00", ADMIN_PASSWORD)["result"] is False
    error = jsonrpc(server, "common", "login", db, "admin", 12345678)["error"]
    assert "password" in error["data"]["message"]
    error = jsonrpc(server, "common", "login", db, ["admin"], ADMIN_PASSWORD)["error"]
    assert "login" in error["data"]["message"]
    api = server.client()
    for value in [12345678, ["a list"], {"an": "object"}, "x" * 5000]:
        status, body = api.call("res.users", "write", ids=[2], vals={"password": value})[:2]
        assert 400 <= status < 500, (value, body)
    assert common.login(db, "admin", ADMIN_PASSWORD) == 2
    # The log quotes what clients sent: a login with a line break stays on one line.
    assert 'Login failed for login:"a\\nb"' in server.output()
    assert 'Login failed for login:"admin\\u0000"' in server.output()
