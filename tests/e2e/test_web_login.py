"""The web interface in a real Chromium (Debian's chromium, driven by Selenium through
chromium-driver): logging in and out, a wrong password, the session across a reload. A failing
test leaves a screenshot in build/e2e-screenshots/."""

import os

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from helpers import ADMIN_PASSWORD, ROOT

SCREENSHOTS = os.path.join(ROOT, "build", "e2e-screenshots")
WAIT = 20


@pytest.fixture(scope="module")
def server(module_server):
    assert os.path.exists(os.path.join(ROOT, "web", "dist", "index.html")), \
        "the web interface is not built (make build runs scripts/build-web)"
    return module_server


@pytest.fixture
def browser(request, server):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.base = f"http://127.0.0.1:{server.port}"
    yield driver
    report = getattr(request.node, "rep_call", None)
    try:
        if report is not None and report.failed:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            path = os.path.join(SCREENSHOTS, f"{request.node.name}.png")
            driver.save_screenshot(path)
            print(f"screenshot: {path}")
    finally:
        driver.quit()


def wait_for(driver, locator):
    return WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located(locator))


def log_in(driver, login, password):
    driver.get(driver.base + "/")
    field = wait_for(driver, (By.ID, "login"))
    field.send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def test_logging_in_and_out(browser):
    log_in(browser, "admin", ADMIN_PASSWORD)
    user = wait_for(browser, (By.CSS_SELECTOR, "[data-test=user]"))
    assert user.text
    cookie = browser.get_cookie("session_id")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # The session holds across a reload.
    browser.refresh()
    wait_for(browser, (By.CSS_SELECTOR, "[data-test=user]"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Log out']").click()
    wait_for(browser, (By.ID, "login"))
    browser.refresh()
    wait_for(browser, (By.ID, "login"))  # logged out for good


def test_a_wrong_password_is_refused_on_the_form(browser):
    log_in(browser, "admin", "not the password")
    alert = wait_for(browser, (By.CSS_SELECTOR, "[role=alert]"))
    assert "Wrong login/password" in alert.text
    assert browser.get_cookie("session_id") is None
    assert browser.find_elements(By.CSS_SELECTOR, "[data-test=user]") == []


def test_the_form_is_labelled_and_keyboard_usable(browser):
    browser.get(browser.base + "/")
    field = wait_for(browser, (By.ID, "login"))
    for name in ("login", "password"):
        assert browser.find_elements(By.CSS_SELECTOR, f"label[for={name}]")
    assert browser.switch_to.active_element == field  # focused at once
    field.send_keys("admin")
    field.send_keys("\t")
    browser.switch_to.active_element.send_keys(ADMIN_PASSWORD + "\n")  # Enter submits
    wait_for(browser, (By.CSS_SELECTOR, "[data-test=user]"))
