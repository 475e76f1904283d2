"""Automation rules built in the browser, through the form only, then checked over the API: the
user documentation's examples, the webhook's URL and secret, reordering actions by dragging,
validation messages, and who may reach the code editor."""

import datetime
import json
import urllib.request

import pytest
from selenium.webdriver.common.action_chains import ActionChains

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
