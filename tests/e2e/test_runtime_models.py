"""Models and fields made at run time through ir.model / ir.model.fields (docs/orm.md,
"Run-time models"): usable by the very next call, x_ names only, deletions drop them, and every
model and field (magic ones included) is described by ir.model / ir.model.fields records."""

import json

import pytest

from helpers import assert_error

MAGIC = {"id", "display_name", "create_date", "create_uid", "write_date", "write_uid"}
NOT_FOUND = "werkzeug.exceptions.NotFound"


def make_model(api, model, *fields, name="Run-time model"):
    field_cmds = [[0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]
    field_cmds += [[0, 0, f] for f in fields]
    [mid] = api.ok("ir.model", "create", vals_list=[{"name": name, "model": model, "field_id": field_cmds}])
    return mid


def test_a_model_made_at_run_time_is_usable_by_the_very_next_call(api, unique):
    model = unique("x_ticket")
    make_model(api, model, {"name": "x_priority", "ttype": "selection", "field_description": "Priority",
                            "selection_ids": [[0, 0, {"value": "low", "name": "Low"}],
                                              [0, 0, {"value": "high", "name": "High"}]]},
               {"name": "x_partner_id", "ttype": "many2one", "relation": "res.partner",
                "field_description": "Customer"})
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Ticket Customer", "is_company": True}])
    [tid] = api.ok(model, "create", vals_list=[{"x_name": "Printer on fire", "x_priority": "high",
                                               "x_partner_id": pid}])
    rows = api.ok(model, "search_read", domain=[["x_priority", "=", "high"], ["x_partner_id.is_company", "=", True]],
                  fields=["x_name", "x_partner_id", "display_name"])
    assert rows == [{"id": tid, "x_name": "Printer on fire", "x_partner_id": [pid, "Ticket Customer"],
                     "display_name": "Printer on fire"}]
    assert_error(api.call(model, "create", vals_list=[{"x_priority": "urgent"}]), 422, None, "x_priority", "urgent")


def test_a_field_made_at_run_time_is_usable_by_the_very_next_call(api, unique):
    model = unique("x_grow")
    make_model(api, model)
    [rid] = api.ok(model, "create", vals_list=[{"x_name": "before the field"}])
    api.ok("ir.model.fields", "create", vals_list=[{"name": "x_size", "ttype": "integer", "model": model,
                                                    "field_description": "Size"}])
    assert api.ok(model, "read", ids=[rid], fields=["x_size"]) == [{"id": rid, "x_size": 0}]
    api.ok(model, "write", ids=[rid], vals={"x_size": 12})
    assert api.ok(model, "search", domain=[["x_size", ">", 10]]) == [rid]
    assert "x_size" in api.ok(model, "fields_get", attributes=["type"])


def test_a_field_can_be_added_by_model_id(api, unique):
    model = unique("x_by_id")
    mid = make_model(api, model)
    api.ok("ir.model.fields", "create", vals_list=[{"name": "x_note", "ttype": "text", "model_id": mid,
                                                    "field_description": "Note"}])
    [rid] = api.ok(model, "create", vals_list=[{"x_name": "n", "x_note": "noted"}])
    assert api.ok(model, "read", ids=[rid], fields=["x_note"])[0]["x_note"] == "noted"
    row = api.ok("ir.model.fields", "search_read", domain=[["model", "=", model], ["name", "=", "x_note"]],
                 fields=["model", "model_id", "ttype", "state", "field_description"])[0]
    assert row["model"] == model and row["model_id"][0] == mid
    assert row["ttype"] == "text" and row["state"] == "manual" and row["field_description"] == "Note"


def test_an_x_field_added_to_a_built_in_model_works_at_once(api, unique):
    field = unique("x_loyalty")
    api.ok("ir.model.fields", "create", vals_list=[{"name": field, "ttype": "integer", "model": "res.partner",
                                                    "field_description": "Loyalty"}])
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Loyal Customer", field: 42}])
    assert api.ok("res.partner", "read", ids=[pid], fields=["name", field]) == \
        [{"id": pid, "name": "Loyal Customer", field: 42}]
    assert api.ok("res.partner", "search", domain=[[field, "=", 42]]) == [pid]
    assert api.ok("res.partner", "fields_get", attributes=["type", "string"])[field] == \
        {"type": "integer", "string": "Loyalty"}
    # a one2many from a built-in model to a run-time model, through its inverse many2one
    model = unique("x_visit")
    make_model(api, model, {"name": "x_partner_id", "ttype": "many2one", "relation": "res.partner",
                            "field_description": "Partner"})
    api.ok("ir.model.fields", "create", vals_list=[{"name": f"{field}_visit_ids", "ttype": "one2many",
                                                    "model": "res.partner", "relation": model,
                                                    "relation_field": "x_partner_id", "field_description": "Visits"}])
    api.ok("res.partner", "write", ids=[pid], vals={f"{field}_visit_ids": [[0, 0, {"x_name": "first visit"}]]})
    [visit] = api.ok(model, "search", domain=[["x_partner_id", "=", pid]])
    assert api.ok("res.partner", "read", ids=[pid], fields=[f"{field}_visit_ids"])[0][f"{field}_visit_ids"] == [visit]


def test_deleting_a_custom_field_drops_it(api, unique):
    model = unique("x_shrink")
    make_model(api, model, {"name": "x_gone", "ttype": "char", "field_description": "Gone"})
    [rid] = api.ok(model, "create", vals_list=[{"x_name": "r", "x_gone": "value"}])
    fid = api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", "x_gone"]])
    assert len(fid) == 1
    assert api.ok("ir.model.fields", "unlink", ids=fid) is True
    assert_error(api.call(model, "read", ids=[rid], fields=["x_gone"]), 422, "builtins.ValueError", "x_gone")
    assert_error(api.call(model, "search", domain=[["x_gone", "=", "value"]]), 422, "builtins.ValueError", "x_gone")
    assert_error(api.call(model, "write", ids=[rid], vals={"x_gone": "again"}), 422, "builtins.ValueError", "x_gone")
    assert "x_gone" not in api.ok(model, "fields_get", attributes=["type"])
    assert "x_gone" not in api.ok(model, "read", ids=[rid], fields=[])[0]
    # re-created, it is a new empty column (the old values went with the old one)
    api.ok("ir.model.fields", "create", vals_list=[{"name": "x_gone", "ttype": "char", "model": model,
                                                    "field_description": "Back"}])
    assert api.ok(model, "read", ids=[rid], fields=["x_gone"])[0]["x_gone"] is False


def test_deleting_a_custom_field_of_a_built_in_model_drops_it(api, unique):
    field = unique("x_temporary")
    [fid] = api.ok("ir.model.fields", "create", vals_list=[{"name": field, "ttype": "char", "model": "res.partner",
                                                            "field_description": "Temporary"}])
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Temp Holder", field: "t"}])
    api.ok("ir.model.fields", "unlink", ids=[fid])
    assert_error(api.call("res.partner", "read", ids=[pid], fields=[field]), 422, "builtins.ValueError", field)
    assert api.ok("res.partner", "read", ids=[pid], fields=["name"])[0]["name"] == "Temp Holder"


def test_deleting_a_custom_model_makes_its_endpoint_404(api, unique):
    model = unique("x_doomed")
    mid = make_model(api, model)
    api.ok(model, "create", vals_list=[{"x_name": "soon gone"}])
    assert api.ok("ir.model", "unlink", ids=[mid]) is True
    body = assert_error(api.call(model, "search", domain=[]), 404, NOT_FOUND, model)
    assert body["message"]
    assert_error(api.call(model, "create", vals_list=[{"x_name": "x"}]), 404, NOT_FOUND)
    assert api.ok("ir.model", "search_count", domain=[["model", "=", model]]) == 0
    assert api.ok("ir.model.fields", "search_count", domain=[["model", "=", model]]) == 0
    # and the name can be used again, for a new, empty model
    make_model(api, model)
    assert api.ok(model, "search_count", domain=[]) == 0


def test_built_in_models_and_fields_cannot_be_deleted_or_altered(api):
    [partner_model] = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    assert_error(api.call("ir.model", "unlink", ids=[partner_model]), 422)
    name_field = api.ok("ir.model.fields", "search", domain=[["model", "=", "res.partner"], ["name", "=", "name"]])
    assert_error(api.call("ir.model.fields", "unlink", ids=name_field), 422)
    assert_error(api.call("ir.model.fields", "write", ids=name_field, vals={"ttype": "integer"}), 422)
    assert api.ok("res.partner", "fields_get", attributes=["type"])["name"]["type"] == "char"
    assert api.ok("res.partner", "search_count", domain=[]) >= 1


@pytest.mark.parametrize("name", ["ticket", "res.ticket", "y_ticket", "X_ticket"])
def test_a_model_name_without_x_prefix_is_refused(api, name):
    assert_error(api.call("ir.model", "create", vals_list=[{"name": "No prefix", "model": name}]), 422,
                 "odoo.exceptions.ValidationError", "x_")
    assert api.ok("ir.model", "search_count", domain=[["model", "=", name]]) == 0


@pytest.mark.parametrize("name", ["priority", "y_priority", "name2"])
def test_a_field_name_without_x_prefix_is_refused(api, unique, name):
    model = unique("x_prefix")
    make_model(api, model)
    assert_error(api.call("ir.model.fields", "create", vals_list=[{"name": name, "ttype": "char", "model": model,
                                                                   "field_description": "F"}]), 422,
                 "odoo.exceptions.ValidationError", "x_")
    assert_error(api.call("ir.model.fields", "create", vals_list=[{"name": name, "ttype": "char",
                                                                   "model": "res.partner",
                                                                   "field_description": "F"}]), 422,
                 "odoo.exceptions.ValidationError", "x_")
    assert_error(api.call("ir.model", "create", vals_list=[{"name": "M", "model": unique("x_pm"), "field_id": [
        [0, 0, {"name": name, "ttype": "char", "field_description": "F"}]]}]), 422, "odoo.exceptions.ValidationError",
        "x_")


@pytest.mark.parametrize("name", ["x_Upper", "x_with space", "x_dash-ed", "x_é"])
def test_a_field_name_with_invalid_characters_is_refused(api, name):
    assert_error(api.call("ir.model.fields", "create", vals_list=[{"name": name, "ttype": "char",
                                                                   "model": "res.partner",
                                                                   "field_description": "F"}]), 422,
                 "odoo.exceptions.ValidationError")


def test_a_field_name_that_exists_on_the_model_is_refused(api, unique):
    model = unique("x_dup")
    make_model(api, model, {"name": "x_twice", "ttype": "char", "field_description": "Twice"})
    assert_error(api.call("ir.model.fields", "create", vals_list=[{"name": "x_twice", "ttype": "integer",
                                                                   "model": model, "field_description": "Again"}]),
                 422, "odoo.exceptions.ValidationError", "x_twice")
    assert_error(api.call("ir.model", "create", vals_list=[{"name": "Dup", "model": model}]), 422, None, model)


def test_magic_fields_of_a_built_in_model_have_ir_model_fields_records(api):
    rows = api.ok("ir.model.fields", "search_read", domain=[["model", "=", "res.partner"], ["name", "in", sorted(MAGIC)]],
                  fields=["name", "ttype", "model_id", "relation"])
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == MAGIC
    assert by_name["id"]["ttype"] == "integer"
    assert by_name["display_name"]["ttype"] == "char"
    assert by_name["create_date"]["ttype"] == "datetime" and by_name["write_date"]["ttype"] == "datetime"
    assert by_name["create_uid"]["ttype"] == "many2one" and by_name["create_uid"]["relation"] == "res.users"
    assert by_name["write_uid"]["ttype"] == "many2one" and by_name["write_uid"]["relation"] == "res.users"


def test_magic_fields_of_a_run_time_model_have_ir_model_fields_records(api, unique):
    model = unique("x_magic")
    mid = make_model(api, model)
    rows = api.ok("ir.model.fields", "search_read", domain=[["model_id", "=", mid]], fields=["name"])
    assert {r["name"] for r in rows} == MAGIC | {"x_name"}
    assert set(api.ok(model, "fields_get", attributes=["type"])) == MAGIC | {"x_name"}


def test_every_model_has_an_ir_model_record_and_every_field_an_ir_model_fields_record(api):
    models = api.ok("ir.model", "search_read", domain=[], fields=["model", "name"])
    names = {m["model"] for m in models}
    assert {"res.partner", "res.users", "ir.model", "ir.model.fields"} <= names
    # the models the server documents are exactly the models ir.model describes
    status, _, data = api.get("/doc", auth=True)
    assert status == 200
    html = data.decode()
    for m in names:
        assert f'id="{m}"' in html or f">{m}<" in html, f"/doc does not list {m}"
    fields = api.ok("ir.model.fields", "search_read", domain=[], fields=["model", "name"])
    by_model = {}
    for f in fields:
        by_model.setdefault(f["model"], set()).add(f["name"])
    for m in sorted(names):
        described = set(api.ok(m, "fields_get", attributes=["type"]))
        # (ir.model.fields may also describe columns hidden from the API, such as the key hash)
        assert described <= by_model.get(m, set()), f"{m}: fields without an ir.model.fields record: " \
            f"{sorted(described - by_model.get(m, set()))}"
        assert MAGIC <= described, f"{m} lacks magic fields {MAGIC - described}"


def test_ir_model_describes_built_in_and_run_time_models(api, unique):
    model = unique("x_described")
    make_model(api, model, name="Described")
    rows = {r["model"]: r for r in api.ok("ir.model", "search_read", domain=[["model", "in", ["res.partner", model]]],
                                          fields=["model", "name", "state", "field_id"])}
    assert rows["res.partner"]["state"] == "base" and rows["res.partner"]["name"] == "Contact"
    assert rows[model]["state"] == "manual" and rows[model]["name"] == "Described"
    assert len(rows[model]["field_id"]) == len(MAGIC) + 1


# The built-in models of the foundation; sequences, scheduled jobs, rules, server actions and the
# mail/SMS/WhatsApp models are added to this list by the issues that bring them.
FOUNDATION_MODELS = [
    "res.users", "res.groups", "res.users.apikeys", "res.partner", "res.partner.category", "res.currency",
    "ir.model", "ir.model.fields", "ir.model.fields.selection", "ir.model.data", "ir.logging",
    "ir.config_parameter",
]


def test_every_foundation_model_exists(api):
    present = {m["model"] for m in api.ok("ir.model", "search_read", domain=[], fields=["model"])}
    missing = [m for m in FOUNDATION_MODELS if m not in present]
    assert not missing, f"built-in models missing: {missing}"


@pytest.mark.parametrize("model, fields", [
    ("res.users", ["login", "name", "partner_id", "groups_id", "share"]),
    ("res.partner", ["name", "email", "phone", "mobile", "is_company", "company_type", "parent_id", "child_ids",
                     "category_id", "user_ids", "customer_rank"]),
    ("ir.model", ["name", "model", "field_id", "is_mail_thread", "state"]),
    ("ir.model.fields", ["name", "field_description", "ttype", "model_id", "model", "relation", "relation_field",
                         "relation_table", "required", "readonly", "index", "copied", "related", "compute",
                         "depends", "store", "on_delete", "selection_ids"]),
    ("ir.model.fields.selection", ["value", "name", "sequence"]),
])
def test_built_in_models_have_the_fields_spec_names(api, model, fields):
    described = api.ok(model, "fields_get", attributes=["type"])
    assert not [f for f in fields if f not in described]


def test_run_time_models_survive_a_restart(server_factory, tmp_path):
    first = server_factory()
    api = first.client()
    make_model(api, "x_durable", {"name": "x_level", "ttype": "selection", "field_description": "Level",
                                  "selection_ids": [[0, 0, {"value": "a", "name": "A"}]]})
    api.ok("ir.model.fields", "create", vals_list=[{"name": "x_durable_note", "ttype": "char",
                                                    "model": "res.partner", "field_description": "Note"}])
    [rid] = api.ok("x_durable", "create", vals_list=[{"x_name": "kept", "x_level": "a"}])
    first.stop()
    second = server_factory(db=first.db)
    api2 = second.client()
    assert api2.ok("x_durable", "read", ids=[rid], fields=["x_name", "x_level"]) == \
        [{"id": rid, "x_name": "kept", "x_level": "a"}]
    assert_error(api2.call("x_durable", "create", vals_list=[{"x_level": "b"}]), 422, None, "x_level")
    assert "x_durable_note" in api2.ok("res.partner", "fields_get", attributes=["type"])


def test_a_field_without_label_gets_the_one_odoo_shows(api, unique):
    model = unique("x_unlabelled")
    api.ok("ir.model", "create", vals_list=[{"name": "Unlabelled", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char"}],
        [0, 0, {"name": "x_partner_id", "ttype": "many2one", "relation": "res.partner", "field_description": False}],
        [0, 0, {"name": "x_tag_ids", "ttype": "many2many", "relation": "res.partner.category"}],
        [0, 0, {"name": "x_due_date2", "ttype": "date", "field_description": ""}]]}])
    fields = api.ok(model, "fields_get", attributes=["string"])
    assert fields["x_name"]["string"] == "X Name"
    assert fields["x_partner_id"]["string"] == "X Partner"
    assert fields["x_tag_ids"]["string"] == "X Tag"
    assert fields["x_due_date2"]["string"] == "X Due Date2"
    rows = api.ok("ir.model.fields", "search_read", domain=[["model", "=", model], ["name", "=", "x_partner_id"]],
                  fields=["field_description"])
    assert rows == [{"id": rows[0]["id"], "field_description": "X Partner"}]
