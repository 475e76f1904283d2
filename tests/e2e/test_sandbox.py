"""The Python sandbox over the API: code actions run with ir.actions.server/run, Compute values,
computed fields, domain text with expressions; hostile code is refused with a 4xx, the server
stays up and nothing changes."""

import time

import pytest

from helpers import assert_error


@pytest.fixture(scope="module")
def partner_model(api):
    return api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]


def make_action(api, partner_model, **vals):
    vals.setdefault("name", "Test action")
    vals["model_id"] = partner_model
    return api.ok("ir.actions.server", "create", vals_list=[vals])[0]


def run(api, action, ids):
    return api.call("ir.actions.server", "run", ids=[action],
                    context={"active_model": "res.partner", "active_ids": ids,
                             "active_id": ids[0] if ids else False})


def test_a_code_action_changes_records_and_returns_its_action(api, partner_model):
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Sandboxed"}])[0]
    action = make_action(api, partner_model, state="code", code=(
        "for r in records:\n"
        "    r.write({'comment': 'seen by %s' % env.user.name, 'customer_rank': r.customer_rank + 1})\n"
        "action = {'type': 'ir.actions.client', 'tag': 'reload', 'ids': records.ids}"))
    status, result = run(api, action, [pid])
    assert status == 200, result
    assert result == {"type": "ir.actions.client", "tag": "reload", "ids": [pid]}
    row = api.ok("res.partner", "read", ids=[pid], fields=["comment", "customer_rank"])[0]
    assert row == {"id": pid, "comment": "seen by Administrator", "customer_rank": 1}


def test_an_update_record_with_compute_writes_the_expression(api, partner_model):
    pid = api.ok("res.partner", "create", vals_list=[{"name": "lower"}])[0]
    action = make_action(api, partner_model, state="object_write", update_path="name",
                         evaluation_type="equation", value="record.name.upper() + ' ' + str(uid)")
    assert run(api, action, [pid])[0] == 200
    assert api.ok("res.partner", "read", ids=[pid], fields=["name"])[0]["name"] == "LOWER 2"


def test_code_that_does_not_compile_is_refused_at_save_with_odoos_message(api, partner_model):
    body = assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "bad", "model_id": partner_model, "state": "code", "code": "x = = 1"}]),
        422, "odoo.exceptions.ValidationError")
    assert body["message"] == "SyntaxError : invalid syntax at line 1\nx = = 1\n"


def test_a_user_error_raised_by_code_is_a_422_and_rolls_back(api, partner_model):
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Untouched"}])[0]
    action = make_action(api, partner_model, state="code",
                         code="record.write({'name': 'Touched'})\nraise UserError('Refused by the rule')")
    assert_error(run(api, action, [pid]), 422, "odoo.exceptions.UserError", "Refused by the rule")
    assert api.ok("res.partner", "read", ids=[pid], fields=["name"])[0]["name"] == "Untouched"


HOSTILE = [
    "import os",
    "__import__('os').system('touch /tmp/pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "getattr(record, 'env')",
    "open('/etc/passwd').read()",
    "eval('1 + 1')",
    "'{0.__class__}'.format(record)",
    "record.name = 'x'",
    "env.cr.execute('DELETE FROM res_partner')",
    "x = 'a' * (10 ** 10)",
    "def f():\n    return f()\nf()",
]


@pytest.mark.parametrize("code", HOSTILE)
def test_hostile_code_is_refused_with_a_4xx_and_changes_nothing(api, partner_model, code):
    before = api.ok("res.partner", "search_count", domain=[])
    status, body = api.call("ir.actions.server", "create", vals_list=[{
        "name": "hostile", "model_id": partner_model, "state": "code", "code": code}])
    if status == 200:  # refused only when it runs
        pid = api.ok("res.partner", "search", domain=[], limit=1)[0]
        status, body = run(api, body[0], [pid])
    assert 400 <= status < 500, (status, body)
    assert body["message"]
    assert api.ok("res.partner", "search_count", domain=[]) == before
    assert api.get("/health")[0] == 200


def test_an_endless_loop_is_stopped_by_the_script_timeout(server_factory):
    server = server_factory(extra_args=["--script-timeout", "0.5"])
    api = server.client()
    model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    action = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "loop", "model_id": model, "state": "code",
        "code": "while True:\n    try:\n        pass\n    except:\n        pass"}])[0]
    started = time.monotonic()
    status, body = api.call("ir.actions.server", "run", ids=[action])
    elapsed = time.monotonic() - started
    assert_error((status, body), 422, None, "time limit")
    assert elapsed < 5, elapsed
    assert api.ok("res.partner", "search_count", domain=[]) >= 1  # still serving


def test_a_python_computed_field_made_at_run_time_is_stored_and_follows_its_dependencies(api):
    api.ok("ir.model", "create", vals_list=[{"name": "Order line", "model": "x_sbline", "field_id": [
        [0, 0, {"name": "x_qty", "ttype": "integer", "field_description": "Qty"}],
        [0, 0, {"name": "x_price", "ttype": "float", "field_description": "Price"}],
        [0, 0, {"name": "x_total", "ttype": "float", "field_description": "Total",
                "compute": "for record in self:\n    record['x_total'] = record.x_qty * record.x_price",
                "depends": "x_qty,x_price"}]]}])
    lid = api.ok("x_sbline", "create", vals_list=[{"x_qty": 2, "x_price": 3.5}])[0]
    assert api.ok("x_sbline", "read", ids=[lid], fields=["x_total"])[0]["x_total"] == 7.0
    api.ok("x_sbline", "write", ids=[lid], vals={"x_qty": 10})
    assert api.ok("x_sbline", "search", domain=[["x_total", "=", 35.0]]) == [lid]


def test_domain_text_from_a_call_holds_literals_only(api):
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Mine, by literal"}])[0]
    found = api.ok("res.partner", "search", domain="[('name', '=', 'Mine, by literal'), ('active', 'in', (True,))]")
    assert found == [pid]
    # Expressions are never evaluated in a client's domain: a clear 422, nothing ran.
    for text in ("[('create_uid', '=', uid)]", "[('name', '=', __import__('os'))]",
                 "[('name', '=', str(env['ir.config_parameter'].sudo().search_read([], [])))]",
                 "[('name', '=', log('forged'))]"):
        assert_error(api.call("res.partner", "search", domain=text), 422, None, "literals only")
