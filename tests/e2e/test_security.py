"""Hostile input against the running server (docs/security.md): each class of attack ends with a
clear 4xx, changes nothing, and leaves the server answering. The sandbox's own limits are in
test_security_sandbox.py, outgoing webhook targets in test_security_webhook_urls.py and the HTTP
front in test_http.py."""

import json
import os
import subprocess
import urllib.parse

import pytest

from helpers import BIN, MODULES_PATH, assert_error

ACCESS = "odoo.exceptions.AccessError"
BAD_REQUEST = "werkzeug.exceptions.BadRequest"


@pytest.fixture(scope="module")
def internal(api):
    """A plain internal user (not in Settings) with its own key."""
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Ina Internal", "login": "ina"}])
    key = api.ok("res.users.apikeys", "generate", name="ina's key", user_id=uid)
    return api.with_key(key)


def model_id(api, model):
    return api.ok("ir.model", "search", domain=[["model", "=", model]])[0]


def still_answers(api):
    status, _, data = api.get("/health")
    assert status == 200 and json.loads(data)["status"] == "pass"
    assert api.ok("res.partner", "search_count", domain=[]) >= 0


def log_count(api):
    return api.ok("ir.logging", "search_count", domain=[])


# --- 1. a client's domain holds literals only -------------------------------------------------

EXPRESSIONS = [
    "[('name', '=', dict()[str(env['ir.config_parameter'].sudo().search_read([], []))])]",
    "[('name', '=', uid)]",
    "[('create_date', '<=', context_today())]",
    "[('name', '=', log('forged row'))]",
    "[('name', '=', _logger.info('forged line'))]",
    "[('name', '=', user.name)]",
    "[('id', 'in', [x for x in range(3)])]",
    "[('name', '=', 'a' + 'b')]",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
@pytest.mark.parametrize("who", ["admin", "internal"])
def test_a_domain_sent_as_text_is_never_evaluated(api, internal, who, text):
    client = api if who == "admin" else internal
    logs = log_count(api)
    for method, params in [("search", {"domain": text}), ("search_count", {"domain": text}),
                           ("search_read", {"domain": text, "fields": ["name"]}),
                           ("name_search", {"name": "", "domain": text}),
                           ("name_search", {"name": "", "args": text})]:
        body = assert_error(client.call("res.partner", method, **params), 422, None, "literals only")
        assert "ir.config_parameter" not in body["message"].replace(text, "")
    assert log_count(api) == logs
    still_answers(api)


def test_a_literal_text_domain_still_works(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Literal Lou"}])
    assert api.ok("res.partner", "search", domain="[('name', '=', 'Literal Lou'), (1, '=', 1)]") == [pid]
    assert api.ok("res.partner", "search", domain="['|', ('name', '=', 'Literal Lou'), ('id', '=', None)]") == [pid]


def test_a_rules_saved_domain_may_still_use_expressions(api):
    # Expressions are for domains saved on rules by administrators.
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": "Mine only", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('create_uid', '=', uid)]",
        "action_server_ids": [[0, 0, {"name": "mark", "state": "code",
                                      "code": "record.write({'comment': 'mine'})"}]]}])
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Expression Eve"}])
    assert api.ok("res.partner", "read", ids=[pid], fields=["comment"])[0]["comment"] == "mine"
    api.ok("base.automation", "unlink", ids=[rule])


# --- 2. nesting depth -------------------------------------------------------------------------

def nested(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("template", [
    '{{"ids": {deep}}}',
    '{{"domain": {deep}}}',
    '{{"domain": [["id", "in", {deep}]]}}',
    '{{"domain": [["id", "=", 1]], "context": {{"x": {deep}}}}}',
    '{{"vals_list": [{{"name": {deep}}}]}}',
    '{{"domain": [], "limit": {deep}}}',
])
@pytest.mark.parametrize("depth", [300, 20000])
def test_deep_nesting_anywhere_in_a_body_is_a_400(api, template, depth):
    before = api.ok("res.partner", "search_count", domain=[])
    method = "create" if "vals_list" in template else "search"
    body = template.format(deep=nested(depth))
    assert_error(api.post_raw("res.partner", method, body), 400, BAD_REQUEST, "deeper than 256")
    assert api.ok("res.partner", "search_count", domain=[]) == before
    still_answers(api)


def test_deep_objects_are_refused_as_deep_lists_are(api):
    body = '{"vals_list": [{"name": ' + '{"a": ' * 5000 + '1' + '}' * 5000 + '}]}'
    assert_error(api.post_raw("res.partner", "create", body), 400, BAD_REQUEST, "deeper than 256")
    still_answers(api)


def test_nesting_within_the_bound_gets_an_ordinary_answer(api):
    # 200 levels parse; the value is then refused for what it is, with a bounded message.
    status, body = api.post_raw("res.partner", "search", '{"domain": [["id", "in", ' + nested(200) + ']]}')
    assert status == 422, body
    assert len(json.dumps(body)) < 20000
    still_answers(api)


def test_a_deep_domain_text_is_a_422(api):
    text = "[" + "(" * 20000 + "1" + ")" * 20000 + "]"
    status, body = api.call("res.partner", "search", domain=text)
    assert status == 422, body
    still_answers(api)


def test_a_deep_webhook_payload_is_a_400_without_a_key(api):
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": "Deep hook", "model_name": "res.partner", "trigger": "on_webhook",
        "record_getter": "model.browse([1])",
        "action_server_ids": [[0, 0, {"name": "noop", "state": "code", "code": "x = payload"}]]}])
    url = api.ok("base.automation", "read", ids=[rule], fields=["url"])[0]["url"]
    path = urllib.parse.urlparse(url).path
    for body in (nested(20000), '{"a": ' + nested(300) + "}"):
        status, _, data = api.request("POST", path, body, {"Content-Type": "application/json"})
        assert status == 400 and json.loads(data)["status"] == "error", (status, data)
    still_answers(api)
    # A payload within the bound still runs the rule.
    status, _, data = api.request("POST", path, '{"a": ' + nested(100) + "}",
                                  {"Content-Type": "application/json"})
    assert status == 200, data


# --- 3. internal context keys ---------------------------------------------------------------

def test_a_clients_internal_context_keys_are_dropped(api):
    api.ok("ir.model", "create", vals_list=[{"name": "Chained", "model": "x_chained", "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_count", "ttype": "integer", "field_description": "Count"}]]}])
    for n in (1, 2):
        api.ok("base.automation", "create", vals_list=[{
            "name": f"count {n}", "model_name": "x_chained", "trigger": "on_create",
            "action_server_ids": [[0, 0, {"name": f"count {n}", "state": "code",
                                          "code": "record.write({'x_count': record.x_count + 1})"}]]}])
    for value in (0, 1, -1, 5, 10**12, "0", [0], {"a": 0}, None):
        ctx = {"__action_done": value, "__webhook_payload": {"x": 1}, "__onchange_form": True,
               "__install_mode": True, "__module": "base", "__automation_configuring": True}
        [rid] = api.ok("x_chained", "create", vals_list=[{"x_name": f"v {value!r}"}], context=ctx)
        # Both rules ran once each, whatever the client claimed.
        assert api.ok("x_chained", "read", ids=[rid], fields=["x_count"])[0]["x_count"] == 2
    still_answers(api)


def test_an_internal_key_never_reaches_code_as_a_payload(api):
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "What payload", "model_id": model_id(api, "res.partner"), "state": "code",
        "code": "action = {'payload': payload}"}])
    result = api.ok("ir.actions.server", "run", ids=[action],
                    context={"__webhook_payload": {"forged": True}, "active_model": "res.partner",
                             "active_ids": [1]})
    assert result == {"payload": None}


def test_an_oversized_context_is_a_422(api):
    big = {"k%d" % i: "x" * 1000 for i in range(400)}
    assert_error(api.call("res.partner", "search_count", domain=[], context=big), 422, None, "context")


# --- 4. running a server action by hand -------------------------------------------------------

def test_a_user_runs_a_server_action_with_their_own_rights(api, internal):
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Read the parameters", "model_id": model_id(api, "res.partner"), "state": "code",
        "code": "action = {'params': env['ir.config_parameter'].search_read([], ['key'])}"}])
    ctx = {"active_model": "res.partner", "active_ids": [1]}
    assert api.ok("ir.actions.server", "run", ids=[action], context=ctx)["params"]
    assert_error(internal.call("ir.actions.server", "run", ids=[action], context=ctx), 403, ACCESS)
    # sudo() does not lift them either.
    [sudo_action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Sudo", "model_id": model_id(api, "res.partner"), "state": "code",
        "code": "action = {'params': env['ir.config_parameter'].sudo().search_read([], ['key'])}"}])
    status, body = internal.call("ir.actions.server", "run", ids=[sudo_action], context=ctx)
    assert status in (403, 422) and "key" not in json.dumps(body).replace("'key'", ""), body


def test_a_user_cannot_run_an_action_of_a_group_they_are_not_in(api, internal):
    system = api.ok("ir.model.data", "search_read", domain=[["module", "=", "base"], ["name", "=", "group_system"]],
                    fields=["res_id"])[0]["res_id"]
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Admins only", "model_id": model_id(api, "res.partner"), "state": "code",
        "code": "record.write({'comment': 'ran'})", "groups_id": [[6, 0, [system]]]}])
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Target Tim"}])
    ctx = {"active_model": "res.partner", "active_ids": [pid]}
    assert_error(internal.call("ir.actions.server", "run", ids=[action], context=ctx), 403, ACCESS,
                 "access rights to run this action")
    assert api.ok("res.partner", "read", ids=[pid], fields=["comment"])[0]["comment"] is False


def test_a_user_cannot_run_an_action_on_a_model_they_cannot_write(api, internal):
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Touch users", "model_id": model_id(api, "res.users"), "state": "object_write",
        "update_path": "name", "value": "Hacked"}])
    assert_error(internal.call("ir.actions.server", "run", ids=[action],
                               context={"active_model": "res.users", "active_ids": [2]}), 403, ACCESS)
    assert api.ok("res.users", "read", ids=[2], fields=["name"])[0]["name"] != "Hacked"


def test_a_rule_still_runs_its_actions_as_superuser(api, internal):
    # The same code, fired by the internal user's write through a rule, may read parameters.
    api.ok("ir.model", "create", vals_list=[{"name": "Probe", "model": "x_probe", "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]}])
    api.ok("base.automation", "create", vals_list=[{
        "name": "Count params", "model_name": "x_probe", "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "count", "state": "code", "code":
            "record.write({'x_name': str(env['ir.config_parameter'].sudo().search_count([]) > 0)})"}]]}])
    [rid] = internal.ok("x_probe", "create", vals_list=[{"x_name": "?"}])
    assert internal.ok("x_probe", "read", ids=[rid], fields=["x_name"])[0]["x_name"] == "True"


# --- 5. secrets and system-only fields --------------------------------------------------------

@pytest.fixture(scope="module")
def webhook_action(api):
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Signed", "model_id": model_id(api, "res.partner"), "state": "webhook",
        "webhook_url": "http://127.0.0.1:9/hook?token=abc", "webhook_secret": "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"}])
    return action


@pytest.mark.parametrize("who", ["admin", "internal"])
def test_the_webhook_signing_secret_is_never_read_back(api, internal, webhook_action, who):
    client = api if who == "admin" else internal
    row = client.ok("ir.actions.server", "read", ids=[webhook_action])[0]
    assert "webhook_secret" not in row and "whsec_" not in json.dumps(row)
    assert "webhook_secret" not in client.ok("ir.actions.server", "fields_get")
    status, body = client.call("ir.actions.server", "read", ids=[webhook_action], fields=["webhook_secret"])
    assert status in (403, 422) and "whsec_" not in json.dumps(body)
    for domain in ([["webhook_secret", "=like", "whsec_%"]], [["webhook_secret", "!=", False]]):
        status, body = client.call("ir.actions.server", "search", domain=domain)
        assert status in (403, 422), body
    status, _ = client.call("ir.actions.server", "search", domain=[], order="webhook_secret")
    assert status in (403, 422)


def test_a_signing_secret_is_generated_and_shown_once(api, internal, webhook_action):
    secret = api.ok("ir.actions.server", "action_generate_webhook_secret", ids=[webhook_action])
    assert secret.startswith("whsec_") and len(secret) > 40
    assert secret not in json.dumps(api.ok("ir.actions.server", "read", ids=[webhook_action]))
    assert_error(internal.call("ir.actions.server", "action_generate_webhook_secret", ids=[webhook_action]), 403, ACCESS)


@pytest.mark.parametrize("model, field", [
    ("ir.actions.server", "code"), ("ir.actions.server", "webhook_url"),
    ("base.automation", "url"), ("base.automation", "webhook_uuid"), ("base.automation", "record_getter"),
    ("res.users", "api_key_ids"),
])
def test_system_only_fields_are_hidden_from_other_users(api, internal, model, field):
    ids = api.ok(model, "search", domain=[], limit=5)
    assert ids
    assert field in api.ok(model, "read", ids=ids[:1], fields=[field])[0]
    assert field not in internal.ok(model, "fields_get")
    for row in internal.ok(model, "read", ids=ids):
        assert field not in row
    assert_error(internal.call(model, "read", ids=ids, fields=[field]), 403, ACCESS, field)
    assert_error(internal.call(model, "search_read", domain=[], fields=["id", field]), 403, ACCESS, field)
    assert_error(internal.call(model, "search", domain=[[field, "!=", False]]), 403, ACCESS, field)
    assert_error(internal.call(model, "search", domain=[], order=field), 403, ACCESS, field)


# --- 9. error amplification -------------------------------------------------------------------

@pytest.mark.parametrize("method, params", [
    ("create", {"vals_list": [{"name": "ok", "color": "x" * 3_000_000}]}),
    ("search", {"domain": [["name", "bogus-operator", "x" * 3_000_000]]}),
    ("search", {"domain": [["x" * 3_000_000, "=", 1]]}),
    ("search", {"domain": [["id", "in", [["x" * 100_000]] * 30]]}),
    ("read", {"ids": [1], "fields": ["x" * 3_000_000]}),
    ("search", {"domain": [], "order": "x" * 3_000_000}),
    ("write", {"vals": {"x" * 3_000_000: 1}}),
])
def test_errors_do_not_grow_with_the_input(api, method, params):
    if method == "write":
        params = dict(params, ids=[1])
    status, _, data = api.request("POST", f"/json/2/res.partner/{method}", json.dumps(params).encode(),
                                  {"Authorization": f"bearer {api.key}", "Content-Type": "application/json"})
    assert 400 <= status < 500, data[:300]
    assert len(data) < 100_000, len(data)
    still_answers(api)


def test_an_error_raised_by_code_with_a_huge_message_is_bounded(api):
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Shout", "model_id": model_id(api, "res.partner"), "state": "code",
        "code": "raise UserError('x' * 50_000_000)"}])
    status, _, data = api.request("POST", "/json/2/ir.actions.server/run",
                                  json.dumps({"ids": [action]}).encode(),
                                  {"Authorization": f"bearer {api.key}", "Content-Type": "application/json"})
    assert status == 422 and len(data) < 100_000, (status, len(data))
    still_answers(api)


# --- 10. searching through relations ----------------------------------------------------------

@pytest.mark.parametrize("domain", [
    [["api_key_ids.index", "=like", "a%"]],
    [["api_key_ids", "any", [["index", "=like", "a%"]]]],
    [["api_key_ids", "not any", [["index", "=like", "a%"]]]],
    [["api_key_ids.name", "!=", False]],
    [["api_key_ids", "!=", False]],
    [["api_key_ids.user_id.login", "=", "admin"]],
    ["|", ["id", "=", 1], ["api_key_ids.key", "=", "x"]],
])
def test_a_domain_cannot_cross_into_a_model_the_user_cannot_read(api, internal, domain):
    for method, params in [("search", {"domain": domain}), ("search_count", {"domain": domain}),
                           ("search_read", {"domain": domain, "fields": ["login"]}),
                           ("name_search", {"name": "", "domain": domain})]:
        status, body = internal.call("res.users", method, **params)
        assert status in (403, 422), (method, status, body)
    # The admin may.
    assert api.call("res.users", "search", domain=domain)[0] in (200, 422)


def test_a_domain_on_a_partner_cannot_reach_parameters_or_logs(api, internal):
    for domain in ([["user_ids.api_key_ids.index", "=like", "a%"]],
                   [["user_ids", "any", [["api_key_ids", "any", [["name", "!=", False]]]]]]):
        status, _ = internal.call("res.partner", "search", domain=domain)
        assert status == 403


def test_ordering_by_a_relation_never_reveals_unreadable_names(api, internal):
    # res.users.apikeys is for administrators: ordering them is not the internal user's to do,
    # and a business model ordered by a relation still answers.
    assert internal.call("res.users.apikeys", "search", domain=[], order="user_id")[0] == 403
    assert internal.ok("res.partner", "search", domain=[], order="parent_id, id", limit=3) is not None


# --- 11. long lists and long paths ------------------------------------------------------------

def test_an_in_list_of_300000_ids_works(api):
    ids = list(range(1, 300_001))
    found = api.ok("res.partner", "search", domain=[["id", "in", ids]])
    assert found and all(i <= 300_000 for i in found)
    assert api.ok("res.partner", "search_count", domain=[["id", "not in", ids]]) == 0
    assert api.ok("res.partner", "search_count", domain=[["child_ids", "in", ids]]) >= 0
    assert api.ok("res.partner", "search_count", domain=[["id", "child_of", ids[:1000]]]) >= 1


def test_a_path_of_300_segments_is_a_422(api):
    path = ".".join(["parent_id"] * 300) + ".name"
    status, body = api.call("res.partner", "search", domain=[[path, "=", "x"]])
    assert status == 422, body
    still_answers(api)


# --- 12. API keys that never expire by mistake ------------------------------------------------

@pytest.mark.parametrize("days", ["0", "-5", "36501", "abc"])
def test_apikey_new_refuses_a_non_positive_lifetime(tmp_path, days):
    db = tmp_path / "keys.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    out = subprocess.run([BIN, "apikey", "new", "--db", f"sqlite:{db}", "--modules-path", MODULES_PATH,
                          "--user", "admin", "--days", days], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert out.returncode != 0, out.stdout
    assert "days" in (out.stdout + out.stderr).lower()
    assert len(out.stdout.strip()) < 40  # no key printed


# --- 13. sequences at the end of 64 bits ------------------------------------------------------

@pytest.mark.parametrize("implementation", ["standard", "no_gap"])
@pytest.mark.parametrize("step", [1, 1000])
def test_a_sequence_past_2_to_the_63_is_a_clear_error(api, implementation, step):
    code = f"seq.end.{implementation}.{step}"
    [seq] = api.ok("ir.sequence", "create", vals_list=[{
        "name": f"Almost full {implementation}", "code": code, "implementation": implementation,
        "number_next": 2**63 - 1 - step, "number_increment": step}])
    assert api.ok("ir.sequence", "next_by_code", sequence_code=code) == str(2**63 - 1 - step)
    assert_error(api.call("ir.sequence", "next_by_code", sequence_code=code), 422, None, "64 bits")
    row = api.ok("ir.sequence", "read", ids=[seq], fields=["number_next_actual"])[0]
    assert row["number_next_actual"] == 2**63 - 1
    still_answers(api)


# --- 14. bodies -------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"", b"   ", b"\r\n"])
def test_an_empty_body_is_a_400_not_every_record(api, body):
    status, _, data = api.request("POST", "/json/2/res.partner/search_read", body,
                                  {"Authorization": f"bearer {api.key}", "Content-Type": "application/json"})
    assert status == 400, data[:200]
    assert_error((status, json.loads(data)), 400, BAD_REQUEST, "empty")
