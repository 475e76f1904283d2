"""Automation rules over the API, as an administrator sets them up: base.automation records with
their actions created in one call fire from the next call on, with Odoo's semantics; bad rules
are refused at save; a failing rule fails the whole call and changes nothing."""

import threading

import pytest

from helpers import assert_error


def field_id(api, model, name):
    ids = api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", name]])
    assert len(ids) == 1, (model, name, ids)
    return ids[0]


def xmlid(api, full):
    module, name = full.split(".")
    rows = api.ok("ir.model.data", "search_read", domain=[["module", "=", module], ["name", "=", name]],
                  fields=["res_id"])
    assert len(rows) == 1, full
    return rows[0]["res_id"]


def rule(api, **vals):
    vals.setdefault("name", "Test rule")
    return api.ok("base.automation", "create", vals_list=[vals])[0]


def code(text, name="code"):
    return [0, 0, {"name": name, "state": "code", "code": text}]


def read1(api, model, rid, *fields):
    return api.ok(model, "read", ids=[rid], fields=list(fields))[0]


def test_a_rule_created_with_its_actions_in_one_call_fires_on_the_next_create(api, unique):
    tag = unique("vip")
    rid = rule(api, name="Tag VIPs", model_name="res.partner", trigger="on_create",
               filter_domain=f"[('name', 'like', '{tag}')]",
               action_server_ids=[[0, 0, {"name": "rank", "state": "object_write",
                                          "update_path": "customer_rank", "evaluation_type": "value",
                                          "value": "5"}]])
    row = read1(api, "base.automation", rid, "model_id", "model_name", "action_server_ids", "active")
    assert row["model_name"] == "res.partner" and row["active"] is True
    assert len(row["action_server_ids"]) == 1
    action = read1(api, "ir.actions.server", row["action_server_ids"][0], "model_id", "base_automation_id",
                   "usage")
    assert action["model_id"][0] == row["model_id"][0]
    assert action["base_automation_id"][0] == rid
    assert action["usage"] == "base_automation"

    matching, other = api.ok("res.partner", "create", vals_list=[{"name": f"{tag} Ltd"}, {"name": "Plain"}])
    assert read1(api, "res.partner", matching, "customer_rank")["customer_rank"] == 5
    assert read1(api, "res.partner", other, "customer_rank")["customer_rank"] == 0


def test_pre_and_post_filters_and_old_values_on_write(api, unique):
    marker = unique("prospect")
    rule(api, name="Became a customer", model_name="res.partner", trigger="on_write",
         filter_pre_domain="[('customer_rank', '=', 0)]",
         filter_domain=f"[('customer_rank', '>', 0), ('function', '=', '{marker}')]",
         action_server_ids=[code(
             "old = env.context['old_values'][record.id]\n"
             "record.write({'comment': 'from %s to %s' % (old['customer_rank'], record.customer_rank)})")])
    pid = api.ok("res.partner", "create", vals_list=[{"name": "P", "function": marker}])[0]
    api.ok("res.partner", "write", ids=[pid], vals={"customer_rank": 3})
    assert read1(api, "res.partner", pid, "comment")["comment"] == "from 0 to 3"
    # Already a customer before the write: the pre-filter stops it.
    api.ok("res.partner", "write", ids=[pid], vals={"customer_rank": 4, "comment": False})
    assert read1(api, "res.partner", pid, "comment")["comment"] is False


def test_watched_fields_fire_only_when_written_and_changed(api, unique):
    ref = unique("watch")
    rule(api, name="Count email changes", model_name="res.partner", trigger="on_write",
         filter_domain=f"[('function', '=', '{ref}')]",
         trigger_field_ids=[[6, 0, [field_id(api, "res.partner", "email")]]],
         action_server_ids=[code("record.write({'customer_rank': record.customer_rank + 1})")])
    pid = api.ok("res.partner", "create", vals_list=[{"name": "W", "function": ref}])[0]
    api.ok("res.partner", "write", ids=[pid], vals={"phone": "123"})
    api.ok("res.partner", "write", ids=[pid], vals={"email": "a@example.com"})
    api.ok("res.partner", "write", ids=[pid], vals={"email": "a@example.com"})  # unchanged
    api.ok("res.partner", "write", ids=[pid], vals={"email": "b@example.com"})
    assert read1(api, "res.partner", pid, "customer_rank")["customer_rank"] == 2


def test_on_unlink_runs_before_the_record_goes(api, unique):
    ref = unique("gone")
    rule(api, name="Remember deletions", model_name="res.partner", trigger="on_unlink",
         filter_domain=f"[('function', '=', '{ref}')]",
         action_server_ids=[code("env['res.partner'].create({'name': 'deleted ' + record.name, 'function': 'log'})")])
    pid = api.ok("res.partner", "create", vals_list=[{"name": ref, "function": ref}])[0]
    api.ok("res.partner", "unlink", ids=[pid])
    assert api.ok("res.partner", "search_count", domain=[["name", "=", f"deleted {ref}"]]) == 1
    assert api.ok("res.partner", "search_count", domain=[["id", "=", pid]]) == 0


def test_a_failing_rule_fails_the_call_names_the_rule_and_changes_nothing(api, unique):
    ref = unique("refuse")
    rid = rule(api, name="No shouting", model_name="res.partner", trigger="on_create_or_write",
               filter_domain=f"[('function', '=', '{ref}')]",
               action_server_ids=[code("if record.name.isupper():\n    raise UserError('No shouting please')")])
    body = assert_error(api.call("res.partner", "create", vals_list=[{"name": "fine", "function": ref},
                                                                     {"name": "LOUD", "function": ref}]),
                        422, "odoo.exceptions.UserError", "No shouting please")
    assert body["context"]["base_automation"] == {"id": rid, "name": "No shouting"}
    assert api.ok("res.partner", "search_count", domain=[["function", "=", ref]]) == 0
    pid = api.ok("res.partner", "create", vals_list=[{"name": "quiet", "function": ref}])[0]
    assert_error(api.call("res.partner", "write", ids=[pid], vals={"name": "LOUD", "email": "x@y.z"}),
                 422, "odoo.exceptions.UserError")
    assert read1(api, "res.partner", pid, "name", "email") == {"id": pid, "name": "quiet", "email": False}


def test_rules_chain_and_a_cycle_is_cut(api, unique):
    ref = unique("chain")
    rule(api, name="A: rank", model_name="res.partner", trigger="on_write",
         filter_domain=f"[('function', '=', '{ref}')]",
         trigger_field_ids=[[6, 0, [field_id(api, "res.partner", "phone")]]],
         action_server_ids=[code("record.write({'customer_rank': record.customer_rank + 1, 'comment': 'A'})")])
    rule(api, name="B: supplier", model_name="res.partner", trigger="on_write",
         filter_domain=f"[('function', '=', '{ref}')]",
         trigger_field_ids=[[6, 0, [field_id(api, "res.partner", "customer_rank")]]],
         action_server_ids=[code("record.write({'mobile': (record.mobile or '') + 'B', "
                                 "'phone': (record.phone or '') + '!'})")])
    pid = api.ok("res.partner", "create", vals_list=[{"name": "C", "function": ref}])[0]
    api.ok("res.partner", "write", ids=[pid], vals={"phone": "1"})
    row = read1(api, "res.partner", pid, "customer_rank", "mobile", "phone")
    # A fires, B fires from A's write, B's phone write does not fire A again in this operation.
    assert row == {"id": pid, "customer_rank": 1, "mobile": "B", "phone": "1!"}


def test_stage_set_rule_configured_from_the_stage(module_demo_server):
    api = module_demo_server.client()
    done = xmlid(api, "project.task_type_done")
    rid = rule(api, name="Done tasks are urgent", model_name="project.task", trigger="on_stage_set",
               trg_field_ref=done,
               action_server_ids=[[0, 0, {"name": "prio", "state": "object_write", "update_path": "priority",
                                          "evaluation_type": "value", "value": "1"}]])
    row = read1(api, "base.automation", rid, "trigger_field_ids", "filter_domain", "filter_pre_domain")
    assert row["trigger_field_ids"] == [field_id(api, "project.task", "stage_id")]
    assert row["filter_domain"] == f"[('stage_id', '=', {done})]"
    assert row["filter_pre_domain"] is False  # only on_tag_set gets a pre-filter
    task = api.ok("project.task", "search", domain=[["stage_id", "!=", done], ["priority", "=", "0"]], limit=1)[0]
    api.ok("project.task", "write", ids=[task], vals={"name": "moved"})
    assert read1(api, "project.task", task, "priority")["priority"] == "0"
    api.ok("project.task", "write", ids=[task], vals={"stage_id": done})
    assert read1(api, "project.task", task, "priority")["priority"] == "1"


def test_on_change_rules_answer_the_form_and_save_nothing(api, unique):
    ref = unique("form")
    rule(api, name="Suggest a comment", model_name="res.partner", trigger="on_change",
         on_change_field_ids=[[6, 0, [field_id(api, "res.partner", "email")]]],
         action_server_ids=[code(
             "if record.email and not record.email.endswith('.com'):\n"
             "    action = {'warning': {'title': 'Email', 'message': 'Not a .com address'},"
             " 'value': {'comment': 'check ' + record.email}}")])
    before = api.ok("res.partner", "search_count", domain=[])
    status, result = api.call("res.partner", "onchange", values={"name": ref, "email": "a@b.org"},
                              field_names=["email"], fields_spec={"name": {}, "email": {}, "comment": {}})
    assert status == 200, result
    assert result["warning"] == {"title": "Email", "message": "Not a .com address"}
    assert result["value"]["comment"] == "check a@b.org"
    assert api.ok("res.partner", "search_count", domain=[]) == before
    status, result = api.call("res.partner", "onchange", values={"name": ref, "email": "a@b.com"},
                              field_names=["email"], fields_spec={"email": {}})
    assert status == 200 and "warning" not in result, result


def test_on_change_rules_keep_to_their_filter_and_run_on_a_new_forms_first_call(api, unique):
    ref = unique("onchange")
    # Odoo's test_flow: a rule filtered on the name changes nothing for other names.
    rule(api, name="Important", model_name="res.partner", trigger="on_change",
         filter_domain=f"[('name', 'like', 'IMPORTANT {ref}')]",
         on_change_field_ids=[[6, 0, [field_id(api, "res.partner", "name")]]],
         action_server_ids=[code("action = {'value': {'comment': 'important'}}")])
    status, result = api.call("res.partner", "onchange", values={"name": "Lead Test", "comment": ref},
                              field_names=["name"], fields_spec={"name": {}, "comment": {}})
    assert status == 200 and "comment" not in result.get("value", {}), result
    status, result = api.call("res.partner", "onchange", values={"name": f"IMPORTANT {ref}"},
                              field_names=["name"], fields_spec={"name": {}, "comment": {}})
    assert status == 200 and result["value"]["comment"] == "important", result
    # Odoo's test_03_on_change_restricted: the first call of a new form, by a user who is not an
    # administrator, runs the rules of the fields the form shows.
    rule(api, name="Force archived", model_name="res.partner", trigger="on_change",
         filter_domain=f"[('function', '=', '{ref}')]",
         on_change_field_ids=[[6, 0, [field_id(api, "res.partner", "name")]]],
         action_server_ids=[code("action = {'value': {'active': False}}")])
    [uid] = api.ok("res.users", "create", vals_list=[{"name": f"Form {ref}", "login": f"form-{ref}"}])
    user = api.with_key(api.ok("res.users.apikeys", "generate", name="form", user_id=uid))
    status, result = user.call("res.partner", "onchange", values={"function": ref}, field_names=[],
                               fields_spec={"name": {}, "active": {}, "function": {}})
    assert status == 200 and result["value"]["active"] is False, result


def test_copying_a_rule_copies_its_actions(api, unique):
    ref = unique("copy")
    rid = rule(api, name="Original", model_name="res.partner", trigger="on_create", active=False,
               filter_domain=f"[('function', '=', '{ref}')]",
               action_server_ids=[code("record.write({'comment': 'copied rule ran'})", name="first"),
                                  code("record.write({'customer_rank': 7})", name="second")])
    copy_id = api.ok("base.automation", "copy", ids=[rid])[0]
    original = read1(api, "base.automation", rid, "action_server_ids")["action_server_ids"]
    copied = read1(api, "base.automation", copy_id, "action_server_ids", "name")
    assert len(copied["action_server_ids"]) == 2
    assert not set(copied["action_server_ids"]) & set(original)
    names = api.ok("ir.actions.server", "read", ids=copied["action_server_ids"], fields=["name", "base_automation_id"])
    assert sorted(n["name"] for n in names) == ["first", "second"]
    assert all(n["base_automation_id"][0] == copy_id for n in names)
    api.ok("base.automation", "write", ids=[copy_id], vals={"active": True})
    pid = api.ok("res.partner", "create", vals_list=[{"name": "C", "function": ref}])[0]
    assert read1(api, "res.partner", pid, "comment", "customer_rank") == {
        "id": pid, "comment": "copied rule ran", "customer_rank": 7}


def test_another_server_on_the_same_database_sees_a_new_rule_at_once(server_factory, unique):
    first = server_factory()
    second = server_factory(db=first.db)
    a, b = first.client(), second.client()
    ref = unique("shared")
    b.ok("res.partner", "create", vals_list=[{"name": "warm up the rule cache", "function": ref}])
    rid = rule(a, name="Shared", model_name="res.partner", trigger="on_create",
               filter_domain=f"[('function', '=', '{ref}')]",
               action_server_ids=[code("record.write({'comment': 'seen'})")])
    pid = b.ok("res.partner", "create", vals_list=[{"name": "via b", "function": ref}])[0]
    assert read1(b, "res.partner", pid, "comment")["comment"] == "seen"
    a.ok("base.automation", "write", ids=[rid], vals={"active": False})
    pid = b.ok("res.partner", "create", vals_list=[{"name": "via b again", "function": ref}])[0]
    assert read1(b, "res.partner", pid, "comment")["comment"] is False


def test_eight_parallel_clients_never_get_the_same_sequence_number(api, unique):
    code_name = unique("seq.parallel")
    api.ok("ir.sequence", "create", vals_list=[{"name": "Parallel", "code": code_name, "prefix": "P/",
                                                "padding": 5}])
    got, errors = [], []
    lock = threading.Lock()

    def worker():
        try:
            for _ in range(25):
                n = api.ok("ir.sequence", "next_by_code", sequence_code=code_name)
                with lock:
                    got.append(n)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(got) == [f"P/{i:05d}" for i in range(1, 201)]


@pytest.mark.parametrize("vals, fragment", [
    ({"model_name": "res.nothing", "trigger": "on_create"}, "Unknown model"),
    ({"model_name": "res.partner", "trigger": "on_create", "filter_domain": "[('name', '=']"}, "domain"),
    ({"model_name": "res.partner", "trigger": "on_create", "filter_domain": "[('nope', '=', 1)]"}, "nope"),
    ({"model_name": "res.partner", "trigger": "on_change",
      "action_server_ids": [[0, 0, {"name": "w", "state": "object_write", "update_path": "name",
                                    "value": "x"}]]}, "On UI change"),
    ({"model_name": "res.partner", "trigger": "on_create",
      "action_server_ids": [[0, 0, {"name": "w", "state": "object_write", "update_path": "parent_id.nope",
                                    "value": "x"}]]}, "nope"),
    ({"model_name": "res.partner.category", "trigger": "on_message_received"}, "Mail event"),
])
def test_bad_rules_are_refused_at_save_and_nothing_is_kept(api, vals, fragment):
    before = api.ok("base.automation", "search_count", domain=[["active", "in", [True, False]]])
    actions_before = api.ok("ir.actions.server", "search_count", domain=[])
    response = api.call("base.automation", "create", vals_list=[dict(vals, name="bad")])
    assert_error(response, 422, ("odoo.exceptions.ValidationError", "odoo.exceptions.UserError",
                                 "builtins.ValueError"), fragment)
    assert api.ok("base.automation", "search_count", domain=[["active", "in", [True, False]]]) == before
    assert api.ok("ir.actions.server", "search_count", domain=[]) == actions_before


def test_an_action_on_another_model_than_its_rule_is_refused(api):
    lead_model = api.ok("ir.model", "search", domain=[["model", "=", "res.users"]])[0]
    response = api.call("base.automation", "create", vals_list=[{
        "name": "bad", "model_name": "res.partner", "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "other", "state": "code", "code": "pass",
                                      "model_id": lead_model}]]}])
    assert_error(response, 422, "odoo.exceptions.ValidationError")


def test_a_multi_action_containing_itself_is_refused(api):
    partner_model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    parent = api.ok("ir.actions.server", "create", vals_list=[{"name": "parent", "state": "multi",
                                                               "model_id": partner_model}])[0]
    child = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "child", "state": "multi", "model_id": partner_model, "child_ids": [[6, 0, [parent]]]}])[0]
    assert_error(api.call("ir.actions.server", "write", ids=[parent], vals={"child_ids": [[6, 0, [child]]]}),
                 422, "odoo.exceptions.ValidationError", "recursion")
    assert read1(api, "ir.actions.server", parent, "child_ids")["child_ids"] == []


def test_a_failing_rule_is_named_in_the_errors_context_as_odoos_postmortem(api, unique):
    ref = unique("postmortem")
    rid = rule(api, name=f"Refuse {ref}", model_name="res.partner", trigger="on_create",
               filter_domain=f"[('function', '=', '{ref}')]",
               action_server_ids=[code("raise UserError('No partners here')")])
    status, body = api.call("res.partner", "create", vals_list=[{"name": "x", "function": ref}])
    assert status == 422, body
    assert body["message"] == "No partners here"
    assert body["context"] == {"exception_class": "base_automation",
                               "base_automation": {"id": rid, "name": f"Refuse {ref}"}}
    assert api.ok("res.partner", "search_count", domain=[["function", "=", ref]]) == 0


def test_run_counts_survive_a_restart_and_are_for_administrators(server_factory):
    first = server_factory()
    api = first.client()
    [model] = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    counted = rule(api, name="Counted", model_id=model, trigger="on_create", action_server_ids=[
        [0, 0, {"name": "Refuse", "model_id": model, "state": "code",
                "code": "if record.name == 'No':\n    raise UserError('Not this one')"}]])
    api.ok("res.partner", "create", vals_list=[{"name": "Yes"}])
    assert api.call("res.partner", "create", vals_list=[{"name": "No"}])[0] == 422
    [before] = api.ok("base.automation", "run_stats", ids=[counted])
    assert (before["runs"], before["failures"], before["last_error"]) == (2, 1, "Not this one")
    first.stop()  # the counts kept in memory are written as the server stops
    second = server_factory(db=first.db)
    api = second.client()
    assert api.ok("base.automation", "run_stats", ids=[counted]) == [before]
    assert api.ok("base.automation.stat", "search_count", domain=[["automation_id", "=", counted]]) == 1
    # Not for an internal user who is no administrator, nor a bad "since".
    user = api.ok("res.users", "create", vals_list=[{"name": "Stat reader", "login": "stat-reader"}])[0]
    key = api.ok("res.users.apikeys", "generate", name="k", user_id=user)
    assert api.call("base.automation", "run_stats", key=key, ids=[counted])[0] == 403
    assert api.call("base.automation.stat", "search_read", key=key, domain=[])[0] == 403
    status, body = api.call("base.automation", "run_stats", ids=[counted], since="today")
    assert status == 422 and "since" in body["message"]
