"""The browser's session: /web/session/authenticate, get_session_info and destroy, the session
cookie on JSON-2 and /doc, the CSRF token, the session's lifetime and its end on a password change.
"""

import http.client
import json
import time

import pytest

from helpers import ADMIN_PASSWORD


def _post(server, path, body, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        conn.request("POST", path, body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        return r.status, r.getheader("Set-Cookie"), parsed
    finally:
        conn.close()


def _get(server, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def _rpc(params):
    return {"jsonrpc": "2.0", "method": "call", "params": params, "id": 7}


def _login(server, login="admin", password=ADMIN_PASSWORD, headers=None):
    status, cookie, body = _post(server, "/web/session/authenticate",
                                 _rpc({"login": login, "password": password}), headers)
    assert status == 200, body
    return cookie, body


def _session(cookie_header):
    """The session_id value of a Set-Cookie header."""
    first = cookie_header.split(";")[0]
    name, _, value = first.partition("=")
    assert name == "session_id"
    return value


def _json2(server, model, method, params, token=None, csrf=None, extra=None):
    headers = {}
    if token is not None:
        headers["Cookie"] = f"session_id={token}"
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    headers.update(extra or {})
    status, _, body = _post(server, f"/json/2/{model}/{method}", params, headers)
    return status, body


@pytest.fixture(scope="module")
def server(module_server):
    return module_server


def test_logging_in_sets_a_protected_cookie_and_answers_the_session(server):
    cookie, body = _login(server)
    assert body["id"] == 7
    info = body["result"]
    assert info["uid"] == 2 and info["username"] == "admin" and info["is_system"] is True
    assert len(info["csrf_token"]) == 64
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs and "samesite=lax" in attrs and "path=/" in attrs
    assert "secure" not in attrs  # plain HTTP
    assert len(_session(cookie)) == 64
    assert info["csrf_token"] != _session(cookie)


def test_behind_a_tls_proxy_the_cookie_is_secure(server, server_factory):
    # Only a proxy is believed (--proxy-mode): a client's own header changes nothing.
    cookie, _ = _login(server, headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in [a.strip().lower() for a in cookie.split(";")]
    proxied = server_factory(extra_args=("--proxy-mode",))
    cookie, _ = _login(proxied, headers={"X-Forwarded-Proto": "https",
                                         "X-Forwarded-For": "203.0.113.9"})
    assert "secure" in [a.strip().lower() for a in cookie.split(";")]
    cookie, _ = _login(proxied, headers={"X-Forwarded-Proto": "http"})
    assert "secure" not in [a.strip().lower() for a in cookie.split(";")]


def test_a_session_calls_json2_with_its_csrf_token(server):
    cookie, body = _login(server)
    token, csrf = _session(cookie), body["result"]["csrf_token"]
    status, result = _json2(server, "res.partner", "create", {"vals_list": [{"name": "From a browser"}]},
                            token, csrf)
    assert status == 200, result
    status, rows = _json2(server, "res.partner", "search_read",
                          {"domain": [["name", "=", "From a browser"]], "fields": ["create_uid"]},
                          token, csrf)
    assert status == 200 and rows[0]["create_uid"][0] == 2


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "not a token"])
def test_without_its_csrf_token_a_session_changes_nothing(server, csrf):
    cookie, body = _login(server)
    token = _session(cookie)
    name = f"forged {csrf!r}"
    status, result = _json2(server, "res.partner", "create", {"vals_list": [{"name": name}]},
                            token, csrf)
    assert status == 403, result
    assert "CSRF" in result["message"]
    # Another session's token does not do either.
    _, other = _login(server)
    status, _ = _json2(server, "res.partner", "create", {"vals_list": [{"name": name}]},
                       token, other["result"]["csrf_token"])
    assert status == 403
    _, admin = _login(server)
    status, count = _json2(server, "res.partner", "search_count", {"domain": [["name", "=", name]]},
                           token, body["result"]["csrf_token"])
    assert status == 200 and count == 0


@pytest.mark.parametrize("value", ["", "x", "0" * 64, "g" * 64, "a" * 5000, "\"quoted\"",
                                   "deadbeef; other=1"])
def test_a_bad_session_cookie_is_401(server, value):
    status, result = _json2(server, "res.partner", "search_count", {"domain": []},
                            extra={"Cookie": f"session_id={value}", "X-CSRF-Token": "x"})
    assert status == 401, result


def test_an_api_key_still_works_and_wins_over_a_cookie(server):
    client = server.client()
    status, result = _json2(server, "res.partner", "search_count", {"domain": []},
                            extra={"Authorization": f"bearer {client.key}",
                                   "Cookie": "session_id=" + "0" * 64})
    assert status == 200, result


def test_a_wrong_password_opens_no_session(server):
    status, cookie, body = _post(server, "/web/session/authenticate",
                                 _rpc({"login": "admin", "password": "wrong password"}))
    assert status == 200 and cookie is None
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    status, cookie, body = _post(server, "/web/session/authenticate",
                                 _rpc({"login": "nobody", "password": "whatever it is"}))
    assert cookie is None and body["error"]["data"]["message"] == "Wrong login/password"
    status, cookie, body = _post(server, "/web/session/authenticate",
                                 _rpc({"login": "admin", "password": ADMIN_PASSWORD, "db": "other"}))
    assert cookie is None and "error" in body


def test_an_api_key_does_not_open_a_session(server):
    status, cookie, body = _post(server, "/web/session/authenticate",
                                 _rpc({"login": "admin", "password": server.client().key}))
    assert cookie is None and "error" in body


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_logging_in_needs_a_json_body(server, content_type):
    # What a cross-site form can send is refused: no login from another site.
    status, cookie, _ = _post(server, "/web/session/authenticate",
                              json.dumps(_rpc({"login": "admin", "password": ADMIN_PASSWORD})),
                              {"Content-Type": content_type})
    assert status == 400 and cookie is None


@pytest.mark.parametrize("body", [b"", b"[]", b"not json", b'{"params": [1]}',
                                  b'{"params": {"login": 5, "password": {}}}'])
def test_malformed_login_calls_are_refused(server, body):
    status, cookie, answer = _post(server, "/web/session/authenticate", body)
    assert cookie is None
    assert status in (200, 400) and "error" in answer


def test_session_info_and_logging_out(server):
    cookie, body = _login(server)
    token, csrf = _session(cookie), body["result"]["csrf_token"]
    status, _, info = _post(server, "/web/session/get_session_info", _rpc({}),
                            {"Cookie": f"session_id={token}"})
    assert info["result"]["uid"] == 2 and info["result"]["csrf_token"] == csrf
    # Logging out is a change: without the CSRF token it does nothing.
    status, _, answer = _post(server, "/web/session/destroy", _rpc({}),
                              {"Cookie": f"session_id={token}"})
    assert "error" in answer
    assert _json2(server, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 200
    status, cleared, answer = _post(server, "/web/session/destroy", _rpc({}),
                                    {"Cookie": f"session_id={token}", "X-CSRF-Token": csrf})
    assert answer["result"] is True and "Max-Age=0" in cleared
    assert _json2(server, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 401
    status, _, info = _post(server, "/web/session/get_session_info", _rpc({}),
                            {"Cookie": f"session_id={token}"})
    assert info["error"]["code"] == 100


def test_session_info_without_a_session_is_session_expired(server):
    status, _, info = _post(server, "/web/session/get_session_info", _rpc({}))
    assert status == 200 and info["error"]["code"] == 100
    assert info["error"]["data"]["name"] == "odoo.http.SessionExpiredException"


def test_the_session_routes_are_post_only(server):
    status, _ = _get(server, "/web/session/get_session_info")
    assert status == 405
    status, _, _ = _post(server, "/web/session/unknown", _rpc({}))
    assert status == 404


def test_doc_accepts_a_session(server):
    cookie, _ = _login(server)
    status, page = _get(server, "/doc", {"Cookie": f"session_id={_session(cookie)}"})
    assert status == 200 and b"res.partner" in page
    assert _get(server, "/doc", {"Cookie": "session_id=" + "1" * 64})[0] == 401


def test_a_user_sees_only_their_rights_through_a_session(server):
    api = server.client()
    uid = api.ok("res.users", "create", vals_list=[{"name": "Sam", "login": "sam",
                                                     "password": "sam's password"}])[0]
    cookie, body = _login(server, "sam", "sam's password")
    assert body["result"]["uid"] == uid and body["result"]["is_system"] is False
    token, csrf = _session(cookie), body["result"]["csrf_token"]
    status, result = _json2(server, "ir.config_parameter", "search_read", {"domain": []}, token, csrf)
    assert status == 403, result
    status, result = _json2(server, "res.users.session", "search_read", {"domain": []}, token, csrf)
    assert status == 403, result


def test_a_password_change_ends_the_sessions(server):
    api = server.client()
    uid = api.ok("res.users", "create", vals_list=[{"name": "Pat", "login": "pat",
                                                     "password": "pat's first password"}])[0]
    cookie, body = _login(server, "pat", "pat's first password")
    token, csrf = _session(cookie), body["result"]["csrf_token"]
    assert _json2(server, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 200
    api.ok("res.users", "write", ids=[uid], vals={"password": "pat's second password"})
    assert _json2(server, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 401
    # Archiving the user ends them too.
    cookie, body = _login(server, "pat", "pat's second password")
    token, csrf = _session(cookie), body["result"]["csrf_token"]
    api.ok("res.users", "write", ids=[uid], vals={"active": False})
    assert _json2(server, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 401


def test_sessions_are_kept_hashed_and_never_shown(server):
    api = server.client()
    cookie, _ = _login(server)
    token = _session(cookie)
    status, _ = api.call("res.users.session", "search_read", domain=[], fields=["token"])
    assert status == 422  # a secret field: no one reads it, administrators neither
    rows = api.ok("res.users.session", "search_read", domain=[], fields=[])
    assert rows and all("token" not in r for r in rows)
    assert token not in json.dumps(rows)
    assert any(token.startswith(r["index"]) and len(r["index"]) == 8 for r in rows)


def test_a_session_unused_for_its_lifetime_is_over(server_factory):
    s = server_factory()
    api = s.client()
    api.ok("ir.config_parameter", "create", vals_list=[{"key": "web.session_lifetime", "value": "2"}])
    cookie, body = _login(s)
    token, csrf = _session(cookie), body["result"]["csrf_token"]
    assert "Max-Age=2" in cookie
    assert _json2(s, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 200
    time.sleep(3.2)
    assert _json2(s, "res.partner", "search_count", {"domain": []}, token, csrf)[0] == 401


def test_repeated_failures_cool_the_address_down(server_factory):
    s = server_factory()
    for _ in range(5):
        _, cookie, body = _post(s, "/web/session/authenticate",
                                _rpc({"login": "admin", "password": "wrong password"}))
        assert cookie is None
    _, cookie, body = _post(s, "/web/session/authenticate",
                            _rpc({"login": "admin", "password": ADMIN_PASSWORD}))
    assert cookie is None
    assert "Too many login failures" in body["error"]["data"]["message"]
