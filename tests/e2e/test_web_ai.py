"""Update with AI in the browser: an Update Record action given the AI value type, its prompt and,
for a many2one, its allowed values, in a rule's form; a contact created afterwards gets the
model's answer (provider_stubs.ChatStub) a moment later."""

import json
import tempfile

import pytest

from helpers import Server, eventually
from provider_stubs import ChatStub


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
    user = [m for m in json.loads(chat.requests[-1]["body"])["messages"] if m["role"] == "user"][0]
    assert "What does Ann of the lighthouse do?" in user["content"]
