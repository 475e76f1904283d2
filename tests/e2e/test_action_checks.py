"""A server action that could never run is refused when it is saved, not at every run: an
incomplete action of each type, or one of a type this build does not run, is a 422
ValidationError at create, and so is a write that leaves it incomplete; nothing is kept and the
server keeps answering. Complete actions are accepted, and a rule holding one lets creates on its
model work (before, such a rule was saved and then failed every create of its model)."""

import json

import pytest

from helpers import assert_error

VALIDATION = "odoo.exceptions.ValidationError"
NO_URL = ("I'll be happy to send a webhook for you, but you really need to give me a URL to reach "
          "out to...")


def model_id(api, model):
    return api.ok("ir.model", "search", domain=[["model", "=", model]])[0]


def field_id(api, model, name):
    return api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", name]])[0]


def count_actions(api):
    return api.ok("ir.actions.server", "search_count", domain=[])


def still_answers(api):
    status, _, data = api.get("/health")
    assert status == 200 and json.loads(data)["status"] == "pass"


@pytest.fixture(scope="module")
def partner_model(api):
    return model_id(api, "res.partner")


@pytest.fixture(scope="module")
def sequence(api):
    return api.ok("ir.sequence", "create", vals_list=[{"name": "Checks", "prefix": "C/"}])[0]


@pytest.fixture(scope="module")
def model_partner(api):
    return api.ok("res.partner", "create", vals_list=[{"name": "Model to copy"}])[0]


# (case, incomplete values, what the message says, values that complete it, a write that breaks
# the complete action again). `{seq}` and `{partner}` are filled in by the test.
CASES = [
    ("update_without_field", {"state": "object_write", "value": "x"},
     "(Update Record) needs the field to update: set update_path (or update_field_id)",
     {"update_path": "comment"}, {"update_path": False}),
    ("update_default_type", {}, "needs the field to update",
     {"update_path": "comment", "value": "x"}, {"update_path": ""}),
    ("update_compute_without_expression", {"state": "object_write", "update_path": "comment",
                                           "evaluation_type": "equation"},
     "needs the Python expression that computes the value: set value",
     {"value": "record.name"}, {"value": False}),
    ("update_compute_that_does_not_compile", {"state": "object_write", "update_path": "comment",
                                              "evaluation_type": "equation", "value": "record.name +"},
     "SyntaxError", {"value": "record.name + '!'"}, {"value": "1 +"}),
    ("update_sequence_without_sequence", {"state": "object_write", "update_path": "phone",
                                          "evaluation_type": "sequence"},
     "needs the sequence to use: set sequence_id", {"sequence_id": "{seq}"}, {"sequence_id": False}),
    ("update_sequence_on_a_number", {"state": "object_write", "update_path": "customer_rank",
                                     "evaluation_type": "sequence", "sequence_id": "{seq}"},
     "A sequence must only be used with character fields.",
     {"update_path": "function"}, {"update_path": "customer_rank"}),
    ("update_with_ai", {"state": "object_write", "update_path": "comment", "evaluation_type": "ai",
                        "ai_prompt": "say hi"},
     "(Update with AI) needs a language model", {"evaluation_type": "value", "value": "hi"},
     {"evaluation_type": "ai"}),
    ("update_a_number_with_text", {"state": "object_write", "update_path": "customer_rank",
                                   "value": "many"},
     "needs a whole number for the field 'Customer Rank' (customer_rank) in value, not 'many'",
     {"value": "3"}, {"value": ""}),
    ("update_tags_without_tag", {"state": "object_write", "update_path": "category_id",
                                 "update_m2m_operation": "add"},
     "needs the record to add: set resource_ref (\"model,id\") or value (its id)",
     {"update_m2m_operation": "clear"}, {"update_m2m_operation": "set"}),
    ("update_selection_with_unknown_key", {"state": "object_write", "update_path": "company_type",
                                           "value": "giant"},
     "needs one of the values of the field 'Company Type' (company_type), not 'giant'",
     {"value": "company"}, {"value": "tiny"}),
    ("create_without_name", {"state": "object_create"},
     "(Create Record) needs the name of the record to create: set value",
     {"value": "Created by a check"}, {"value": "  "}),
    ("duplicate_without_record", {"state": "object_copy"},
     "(Duplicate Record) needs the record to duplicate: set resource_ref (\"model,id\")",
     {"resource_ref": "res.partner,{partner}"}, {"resource_ref": False}),
    ("duplicate_a_missing_record", {"state": "object_copy", "resource_ref": "res.partner,999999"},
     "The record to duplicate 'res.partner,999999' of the action",
     {"resource_ref": "res.partner,{partner}"}, {"resource_ref": "res.partner,oops"}),
    ("webhook_without_url", {"state": "webhook"}, NO_URL,
     {"webhook_url": "http://127.0.0.1:9/hook"}, {"webhook_url": False}),
]

def fill(vals, seq, partner):
    out = {}
    for k, v in vals.items():
        if v == "{seq}":
            v = seq
        elif isinstance(v, str):
            v = v.replace("{partner}", str(partner))
        out[k] = v
    return out


@pytest.mark.parametrize("case, incomplete, message, complete, breaking", CASES, ids=[c[0] for c in CASES])
def test_an_incomplete_action_is_refused_a_complete_one_is_kept_and_cannot_be_broken(
        api, partner_model, sequence, model_partner, unique, case, incomplete, message, complete,
        breaking):
    name = unique(case)
    vals = dict(fill(incomplete, sequence, model_partner), name=name, model_id=partner_model)
    before = count_actions(api)
    assert_error(api.call("ir.actions.server", "create", vals_list=[vals]), 422, VALIDATION, message)
    assert count_actions(api) == before
    # With the missing part, it is kept and runs.
    vals.update(fill(complete, sequence, model_partner))
    [action] = api.ok("ir.actions.server", "create", vals_list=[vals])
    pid = api.ok("res.partner", "create", vals_list=[{"name": name}])[0]
    status, body = api.call("ir.actions.server", "run", ids=[action],
                            context={"active_model": "res.partner", "active_ids": [pid]})
    assert status == 200, body
    # A write that takes it away again is refused and changes nothing.
    fields = sorted(set(vals) - {"model_id"})
    saved = api.ok("ir.actions.server", "read", ids=[action], fields=fields)[0]
    assert_error(api.call("ir.actions.server", "write", ids=[action],
                          vals=fill(breaking, sequence, model_partner)), 422, VALIDATION)
    assert api.ok("ir.actions.server", "read", ids=[action], fields=fields)[0] == saved
    still_answers(api)


def test_restricted_fields_in_a_webhook_payload_are_refused_with_odoos_message(api):
    actions_model = model_id(api, "ir.actions.server")
    fields = [field_id(api, "ir.actions.server", "name"), field_id(api, "ir.actions.server", "code")]
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "Leak", "model_id": actions_model, "state": "webhook",
        "webhook_url": "http://127.0.0.1:9/hook", "webhook_field_ids": [[6, 0, fields]]}]),
        422, VALIDATION,
        "Group-restricted fields cannot be included in webhook payloads, as it could allow any user "
        "to accidentally leak sensitive information. You will have to remove the following fields "
        "from the webhook payload:\n- Python Code")


def test_multi_actions_empty_or_with_children_of_their_model(api, partner_model):
    [empty] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Empty multi", "model_id": partner_model, "state": "multi"}])
    assert api.call("ir.actions.server", "run", ids=[empty])[0] == 200
    [on_users] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "On users", "model_id": model_id(api, "res.users"), "state": "code", "code": "x = 1"}])
    assert_error(api.call("ir.actions.server", "write", ids=[empty], vals={"child_ids": [[4, on_users]]}),
                 422, VALIDATION, "Following child actions should have the same model (Contact): On users")
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "Mixed", "model_id": partner_model, "state": "multi", "child_ids": [[6, 0, [on_users]]]}]),
        422, VALIDATION, "should have the same model")
    [child] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Child", "model_id": partner_model, "state": "object_write", "update_path": "comment",
        "value": "from the multi"}])
    api.ok("ir.actions.server", "write", ids=[empty], vals={"child_ids": [[4, child]]})
    # Breaking the child would leave its parent with a child that cannot run.
    assert_error(api.call("ir.actions.server", "write", ids=[child], vals={"update_path": False}),
                 422, VALIDATION, "needs the field to update")
    assert api.ok("ir.actions.server", "read", ids=[empty], fields=["child_ids"])[0]["child_ids"] == [child]


def test_one_incomplete_action_in_a_batch_keeps_none_of_it(api, partner_model):
    before = count_actions(api)
    assert_error(api.call("ir.actions.server", "create", vals_list=[
        {"name": "fine", "model_id": partner_model, "state": "code", "code": "x = 1"},
        {"name": "no url", "model_id": partner_model, "state": "webhook"}]), 422, VALIDATION, NO_URL)
    assert count_actions(api) == before


def test_a_rule_with_an_incomplete_action_is_refused_and_nothing_is_kept(api):
    rules = api.ok("base.automation", "search_count", domain=[["active", "in", [True, False]]])
    actions = count_actions(api)
    assert_error(api.call("base.automation", "create", vals_list=[{
        "name": "Hook everyone", "model_name": "res.partner", "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "hook", "state": "webhook"}]]}]), 422, VALIDATION, NO_URL)
    assert_error(api.call("base.automation", "create", vals_list=[{
        "name": "Mail everyone", "model_name": "res.partner", "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "mail", "state": "mail_post"}]]}]), 422, VALIDATION,
        "needs an email template")
    assert api.ok("base.automation", "search_count", domain=[["active", "in", [True, False]]]) == rules
    assert count_actions(api) == actions
    # Creates on the model work: no rule was left behind to refuse them.
    assert api.call("res.partner", "create", vals_list=[{"name": "Nobody hooks me"}])[0] == 200
    still_answers(api)


@pytest.mark.parametrize("case, incomplete, message, complete, breaking", CASES, ids=[c[0] for c in CASES])
def test_a_rule_holding_a_complete_action_lets_creates_work_and_keeps_it_complete(
        api, sequence, model_partner, unique, case, incomplete, message, complete, breaking):
    name = unique(case)
    vals = dict(fill(incomplete, sequence, model_partner), name=name)
    vals.update(fill(complete, sequence, model_partner))
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": name, "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": json.dumps([["name", "=", name]]).replace('"', "'"),
        "action_server_ids": [[0, 0, vals]]}])
    [action] = api.ok("base.automation", "read", ids=[rule], fields=["action_server_ids"])[0]["action_server_ids"]
    status, body = api.call("res.partner", "create", vals_list=[{"name": name}])
    assert status == 200, body
    assert_error(api.call("ir.actions.server", "write", ids=[action],
                          vals=fill(breaking, sequence, model_partner)), 422, VALIDATION)
    status, body = api.call("res.partner", "create", vals_list=[{"name": name}])
    assert status == 200, body
    assert api.ok("res.partner", "search_count", domain=[["name", "=", name]]) == 2


def test_the_warning_field_is_false_for_an_action_that_can_run(api, partner_model):
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Fine", "model_id": partner_model, "state": "object_write", "update_path": "comment",
        "value": "ok"}])
    assert api.ok("ir.actions.server", "read", ids=[action], fields=["warning"])[0]["warning"] is False
    described = api.ok("ir.actions.server", "fields_get", allfields=["warning"], attributes=["type", "readonly"])
    assert described["warning"] == {"type": "text", "readonly": True}
    assert_error(api.call("ir.actions.server", "write", ids=[action], vals={"warning": "hidden"}), 422)
