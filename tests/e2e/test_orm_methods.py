"""The methods every model has (README) behave as Odoo's: name_search, name_create, default_get,
copy, fields_get, read, write, unlink, search_read, and the methods listed by /doc."""

import json

import pytest

from helpers import assert_error

API_METHODS = {"search", "search_count", "search_read", "read", "create", "write", "unlink", "copy",
               "fields_get", "name_search", "name_create", "default_get", "onchange"}


@pytest.fixture(scope="module")
def partners(api):
    [vip, blue] = api.ok("res.partner.category", "create", vals_list=[{"name": "Orm VIP"}, {"name": "Orm Blue"}])
    [acme] = api.ok("res.partner", "create", vals_list=[{
        "name": "Orm Acme", "is_company": True, "email": "acme@example.com", "customer_rank": 4,
        "category_id": [[6, 0, [vip, blue]]], "city": "Lyon"}])
    [ann, andy] = api.ok("res.partner", "create", vals_list=[
        {"name": "Orm Ann", "parent_id": acme, "email": "ann@example.com"},
        {"name": "Orm Andy", "parent_id": acme}])
    return {"acme": acme, "ann": ann, "andy": andy, "vip": vip, "blue": blue}


def test_name_search_returns_id_and_display_name_pairs(api, partners):
    result = api.ok("res.partner", "name_search", name="orm a")
    assert sorted(result) == sorted([[partners["acme"], "Orm Acme"], [partners["ann"], "Orm Ann"],
                                     [partners["andy"], "Orm Andy"]])
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in result)


def test_name_search_takes_an_operator_a_domain_and_a_limit(api, partners):
    assert api.ok("res.partner", "name_search", name="Orm Ann", operator="=") == [[partners["ann"], "Orm Ann"]]
    assert api.ok("res.partner", "name_search", name="orm", domain=[["is_company", "=", True]]) == \
        [[partners["acme"], "Orm Acme"]]
    assert len(api.ok("res.partner", "name_search", name="orm", limit=2)) == 2
    assert api.ok("res.partner", "name_search", name="no such partner at all") == []


def test_name_create_creates_a_record_from_a_name(api):
    result = api.ok("res.partner", "name_create", name="Orm Quick")
    assert isinstance(result, list) and len(result) == 2 and result[1] == "Orm Quick"
    assert api.ok("res.partner", "read", ids=[result[0]], fields=["name", "active"]) == \
        [{"id": result[0], "name": "Orm Quick", "active": True}]


def test_name_create_on_a_run_time_model_fills_x_name(api, unique):
    model = unique("x_named")
    api.ok("ir.model", "create", vals_list=[{"name": "Named", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]}])
    rid, display = api.ok(model, "name_create", name="Made by name")
    assert display == "Made by name"
    assert api.ok(model, "read", ids=[rid], fields=["x_name"])[0]["x_name"] == "Made by name"


def test_default_get_returns_the_defaults_of_the_requested_fields(api):
    assert api.ok("res.partner", "default_get", fields=["company_type", "active", "name", "email"]) == \
        {"company_type": "person", "active": True}
    assert api.ok("res.partner", "default_get", fields=["active"]) == {"active": True}
    assert api.ok("res.partner", "default_get", fields=["email"]) == {}


def test_default_get_of_run_time_fields_with_defaults(api, unique):
    model = unique("x_defaults")
    api.ok("ir.model", "create", vals_list=[{"name": "Defaults", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_qty", "ttype": "integer", "field_description": "Qty", "default_value": "3"}],
        [0, 0, {"name": "x_state", "ttype": "selection", "field_description": "State", "default_value": "\"b\"",
                "selection_ids": [[0, 0, {"value": "a", "name": "A"}], [0, 0, {"value": "b", "name": "B"}]]}]]}])
    assert api.ok(model, "default_get", fields=["x_name", "x_qty", "x_state"]) == {"x_qty": 3, "x_state": "b"}
    [rid] = api.ok(model, "create", vals_list=[{"x_name": "defaulted"}])
    assert api.ok(model, "read", ids=[rid], fields=["x_qty", "x_state"])[0] == {"id": rid, "x_qty": 3, "x_state": "b"}


def test_copy_of_a_partner_returns_new_ids_and_names_it_copy(api, partners):
    new_ids = api.ok("res.partner", "copy", ids=[partners["acme"]])
    assert isinstance(new_ids, list) and len(new_ids) == 1 and new_ids[0] != partners["acme"]
    copy = api.ok("res.partner", "read", ids=new_ids, fields=["name", "email", "city", "is_company", "category_id",
                                                              "customer_rank", "child_ids"])[0]
    assert copy["name"] == "Orm Acme (copy)"
    assert copy["email"] == "acme@example.com" and copy["city"] == "Lyon" and copy["is_company"] is True
    assert sorted(copy["category_id"]) == sorted([partners["vip"], partners["blue"]])  # many2many kept
    assert copy["customer_rank"] == 0   # copy=False in Odoo
    assert copy["child_ids"] == []      # contacts are not duplicated (one2many copy=False)
    # the original is unchanged
    original = api.ok("res.partner", "read", ids=[partners["acme"]], fields=["name", "child_ids"])[0]
    assert original["name"] == "Orm Acme" and sorted(original["child_ids"]) == sorted([partners["ann"], partners["andy"]])


def test_copy_takes_default_values(api, partners):
    [new] = api.ok("res.partner", "copy", ids=[partners["ann"]], default={"name": "Orm Ann Twin", "email": False})
    assert api.ok("res.partner", "read", ids=[new], fields=["name", "email", "parent_id"])[0] == \
        {"id": new, "name": "Orm Ann Twin", "email": False, "parent_id": [partners["acme"], "Orm Acme"]}


def test_copy_of_several_records_returns_one_new_id_each(api, partners):
    new_ids = api.ok("res.partner", "copy", ids=[partners["ann"], partners["andy"]])
    assert len(new_ids) == 2 and not set(new_ids) & {partners["ann"], partners["andy"]}
    names = sorted(r["name"] for r in api.ok("res.partner", "read", ids=new_ids, fields=["name"]))
    assert names == ["Orm Andy (copy)", "Orm Ann (copy)"]


def test_copy_duplicates_copied_one2many_children(api, unique):
    parent, child = unique("x_doc"), unique("x_doc_line")
    api.ok("ir.model", "create", vals_list=[{"name": "Doc", "model": parent, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]}])
    api.ok("ir.model", "create", vals_list=[{"name": "Doc line", "model": child, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_doc_id", "ttype": "many2one", "relation": parent, "field_description": "Doc",
                "on_delete": "cascade"}]]}])
    api.ok("ir.model.fields", "create", vals_list=[{"name": "x_line_ids", "ttype": "one2many", "model": parent,
                                                    "relation": child, "relation_field": "x_doc_id",
                                                    "field_description": "Lines", "copied": True}])
    [doc] = api.ok(parent, "create", vals_list=[{"x_name": "D", "x_line_ids": [[0, 0, {"x_name": "l1"}],
                                                                                [0, 0, {"x_name": "l2"}]]}])
    [dup] = api.ok(parent, "copy", ids=[doc])
    lines = api.ok(parent, "read", ids=[doc, dup], fields=["x_line_ids"])
    assert len(lines[0]["x_line_ids"]) == 2 and len(lines[1]["x_line_ids"]) == 2
    assert not set(lines[0]["x_line_ids"]) & set(lines[1]["x_line_ids"])
    copied = api.ok(child, "read", ids=lines[1]["x_line_ids"], fields=["x_name", "x_doc_id"])
    assert sorted(c["x_name"] for c in copied) == ["l1", "l2"]
    assert all(c["x_doc_id"][0] == dup for c in copied)


def test_fields_get_describes_fields_as_odoo(api):
    desc = api.ok("res.partner", "fields_get")
    assert {"name", "email", "parent_id", "child_ids", "category_id", "company_type", "id", "display_name",
            "create_date", "write_uid"} <= set(desc)
    assert desc["name"]["type"] == "char" and desc["name"]["required"] is True and desc["name"]["string"] == "Name"
    assert desc["parent_id"]["type"] == "many2one" and desc["parent_id"]["relation"] == "res.partner"
    assert desc["child_ids"]["type"] == "one2many" and desc["child_ids"]["relation_field"] == "parent_id"
    assert desc["category_id"]["type"] == "many2many" and desc["category_id"]["relation"] == "res.partner.category"
    assert desc["company_type"]["selection"] == [["person", "Individual"], ["company", "Company"]]


def test_fields_get_filters_fields_and_attributes(api):
    desc = api.ok("res.partner", "fields_get", allfields=["name", "company_type"], attributes=["string", "type"])
    assert desc == {"name": {"string": "Name", "type": "char"},
                    "company_type": {"string": "Company Type", "type": "selection"}}


def test_read_without_fields_returns_every_field(api, partners):
    row = api.ok("res.partner", "read", ids=[partners["ann"]], fields=[])[0]
    assert set(api.ok("res.partner", "fields_get", attributes=["type"])) <= set(row)
    row2 = api.ok("res.partner", "read", ids=[partners["ann"]])[0]
    assert row2 == row


def test_read_returns_records_in_the_order_of_ids(api, partners):
    ids = [partners["andy"], partners["acme"], partners["ann"]]
    assert [r["id"] for r in api.ok("res.partner", "read", ids=ids, fields=["name"])] == ids


def test_search_read_without_domain_reads_everything(api, partners):
    rows = api.ok("res.partner", "search_read", fields=["name"])
    assert {partners["acme"], partners["ann"], partners["andy"]} <= {r["id"] for r in rows}


def test_create_returns_the_new_ids_in_order(api):
    ids = api.ok("res.partner", "create", vals_list=[{"name": f"Orm Bulk {i}"} for i in range(5)])
    assert len(ids) == 5 and ids == sorted(ids)
    names = [r["name"] for r in api.ok("res.partner", "read", ids=ids, fields=["name"])]
    assert names == [f"Orm Bulk {i}" for i in range(5)]


def test_write_returns_true_and_unlink_deletes(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Orm Short Lived"}])
    assert api.ok("res.partner", "write", ids=[pid], vals={"phone": "42"}) is True
    assert api.ok("res.partner", "unlink", ids=[pid]) is True
    assert_error(api.call("res.partner", "read", ids=[pid], fields=["name"]), 404, "odoo.exceptions.MissingError")
    assert api.ok("res.partner", "search", domain=[["id", "=", pid]], context={"active_test": False}) == []


def test_create_and_write_set_the_magic_fields(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Orm Magic"}])
    row = api.ok("res.partner", "read", ids=[pid], fields=["create_uid", "write_uid", "create_date", "write_date",
                                                           "display_name"])[0]
    assert row["create_uid"] == [2, "Administrator"] and row["write_uid"] == [2, "Administrator"]
    assert row["create_date"] <= row["write_date"]
    assert row["display_name"] == "Orm Magic"


def test_company_type_and_is_company_stay_in_sync(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Orm Sync", "company_type": "company"}])
    assert api.ok("res.partner", "read", ids=[pid], fields=["is_company"])[0]["is_company"] is True
    api.ok("res.partner", "write", ids=[pid], vals={"is_company": False})
    assert api.ok("res.partner", "read", ids=[pid], fields=["company_type"])[0]["company_type"] == "person"


def test_a_partner_cannot_be_its_own_ancestor(api, partners):
    assert_error(api.call("res.partner", "write", ids=[partners["acme"]], vals={"parent_id": partners["acme"]}), 422,
                 ("odoo.exceptions.ValidationError", "odoo.exceptions.UserError"), "recursive")
    assert_error(api.call("res.partner", "write", ids=[partners["acme"]], vals={"parent_id": partners["ann"]}), 422,
                 ("odoo.exceptions.ValidationError", "odoo.exceptions.UserError"), "recursive")
    assert api.ok("res.partner", "read", ids=[partners["acme"]], fields=["parent_id"])[0]["parent_id"] is False


def test_every_model_has_the_methods_the_readme_lists(api):
    status, _, data = api.get("/doc/res.partner.json", auth=True)
    assert status == 200
    methods = {m["name"] for m in json.loads(data)["methods"]}
    assert API_METHODS <= methods, f"missing: {API_METHODS - methods}"


def test_onchange_runs_and_saves_nothing(api, partners):
    before = api.ok("res.partner", "search_count", domain=[])
    status, result = api.call("res.partner", "onchange", values={"name": "Orm Onchange", "is_company": True},
                              field_names=["name"], fields_spec={"name": {}, "is_company": {}})
    assert status == 200, (status, result)
    assert isinstance(result, dict) and "value" in result, result
    assert api.ok("res.partner", "search_count", domain=[]) == before
