"""The Users and My Account pages in a real Chromium (tests/e2e/browser.py): an administrator
creates a user with groups and a password and that user logs in; archiving; a user's keys and
sessions seen and ended by an administrator; a user who is not an administrator makes an API key,
sees it once, uses it and revokes it, changes their password, and sees neither the
administrators' menus nor their pages."""

import json
import urllib.error
import urllib.request

import pytest

from helpers import ADMIN_PASSWORD

DEMO_PASSWORD = "demo's long password"


@pytest.fixture(scope="module")
def web_server(module_demo_server):
    return module_demo_server


@pytest.fixture
def demo_login(web_server):
    """The demo user (not an administrator) with a password of its own."""
    api = web_server.client()
    [uid] = api.ok("res.users", "search", domain=[["login", "=", "demo"]])
    api.ok("res.users", "write", ids=[uid], vals={"password": DEMO_PASSWORD})
    return uid


def group_id(api, xmlid):
    module, name = xmlid.split(".")
    return api.ok("ir.model.data", "search_read", domain=[["module", "=", module], ["name", "=", name]],
                  fields=["res_id"])[0]["res_id"]


def json2(port, model, method, key, **params):
    """A JSON-2 call with an API key, as a script would make it: (status, body)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/2/{model}/{method}",
                                     data=json.dumps(params).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def open_session(port, login, password):
    """Logs in as a browser would, outside the test's browser: the session's cookie."""
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"login": login, "password": password}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/web/session/authenticate", data=body,
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "Inventory scanner/2.1"})
    with urllib.request.urlopen(request, timeout=10) as r:
        answer = json.loads(r.read())
        assert "result" in answer, answer
        return r.headers["Set-Cookie"]


def test_an_admin_creates_a_user_with_groups_and_a_password_and_they_log_in(browser, web_server, unique):
    api = web_server.client()
    login = unique("nadia")
    browser.log_in(place="users")
    browser.click("New User")
    browser.wait_text("New", "#user-title")
    browser.fill("Name", "Nadia Kowalski")
    browser.fill("Login", login)
    browser.fill("Email", "nadia@example.com")
    # Internal User comes chosen, as the server makes new users; Settings is added.
    browser.wait_text("Internal User", "[data-test=group_ids]")
    browser.pick("Groups", "Sett", "Settings")
    browser.wait_text("Includes Internal User", ".group-help")
    browser.click("Create")
    browser.notification("User created.")
    browser.wait_text("Nadia Kowalski", "#user-title")
    [user] = api.ok("res.users", "search_read", domain=[["login", "=", login]],
                    fields=["name", "group_ids", "partner_id", "active"])
    assert browser.driver.current_url.endswith(f"#/users/{user['id']}")
    assert set(user["group_ids"]) == {group_id(api, "base.group_user"), group_id(api, "base.group_system")}
    assert user["active"] is True
    partner = api.ok("res.partner", "read", ids=[user["partner_id"][0]], fields=["email"])[0]
    assert partner["email"] == "nadia@example.com"

    # Set Password: the two inputs must match, and the server's rules are shown as it states them.
    browser.click("Set Password")
    browser.fill("New password", "short")
    browser.fill("Confirm new password", "shorter")
    browser.wait_text("Does not match", "[data-test=set-password]")
    browser.click("Set Password", within="//dialog//")
    browser.wait_text("The two passwords differ.", "[data-test=set-password] [data-test=password-error]")
    browser.fill("Confirm new password", "short")
    browser.click("Set Password", within="//dialog//")
    browser.wait_text("at least 8 characters", "[data-test=set-password] [data-test=password-error]")
    browser.fill("New password", "nadia's own secret")
    browser.fill("Confirm new password", "nadia's own secret")
    browser.click("Set Password", within="//dialog//")
    browser.notification("Nadia Kowalski's password is set")
    browser.wait_gone("[data-test=set-password]")

    # She logs in with it, in the browser.
    browser.click("Log out")
    browser.wait("#login")
    browser.log_in(login, "nadia's own secret")
    assert browser.wait("[data-test=user]").text == "Nadia Kowalski"


def test_a_user_is_archived_and_unarchived(browser, web_server, unique):
    api = web_server.client()
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Oscar Leaving", "login": unique("oscar")}])
    browser.log_in(place=f"users/{uid}")
    browser.wait_text("Oscar Leaving", "#user-title")
    browser.click("Archive")
    browser.wait_text("their API keys stop working", "[data-test=confirm]")
    browser.click("Archive", within="//dialog//")
    browser.notification("Oscar Leaving is archived.")
    browser.wait_text("Archived", ".ribbon")
    assert api.ok("res.users", "read", ids=[uid], fields=["active"])[0]["active"] is False
    # The list shows archived users on demand.
    browser.click("Users", within="//h1//")
    browser.select("Show", "Archived users")
    browser.wait_text("Oscar Leaving", "[data-test=users]")
    browser.click("Oscar Leaving")
    browser.click("Unarchive")
    browser.notification("Oscar Leaving is active again.")
    browser.wait_gone(".ribbon")
    assert api.ok("res.users", "read", ids=[uid], fields=["active"])[0]["active"] is True
    # The server's refusals are shown on the form.
    browser.go("users/2")
    browser.wait_text("Administrator", "#user-title")
    browser.click("Archive")
    browser.click("Archive", within="//dialog//")
    browser.wait_text("You cannot deactivate the user you're currently logged in as.", "[data-test=save-error]")
    assert api.ok("res.users", "read", ids=[2], fields=["active"])[0]["active"] is True


def test_an_admin_sees_and_ends_a_users_keys_and_sessions(browser, web_server, demo_login):
    api = web_server.client()
    key = api.ok("res.users.apikeys", "generate", name="Scanner key", user_id=demo_login)
    open_session(web_server.port, "demo", DEMO_PASSWORD)
    browser.log_in(place=f"users/{demo_login}")
    browser.wait_text("Scanner key", "[data-test=keys]")
    browser.click("Revoke Scanner key")
    browser.click("Revoke", within="//dialog//")
    browser.notification('The key "Scanner key" is revoked.')
    browser.wait_until(lambda: "Scanner key" not in browser.find("[data-test=api-keys]").text)
    assert json2(web_server.port, "res.users", "context_get", key)[0] == 401
    # The sessions tab: where from and which browser; ending one logs that browser out.
    browser.click("Sessions")
    browser.wait_text("Inventory scanner/2.1", "[data-test=sessions]")
    sessions = api.ok("res.users.session", "search", domain=[["user_id", "=", demo_login]])
    assert len(sessions) == 1
    browser.click("End the session from 127.0.0.1")
    browser.click("End Session", within="//dialog//")
    browser.notification("The session is ended.")
    browser.wait_text("No open session.", "[data-test=sessions]")
    assert api.ok("res.users.session", "search_count", domain=[["user_id", "=", demo_login]]) == 0


def test_a_user_makes_an_api_key_sees_it_once_uses_it_and_revokes_it(browser, web_server, demo_login):
    api = web_server.client()
    browser.log_in("demo", DEMO_PASSWORD, place="account")
    browser.wait_text("demo", "[data-test=my-login]")
    browser.wait_text("No API key yet.", "[data-test=keys]")
    browser.click("New API Key")
    browser.fill("Description", "Stock sync")
    assert browser.field("Duration in days").get_attribute("value") == "30"
    browser.wait_text("at most 90 days", "[data-test=new-key]")
    browser.fill("Duration in days", "120")
    browser.click("Make Key")
    browser.wait_text("cannot exceed 90 days", "[data-test=key-error]")  # the server's rule
    browser.fill("Duration in days", "10")
    browser.click("Make Key")
    key = browser.wait("[data-test=key-value]").get_attribute("value")
    assert len(key) >= 32
    assert "will not be shown again" in browser.find("[data-test=new-key]").text
    browser.click("Copy")
    browser.notification("The key is")  # copied, or selected for Ctrl+C without clipboard access
    browser.click("Done")
    browser.wait_gone("[data-test=new-key]")
    assert key not in browser.driver.page_source  # shown once
    browser.wait_text("Stock sync", "[data-test=keys]")  # the user's own keys are listed

    # It works as a script would use it.
    status, body = json2(web_server.port, "res.users", "context_get", key)
    assert (status, body["uid"]) == (200, demo_login)
    [row] = api.ok("res.users.apikeys", "search_read", domain=[["user_id", "=", demo_login]],
                   fields=["name", "expiration_date"])
    assert row["name"] == "Stock sync" and row["expiration_date"]
    # The list never carries the key, nor another user's keys.
    listed = json2(web_server.port, "res.users.apikeys", "own_keys", key)[1]
    assert [k["name"] for k in listed] == ["Stock sync"] and "key" not in listed[0]

    browser.click("Revoke Stock sync")
    browser.click("Revoke", within="//dialog//")
    browser.notification('The key "Stock sync" is revoked.')
    browser.wait_text("No API key yet.", "[data-test=keys]")
    assert browser.find_all("[data-test=user]")  # still logged in
    assert json2(web_server.port, "res.users", "context_get", key)[0] == 401
    assert api.ok("res.users.apikeys", "search_count", domain=[["user_id", "=", demo_login]]) == 0


def test_a_user_changes_their_password_and_stays_logged_in(browser, web_server, demo_login):
    browser.log_in("demo", DEMO_PASSWORD, place="account")
    browser.fill("Current password", "not my password")
    browser.fill("New password", "a brand new secret")
    browser.fill("Confirm new password", "a brand new secret")
    browser.click("Change Password")
    browser.wait_text("The current password is not right", "[data-test=password-error]")
    assert browser.find_all("[data-test=user]")  # a wrong password does not end the session
    browser.fill("Current password", DEMO_PASSWORD)
    browser.fill("Confirm new password", "a brand new secreT")
    browser.wait_text("Does not match", "[data-test=change-password]")
    browser.fill("Confirm new password", "a brand new secret")
    browser.click("Change Password")
    browser.notification("Your password is changed.")
    # The page carries on with a new session: its calls still work.
    browser.go("records")
    browser.go("account")
    browser.wait_text("Marc Demo", "[data-test=my-name]")
    assert browser.find_all("[data-test=user]")
    # The old password no longer logs in; the new one does.
    with pytest.raises(AssertionError):
        open_session(web_server.port, "demo", DEMO_PASSWORD)
    assert open_session(web_server.port, "demo", "a brand new secret")


def test_a_user_sees_no_administrators_menus(browser, web_server, demo_login):
    browser.log_in("demo", DEMO_PASSWORD)
    menu = browser.wait("nav[aria-label=Main]").text
    for entry in ("Automation Rules", "Scheduled Jobs", "Logs", "Users"):
        assert entry not in menu
    assert "My Account" in menu and "Records" in menu


def test_a_user_opening_an_administrators_page_gets_the_servers_refusal(browser, web_server, demo_login):
    browser.log_in("demo", DEMO_PASSWORD, place="users")
    browser.wait_text("You are not allowed to modify 'User'", "[data-test=access-error]", timeout=5)
    for place in ("logs", "jobs"):
        browser.go(place)
        browser.wait_text("You are not allowed to access", "[role=alert]", timeout=5)
