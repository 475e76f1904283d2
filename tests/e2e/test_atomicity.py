"""A failed call changes nothing: one call is one transaction (docs/architecture.md, "One API
call")."""

import pytest

from helpers import assert_error


@pytest.fixture(scope="module")
def tagged(api):
    [tag] = api.ok("res.partner.category", "create", vals_list=[{"name": "Atomic"}])
    return tag


def count(api, model, domain):
    return api.ok(model, "search_count", domain=domain, context={"active_test": False})


def test_create_of_two_records_with_second_invalid_creates_none(api):
    domain = [["name", "in", ["Atomic First", "Atomic Second"]]]
    before = count(api, "res.partner", domain)
    assert_error(api.call("res.partner", "create", vals_list=[
        {"name": "Atomic First"}, {"name": "Atomic Second", "company_type": "nonsense"}]), 422, None, "company_type")
    assert count(api, "res.partner", domain) == before == 0


def test_create_of_many_records_with_the_last_missing_a_required_value_creates_none(api):
    before = count(api, "res.partner", [])
    vals_list = [{"name": f"Atomic Bulk {i}"} for i in range(50)] + [{"email": "no-name@example.com"}]
    assert_error(api.call("res.partner", "create", vals_list=vals_list), 422, None, "name")
    assert count(api, "res.partner", []) == before


def test_create_with_an_invalid_child_creates_neither_parent_nor_children(api):
    before = count(api, "res.partner", [])
    assert_error(api.call("res.partner", "create", vals_list=[{"name": "Atomic Parent", "child_ids": [
        [0, 0, {"name": "Atomic Good Child"}], [0, 0, {"name": "Atomic Bad Child", "customer_rank": "x"}]]}]),
        422, None, "customer_rank")
    assert count(api, "res.partner", []) == before


def test_create_with_a_tag_created_through_a_command_and_a_bad_value_keeps_no_tag(api):
    before = count(api, "res.partner.category", [])
    assert_error(api.call("res.partner", "create", vals_list=[{
        "name": "Atomic Tagged", "category_id": [[0, 0, {"name": "Atomic New Tag"}]], "is_company": "maybe"}]),
        422, None, "is_company")
    assert count(api, "res.partner.category", []) == before


def test_a_write_with_one_bad_value_changes_no_field(api, tagged):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Atomic Writer", "email": "a@example.com",
                                                         "customer_rank": 1}])
    before = api.ok("res.partner", "read", ids=[pid], fields=["name", "email", "customer_rank", "category_id",
                                                              "write_date"])[0]
    assert_error(api.call("res.partner", "write", ids=[pid], vals={
        "name": "Renamed", "email": "b@example.com", "category_id": [[4, tagged]], "customer_rank": "many"}),
        422, None, "customer_rank")
    after = api.ok("res.partner", "read", ids=[pid], fields=["name", "email", "customer_rank", "category_id",
                                                             "write_date"])[0]
    assert after == before


def test_a_write_on_several_records_with_one_missing_changes_none(api):
    ids = api.ok("res.partner", "create", vals_list=[{"name": "Atomic A"}, {"name": "Atomic B"}])
    assert_error(api.call("res.partner", "write", ids=ids + [987654], vals={"phone": "000"}), 404,
                 "odoo.exceptions.MissingError")
    assert [r["phone"] for r in api.ok("res.partner", "read", ids=ids, fields=["phone"])] == [False, False]


def test_a_write_emptying_a_required_field_changes_nothing(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Atomic Required", "phone": "1"}])
    assert_error(api.call("res.partner", "write", ids=[pid], vals={"phone": "2", "name": False}), 422, None, "name")
    assert api.ok("res.partner", "read", ids=[pid], fields=["name", "phone"])[0] == \
        {"id": pid, "name": "Atomic Required", "phone": "1"}


def test_an_unlink_refused_for_one_record_deletes_none(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Atomic Deletable"}])
    admin_partner = api.ok("res.users", "read", ids=[2], fields=["partner_id"])[0]["partner_id"][0]
    # the admin's partner is required by the admin user (ondelete restrict): the unlink fails
    status, body = api.call("res.partner", "unlink", ids=[pid, admin_partner])
    assert status == 422, (status, body)
    assert_error((status, body), 422)
    assert count(api, "res.partner", [["id", "in", [pid, admin_partner]]]) == 2


def test_a_model_creation_with_a_bad_field_creates_no_model(api, unique):
    model = unique("x_atomic_model")
    models_before = count(api, "ir.model", [])
    fields_before = count(api, "ir.model.fields", [])
    assert_error(api.call("ir.model", "create", vals_list=[{"name": "Atomic Model", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_good", "ttype": "integer", "field_description": "Good"}],
        [0, 0, {"name": "x_bad", "ttype": "no_such_type", "field_description": "Bad"}]]}]), 422, None, "ttype")
    assert count(api, "ir.model", [["model", "=", model]]) == 0
    assert count(api, "ir.model", []) == models_before
    assert count(api, "ir.model.fields", []) == fields_before
    assert_error(api.call(model, "search", domain=[]), 404, "werkzeug.exceptions.NotFound", model)
    # the name is still free: the same model can be made afterwards
    api.ok("ir.model", "create", vals_list=[{"name": "Atomic Model", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]}])
    assert api.ok(model, "create", vals_list=[{"x_name": "works"}])


def test_a_model_creation_with_a_bad_relation_creates_no_model(api, unique):
    model = unique("x_atomic_rel")
    assert_error(api.call("ir.model", "create", vals_list=[{"name": "Atomic Rel", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_other_id", "ttype": "many2one", "relation": "no.such.model",
                "field_description": "Other"}]]}]), 422, None, "no.such.model")
    assert count(api, "ir.model", [["model", "=", model]]) == 0
    assert_error(api.call(model, "search", domain=[]), 404, "werkzeug.exceptions.NotFound")


def test_two_models_in_one_call_with_the_second_invalid_creates_neither(api, unique):
    good, bad = unique("x_atomic_good"), unique("atomic_bad_no_prefix")
    assert_error(api.call("ir.model", "create", vals_list=[
        {"name": "Good", "model": good}, {"name": "Bad", "model": bad}]), 422, None, "x_")
    assert count(api, "ir.model", [["model", "in", [good, bad]]]) == 0
    assert_error(api.call(good, "search", domain=[]), 404, "werkzeug.exceptions.NotFound")


def test_adding_fields_where_one_is_invalid_adds_none(api, unique):
    before = set(api.ok("res.partner", "fields_get", attributes=["type"]))
    f1, f2 = unique("x_atomic_f"), unique("atomic_no_prefix")
    assert_error(api.call("ir.model.fields", "create", vals_list=[
        {"name": f1, "ttype": "char", "model": "res.partner", "field_description": "F1"},
        {"name": f2, "ttype": "char", "model": "res.partner", "field_description": "F2"}]), 422, None, "x_")
    assert set(api.ok("res.partner", "fields_get", attributes=["type"])) == before
    assert_error(api.call("res.partner", "search", domain=[[f1, "=", "x"]]), 422, "builtins.ValueError", f1)
    # and the column was not left behind: the same field can be added afterwards and starts empty
    api.ok("ir.model.fields", "create", vals_list=[
        {"name": f1, "ttype": "integer", "model": "res.partner", "field_description": "F1"}])
    assert api.ok("res.partner", "search_count", domain=[[f1, ">", 0]]) == 0
    assert api.ok("res.partner", "search_read", domain=[], fields=[f1], limit=1)[0][f1] == 0
