"""The visual domain editor and the field path selector in a real Chromium (tests/e2e/browser.py),
on the records list of the demo contacts (#/records/res.partner): building a domain with the
rules' controls, the live count and the list checked against the API's search_count and
search_read, walking relations in the field selector with the mouse and with the keyboard
alone, developer mode's code editor kept in step with the rules, a domain the editor cannot show,
and "Include archived"."""

import urllib.parse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


@pytest.fixture(scope="module")
def web_server(module_demo_server):
    return module_demo_server


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


ROWS = "[data-test=records] tbody tr[data-id]"
RULES = "[data-test=domain] [data-test=domain-rule]"


# Records, from now on, the name of every row the field popover shows active, as the DOM changes.
ACTIVE_ROWS_SEEN = """
window.activeRowsSeen = [];
new MutationObserver(() => {
  const row = document.querySelector("[data-test=field-popover] li[aria-selected=true]");
  if (row) window.activeRowsSeen.push(row.dataset.name);
}).observe(document.body, {subtree: true, childList: true, attributes: true,
                           attributeFilter: ["aria-selected"]});
"""


def listed_ids(browser):
    return sorted(int(r.get_attribute("data-id")) for r in browser.find_all(ROWS))


def url_domain(browser):
    """The filter the records page keeps in the URL, as text ('' when none)."""
    query = browser.driver.execute_script("return location.hash").partition("?")[2]
    return urllib.parse.parse_qs(query).get("domain", [""])[0]


def open_filter(browser, domain=None):
    place = "records/res.partner"
    if domain is not None:
        place += "?domain=" + urllib.parse.quote(domain)
    browser.log_in(place=place)
    browser.wait("[data-test=records]")
    if not browser.find_all("[data-test=domain]"):
        browser.click("Filter")
    return browser.wait("[data-test=domain]")


def test_a_domain_built_with_the_visual_controls_filters_the_list(browser, api):
    [belgium] = api.ok("res.country", "search", domain=[["name", "=", "Belgium"]])
    open_filter(browser)
    editor = browser.find("[data-test=domain]")
    assert "Match all records" in editor.text
    total = api.ok("res.partner", "search_count", domain=[])
    browser.wait_domain_count(total)

    # "+ Add condition" unfolds the editor with a first rule: Country, "is equal to", no country
    # yet (a warning says that nothing matches), its field selector focused.
    browser.click("+ Add condition")
    [rule] = browser.wait_until(lambda: browser.domain_rules() or None)
    assert rule.find_element(By.CSS_SELECTOR, "[data-test=rule-field]").text.startswith("Country")
    assert browser.driver.switch_to.active_element.get_attribute("data-test") == "rule-field"
    assert browser.rule_operator(rule).first_selected_option.text == "is equal to"
    assert [o.text for o in browser.rule_operator(rule).options] == [
        "is equal to", "is not equal to", "contains", "does not contain", "is set", "is not set"]
    assert "Pick at least one record" in rule.find_element(By.CSS_SELECTOR, "[data-test=rule-warning]").text
    browser.wait_domain_count(0)

    value = rule.find_element(By.CSS_SELECTOR, "input[aria-label=Value]")
    value.send_keys("Belg")
    browser.wait_xpath("//li[@role='option'][normalize-space()='Belgium']").click()
    browser.wait_until(lambda: not browser.find_all("[data-test=rule-warning]"))
    belgians = api.ok("res.partner", "search_count", domain=[["country_id", "in", [belgium]]])
    browser.wait_domain_count(belgians)

    # A nested group after the rule, matching "any" of two rules (the opposite of the root's "all").
    browser.click("Add nested rule", within="(//*[@data-test='domain-rule'])[1]//")
    group = browser.wait("[data-test=domain] .de-group")
    assert group.find_element(By.CSS_SELECTOR, "[data-test=connector]").text == "any"
    nested = group.find_elements(By.CSS_SELECTOR, "[data-test=domain-rule]")
    assert len(nested) == 2

    browser.pick_rule_field(nested[0], "Name", "Name")
    rule = browser.domain_rules()[1]
    assert [o.text for o in browser.rule_operator(rule).options] == [
        "is equal to", "is not equal to", "contains", "does not contain", "starts with", "is set", "is not set"]
    browser.rule_operator(rule).select_by_visible_text("contains")
    browser.domain_rules()[1].find_element(By.CSS_SELECTOR, "[data-test=rule-value]").send_keys("a")

    browser.pick_rule_field(browser.domain_rules()[2], "company", "Is a Company")
    rule = browser.domain_rules()[2]
    assert [o.text for o in browser.rule_operator(rule).options] == ["is set", "is not set"]
    assert browser.rule_operator(rule).first_selected_option.text == "is set"
    assert not rule.find_elements(By.CSS_SELECTOR, "[data-test=rule-value]")

    expected = [["country_id", "in", [belgium]], "|", ["name", "ilike", "a"], ["is_company", "=", True]]
    n = api.ok("res.partner", "search_count", domain=expected)
    browser.wait_domain_count(n)
    text = f'[("country_id", "in", [{belgium}]), "|", ("name", "ilike", "a"), ("is_company", "=", True)]'
    browser.wait_until(lambda: url_domain(browser) == text, message=f"the URL never held {text}")
    ids = sorted(r["id"] for r in api.ok("res.partner", "search_read", domain=expected, fields=["id"]))
    browser.wait_until(lambda: listed_ids(browser) == ids, message=f"the list never showed {ids}")

    # "all" becomes "any": either Belgian, or (named with an a, or a company).
    browser.find("[data-test=domain] .de-header [data-test=connector]").click()
    either = ["|", ["country_id", "in", [belgium]], "|", ["name", "ilike", "a"], ["is_company", "=", True]]
    n_either = api.ok("res.partner", "search_count", domain=either)
    assert n_either > n
    browser.wait_domain_count(n_either)
    browser.find("[data-test=domain] .de-header [data-test=connector]").click()
    browser.wait_domain_count(n)

    # Deleting the nested group's first rule leaves "is a company" in it.
    browser.click("Delete rule", within="(//*[contains(@class,'de-group')]//*[@data-test='domain-rule'])[1]//")
    assert len(browser.domain_rules()) == 2
    browser.wait_domain_count(api.ok("res.partner", "search_count",
                                     domain=[["country_id", "in", [belgium]], ["is_company", "=", True]]))

    # Folded: the rules as chips, and the count.
    browser.click("Fold conditions")
    chips = ["Country = Belgium", "(Is a Company is set)"]
    browser.wait_until(lambda: [c.text for c in browser.find_all("[data-test=domain-chip]")] == chips)
    browser.click("Edit conditions")
    assert len(browser.domain_rules()) == 2


def test_the_field_selector_walks_relations_with_the_mouse_and_the_keyboard(browser, api):
    open_filter(browser)
    browser.click("+ Add condition")
    toggle = browser.wait(f"{RULES} [data-test=rule-field]")
    browser.wait_focus(toggle)

    # Keyboard only: Enter opens, typing filters, the right arrow follows a relation, Enter picks.
    toggle.send_keys(Keys.ENTER)
    search = browser.wait("[data-test=field-popover] input[type=search]")
    browser.wait_focus(search)
    browser.wait_until(lambda: browser.find("[data-test=field-popover-title]").text == "Contact")
    search.send_keys("related comp")
    search.send_keys(Keys.ARROW_RIGHT)
    browser.wait_text("Contact > Related Company", "[data-test=field-popover-title]")
    search = browser.driver.switch_to.active_element
    assert search.get_attribute("value") == ""
    search.send_keys("country")
    search.send_keys(Keys.ARROW_RIGHT)
    browser.wait_text("Contact > Related Company > Country", "[data-test=field-popover-title]")
    # The left arrow goes back, and forward again.
    search = browser.driver.switch_to.active_element
    search.send_keys(Keys.ARROW_LEFT)
    browser.wait_until(lambda: browser.find("[data-test=field-popover-title]").text == "Contact > Related Company")
    search.send_keys("country")
    search.send_keys(Keys.ARROW_RIGHT)
    browser.wait_text("Contact > Related Company > Country", "[data-test=field-popover-title]")
    search = browser.driver.switch_to.active_element
    search.send_keys("country name")
    browser.wait("[data-test=field-popover] li[data-name=name]")
    # The arrows move the active option: down then up comes back to the first match.
    search.send_keys(Keys.ARROW_DOWN)
    search.send_keys(Keys.ARROW_UP)
    active = browser.find("[data-test=field-popover] li[aria-selected=true]")
    assert active.get_attribute("data-name") == "name"
    assert search.get_attribute("aria-activedescendant") == active.get_attribute("id")
    search.send_keys(Keys.ENTER)
    browser.wait_gone("[data-test=field-popover]")
    toggle = browser.find(f"{RULES} [data-test=rule-field]")
    assert browser.driver.switch_to.active_element == toggle
    assert toggle.text.startswith("Related Company > Country > Country Name")

    # A text field: "contains", typed from the keyboard.
    rule = browser.domain_rules()[0]
    browser.rule_operator(rule).select_by_visible_text("contains")
    browser.domain_rules()[0].find_element(By.CSS_SELECTOR, "[data-test=rule-value]").send_keys("Belg")
    expected = [["parent_id.country_id.name", "ilike", "Belg"]]
    n = api.ok("res.partner", "search_count", domain=expected)
    assert n > 0
    browser.wait_domain_count(n)
    browser.wait_until(lambda: url_domain(browser) == '[("parent_id.country_id.name", "ilike", "Belg")]')

    # The popover reopens on the path's last model; Escape closes it and gives the focus back.
    # From the first rows shown, the active one is the current field: never another one first.
    browser.driver.execute_script(ACTIVE_ROWS_SEEN)
    toggle = browser.find(f"{RULES} [data-test=rule-field]")
    toggle.send_keys(Keys.ARROW_DOWN)
    browser.wait_text("Contact > Related Company > Country", "[data-test=field-popover-title]")
    browser.wait("[data-test=field-popover] li[data-name=name]")
    assert browser.find("[data-test=field-popover] li[aria-selected=true]").get_attribute("data-name") == "name"
    assert set(browser.driver.execute_script("return window.activeRowsSeen")) == {"name"}
    browser.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    browser.wait_gone("[data-test=field-popover]")
    assert browser.driver.switch_to.active_element == browser.find(f"{RULES} [data-test=rule-field]")

    # With the mouse: "Previous", then the arrow of a relation, then a click on a field.
    browser.find(f"{RULES} [data-test=rule-field]").click()
    browser.click("Previous")
    browser.wait_until(lambda: browser.find("[data-test=field-popover-title]").text == "Contact > Related Company")
    browser.click("Previous")
    browser.wait_until(lambda: browser.find("[data-test=field-popover-title]").text == "Contact")
    country = browser.wait_xpath("//*[@data-test='field-popover']//li[@data-name='country_id']")
    country.find_element(By.CSS_SELECTOR, "[aria-label='Relation to follow']").click()
    browser.wait_until(lambda: browser.find("[data-test=field-popover-title]").text == "Contact > Country")
    browser.wait_xpath("//*[@data-test='field-popover']//li[@data-name='code']").click()
    browser.wait_gone("[data-test=field-popover]")
    assert browser.find(f"{RULES} [data-test=rule-field]").text.startswith("Country > Country Code")
    # A field of the same kind (text) keeps the operator and the value.
    assert browser.rule_operator(browser.domain_rules()[0]).first_selected_option.text == "contains"
    browser.wait_until(lambda: url_domain(browser) == '[("country_id.code", "ilike", "Belg")]')
    browser.wait_domain_count(0)

    # A click outside closes the popover.
    browser.find(f"{RULES} [data-test=rule-field]").click()
    browser.wait("[data-test=field-popover]")
    browser.find("h1").click()
    browser.wait_gone("[data-test=field-popover]")

    # A path with a part that does not exist says so.
    browser.go("records/res.partner?domain=" + urllib.parse.quote('[("parent_id.no_such_field", "=", 1)]'))
    warning = browser.wait("[data-test=invalid-field-chain]")
    assert warning.text == "⚠ Invalid field chain"


def test_developer_mode_keeps_the_code_and_the_rules_in_step(browser, api):
    open_filter(browser)
    browser.driver.find_element(By.XPATH, "//label[contains(., 'Developer mode')]/input").click()
    browser.unfold_domain()
    code = browser.field("Code editor")
    assert code.get_attribute("value") == "[]"

    # Text to rules.
    code.send_keys(Keys.CONTROL, "a")
    code.send_keys('[("is_company", "=", True)]')
    browser.wait_until(lambda: len(browser.domain_rules()) == 1)
    rule = browser.domain_rules()[0]
    assert rule.find_element(By.CSS_SELECTOR, "[data-test=rule-field]").text.startswith("Is a Company")
    assert browser.rule_operator(rule).first_selected_option.text == "is set"
    browser.wait_domain_count(api.ok("res.partner", "search_count", domain=[["is_company", "=", True]]))

    # Rules to text.
    browser.rule_operator(rule).select_by_visible_text("is not set")
    browser.wait_until(lambda: browser.field("Code editor").get_attribute("value") == '[("is_company", "=", False)]')
    browser.wait_domain_count(api.ok("res.partner", "search_count", domain=[["is_company", "=", False]]))
    browser.wait_until(lambda: url_domain(browser) == '[("is_company", "=", False)]')

    # Text that is not a domain: an error under the text, nothing handed to the page.
    code = browser.field("Code editor")
    code.send_keys(Keys.CONTROL, "a")
    code.send_keys('[("is_company", "=", False), ("name", "ilike"')
    error = browser.wait("[data-test=domain-code-error]")
    assert "Unclosed" in error.text
    assert len(browser.domain_rules()) == 1
    assert url_domain(browser) == '[("is_company", "=", False)]'
    code.send_keys(', "a")]')
    browser.wait_gone("[data-test=domain-code-error]")
    browser.wait_until(lambda: len(browser.domain_rules()) == 2)
    expected = [["is_company", "=", False], ["name", "ilike", "a"]]
    browser.wait_domain_count(api.ok("res.partner", "search_count", domain=expected))
    ids = sorted(r["id"] for r in api.ok("res.partner", "search_read", domain=expected, fields=["id"]))
    browser.wait_until(lambda: listed_ids(browser) == ids)

    # The field selector shows technical names, and takes a path typed by hand.
    browser.domain_rules()[1].find_element(By.CSS_SELECTOR, "[data-test=rule-field]").click()
    browser.wait_xpath("//*[@data-test='field-popover']//li[@data-name='email']//*[normalize-space()='email (char)']")
    path = browser.field("Field path")
    path.send_keys(Keys.CONTROL, "a")
    path.send_keys("parent_id.nope\n")
    assert "Invalid field chain" in browser.wait("[data-test=field-popover] [role=alert]").text
    path.send_keys(Keys.CONTROL, "a")
    path.send_keys("parent_id.email\n")
    browser.wait_gone("[data-test=field-popover]")
    browser.wait_until(lambda: browser.field("Code editor").get_attribute("value")
                       == '[("is_company", "=", False), ("parent_id.email", "ilike", "a")]')


def test_a_domain_the_editor_cannot_show_is_said_so_and_reset(browser, api):
    # Saved on a rule, a domain may hold Python expressions: the server evaluates them.
    open_filter(browser, '[("user_id", "=", uid)]')
    assert "This domain is not supported." in browser.find("[data-test=domain]").text
    browser.click("Edit conditions")
    message = browser.wait("[data-test=domain-unsupported]")
    assert "Python expressions" in message.text and "uid" in message.text
    assert not browser.domain_rules()
    browser.click("Reset domain")
    browser.wait_gone("[data-test=domain-unsupported]")
    assert "Match all records" in browser.find("[data-test=domain]").text
    total = api.ok("res.partner", "search_count", domain=[])
    browser.wait_domain_count(total)
    browser.wait_until(lambda: url_domain(browser) in ("", "[]"))
    browser.wait_until(lambda: len(browser.find_all(ROWS)) == total)
    # The focus lands on "New Rule", which starts again.
    assert browser.driver.switch_to.active_element.text == "New Rule"

    # A constant term, valid for the server: shown as unsupported too, its count still given.
    browser.go("records/res.partner?domain=" + urllib.parse.quote("[(1, '=', 1)]"))
    browser.wait("[data-test=domain-unsupported]")
    browser.wait_domain_count(total)


def test_include_archived_adds_the_active_term(browser, api):
    [tom] = api.ok("res.partner", "search", domain=[["name", "=", "Tom Becker"]])
    api.ok("res.partner", "write", ids=[tom], vals={"active": False})
    try:
        open_filter(browser, '[("name", "ilike", "o")]')
        browser.click("Edit conditions")
        active = api.ok("res.partner", "search_count", domain=[["name", "ilike", "o"]])
        browser.wait_domain_count(active)
        switch = browser.field("Include archived")
        assert not switch.is_selected()
        switch.click()
        both = [["name", "ilike", "o"], ["active", "in", [True, False]]]
        assert api.ok("res.partner", "search_count", domain=both) == active + 1
        browser.wait_domain_count(active + 1)
        browser.wait_until(lambda: url_domain(browser) == '[("name", "ilike", "o"), ("active", "in", [True, False])]')
        browser.wait_until(lambda: tom in listed_ids(browser))
        # The term is the switch, not a rule.
        assert len(browser.domain_rules()) == 1
        browser.click("Fold conditions")
        assert "Including archived" in browser.find("[data-test=domain]").text
        browser.click("Edit conditions")
        browser.field("Include archived").click()
        browser.wait_domain_count(active)
        browser.wait_until(lambda: url_domain(browser) == '[("name", "ilike", "o")]')
    finally:
        api.ok("res.partner", "write", ids=[tom], vals={"active": True})


def test_dates_and_numbers_take_two_values_for_between(browser, api):
    open_filter(browser, '[("create_date", ">", "2000-01-01 00:00:00")]')
    browser.click("Edit conditions")
    rule = browser.wait(RULES)
    assert [o.text for o in browser.rule_operator(rule).options] == [
        "is equal to", "before", "after", "is between", "is set", "is not set"]
    assert browser.rule_operator(rule).first_selected_option.text == "after"
    browser.rule_operator(rule).select_by_visible_text("is between")
    rule = browser.domain_rules()[0]
    inputs = rule.find_elements(By.CSS_SELECTOR, "input[type=datetime-local]")
    assert [i.get_attribute("aria-label") for i in inputs] == ["From", "To"]
    text = browser.wait_until(lambda: url_domain(browser) if "<=" in url_domain(browser) else None)
    assert text.startswith('[("create_date", ">=", "2000-01-01 00:00:00"), ("create_date", "<=", ')

    browser.pick_rule_field(rule, "customer rank", "Customer Rank")
    rule = browser.domain_rules()[0]
    assert [o.text for o in browser.rule_operator(rule).options] == [
        "is equal to", "is not equal to", "lower than", "greater than", "between"]
    browser.rule_operator(rule).select_by_visible_text("between")
    low, high = browser.domain_rules()[0].find_elements(By.CSS_SELECTOR, "input[type=number]")
    low.send_keys(Keys.CONTROL, "a")
    low.send_keys("5")
    high.send_keys(Keys.CONTROL, "a")
    high.send_keys("1")
    assert "greater than the second" in browser.wait("[data-test=rule-warning]").text
    high.send_keys(Keys.CONTROL, "a")
    high.send_keys("50")
    browser.wait_gone("[data-test=rule-warning]")
    expected = [["customer_rank", ">=", 5], ["customer_rank", "<=", 50]]
    browser.wait_until(lambda: url_domain(browser) == '[("customer_rank", ">=", 5), ("customer_rank", "<=", 50)]')
    browser.wait_domain_count(api.ok("res.partner", "search_count", domain=expected))
    # A number field's input refuses text that is not a number, and says so.
    low.send_keys(Keys.CONTROL, "a")
    low.send_keys(Keys.DELETE)
    assert browser.wait("[data-test=domain] .de-number [role=status]").text == "Enter a number"
    assert url_domain(browser) == '[("customer_rank", ">=", 5), ("customer_rank", "<=", 50)]'
