"""Every error status of the README ("Configuration"): the status, Odoo's error object
{"name", "message", "arguments", "context", "debug"}, the exception name and a message that names
the problem. And: no client mistake ever gives a 500.

Access rights (403) are in test_users_and_access.py; API key expiry and revocation in
test_api_keys.py.
"""

import json

import pytest

from helpers import ADMIN_KEY, assert_error

UNAUTHORIZED = ("odoo.exceptions.AccessDenied", "werkzeug.exceptions.Unauthorized")
UNPROCESSABLE = "werkzeug.exceptions.UnprocessableEntity"
VALUE_ERROR = "builtins.ValueError"
NOT_FOUND = "werkzeug.exceptions.NotFound"
MISSING = "odoo.exceptions.MissingError"


@pytest.fixture(scope="module")
def partner(api):
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Error Test Partner"}])
    return pid


# -- 401 -------------------------------------------------------------------------------------

def test_a_call_without_authorization_header_is_401(api):
    body = assert_error(api.call("res.partner", "search_count", key=False, domain=[]), 401, UNAUTHORIZED)
    assert "key" in body["message"].lower()


def test_a_wrong_api_key_is_401(api):
    assert_error(api.call("res.partner", "search_count", key="f" * 40, domain=[]), 401, UNAUTHORIZED)
    # a prefix of the right key, or the right key with one more character, is still wrong
    assert_error(api.call("res.partner", "search_count", key=ADMIN_KEY[:-1], domain=[]), 401, UNAUTHORIZED)
    assert_error(api.call("res.partner", "search_count", key=ADMIN_KEY + "0", domain=[]), 401, UNAUTHORIZED)


@pytest.mark.parametrize("header", [
    f"Basic {ADMIN_KEY}", f"Token {ADMIN_KEY}", ADMIN_KEY, "bearer", "bearer ", f"bearer{ADMIN_KEY}",
    "Bearer  ", f"bearer {ADMIN_KEY} extra",
])
def test_a_malformed_authorization_header_is_401(api, header):
    status, body = api.post_raw("res.partner", "search_count", '{"domain": []}', key=False,
                                headers={"Authorization": header})
    assert_error((status, body), 401, UNAUTHORIZED)


def test_the_bearer_scheme_is_case_insensitive(api):
    for scheme in ("bearer", "Bearer", "BEARER"):
        status, body = api.post_raw("res.partner", "search_count", '{"domain": []}', key=False,
                                    headers={"Authorization": f"{scheme} {ADMIN_KEY}"})
        assert status == 200 and isinstance(body, int), (scheme, status, body)


def test_authentication_is_checked_before_the_body(api):
    assert_error(api.post_raw("res.partner", "search", "not json", key="0" * 40), 401, UNAUTHORIZED)
    assert_error(api.call("no.such.model", "search", key="0" * 40, domain=[]), 401, UNAUTHORIZED)


# -- 404 -------------------------------------------------------------------------------------

def test_an_unknown_model_is_404(api):
    body = assert_error(api.call("res.nothing", "search", domain=[]), 404, NOT_FOUND, "res.nothing")
    assert body["arguments"] and isinstance(body["arguments"], list)


def test_an_unknown_method_is_404(api):
    assert_error(api.call("res.partner", "fly_away", domain=[]), 404, NOT_FOUND, "fly_away")


def test_a_private_method_cannot_be_called(api):
    status, body = api.call("res.partner", "_read", fields=["name"])
    assert status in (403, 404), (status, body)
    assert_error((status, body), status, None, "_read")


@pytest.mark.parametrize("method, params", [
    ("read", {"fields": ["name"]}),
    ("write", {"vals": {"name": "x"}}),
    ("unlink", {}),
    ("copy", {}),
])
def test_a_missing_record_is_404(api, partner, method, params):
    body = assert_error(api.call("res.partner", method, ids=[987654], **params), 404, MISSING, "987654")
    assert "res.partner" in body["message"]


def test_a_missing_record_among_existing_ones_is_404_and_changes_nothing(api, partner):
    assert_error(api.call("res.partner", "write", ids=[partner, 987654], vals={"name": "Changed"}), 404, MISSING)
    assert api.ok("res.partner", "read", ids=[partner], fields=["name"])[0]["name"] == "Error Test Partner"


def test_an_unknown_path_is_a_json_404(api):
    status, headers, data = api.get("/no/such/page")
    assert status == 404
    assert_error((status, json.loads(data)), 404, NOT_FOUND)


# -- 422 -------------------------------------------------------------------------------------

def test_an_unknown_field_is_422_on_create_write_read_and_search_read(api, partner):
    for model, method, params in [
        ("res.partner", "create", {"vals_list": [{"name": "x", "x_unknown": 1}]}),
        ("res.partner", "write", {"ids": [partner], "vals": {"x_unknown": 1}}),
        ("res.partner", "read", {"ids": [partner], "fields": ["name", "x_unknown"]}),
        ("res.partner", "search_read", {"domain": [], "fields": ["x_unknown"]}),
    ]:
        body = assert_error(api.call(model, method, **params), 422, VALUE_ERROR, "x_unknown")
        assert "res.partner" in body["message"], body


@pytest.mark.parametrize("vals, field", [
    ({"customer_rank": "abc"}, "customer_rank"),
    ({"customer_rank": 1.5}, "customer_rank"),
    ({"customer_rank": [1]}, "customer_rank"),
    ({"is_company": "yes"}, "is_company"),
    ({"is_company": 1.5}, "is_company"),
    ({"email": 12}, "email"),
    ({"email": {"a": 1}}, "email"),
    ({"parent_id": "Azure"}, "parent_id"),
    ({"parent_id": 1.5}, "parent_id"),
    ({"parent_id": -3}, "parent_id"),
    ({"category_id": "abc"}, "category_id"),
    ({"category_id": [[7, 0]]}, "category_id"),
    ({"category_id": [[6]]}, "category_id"),
    ({"category_id": [[0, 0, "abc"]]}, "category_id"),
])
def test_a_value_of_the_wrong_type_is_422(api, vals, field):
    assert_error(api.call("res.partner", "create", vals_list=[dict(name="Typed", **vals)]), 422,
                 VALUE_ERROR, field)


def test_a_link_to_a_record_that_does_not_exist_is_422(api):
    assert_error(api.call("res.partner", "create", vals_list=[{"name": "x", "parent_id": 987654}]), 422,
                 ("odoo.exceptions.ValidationError", VALUE_ERROR), "parent_id", "987654")
    assert_error(api.call("res.partner", "create", vals_list=[{"name": "x", "category_id": [[4, 987654]]}]),
                 422, ("odoo.exceptions.ValidationError", VALUE_ERROR), "category_id", "987654")


def test_an_integer_out_of_range_is_422_not_silently_wrapped(api):
    status, body = api.call("res.partner", "create", vals_list=[{"name": "Huge", "customer_rank": 2 ** 63}])
    if status == 200:
        stored = api.ok("res.partner", "read", ids=body, fields=["customer_rank"])[0]["customer_rank"]
        pytest.fail(f"2**63 was accepted and reads back as {stored}")
    assert_error((status, body), 422, VALUE_ERROR, "customer_rank")


def test_an_unknown_selection_key_is_422(api):
    assert_error(api.call("res.partner", "create", vals_list=[{"name": "x", "company_type": "galaxy"}]), 422,
                 VALUE_ERROR, "company_type", "galaxy")


def test_a_missing_required_value_is_422(api):
    body = assert_error(api.call("res.partner", "create", vals_list=[{"email": "no-name@example.com"}]), 422,
                        "odoo.exceptions.ValidationError", "name")
    assert "res.partner" in body["message"]
    assert_error(api.call("res.partner", "create", vals_list=[{"name": False}]), 422,
                 "odoo.exceptions.ValidationError", "name")


@pytest.mark.parametrize("domain, fragment", [
    ([["name", "="]], "malformed"),
    ([["name", "=", "x", "y"]], "malformed"),
    (["&", ["name", "=", "x"]], "malformed"),
    (["|"], "malformed"),
    ([{"name": "x"}], "malformed"),
    (["name", "=", "x"], "malformed"),
    ({"name": "x"}, "domain"),
    ("[('name', '=', ", "domain"),
    ("[('name', '=', 'x') ", "domain"),
    ([["x_nowhere", "=", 1]], "x_nowhere"),
    ([["parent_id.x_nowhere", "=", 1]], "x_nowhere"),
    ([["name.length", "=", 1]], "name"),
    ([["name", "~=", "x"]], "~="),
    ([["name", "between", [1, 2]]], "between"),
    ([["name", "any", []]], "any"),
    ([["customer_rank", "<", "abc"]], "customer_rank"),
])
def test_an_invalid_domain_is_422_and_says_what_is_wrong(api, domain, fragment):
    assert_error(api.call("res.partner", "search", domain=domain), 422, VALUE_ERROR, fragment)


def test_an_invalid_domain_is_422_in_every_method_that_takes_one(api):
    bad = [["name", "~=", "x"]]
    assert_error(api.call("res.partner", "search_count", domain=bad), 422, VALUE_ERROR, "~=")
    assert_error(api.call("res.partner", "search_read", domain=bad, fields=["name"]), 422, VALUE_ERROR, "~=")
    assert_error(api.call("res.partner", "name_search", name="a", domain=bad), 422, VALUE_ERROR, "~=")


def test_an_unexpected_parameter_name_is_422(api, partner):
    assert_error(api.call("res.partner", "search", domain=[], limitt=3), 422, UNPROCESSABLE, "limitt")
    assert_error(api.call("res.partner", "read", ids=[partner], fields=["name"], field=["x"]), 422,
                 UNPROCESSABLE, "field")
    assert_error(api.call("res.partner", "create", vals=[{"name": "x"}]), 422, UNPROCESSABLE, "vals")


def test_a_missing_required_parameter_is_422(api, partner):
    assert_error(api.call("res.partner", "create"), 422, UNPROCESSABLE, "vals_list")
    assert_error(api.call("res.partner", "write", ids=[partner]), 422, UNPROCESSABLE, "vals")
    assert_error(api.call("res.partner", "search"), 422, UNPROCESSABLE, "domain")
    assert_error(api.call("res.partner", "name_create"), 422, UNPROCESSABLE, "name")


def test_ids_on_a_model_level_method_is_422(api, partner):
    assert_error(api.call("res.partner", "search", ids=[partner], domain=[]), 422, UNPROCESSABLE, "ids")
    assert_error(api.call("res.partner", "create", ids=[partner], vals_list=[{"name": "x"}]), 422,
                 UNPROCESSABLE, "ids")


@pytest.mark.parametrize("ids", ["1", 1, [0], [-1], ["a"], [1.5], [None], {"id": 1}])
def test_ids_that_are_not_a_list_of_record_ids_are_422(api, ids):
    assert_error(api.call("res.partner", "read", ids=ids, fields=["name"]), 422, UNPROCESSABLE, "ids")


@pytest.mark.parametrize("params, fragment", [
    ({"domain": [], "limit": "5"}, "limit"),
    ({"domain": [], "limit": -1}, "limit"),
    ({"domain": [], "offset": -5}, "offset"),
    ({"domain": [], "offset": "x"}, "offset"),
    ({"domain": [], "order": "name; DROP TABLE res_partner"}, "order"),
    ({"domain": [], "order": "x_nowhere"}, "x_nowhere"),
    ({"domain": [], "order": "name sideways"}, "sideways"),
    ({"domain": [], "context": [1]}, "context"),
    ({"domain": [], "context": "x"}, "context"),
])
def test_parameters_of_the_wrong_type_are_422(api, params, fragment):
    body = assert_error(api.call("res.partner", "search", **params), 422, None, fragment)
    assert body["name"] in (UNPROCESSABLE, VALUE_ERROR)


def test_fields_that_are_not_a_list_of_names_are_422(api, partner):
    assert_error(api.call("res.partner", "read", ids=[partner], fields="name"), 422, UNPROCESSABLE, "fields")
    assert_error(api.call("res.partner", "read", ids=[partner], fields=[1]), 422, UNPROCESSABLE, "fields")


@pytest.mark.parametrize("vals_list", ["abc", 5, [1], [[1]], [None]])
def test_vals_list_that_is_not_a_list_of_objects_is_422(api, vals_list):
    assert_error(api.call("res.partner", "create", vals_list=vals_list), 422, None, "create")


def test_write_vals_that_are_not_an_object_are_422(api, partner):
    assert_error(api.call("res.partner", "write", ids=[partner], vals=[["name", "x"]]), 422, None, "write")


@pytest.mark.parametrize("body, kind", [
    ("[1, 2]", "list"), ('"text"', "string"), ("42", "integer"), ("null", "null"), ("true", "boolean"),
])
def test_a_json_body_that_is_not_an_object_is_422(api, body, kind):
    assert_error(api.post_raw("res.partner", "search_count", body), 422, UNPROCESSABLE, "object")


@pytest.mark.parametrize("value", ["2024-02-30", "2024-13-01", "yesterday", "01/02/2024", 20240101])
def test_a_bad_date_value_is_422_on_create(api, unique, value):
    model = unique("x_dated")
    api.ok("ir.model", "create", vals_list=[{"name": "Dated", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_day", "ttype": "date", "field_description": "Day"}],
        [0, 0, {"name": "x_at", "ttype": "datetime", "field_description": "At"}]]}])
    assert_error(api.call(model, "create", vals_list=[{"x_name": "d", "x_day": value}]), 422, VALUE_ERROR, "x_day")
    assert_error(api.call(model, "create", vals_list=[{"x_name": "d", "x_at": value}]), 422, VALUE_ERROR, "x_at")
    assert api.ok(model, "search_count", domain=[]) == 0


def test_a_bad_datetime_in_a_domain_is_422(api):
    assert_error(api.call("res.partner", "search", domain=[["create_date", ">", "not a moment"]]), 422,
                 VALUE_ERROR, "create_date")


# -- 400, 405, 413 ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["hello", "{not json}", '{"domain": [],}', '{"domain": [', '{"domain": []} x',
                                  "\xff\xfe"])
def test_a_body_that_is_not_json_is_400(api, body):
    raw = body.encode("latin-1") if "\xff" in body else body
    assert_error(api.post_raw("res.partner", "search_count", raw), 400, "werkzeug.exceptions.BadRequest", "json")


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_http_methods_on_json2_are_405(api, verb):
    status, headers, data = api.request(verb, "/json/2/res.partner/search",
                                        headers={"Authorization": f"bearer {ADMIN_KEY}"})
    body = assert_error((status, json.loads(data)), 405, "werkzeug.exceptions.MethodNotAllowed", verb)
    assert "POST" in headers.get("Allow", ""), headers
    assert body["arguments"]


def test_a_body_over_max_body_size_is_413(server_factory):
    api = server_factory(extra_args=["--max-body-size", "1k"]).client()
    small = json.dumps({"domain": [["name", "=", "x" * 900]]})
    assert len(small) < 1024
    status, result = api.post_raw("res.partner", "search_count", small)
    assert (status, result) == (200, 0)
    big = json.dumps({"domain": [["name", "=", "x" * 1100]]})
    assert_error(api.post_raw("res.partner", "search_count", big), 413,
                 "werkzeug.exceptions.RequestEntityTooLarge")
    big_create = json.dumps({"vals_list": [{"name": "y" * 2000}]})
    assert_error(api.post_raw("res.partner", "create", big_create), 413, "werkzeug.exceptions.RequestEntityTooLarge")
    assert api.ok("res.partner", "search_count", domain=[["name", "=like", "yyy%"]]) == 0
    # the server is still fine afterwards
    assert api.ok("res.partner", "search_count", domain=[["name", "=", "Administrator"]]) == 1


def test_errors_are_sent_as_json(api):
    status, headers, data = api.request("POST", "/json/2/res.nothing/search", b'{"domain": []}',
                                        {"Authorization": f"bearer {ADMIN_KEY}", "Content-Type": "application/json"})
    assert status == 404
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    assert_error((status, json.loads(data)), 404, NOT_FOUND)


# -- never 500 -------------------------------------------------------------------------------

def test_a_domain_with_thousands_of_terms_is_searched_not_a_500(api, partner):
    domain = [["id", "=", partner]] * 3000
    status, result = api.call("res.partner", "search", domain=domain)
    assert (status, result) == (200, [partner])
    domain = ["|"] * 2999 + [["id", "=", partner]] * 3000
    status, result = api.call("res.partner", "search", domain=domain)
    assert (status, result) == (200, [partner])
    status, result = api.call("res.partner", "search", domain=[["id", "in", list(range(1, 40000))]])
    assert status == 200 and partner in result


def test_a_json_number_too_large_for_a_double_is_a_client_error(api):
    # 1e999 is valid JSON syntax; it does not fit a double: a client mistake (400 or 422), not a 500
    for model, method, body in [("res.partner", "search", '{"domain": [["customer_rank", "=", 1e999]]}'),
                                ("res.partner", "create", '{"vals_list": [{"name": "inf", "customer_rank": 1e999}]}')]:
        status, result = api.post_raw(model, method, body)
        assert status in (400, 422), (method, status, result)
        assert_error((status, result), status, None)
    assert api.ok("res.partner", "search_count", domain=[["name", "=", "inf"]]) == 0


BAD_CALLS = [
    ("res.partner", "read", {"ids": [2 ** 63 - 1], "fields": ["name"]}),
    ("res.partner", "read", {"ids": [10 ** 30], "fields": ["name"]}),
    ("res.partner", "read", {"ids": [1], "fields": [""]}),
    ("res.partner", "read", {"ids": [1], "fields": ["parent_id.name"]}),
    ("res.partner", "read", {"ids": [1], "fields": None}),
    ("res.partner", "read", {"ids": [1], "fields": ["name"], "load": "x"}),
    ("res.partner", "search", {"domain": [], "limit": 10 ** 30}),
    ("res.partner", "search", {"domain": [], "order": "category_id"}),
    ("res.partner", "search", {"domain": [], "order": "child_ids desc"}),
    ("res.partner", "search", {"domain": [], "order": ""}),
    ("res.partner", "search", {"domain": [], "order": ",,,"}),
    ("res.partner", "search", {"domain": [], "order": "name desc nulls sideways"}),
    ("res.partner", "search", {"domain": [[1, 2, 3]]}),
    ("res.partner", "search", {"domain": [["name", "=", {"a": 1}]]}),
    ("res.partner", "search", {"domain": [["name", "in", "abc"]]}),
    ("res.partner", "search", {"domain": [["name", "in", [[1]]]]}),
    ("res.partner", "search", {"domain": [["name", "in", [None, 1, "a", True]]]}),
    ("res.partner", "search", {"domain": [["parent_id", "child_of", "abc"]]}),
    ("res.partner", "search", {"domain": [["parent_id", "child_of", [[1]]]]}),
    ("res.partner", "search", {"domain": [["parent_id", "parent_of", None]]}),
    ("res.partner", "search", {"domain": [["name", "child_of", 1]]}),
    ("res.partner", "search", {"domain": [["parent_id", "any", "abc"]]}),
    ("res.partner", "search", {"domain": [["parent_id", "any", [["x_nowhere", "=", 1]]]]}),
    ("res.partner", "search", {"domain": [["customer_rank", "like", 5]]}),
    ("res.partner", "search", {"domain": [["customer_rank", "=", 2 ** 70]]}),
    ("res.partner", "search", {"domain": [["customer_rank", "=", 1e308]]}),
    ("res.partner", "search", {"domain": [["create_date", "<", 5]]}),
    ("res.partner", "search", {"domain": [["create_date", "<", False]]}),
    ("res.partner", "search", {"domain": [["is_company", "=", "maybe"]]}),
    ("res.partner", "search", {"domain": [["id", "=", "abc"]]}),
    ("res.partner", "search", {"domain": [["id", "in", ["a", None]]]}),
    ("res.partner", "search", {"domain": [["", "=", 1]]}),
    ("res.partner", "search", {"domain": [[None, "=", 1]]}),
    ("res.partner", "search", {"domain": ["x"]}),
    ("res.partner", "search", {"domain": [5]}),
    ("res.partner", "search", {"domain": [[]]}),
    ("res.partner", "search", {"domain": [[[]]]}),
    ("res.partner", "search", {"domain": ["!"] * 5000 + [["id", "=", 1]]}),
    ("res.partner", "search", {"domain": "[" * 10000}),
    ("res.partner", "search", {"domain": "[('name', '=', uid)]"}),
    ("res.partner", "search", {"domain": "__import__('os').system('true')"}),
    ("res.partner", "search", {"domain": "[('name', '=', 'a')] + [('name', '=', 'b')]"}),
    ("res.partner", "search", {"domain": "[('name', '=', '\\x00')]"}),
    ("res.partner", "search", {"domain": "[(1, '=', 1)]"}),
    ("res.partner", "search", {"domain": 5}),
    ("res.partner", "search", {"domain": [], "context": {"active_test": "x", "lang": 5, "tz": "No/Where"}}),
    ("res.partner", "create", {"vals_list": [{"name": "x\u0000y"}]}),
    ("res.partner", "create", {"vals_list": [{"name": "\ud7ff\ue000 emoji \U0001F600"}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "id": 5}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "create_date": "2020-01-01 00:00:00"}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "write_uid": 1}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "display_name": "y"}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "parent_id": [1, "x"]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "category_id": [[1, 987654, {"name": "a"}]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "category_id": [[2, 987654]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "category_id": [[6, 0, "abc"]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "category_id": [[6, 0, [987654]]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "category_id": [["a", "b"]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "child_ids": [[0, 0, {"name": "c", "parent_id": "x"}]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "child_ids": [[0, 0, {"child_ids": [[0, 0, {}]]}]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "user_ids": [[0, 0, {"name": "u"}]]}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "customer_rank": 1e300}]}),
    ("res.partner", "write", {"ids": [1], "vals": {"id": 4}}),
    ("res.partner", "write", {"ids": [1, 1], "vals": {"phone": "1"}}),
    ("res.partner", "write", {"ids": [], "vals": {"name": "z"}}),
    ("res.partner", "write", {"ids": [1], "vals": {}}),
    ("res.partner", "unlink", {"ids": []}),
    ("res.partner", "copy", {"ids": [1], "default": "x"}),
    ("res.partner", "copy", {"ids": [1], "default": {"x_nowhere": 1}}),
    ("res.partner", "copy", {"ids": [1], "default": {"id": 77}}),
    ("res.partner", "fields_get", {"attributes": "type"}),
    ("res.partner", "fields_get", {"allfields": ["x_nowhere"]}),
    ("res.partner", "fields_get", {"attributes": ["x_nothing"]}),
    ("res.partner", "name_search", {"name": "a", "operator": "~~"}),
    ("res.partner", "name_search", {"name": 5}),
    ("res.partner", "name_search", {"name": None, "limit": None}),
    ("res.partner", "name_create", {"name": ""}),
    ("res.partner", "name_create", {"name": ["a"]}),
    ("res.partner", "default_get", {"fields": ["x_nowhere"]}),
    ("res.partner", "default_get", {"fields": "name"}),
    ("res.users", "create", {"vals_list": [{"name": "A", "login": "admin"}]}),
    ("res.users", "create", {"vals_list": [{"login": "nameless"}]}),
    ("res.users", "write", {"ids": [2], "vals": {"active": False}}),
    ("res.users", "unlink", {"ids": [2]}),
    ("res.users", "unlink", {"ids": [1]}),
    ("res.users.apikeys", "generate", {"name": "k", "expiration_date": "garbage"}),
    ("res.users.apikeys", "generate", {"name": "k", "expiration_date": 5}),
    ("res.users.apikeys", "generate", {"name": "k", "user_id": "abc"}),
    ("res.users.apikeys", "generate", {"name": "k", "user_id": 987654}),
    ("res.users.apikeys", "generate", {"name": ""}),
    ("res.users.apikeys", "revoke", {"ids": [987654]}),
    ("res.users.apikeys", "read", {"ids": [1], "fields": ["key"]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x bad model"}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "res.partner"}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f1", "field_id": [[0, 0, {"name": "x_a", "ttype": "nope", "field_description": "A"}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f2", "field_id": [[0, 0, {"name": "x_a", "ttype": "many2one", "field_description": "A"}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f3", "field_id": [[0, 0, {"name": "x_a", "ttype": "many2one", "relation": "no.model", "field_description": "A"}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f4", "field_id": [[0, 0, {"name": "x_a", "ttype": "one2many", "relation": "res.partner", "field_description": "A"}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f5", "field_id": [[0, 0, {"name": "x_a", "ttype": "char", "related": "nope.x", "field_description": "A"}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f6", "field_id": [[0, 0, {"name": "x_a", "ttype": "char", "field_description": "A"}], [0, 0, {"name": "x_a", "ttype": "char", "field_description": "A"}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f7", "field_id": [[0, 0, {"name": "x_a", "ttype": "integer", "field_description": "A", "default_value": "\"abc\""}]]}]}),
    ("ir.model", "create", {"vals_list": [{"name": "X", "model": "x_e2e_f8", "field_id": [[0, 0, {"name": "x_a", "ttype": "char", "field_description": "A", "compute": "for r in self: r['x_a'] = 1"}]]}]}),
    ("ir.model", "write", {"ids": [1], "vals": {"model": "x_renamed"}}),
    ("ir.model", "unlink", {"ids": [1]}),
    ("ir.model.fields", "unlink", {"ids": [1]}),
    ("ir.model.fields", "write", {"ids": [1], "vals": {"ttype": "integer"}}),
    ("ir.model.fields", "create", {"vals_list": [{"name": "x_y", "ttype": "char", "model": "no.model", "field_description": "Y"}]}),
    ("ir.model.fields", "create", {"vals_list": [{"name": "x_y", "ttype": "char", "model_id": 987654, "field_description": "Y"}]}),
    ("ir.model.fields", "create", {"vals_list": [{"name": "x_y", "ttype": "char", "field_description": "Y"}]}),
    ("ir.model.fields", "create", {"vals_list": [{"name": "x_Bad Name", "ttype": "char", "model": "res.partner", "field_description": "Y"}]}),
    ("ir.model.fields", "create", {"vals_list": [{"name": "x_" + "a" * 100, "ttype": "char", "model": "res.partner", "field_description": "Y"}]}),
]


def test_no_client_mistake_gives_a_500(api):
    failures = []
    for model, method, params in BAD_CALLS:
        status, body = api.call_with(model, method, params)
        if status >= 500:
            failures.append(f"{model}/{method} {json.dumps(params)[:120]} -> {status} {body}")
        elif status >= 400:
            assert isinstance(body, dict) and {"name", "message", "arguments", "context", "debug"} <= set(body), \
                (model, method, params, status, body)
    for path, body in [("/json/2/res.partner/search", b"\x00\x01\x02"),
                       ("/json/2/res.partner/search", b'{"domain": [' + b"[" * 100000 + b"]"),
                       ("/json/2/res.partner/search", b'{"domain": "' + b"(" * 100000 + b'"}'),
                       ("/json/2/res.partner/search", b'{"domain": [], "domain": [1]}'),
                       ("/json/2/res.partner/search", '{"domain": [["name", "=", "\\ud800"]]}'.encode()),
                       ("/json/2/res.partner/" + "x" * 5000, b"{}"),
                       ("/json/2/%00/search", b"{}"),
                       ("/json/2/res.partner%2Fx/search", b"{}"),
                       ("/json/2/res.partner/search?x=1", b'{"domain": []}')]:
        status, _, data = api.request("POST", path, body, {"Authorization": f"bearer {ADMIN_KEY}",
                                                           "Content-Type": "application/json"})
        if status >= 500:
            failures.append(f"POST {path[:60]} {body[:60]!r} -> {status} {data[:200]!r}")
    assert not failures, "client mistakes answered with 5xx:\n" + "\n".join(failures)
