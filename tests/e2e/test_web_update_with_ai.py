"""Update with AI in the browser: an Update Record action given the AI value type, its prompt and,
for a many2one, its allowed values, in a rule's form; a contact created afterwards gets the
model's answer (provider_stubs.ChatStub) a moment later."""

import json
import tempfile

import pytest
from selenium.webdriver.common.by import By

from helpers import Server, eventually
from provider_stubs import ChatStub


def user_message(body):
    """The user's message of a chat-completions request."""
    return [m for m in body["messages"] if m["role"] == "user"][0]


@pytest.fixture(scope="module")
def chat():
    stub = ChatStub()
    yield stub
    stub.close()


@pytest.fixture(scope="module")
def web_server(chat):
    with tempfile.TemporaryDirectory(prefix="autorules-e2e-") as d:
        s = Server(d, extra_args=["--ai-url", chat.base + "/v1", "--ai-key", chat.key,
                                  "--ai-model", "test-model"]).start()
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


def test_an_update_with_ai_action_built_in_the_form(browser, api, chat):
    chat.answer = lambda req: json.dumps({"value": "Lighthouse keeper"})
    browser.log_in()
    browser.new_rule("Guess the job", "Contact", "On create")
    browser.add_action("Update Record")
    browser.select("Update", "Update with AI")
    browser.choose_field("update_path", "function")
    browser.click("Save & Close")  # without a prompt: refused in the form
    browser.wait_text("Write the prompt.")
    browser.fill("AI Prompt", "What does {{ object.name }} do?")
    browser.click("Save & Close")
    browser.wait_gone("[data-test=action-dialog]")
    browser.wait_text("function with AI", "[data-test=actions]")
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Ann of the lighthouse"}])
    eventually(lambda: api.ok("res.partner", "read", ids=[pid], fields=["function"])[0]["function"]
               == "Lighthouse keeper", "the model's answer")
    user = user_message(json.loads(chat.requests[-1]["body"]))
    assert "What does Ann of the lighthouse do?" in user["content"]


def test_the_allowed_records_of_a_many2one_are_picked_with_the_domain_editor(browser, api, chat):
    fr = api.ok("res.country", "search", domain=[["code", "=", "FR"]])[0]
    chat.answer = lambda req: json.dumps({"value": fr})
    browser.log_in()
    browser.new_rule("Guess the country", "Contact", "On create")
    browser.add_action("Update Record")
    browser.select("Update", "Update with AI")
    browser.choose_field("update_path", "country_id")
    browser.fill("AI Prompt", "Where is {{ object.city }}?")
    rows = lambda: browser.domain_rules("ai_domain")
    browser.click("New Rule", within="//*[@data-test='ai_domain']//")
    [first] = browser.wait_until(lambda: rows() or None)
    browser.pick_rule_field(first, "Country Code", "Country Code")
    browser.rule_operator(rows()[0]).select_by_visible_text("is equal to")
    rows()[0].find_element(By.CSS_SELECTOR, "[data-test=rule-value]").send_keys("FR")
    browser.wait_domain_count(1, "ai_domain")
    browser.click("Save & Close")
    browser.wait_gone("[data-test=action-dialog]")
    [rule] = api.ok("base.automation", "search_read", domain=[["name", "=", "Guess the country"]],
                    fields=["action_server_ids"])
    [action] = api.ok("ir.actions.server", "read", ids=rule["action_server_ids"], fields=["ai_domain"])
    assert "code" in action["ai_domain"] and "FR" in action["ai_domain"]
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Someone in Lyon", "city": "Lyon"}])
    eventually(lambda: (api.ok("res.partner", "read", ids=[pid], fields=["country_id"])[0]["country_id"] or [0])[0]
               == fr, "the country")
    # The first test's rule fires on this create too: its request may come after this one's.
    [asked] = [body for body in (json.loads(r["body"]) for r in chat.requests)
               if "(country_id)" in user_message(body)["content"]]
    schema = asked["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["value"]["enum"] == [fr, None]
