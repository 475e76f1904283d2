"""The web interface in a real Chromium (tests/e2e/browser.py): logging in and out, a wrong
password, the session across a reload, the session ending under the page."""

from helpers import ADMIN_PASSWORD


def submit_login(browser, login, password):
    browser.open()
    browser.wait("#login").send_keys(login)
    browser.find("#password").send_keys(password)
    browser.find("button[type=submit]").click()


def test_logging_in_and_out(browser):
    submit_login(browser, "admin", ADMIN_PASSWORD)
    assert browser.wait("[data-test=user]").text == "Administrator"
    cookie = browser.driver.get_cookie("session_id")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # The session holds across a reload.
    browser.driver.refresh()
    browser.wait("[data-test=user]")
    browser.click("Log out")
    browser.wait("#login")
    assert browser.driver.get_cookie("session_id") is None
    browser.driver.refresh()
    browser.wait("#login")  # logged out for good


def test_a_wrong_password_is_refused_on_the_form(browser):
    submit_login(browser, "admin", "not the password")
    alert = browser.wait("[role=alert]")
    assert "Wrong login/password" in alert.text
    assert browser.driver.get_cookie("session_id") is None
    assert browser.find_all("[data-test=user]") == []


def test_the_form_is_labelled_and_keyboard_usable(browser):
    browser.open()
    field = browser.wait("#login")
    for name in ("login", "password"):
        assert browser.find_all(f"label[for={name}]")
    assert browser.driver.switch_to.active_element == field  # focused at once
    field.send_keys("admin")
    field.send_keys("\t")
    browser.driver.switch_to.active_element.send_keys(ADMIN_PASSWORD + "\n")  # Enter submits
    browser.wait("[data-test=user]")


def test_a_session_ended_elsewhere_brings_back_the_login_page(browser, web_server):
    browser.log_in(place="records")
    # The session is ended from outside (as by a password change or its lifetime).
    api = web_server.client()
    sessions = api.ok("res.users.session", "search", domain=[])
    api.ok("res.users.session", "unlink", ids=sessions)
    browser.go("records/res.partner")
    browser.wait("#login")
    assert "session has ended" in browser.wait("[role=alert]").text
