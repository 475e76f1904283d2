"""Update with AI end to end: an Update Record action with the AI value type asks an
OpenAI-compatible model (provider_stubs.ChatStub on 127.0.0.1) for a field's value, through the
outbox after the caller's create has returned; the answer, constrained by a JSON schema built from
the field's type and allowed values, is validated and written by its own transaction as the
rule's user. Answers outside the allowed values, of the wrong type or not JSON write nothing and
are logged; a slow model is retried; a record deleted before the answer is left alone; without a
model configured the action is refused at save."""

import json

import pytest

from helpers import assert_error, eventually
from provider_stubs import ChatStub


@pytest.fixture
def chat():
    stub = ChatStub()
    yield stub
    stub.close()


def ai_server(server_factory, chat, *extra, demo=False):
    return server_factory(demo=demo, extra_args=["--delivery-retry-base", "0.2", "--ai-url", chat.base + "/v1",
                                      "--ai-key", chat.key, "--ai-model", "test-model", *extra]).client()


def model_id(api, model):
    return api.ok("ir.model", "search", domain=[["model", "=", model]])[0]


def ai_rule(api, path, prompt, domain=None):
    action = {"name": "Guess it", "state": "object_write", "update_path": path, "evaluation_type": "ai",
              "ai_prompt": prompt}
    if domain:
        action["ai_domain"] = domain
    return api.ok("base.automation", "create", vals_list=[{
        "name": "Ask the model", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('name', 'like', 'AIed')]", "action_server_ids": [[0, 0, action]]}])[0]


def updates(api):
    return api.ok("ai.update", "search_read", domain=[], fields=["state", "error", "res_id", "field_name", "value"],
                  order="id")


def test_a_text_field_is_filled_after_the_create_returns(server_factory, chat):
    api = ai_server(server_factory, chat)
    chat.answer = lambda req: json.dumps({"value": "Marine biologist"})
    ai_rule(api, "function", "What does {{ object.name }} do? Notes: {{ object.comment or '' }}")
    chat.hold()  # the model thinks: the create does not wait for it
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "AIed Ann", "comment": "<p>studies whales</p>"}])
    assert api.ok("res.partner", "read", ids=[pid], fields=["function"])[0]["function"] is False
    assert [u["state"] for u in updates(api)] == ["queued"]
    chat.release()
    eventually(lambda: api.ok("res.partner", "read", ids=[pid], fields=["function"])[0]["function"]
               == "Marine biologist", "the model's answer to be written")
    [u] = updates(api)
    assert u["state"] == "done" and u["res_id"] == pid and u["field_name"] == "function"
    [req] = chat.requests
    assert req["headers"]["authorization"] == f"Bearer {chat.key}"
    body = json.loads(req["body"])
    assert body["model"] == "test-model"
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["properties"]["value"]["type"] == ["string", "null"]
    user = [m for m in body["messages"] if m["role"] == "user"][0]["content"]
    assert "What does AIed Ann do?" in user and "studies whales" in user


def test_allowed_values_of_a_many2one_are_enforced(server_factory, chat):
    api = ai_server(server_factory, chat)
    codes = {c["code"]: c["id"] for c in api.ok("res.country", "search_read",
                                                  domain=[["code", "in", ["BE", "FR", "DE"]]], fields=["code"])}
    answers = iter([codes["FR"], codes["DE"]])
    chat.answer = lambda req: json.dumps({"value": next(answers)})
    ai_rule(api, "country_id", "Where is {{ object.city }}?", domain="[('code', 'in', ['BE', 'FR'])]")
    [paris] = api.ok("res.partner", "create", vals_list=[{"name": "AIed Paris", "city": "Paris"}])
    eventually(lambda: api.ok("res.partner", "read", ids=[paris], fields=["country_id"])[0]["country_id"],
               "the country")
    assert api.ok("res.partner", "read", ids=[paris], fields=["country_id"])[0]["country_id"][0] == codes["FR"]
    schema = json.loads(chat.requests[0]["body"])["response_format"]["json_schema"]["schema"]
    assert sorted(v for v in schema["properties"]["value"]["enum"] if v) == sorted([codes["BE"], codes["FR"]])
    # An answer outside the allowed values: nothing written, the reason kept and logged.
    [berlin] = api.ok("res.partner", "create", vals_list=[{"name": "AIed Berlin", "city": "Berlin"}])
    eventually(lambda: [u for u in updates(api) if u["res_id"] == berlin and u["state"] != "queued"], "the refusal")
    u = [u for u in updates(api) if u["res_id"] == berlin][0]
    assert u["state"] == "refused" and "allowed" in u["error"]
    assert api.ok("res.partner", "read", ids=[berlin], fields=["country_id"])[0]["country_id"] is False
    logs = api.ok("ir.logging", "search_read", domain=[["message", "like", "wrote nothing"]], fields=["message"])
    assert any("allowed" in row["message"] for row in logs)


@pytest.mark.parametrize("content, why", [
    ("this is not JSON", "did not answer"),
    (json.dumps({"answer": "x"}), "did not answer"),
    (json.dumps({"value": 42}), "not text"),
    (json.dumps({"value": None}), "no value"),
])
def test_answers_that_are_not_a_value_write_nothing(server_factory, chat, content, why):
    api = ai_server(server_factory, chat)
    chat.answer = lambda req: content
    ai_rule(api, "function", "Guess the job of {{ object.name }}")
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "AIed Odd"}])
    [u] = eventually(lambda: [u for u in updates(api) if u["state"] != "queued"], "the answer")
    assert u["state"] == "refused" and why in u["error"]
    assert api.ok("res.partner", "read", ids=[pid], fields=["function"])[0]["function"] is False


def test_a_slow_model_times_out_and_is_asked_again(server_factory, chat):
    api = ai_server(server_factory, chat, "--ai-timeout", "1")
    chat.answer = lambda req: json.dumps({"value": "Pilot"})
    chat.script = [3.0]  # the first answer comes after the timeout
    ai_rule(api, "function", "Guess the job of {{ object.name }}")
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "AIed Slow"}])
    eventually(lambda: api.ok("res.partner", "read", ids=[pid], fields=["function"])[0]["function"] == "Pilot",
               "the second answer")
    assert len(chat.wait(2)) >= 2
    attempts = api.ok("outbox.attempt", "search_read", domain=[["message_id.kind", "=", "ai"]],
                      fields=["outcome", "error"], order="id")
    assert attempts[0]["outcome"] == "retry" and attempts[-1]["outcome"] == "delivered"


def test_a_record_deleted_before_the_answer_is_left_alone(server_factory, chat):
    api = ai_server(server_factory, chat)
    chat.answer = lambda req: json.dumps({"value": "Ghost"})
    ai_rule(api, "function", "Guess the job of {{ object.name }}")
    chat.hold()
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "AIed Gone"}])
    api.ok("res.partner", "unlink", ids=[pid])
    chat.release()
    [u] = eventually(lambda: [u for u in updates(api) if u["state"] != "queued"], "the answer")
    assert u["state"] == "skipped"


def test_a_selection_answer_must_be_one_of_its_keys(server_factory, chat):
    api = ai_server(server_factory, chat, demo=True)  # with the project app's tasks
    chat.answer = lambda req: json.dumps({"value": "1"})
    api.ok("base.automation", "create", vals_list=[{
        "name": "Triage", "model_name": "project.task", "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "Priority", "state": "object_write", "update_path": "priority",
                                      "evaluation_type": "ai", "ai_prompt": "Is {{ object.name }} urgent?"}]]}])
    [task] = api.ok("project.task", "create", vals_list=[{"name": "Server room flooded"}])
    eventually(lambda: api.ok("project.task", "read", ids=[task], fields=["priority"])[0]["priority"] == "1",
               "the priority")
    schema = json.loads(chat.requests[0]["body"])["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]["value"]["enum"]) == {"0", "1", None}


def test_without_a_model_the_action_is_refused_at_save(fresh):
    api = fresh
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "Guess", "model_id": model_id(api, "res.partner"), "state": "object_write",
        "update_path": "function", "evaluation_type": "ai", "ai_prompt": "Guess"}]), 422, None,
        "needs a language model", "--ai-url")


def test_what_the_action_needs_is_checked_at_save(server_factory, chat):
    api = ai_server(server_factory, chat)
    base = {"name": "Guess", "model_id": model_id(api, "res.partner"), "state": "object_write",
            "evaluation_type": "ai"}
    assert_error(api.call("ir.actions.server", "create", vals_list=[{**base, "update_path": "function"}]),
                 422, None, "needs a prompt")
    assert_error(api.call("ir.actions.server", "create", vals_list=[{**base, "update_path": "category_id",
                                                                      "ai_prompt": "Tags?"}]),
                 422, None, "cannot fill the field")
    assert api.ok("ir.actions.server", "create", vals_list=[{**base, "update_path": "function", "ai_prompt": "Job?"}])
