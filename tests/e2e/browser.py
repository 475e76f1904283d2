"""The web interface's tests drive a real Chromium (Debian's chromium, through chromium-driver and
python3-selenium), headless. One Chromium serves the whole session; each test starts logged out
with a clean browser state. A failing test leaves a screenshot in build/e2e-screenshots/.

Fixtures: `browser` (a Browser on `web_server`, which is `module_server` unless a test module
overrides it, e.g. with `module_demo_server`)."""

import os
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from helpers import ADMIN_PASSWORD, ROOT, WEB_ROOT

SCREENSHOTS = os.path.join(ROOT, "build", "e2e-screenshots")
WAIT = 20


def _xpath_text(text):
    """An XPath string literal for any text (quotes included)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


class Browser:
    """A Selenium driver with the interface's vocabulary: open a place, log in, fill a field by
    its label, click a button by its text, wait for text."""

    def __init__(self, driver, base):
        self.driver = driver
        self.base = base

    # Places and session
    def open(self, place=""):
        """Opens the interface at a place: open('rules/3') loads /#/rules/3."""
        self.driver.get(f"{self.base}/#/{place}" if place else f"{self.base}/")

    def go(self, place):
        """Moves to a place without reloading the page."""
        self.driver.execute_script("location.hash = arguments[0]", f"#/{place}")

    def log_in(self, login="admin", password=ADMIN_PASSWORD, place=""):
        self.open(place)
        self.wait("#login").send_keys(login)
        self.find("#password").send_keys(password)
        self.find("button[type=submit]").click()
        self.wait("[data-test=user]")

    # Finding
    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, css, timeout=WAIT):
        """The first visible element matching a CSS selector, waiting for it."""
        return WebDriverWait(self.driver, timeout).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def wait_gone(self, css, timeout=WAIT):
        WebDriverWait(self.driver, timeout).until(
            EC.invisibility_of_element_located((By.CSS_SELECTOR, css)))

    def wait_xpath(self, xpath, timeout=WAIT):
        return WebDriverWait(self.driver, timeout).until(
            EC.visibility_of_element_located((By.XPATH, xpath)))

    def wait_text(self, text, css="body", timeout=WAIT):
        """Waits until an element matching css contains the text."""
        WebDriverWait(self.driver, timeout).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def wait_until(self, predicate, timeout=WAIT, message=""):
        """Waits until predicate() is truthy (re-tried on stale elements); returns its value."""
        def check(_):
            try:
                return predicate()
            except (StaleElementReferenceException, WebDriverException):
                return False
        return WebDriverWait(self.driver, timeout).until(check, message)

    def button(self, text, within="//"):
        """A visible, enabled button (or link styled as one) by its exact text or aria-label."""
        t = _xpath_text(text)
        xpath = (f"{within}*[self::button or self::a][normalize-space()={t} or @aria-label={t}]")
        return WebDriverWait(self.driver, WAIT).until(
            EC.element_to_be_clickable((By.XPATH, xpath)))

    def click(self, text, within="//"):
        self.button(text, within).click()

    def field(self, label):
        """The input labelled `label` (a <label for=...> with that exact text, or aria-label), in
        the topmost open dialog when there is one."""
        t = _xpath_text(label)
        def find():
            dialogs = self.driver.find_elements(By.CSS_SELECTOR, "dialog[open]")
            scope = f"(//dialog[@open])[{len(dialogs)}]" if dialogs else ""
            labels = self.driver.find_elements(By.XPATH, f"{scope}//label[normalize-space()={t}]")
            for lab in labels:
                target = lab.get_attribute("for")
                if target:
                    found = self.driver.find_elements(By.ID, target)
                    if found and found[0].is_displayed():
                        return found[0]
            found = self.driver.find_elements(By.XPATH, f"{scope}//*[@aria-label={t}]")
            return next((f for f in found if f.is_displayed()), None)
        return self.wait_until(find, message=f"no field labelled {label!r}")

    def fill(self, label, text):
        element = self.field(label)
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(text)
        return element

    def pick(self, label, text, option=None):
        """Types into an autocomplete field and picks the suggestion reading `option` (or text)."""
        element = self.fill(label, text)
        option = option or text
        t = _xpath_text(option)
        self.wait_xpath(f"//li[@role='option'][normalize-space()={t}]").click()
        return element

    def select(self, label, option_text):
        """Chooses an option of a <select> by its visible text."""
        element = self.field(label)
        t = _xpath_text(option_text)
        self.wait_until(lambda: element.find_elements(By.XPATH, f".//option[normalize-space()={t}]"),
                        message=f"no option {option_text!r} in {label!r}")  # options may come later
        Select(element).select_by_visible_text(option_text)

    def choose_field(self, test_id, path):
        """Picks a field path in a field selector (data-test=test_id): follows each relation with
        its right arrow, then picks the last field, by technical names ("partner_id.country_id")."""
        self.wait(f"button[data-test='{test_id}']").click()
        self._walk_field_path(path)

    def _walk_field_path(self, path):
        """In the open field selector: each relation's right arrow, then a click on the last field."""
        parts = path.split(".")
        for part in parts[:-1]:
            self.wait(f"[data-test=field-popover] li[data-name='{part}'] .fps-follow").click()
        self.wait(f"[data-test=field-popover] li[data-name='{parts[-1]}']").click()
        self.wait_gone("[data-test=field-popover]")

    # The domain editor (web/src/domain/editor.jsx), found by its data-test: "domain" on the
    # records lists, "filter_domain" for a rule's Apply on.
    def domain_rules(self, editor="domain"):
        """The editor's rule rows, nested ones included, in the order shown."""
        return self.find_all(f"[data-test='{editor}'] [data-test=domain-rule]")

    def wait_domain_count(self, n, editor="domain"):
        """Waits until the editor's live count reads n records."""
        text = f"→ {n} record{'' if n == 1 else 's'}"
        self.wait_until(lambda: self.find(f"[data-test='{editor}'] [data-test=domain-count]").text == text,
                        message=f"the count never read {text!r}")

    def unfold_domain(self, editor="domain"):
        """Unfolds the editor when it is folded."""
        self.wait(f"[data-test='{editor}']")
        if self.find_all(f"[data-test='{editor}'] [aria-label='Edit conditions']"):
            self.click("Edit conditions", within=f"//*[@data-test='{editor}']//")
        self.wait(f"[data-test='{editor}'] [aria-label='Fold conditions']")

    def pick_rule_field(self, rule, search, label):
        """Opens a rule row's field selector, searches, and clicks the field labelled `label`."""
        rule.find_element(By.CSS_SELECTOR, "[data-test=rule-field]").click()
        self.wait("[data-test=field-popover] input[type=search]").send_keys(search)
        self.wait_xpath(f"//*[@data-test='field-popover']//li[@role='option'][.//span[@class='fps-label' and "
                        f"normalize-space()={_xpath_text(label)}]]").click()
        self.wait_gone("[data-test=field-popover]")

    def pick_rule_path(self, rule, path):
        """Opens a rule row's field selector, goes back to the model's own fields, then follows
        the path by technical names ("country_id.code") with the relations' right arrows."""
        rule.find_element(By.CSS_SELECTOR, "[data-test=rule-field]").click()
        self.wait("[data-test=field-popover]")

        def at_the_model():
            back = self.find_all("[data-test=field-popover] .fps-back")
            if back:
                back[0].click()
            return not back
        self.wait_until(at_the_model, message="the field selector never came back to the model's fields")
        self._walk_field_path(path)

    @staticmethod
    def rule_operator(rule):
        """The operator <select> of a rule row."""
        return Select(rule.find_element(By.CSS_SELECTOR, "[data-test=rule-operator]"))

    def wait_focus(self, element):
        """Waits until `element` has the focus."""
        self.wait_until(lambda: self.driver.switch_to.active_element == element,
                        message="the focus never came to the element")

    def set_code(self, test_id, text):
        """Replaces the text of a code editor (data-test=test_id) by typing it."""
        content = self.wait(f"[data-test='{test_id}'] .cm-content")
        content.click()
        content.send_keys(Keys.CONTROL, "a")
        content.send_keys(Keys.DELETE)
        content.send_keys(text)

    def radio(self, text):
        """Clicks the radio button (role=radio) whose text contains `text`."""
        t = _xpath_text(text)
        self.wait_xpath(f"//*[@role='radio'][contains(normalize-space(), {t})]").click()

    # A rule's form (web/src/rules/)
    def new_rule(self, name, model_label, trigger):
        """Opens a new rule's form (logged in already) and fills its name, model and trigger."""
        self.go("rules/new")
        self.fill("Automation Rule Name", name)
        self.pick("Model", model_label, model_label)
        self.select("Trigger", trigger)

    def add_action(self, type_label):
        """Opens the Add an action dialog (saving the rule) and picks the action's type."""
        self.click("Add an action")
        self.wait("[data-test=action-dialog]")
        self.radio(type_label)

    def notification(self, text):
        self.wait_text(text, ".notifications")

    def screenshot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        self.driver.save_screenshot(path)
        return path


@pytest.fixture(scope="session")
def chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(WAIT)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def web_server(module_server):
    """The server the module's browser tests use; a module may override it."""
    return module_server


@pytest.fixture
def browser(request, chromium, web_server):
    assert os.path.exists(os.path.join(WEB_ROOT, "index.html")), \
        f"the web interface is not built in {WEB_ROOT} (make build runs scripts/build-web)"
    base = f"http://127.0.0.1:{web_server.port}"
    chromium.set_window_size(1280, 900)
    chromium.get(base + "/web/version")  # an origin to clear
    chromium.delete_all_cookies()
    chromium.execute_script("localStorage.clear(); sessionStorage.clear()")
    b = Browser(chromium, base)
    yield b
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"screenshot: {b.screenshot(request.node.name)}")
        logs = chromium.get_log("browser") if hasattr(chromium, "get_log") else []
        for entry in logs[-20:]:
            print(f"console: {entry.get('level')} {entry.get('message')}")
