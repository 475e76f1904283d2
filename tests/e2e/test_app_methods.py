"""The demo apps' business methods (docs/apps.md "Methods"): sale.order's action_confirm,
action_cancel, action_draft and action_quotation_sent, crm.lead's action_set_won and
action_set_lost, as Odoo's; run with the caller's rights, their writes firing rules."""

import pytest

from helpers import assert_error

USER_ERROR = "odoo.exceptions.UserError"


@pytest.fixture(scope="module")
def api(module_demo_server):
    return module_demo_server.client()


def read1(api, model, rid, *fields):
    return api.ok(model, "read", ids=[rid], fields=list(fields))[0]


def order(api):
    partner = api.ok("res.partner", "search", domain=[], limit=1)[0]
    eur = api.ok("res.currency", "search", domain=[["name", "=", "EUR"]])[0]
    return api.ok("sale.order", "create", vals_list=[{"partner_id": partner, "currency_id": eur}])[0]


def field_id(api, model, name):
    return api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", name]])[0]


def test_a_quotation_is_confirmed_cancelled_and_set_back_to_draft(api):
    so = order(api)
    assert read1(api, "sale.order", so, "state")["state"] == "draft"
    assert api.ok("sale.order", "action_quotation_sent", ids=[so]) is True
    assert api.ok("sale.order", "action_confirm", ids=[so]) is True
    row = read1(api, "sale.order", so, "state", "date_order")
    assert row["state"] == "sale" and row["date_order"]
    # A sales order is not a quotation any more: confirming it again is refused, nothing changes.
    assert_error(api.call("sale.order", "action_confirm", ids=[so]), 422, USER_ERROR,
                 "not in a state requiring confirmation")
    assert api.ok("sale.order", "action_draft", ids=[so]) is True  # not cancelled nor sent: kept
    assert read1(api, "sale.order", so, "state")["state"] == "sale"
    assert api.ok("sale.order", "action_cancel", ids=[so]) is True
    assert read1(api, "sale.order", so, "state")["state"] == "cancel"
    assert api.ok("sale.order", "action_draft", ids=[so]) is True
    assert read1(api, "sale.order", so, "state")["state"] == "draft"


def test_confirming_fires_the_rules_of_the_state_change(api):
    rid = api.ok("base.automation", "create", vals_list=[{
        "name": "Confirmed orders get a reference", "model_name": "sale.order", "trigger": "on_state_set",
        "trg_selection_field_id": api.ok("ir.model.fields.selection", "search", domain=[
            ["field_id", "=", field_id(api, "sale.order", "state")], ["value", "=", "sale"]])[0],
        "action_server_ids": [[0, 0, {"name": "ref", "state": "code",
                                      "code": "record.write({'client_order_ref': 'CONFIRMED'})"}]]}])[0]
    so = order(api)
    api.ok("sale.order", "action_confirm", ids=[so])
    assert read1(api, "sale.order", so, "client_order_ref")["client_order_ref"] == "CONFIRMED"
    api.ok("base.automation", "write", ids=[rid], vals={"active": False})


def test_a_lead_is_won_and_lost(api):
    won_stage = api.ok("crm.stage", "search", domain=[["is_won", "=", True]])
    [lead] = api.ok("crm.lead", "create", vals_list=[{"name": "To win", "type": "opportunity"}])
    assert api.ok("crm.lead", "action_set_won", ids=[lead]) is True
    row = read1(api, "crm.lead", lead, "stage_id", "probability", "date_closed", "active")
    assert row["stage_id"][0] in won_stage and row["probability"] == 100 and row["date_closed"] and row["active"]
    assert api.ok("crm.lead", "action_set_lost", ids=[lead]) is True
    status, [lost] = api.call_with("crm.lead", "read", {"ids": [lead], "fields": ["active", "probability"],
                                                        "context": {"active_test": False}})
    assert status == 200 and lost["active"] is False and lost["probability"] == 0
    # Won again: unarchived.
    status, result = api.call_with("crm.lead", "action_set_won", {"ids": [lead], "context": {"active_test": False}})
    assert status == 200 and result is True
    assert read1(api, "crm.lead", lead, "active")["active"] is True


def test_methods_run_with_the_callers_rights(module_demo_server, api):
    [portal_group] = api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", "group_portal"]],
                            fields=["res_id"])
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Pat Portal", "login": "pat-methods",
                                                       "group_ids": [[6, 0, [portal_group["res_id"]]]]}])
    key = api.ok("res.users.apikeys", "generate", name="pat", user_id=uid)
    so = order(api)
    assert_error(api.with_key(key).call("sale.order", "action_confirm", ids=[so]), 403, "odoo.exceptions.AccessError")
    assert read1(api, "sale.order", so, "state")["state"] == "draft"


def test_unknown_parameters_and_missing_records_are_refused(api):
    so = order(api)
    assert_error(api.call("sale.order", "action_confirm", ids=[so], force=True), 422, None, "unexpected keyword")
    status, _ = api.call("sale.order", "action_confirm", ids=[999999])
    assert status == 404
