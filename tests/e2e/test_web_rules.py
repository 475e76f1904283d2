"""Automation rules built in the browser, through the form only, then checked over the API: the
list's runs and failures of the day, the user documentation's examples, a time rule set up as the
documentation says (Scheduled action, Run Manually, back by the breadcrumb), an Apply on domain
built with the visual editor, the webhook's URL and secret, reordering actions by dragging,
validation messages, and who may reach the code editor."""

import ast
import datetime
import json
import urllib.request

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from helpers import ADMIN_KEY


@pytest.fixture(scope="module")
def web_server(module_demo_server):
    return module_demo_server


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


def new_rule(browser, name, model_label, trigger):
    """Opens a new rule's form and fills its name, model and trigger."""
    browser.log_in(place="rules/new")
    browser.fill("Automation Rule Name", name)
    browser.pick("Model", model_label, model_label)
    browser.select("Trigger", trigger)


def add_action(browser, type_label):
    """Opens the Add an action dialog (saving the rule) and picks the action's type."""
    browser.click("Add an action")
    browser.wait("[data-test=action-dialog]")
    browser.radio(type_label)


def save_action(browser):
    browser.click("Save & Close")
    browser.wait_gone("[data-test=action-dialog]")


def rule_named(api, name):
    rules = api.ok("base.automation", "search_read", domain=[["name", "=", name]],
                   fields=["id", "trigger", "action_server_ids", "filter_domain", "url"])
    assert len(rules) == 1, rules
    return rules[0]


def test_the_list_shows_each_rules_runs_and_failures_today(browser, api):
    [model] = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": "Counted rule", "model_id": model, "trigger": "on_create",
        "filter_domain": "[('name', '=like', 'Counted%')]",
        "action_server_ids": [[0, 0, {"name": "Refuse some", "model_id": model, "state": "code", "code":
                                      "if 'refused' in record.name:\n    raise UserError('Not this one: ' + record.name)"}]]}])
    api.ok("res.partner", "create", vals_list=[{"name": "Counted 1"}, {"name": "Counted 2"}])
    api.ok("res.partner", "create", vals_list=[{"name": "Counted 3"}])
    status, _ = api.call("res.partner", "create", vals_list=[{"name": "Counted refused"}])
    assert status == 422
    assert api.ok("res.partner", "search_count", domain=[["name", "=", "Counted refused"]]) == 0
    # What the server answers, and what the list shows.
    [stats] = api.ok("base.automation", "run_stats", ids=[rule])
    assert (stats["runs"], stats["failures"]) == (3, 1) and stats["last_error"] == "Not this one: Counted refused"
    browser.log_in(place="rules?q=Counted%20rule")
    row = f"[data-test=rules] tr[data-id='{rule}']"
    browser.wait_text("3 runs, 1 failed", row)
    failures = browser.find(f"{row} .failures")
    assert "Not this one: Counted refused" in failures.get_attribute("title")
    assert browser.find(f"{row} time").text  # the last run, in the browser's time
    # A rule that never ran says so.
    [idle] = api.ok("base.automation", "create", vals_list=[{
        "name": "Counted idle", "model_id": model, "trigger": "on_unlink"}])
    browser.fill("Search rules by name or model", "Counted idle")
    browser.wait_text("Never", f"[data-test=rules] tr[data-id='{idle}']")
    assert "0 runs" in browser.find(f"[data-test=rules] tr[data-id='{idle}']").text


def test_priority_set_to_very_high_computes_escalated_on(browser, api):
    # Studio's part, over the API: a Ticket model with a priority and an "Escalated on" date.
    api.ok("ir.model", "create", vals_list=[{
        "model": "x_ticket", "name": "Ticket", "field_id": [
            [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
            [0, 0, {"name": "x_studio_priority", "ttype": "selection", "field_description": "Priority",
                    "selection_ids": [[0, 0, {"value": str(i), "name": label, "sequence": i}]
                                      for i, label in enumerate(["Low", "Medium", "High", "Very High"])]}],
            [0, 0, {"name": "x_studio_escalated_on", "ttype": "datetime",
                    "field_description": "Escalated on"}]]}])
    new_rule(browser, "Escalate very high tickets", "Ticket", "Priority is set to")
    browser.select("Value", "Very High")
    add_action(browser, "Update Record")
    browser.select("Update", "Compute")
    browser.choose_field("update_path", "x_studio_escalated_on")
    browser.set_code("expression", "datetime.datetime.now()")
    save_action(browser)
    browser.wait_text("Update Escalated on", "[data-test=actions]")

    rule = rule_named(api, "Escalate very high tickets")
    assert rule["trigger"] == "on_priority_set" and len(rule["action_server_ids"]) == 1
    [ticket] = api.ok("x_ticket", "create", vals_list=[{"x_name": "Printer", "x_studio_priority": "2"}])
    read = lambda: api.ok("x_ticket", "read", ids=[ticket], fields=["x_studio_escalated_on"])[0]
    assert read()["x_studio_escalated_on"] is False
    api.ok("x_ticket", "write", ids=[ticket], vals={"x_studio_priority": "3"})
    escalated = read()["x_studio_escalated_on"]
    assert escalated and escalated[:4] == str(datetime.datetime.utcnow().year)


def test_a_customer_gets_a_sequence_reference(browser, api):
    new_rule(browser, "Customer reference", "Contact", "On create")
    add_action(browser, "Update Record")
    browser.select("Update", "Sequence")
    browser.choose_field("update_path", "ref")
    browser.click("New sequence")
    browser.wait("[data-test=sequence-dialog]")
    browser.fill("Name", "Customer reference")
    browser.fill("Prefix", "#-REF-%(year)s-")
    browser.fill("Suffix", "/CL")
    browser.fill("Sequence Size", "5")
    year = datetime.date.today().year
    browser.wait_text(f"#-REF-{year}-00001/CL", "[data-test=sequence-preview]")
    browser.click("Create")
    browser.wait_gone("[data-test=sequence-dialog]")
    save_action(browser)

    rule = rule_named(api, "Customer reference")
    assert rule["trigger"] == "on_create"
    ids = api.ok("res.partner", "create", vals_list=[{"name": "Ann"}, {"name": "Bob"}])
    refs = [r["ref"] for r in api.ok("res.partner", "read", ids=ids, fields=["ref"])]
    assert refs == [f"#-REF-{year}-00001/CL", f"#-REF-{year}-00002/CL"]


def test_the_customer_follows_a_task_in_progress(browser, api):
    new_rule(browser, "Customer follows tasks in progress", "Task", "State is set to")
    browser.select("Value", "In Progress")
    add_action(browser, "Add Followers")
    browser.select("Followers Type", "Dynamic Followers")
    browser.choose_field("followers_partner_field_name", "partner_id")
    save_action(browser)
    browser.wait_text("Add Followers", "[data-test=actions]")

    [customer] = api.ok("res.partner", "create", vals_list=[{"name": "Follower Customer"}])
    [task] = api.ok("project.task", "create", vals_list=[{
        "name": "Install", "partner_id": customer, "state": "04_waiting_normal"}])
    followers = lambda: [f["partner_id"][0] for f in api.ok(
        "mail.followers", "search_read", domain=[["res_model", "=", "project.task"], ["res_id", "=", task]],
        fields=["partner_id"])]
    assert customer not in followers()
    api.ok("project.task", "write", ids=[task], vals={"state": "01_in_progress"})
    assert customer in followers()


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def test_a_time_rule_run_manually_then_fires(browser, api):
    # A task assigned long before the rule exists: the rule must never act on it.
    [old] = api.ok("project.task", "create", vals_list=[{"name": "Assigned in 2020",
                                                         "date_assign": "2020-03-02 09:00:00"}])
    assert api.ok("project.task", "fields_get", attributes=["type"])["date_assign"]["type"] == "datetime"
    [job] = api.ok("ir.cron", "search", domain=[["method", "=", "_cron_process_time_based_actions"]],
                   context={"active_test": False})

    # The documented procedure: trigger and delay, then "Scheduled action", which saves the rule.
    new_rule(browser, "A minute after assignment", "Task", "Based on date field")
    # A rule that cannot be saved stays on its form, with the reason.
    browser.click("Scheduled action")
    assert browser.wait(".field-error").text == "Choose the date field."
    assert browser.driver.current_url.endswith("#/rules/new")
    browser.select("Date field", "Assigning Date")
    browser.fill("Delay", "1")
    browser.select("Delay unit", "Minutes")
    assert browser.field("Delay mode").get_attribute("value") == "after"
    browser.click("Scheduled action")
    browser.wait_text("Automation Rules: check and execute", "#job-title")
    rule = rule_named(api, "A minute after assignment")["id"]
    assert browser.driver.current_url.endswith(f"#/jobs/{job}?rule={rule}")
    assert browser.find("#job-title").text == \
        "Automation Rules / A minute after assignment / Automation Rules: check and execute"
    # Run Manually: the rule's last run becomes now, so what came before is history.
    browser.click("Run Manually")
    browser.notification('"Automation Rules: check and execute" ran.')
    # Back to the rule by its name in the breadcrumb, to add the action.
    browser.click("A minute after assignment", within="//h1[@id='job-title']//")
    browser.wait_until(lambda: browser.driver.current_url.endswith(f"#/rules/{rule}"))
    add_action(browser, "Update Record")
    browser.choose_field("update_path", "name")
    browser.fill("To", "Reminded a minute after assignment")
    save_action(browser)
    browser.wait_text("Update Title", "[data-test=actions]")
    browser.click("Save")
    browser.notification("Saved")

    # A task whose moment (assignment + 1 minute) comes 2 seconds after the rule's last run.
    [row] = api.ok("base.automation", "read", ids=[rule],
                   fields=["last_run", "trg_date_range_type", "action_server_ids"])
    assert row["trg_date_range_type"] == "minutes" and len(row["action_server_ids"]) == 1
    last_run = datetime.datetime.strptime(row["last_run"], "%Y-%m-%d %H:%M:%S")
    moment = last_run + datetime.timedelta(seconds=2)
    assigned = (moment - datetime.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    [new] = api.ok("project.task", "create", vals_list=[{"name": "Assigned now", "date_assign": assigned}])
    # The server's clock is this machine's: the check after it sees the moment as past.
    browser.wait_until(lambda: utc_now() > moment, timeout=10)
    browser.click("Scheduled action")
    browser.wait_text("Automation Rules: check and execute", "#job-title")
    browser.wait_gone(".notifications .notification")  # the first run's "ran." is not this one's
    browser.click("Run Manually")
    browser.notification('"Automation Rules: check and execute" ran.')
    names = {r["id"]: r["name"] for r in api.ok("project.task", "read", ids=[old, new], fields=["name"])}
    assert names == {old: "Assigned in 2020", new: "Reminded a minute after assignment"}
    assert api.ok("project.task", "search_count",
                  domain=[["name", "=", "Reminded a minute after assignment"]]) == 1


def test_a_domain_built_in_the_rule_form_equals_the_expected_domain(browser, api):
    new_rule(browser, "Belgian or Jackson companies", "Contact", "On create")
    rows = lambda: browser.domain_rules("filter_domain")
    value = lambda i: rows()[i].find_element(By.CSS_SELECTOR, "[data-test=rule-value]")
    # "+ Add condition" unfolds Apply on with a first rule, made "Is a Company" (is set).
    browser.click("+ Add condition")
    [first] = browser.wait_until(lambda: rows() or None)
    browser.pick_rule_field(first, "company", "Is a Company")
    assert browser.rule_operator(rows()[0]).first_selected_option.text == "is set"
    # A nested group after it, matching "any" of: Country > Country Code is "BE" (walked with the
    # relation's arrow), Name contains "Jackson".
    browser.click("Add nested rule", within="(//*[@data-test='filter_domain']//*[@data-test='domain-rule'])[1]//")
    browser.wait_until(lambda: len(rows()) == 3)
    assert browser.find("[data-test=filter_domain] .de-group [data-test=connector]").text == "any"
    browser.pick_rule_path(rows()[1], "country_id.code")
    assert rows()[1].find_element(By.CSS_SELECTOR, "[data-test=rule-field]").text.startswith("Country > Country Code")
    browser.rule_operator(rows()[1]).select_by_visible_text("is equal to")
    value(1).send_keys("BE")
    browser.pick_rule_field(rows()[2], "Name", "Name")
    browser.rule_operator(rows()[2]).select_by_visible_text("contains")
    value(2).send_keys("Jackson")

    expected = [["is_company", "=", True], "|", ["country_id.code", "=", "BE"], ["name", "ilike", "Jackson"]]
    n = api.ok("res.partner", "search_count", domain=expected)
    assert n >= 2  # Ready Mat (Brussels) and The Jackson Group
    browser.wait_domain_count(n, "filter_domain")
    browser.click("Save")
    browser.notification("Saved")
    saved = ast.literal_eval(rule_named(api, "Belgian or Jackson companies")["filter_domain"])
    # Stored as Python text, whose terms are tuples: JSON makes them lists.
    assert json.loads(json.dumps(saved)) == expected


def test_a_webhook_rule_copied_url_and_rotated_secret(browser, api):
    new_rule(browser, "Partner hook", "Contact", "On webhook")
    browser.wait_text("The URL appears once the rule is saved")
    add_action(browser, "Update Record")  # saves the rule: the URL exists from now on
    browser.choose_field("update_path", "function")
    browser.fill("To", "Called by a webhook")
    save_action(browser)
    url = browser.wait("[data-test=webhook-url]").get_attribute("value")
    assert "/web/hook/" in url
    browser.click("Copy")
    browser.notification("Copied")
    # A caller POSTs to the copied URL.
    [partner] = api.ok("res.partner", "create", vals_list=[{"name": "Hooked"}])

    def post(target):
        request = urllib.request.Request(target, method="POST",
                                         data=json.dumps({"_model": "res.partner", "_id": partner}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    assert post(url) == 200
    assert api.ok("res.partner", "read", ids=[partner], fields=["function"])[0]["function"] == "Called by a webhook"
    # Rotate Secret asks first, then the old URL dies at once.
    browser.click("Rotate Secret")
    browser.wait("[data-test=confirm]")
    browser.click("Rotate Secret", within="//dialog[@data-test='confirm']//")
    browser.wait_until(lambda: browser.find("[data-test=webhook-url]").get_attribute("value") != url)
    new_url = browser.find("[data-test=webhook-url]").get_attribute("value")
    assert post(url) == 404
    assert post(new_url) == 200
    assert rule_named(api, "Partner hook")["url"] == new_url


def test_actions_reordered_by_dragging_run_in_the_new_order(browser, api):
    [model] = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": "Order of actions", "model_id": model, "trigger": "on_create",
        "filter_domain": "[('name', '=like', 'Ordered%')]"}])
    api.ok("ir.actions.server", "create", vals_list=[
        {"name": "Write first", "model_id": model, "base_automation_id": rule, "state": "code", "sequence": 1,
         "code": "record.write({'function': 'first'})"},
        {"name": "Write second", "model_id": model, "base_automation_id": rule, "state": "code", "sequence": 2,
         "code": "record.write({'function': 'second'})"}])

    def function_of_a_new_partner(name):
        [pid] = api.ok("res.partner", "create", vals_list=[{"name": name}])
        return api.ok("res.partner", "read", ids=[pid], fields=["function"])[0]["function"]

    assert function_of_a_new_partner("Ordered 1") == "second"
    browser.log_in(place=f"rules/{rule}")
    cards = lambda: [c.get_attribute("data-name") for c in browser.find_all("[data-test=actions] .action-card")]
    browser.wait_until(lambda: cards() == ["Write first", "Write second"])
    handles = browser.find_all("[data-test=actions] .handle")
    # Drag "Write second" above "Write first", in small steps as a hand would.
    chain = ActionChains(browser.driver).click_and_hold(handles[1])
    for _ in range(8):
        chain.move_by_offset(0, -8)
    chain.pause(0.2).release().perform()
    browser.wait_until(lambda: cards() == ["Write second", "Write first"])
    browser.wait_until(lambda: [a["name"] for a in sorted(
        api.ok("ir.actions.server", "search_read", domain=[["base_automation_id", "=", rule]],
               fields=["name", "sequence"]), key=lambda a: (a["sequence"], a["id"]))] == ["Write second", "Write first"])
    assert function_of_a_new_partner("Ordered 2") == "first"
    # The keyboard's way: Move down puts it back.
    browser.click("Move Write second down")
    browser.wait_until(lambda: cards() == ["Write first", "Write second"])
    browser.wait_until(lambda: function_of_a_new_partner("Ordered 3") == "second")


def test_validation_messages_are_shown_on_the_form(browser, api):
    browser.log_in(place="rules/new")
    browser.click("Save")
    assert "Give the rule a name." in browser.wait(".field-error").text
    assert browser.driver.switch_to.active_element.get_attribute("id") == "rule-name"
    assert api.ok("base.automation", "search_count", domain=[["name", "=", "Broken code"]]) == 0
    # The server's own validation: code that does not compile cannot be saved.
    browser.fill("Automation Rule Name", "Broken code")
    browser.pick("Model", "Contact", "Contact")
    browser.select("Trigger", "On create")
    add_action(browser, "Execute Code")
    browser.set_code("code", "def broken(:\n")
    browser.click("Save & Close")
    error = browser.wait("[data-test=action-error]")
    assert error.text and "{" not in error.text  # a message, not a raw dump
    browser.wait("[data-test=action-dialog]")  # still open, as edited
    rule = rule_named(api, "Broken code")
    assert rule["action_server_ids"] == []


def test_a_user_who_is_not_an_administrator_cannot_reach_the_code_editor(browser, api, web_server):
    [demo] = api.ok("res.users", "search", domain=[["login", "=", "demo"]])
    api.ok("res.users", "write", ids=[demo], vals={"password": "demo password 1"})
    [model] = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": "Admin only", "model_id": model, "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "Code", "model_id": model, "state": "code", "code": "pass"}]]}])
    browser.log_in("demo", "demo password 1")
    nav = browser.find("nav").text
    assert "Automation Rules" not in nav and "Records" in nav
    browser.go(f"rules/{rule}")
    browser.wait_text("Only administrators manage automation rules.")
    assert browser.find_all(".cm-content") == [] and browser.find_all("[data-test=actions]") == []
    # The server refuses the calls the form would make, whatever the page shows.
    cookie = browser.driver.get_cookie("session_id")["value"]
    token = browser.driver.execute_script(
        "return fetch('/web/session/get_session_info', {method: 'POST', headers: {'Content-Type': "
        "'application/json'}, body: '{}'}).then(r => r.json()).then(j => j.result.csrf_token)")
    status, _ = web_server.client().post_raw(
        "ir.actions.server", "write", json.dumps({"ids": [1], "vals": {"code": "pass"}}), key=False,
        headers={"Cookie": f"session_id={cookie}", "X-CSRF-Token": token})
    assert status == 403
