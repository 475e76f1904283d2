"""Every field type round-trips through the JSON-2 API with Odoo's value conventions.

A custom model x_thing is made at run time through ir.model/create with one field of each type;
its one2many x_line_ids needs the inverse many2one x_thing_id on a second custom model x_line.
"""

import base64
import re

import pytest

from helpers import assert_error

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")

SCALAR_FIELDS = ["x_name", "x_text", "x_html", "x_int", "x_float", "x_money", "x_bool", "x_date",
                 "x_dt", "x_sel", "x_partner_id", "x_tag_ids", "x_bin", "x_line_ids"]


def field(name, ttype, label, **extra):
    return [0, 0, dict(name=name, ttype=ttype, field_description=label, **extra)]


@pytest.fixture(scope="module")
def models(api):
    """Creates x_thing (every type) and x_line (its lines); returns the partner and tag ids to use."""
    thing_model = api.ok("ir.model", "create", vals_list=[{
        "name": "Thing", "model": "x_thing", "field_id": [
            field("x_name", "char", "Name"),
            field("x_text", "text", "Text"),
            field("x_html", "html", "Html"),
            field("x_int", "integer", "Integer"),
            field("x_float", "float", "Float"),
            field("x_money", "monetary", "Amount"),
            field("x_bool", "boolean", "Flag"),
            field("x_date", "date", "Day"),
            field("x_dt", "datetime", "Moment"),
            field("x_sel", "selection", "Level", selection_ids=[
                [0, 0, {"value": "low", "name": "Low", "sequence": 1}],
                [0, 0, {"value": "high", "name": "High", "sequence": 2}]]),
            field("x_partner_id", "many2one", "Partner", relation="res.partner"),
            field("x_tag_ids", "many2many", "Tags", relation="res.partner.category"),
            field("x_bin", "binary", "File"),
        ]}])
    assert isinstance(thing_model, list) and len(thing_model) == 1
    api.ok("ir.model", "create", vals_list=[{
        "name": "Line", "model": "x_line", "field_id": [
            field("x_name", "char", "Name"),
            field("x_thing_id", "many2one", "Thing", relation="x_thing"),
        ]}])
    api.ok("ir.model.fields", "create", vals_list=[{
        "name": "x_line_ids", "ttype": "one2many", "model": "x_thing", "relation": "x_line",
        "relation_field": "x_thing_id", "field_description": "Lines"}])
    partners = api.ok("res.partner", "create", vals_list=[{"name": "Alpha Partner"}, {"name": "Beta Partner"}])
    tags = api.ok("res.partner.category", "create",
                  vals_list=[{"name": "Tag A"}, {"name": "Tag B"}, {"name": "Tag C"}])
    return {"partners": partners, "tags": tags}


def read_one(api, model, rid, fields):
    rows = api.ok(model, "read", ids=[rid], fields=fields)
    assert len(rows) == 1 and rows[0]["id"] == rid
    return rows[0]


def test_unset_fields_read_as_false_and_unset_numbers_as_zero(api, models):
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "empty"}])
    rec = read_one(api, "x_thing", rid, SCALAR_FIELDS)
    for name in ("x_text", "x_html", "x_bool", "x_date", "x_dt", "x_sel", "x_partner_id", "x_bin"):
        assert rec[name] is False, (name, rec[name])
    # Odoo reads empty numbers as 0 (integer) and 0.0 (float, monetary)
    assert rec["x_int"] == 0 and type(rec["x_int"]) is int
    for name in ("x_float", "x_money"):
        assert rec[name] == 0 and type(rec[name]) is float, (name, rec[name])
    assert rec["x_tag_ids"] == [] and rec["x_line_ids"] == []


def test_every_field_type_round_trips_through_create_and_read(api, models):
    p1, _ = models["partners"]
    t1, t2, _ = models["tags"]
    blob = bytes(range(256)) + b"\x00end"
    b64 = base64.b64encode(blob).decode()
    [rid] = api.ok("x_thing", "create", vals_list=[{
        "x_name": "Full ünïcode ✓", "x_text": "line 1\nline 2", "x_html": "<p>Hello <b>world</b></p>",
        "x_int": -42, "x_float": 2.5, "x_money": 1234.56, "x_bool": True,
        "x_date": "2024-02-29", "x_dt": "2024-02-29 23:59:58", "x_sel": "high",
        "x_partner_id": p1, "x_tag_ids": [[6, 0, [t1, t2]]], "x_bin": b64,
        "x_line_ids": [[0, 0, {"x_name": "line one"}], [0, 0, {"x_name": "line two"}]],
    }])
    rec = read_one(api, "x_thing", rid, SCALAR_FIELDS)
    assert rec["x_name"] == "Full ünïcode ✓"
    assert rec["x_text"] == "line 1\nline 2"
    assert rec["x_html"] == "<p>Hello <b>world</b></p>"
    assert rec["x_int"] == -42 and type(rec["x_int"]) is int
    assert rec["x_float"] == 2.5
    assert rec["x_money"] == pytest.approx(1234.56)
    assert rec["x_bool"] is True
    assert rec["x_date"] == "2024-02-29"
    assert rec["x_dt"] == "2024-02-29 23:59:58"
    assert rec["x_sel"] == "high"
    assert rec["x_partner_id"] == [p1, "Alpha Partner"]
    assert sorted(rec["x_tag_ids"]) == sorted([t1, t2])
    assert base64.b64decode(rec["x_bin"]) == blob
    assert len(rec["x_line_ids"]) == 2
    lines = api.ok("x_line", "read", ids=rec["x_line_ids"], fields=["x_name", "x_thing_id"])
    assert sorted(line["x_name"] for line in lines) == ["line one", "line two"]
    # the inverse many2one of the one2many is filled in, and reads as [id, display name]
    assert all(line["x_thing_id"] == [rid, "Full ünïcode ✓"] for line in lines)


def test_write_changes_every_field_type(api, models):
    p1, p2 = models["partners"]
    t1, t2, t3 = models["tags"]
    [rid] = api.ok("x_thing", "create", vals_list=[{
        "x_name": "before", "x_text": "t", "x_html": "<p>a</p>", "x_int": 1, "x_float": 1.5,
        "x_money": 3.0, "x_bool": True, "x_date": "2020-01-01", "x_dt": "2020-01-01 00:00:00",
        "x_sel": "low", "x_partner_id": p1, "x_tag_ids": [[6, 0, [t1]]], "x_bin": "aGVsbG8="}])
    assert api.ok("x_thing", "write", ids=[rid], vals={
        "x_name": "after", "x_text": "u", "x_html": "<p>b</p>", "x_int": 7, "x_float": -0.25,
        "x_money": 99.99, "x_bool": False, "x_date": "1999-12-31", "x_dt": "2038-01-19 03:14:08",
        "x_sel": "high", "x_partner_id": p2, "x_tag_ids": [[6, 0, [t2, t3]]], "x_bin": "d29ybGQ="}) is True
    rec = read_one(api, "x_thing", rid, SCALAR_FIELDS)
    assert rec["x_name"] == "after" and rec["x_text"] == "u" and rec["x_html"] == "<p>b</p>"
    assert rec["x_int"] == 7 and rec["x_float"] == -0.25 and rec["x_money"] == pytest.approx(99.99)
    assert rec["x_bool"] is False
    assert rec["x_date"] == "1999-12-31" and rec["x_dt"] == "2038-01-19 03:14:08"
    assert rec["x_sel"] == "high"
    assert rec["x_partner_id"] == [p2, "Beta Partner"]
    assert sorted(rec["x_tag_ids"]) == sorted([t2, t3])
    assert base64.b64decode(rec["x_bin"]) == b"world"


def test_html_is_sanitized_when_written(api, models):
    hostile = ('<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>'
               '<a href="JaVaScRiPt:alert(2)">x</a><img src="https://example.com/a.png" onerror="alert(3)">'
               '<iframe src="https://example.com"></iframe></p>')
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "html", "x_html": hostile}])
    stored = read_one(api, "x_thing", rid, ["x_html"])["x_html"]
    assert "<b>there</b>" in stored and 'src="https://example.com/a.png"' in stored, stored
    for bad in ("onclick", "<script", "alert", "javascript", "onerror", "<iframe"):
        assert bad.lower() not in stored.lower(), (bad, stored)
    # Sanitizing is stable: writing back what was read changes nothing.
    api.ok("x_thing", "write", ids=[rid], vals={"x_html": stored})
    assert read_one(api, "x_thing", rid, ["x_html"])["x_html"] == stored


def test_writing_false_empties_every_field_type(api, models):
    p1, _ = models["partners"]
    t1, _, _ = models["tags"]
    [rid] = api.ok("x_thing", "create", vals_list=[{
        "x_name": "to empty", "x_text": "t", "x_html": "<p>a</p>", "x_int": 1, "x_float": 1.5,
        "x_money": 3.0, "x_bool": True, "x_date": "2020-01-01", "x_dt": "2020-01-01 10:00:00",
        "x_sel": "low", "x_partner_id": p1, "x_tag_ids": [[6, 0, [t1]]], "x_bin": "aGVsbG8="}])
    api.ok("x_thing", "write", ids=[rid], vals={
        name: False for name in ("x_text", "x_html", "x_int", "x_float", "x_money", "x_bool",
                                 "x_date", "x_dt", "x_sel", "x_partner_id", "x_bin")})
    rec = read_one(api, "x_thing", rid, SCALAR_FIELDS)
    for name in ("x_text", "x_html", "x_bool", "x_date", "x_dt", "x_sel", "x_partner_id", "x_bin"):
        assert rec[name] is False, (name, rec[name])
    assert rec["x_int"] == 0 and rec["x_float"] == 0.0 and rec["x_money"] == 0.0
    assert rec["x_tag_ids"] == [t1]


def test_magic_fields_read_with_odoo_formats(api, models):
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "magic"}])
    rec = read_one(api, "x_thing", rid, ["id", "display_name", "create_date", "write_date",
                                          "create_uid", "write_uid"])
    assert rec["display_name"] == "magic"  # from x_name on a custom model
    assert DATETIME_RE.match(rec["create_date"]) and DATETIME_RE.match(rec["write_date"])
    assert rec["create_uid"] == [2, "Administrator"] and rec["write_uid"] == [2, "Administrator"]


def test_date_and_datetime_values_read_back_in_odoo_formats(api, models):
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "d", "x_date": "2000-01-02",
                                                     "x_dt": "2000-01-02 03:04:05"}])
    rec = read_one(api, "x_thing", rid, ["x_date", "x_dt"])
    assert DATE_RE.match(rec["x_date"]) and rec["x_date"] == "2000-01-02"
    assert DATETIME_RE.match(rec["x_dt"]) and rec["x_dt"] == "2000-01-02 03:04:05"
    # a datetime may be written as a date: Odoo reads it as midnight
    api.ok("x_thing", "write", ids=[rid], vals={"x_dt": "2001-05-06"})
    assert read_one(api, "x_thing", rid, ["x_dt"])["x_dt"] == "2001-05-06 00:00:00"


def test_many2one_is_written_as_an_id_and_read_as_id_and_display_name(api, models):
    p1, p2 = models["partners"]
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "m2o", "x_partner_id": p2}])
    assert read_one(api, "x_thing", rid, ["x_partner_id"])["x_partner_id"] == [p2, "Beta Partner"]
    # the display name follows the target's name
    api.ok("res.partner", "write", ids=[p2], vals={"name": "Beta Renamed"})
    try:
        assert read_one(api, "x_thing", rid, ["x_partner_id"])["x_partner_id"] == [p2, "Beta Renamed"]
    finally:
        api.ok("res.partner", "write", ids=[p2], vals={"name": "Beta Partner"})


def test_many2many_commands_4_3_5_6_and_a_plain_id_list(api, models):
    t1, t2, t3 = models["tags"]
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "m2m", "x_tag_ids": [[4, t1], [4, t2]]}])

    def tags():
        return sorted(read_one(api, "x_thing", rid, ["x_tag_ids"])["x_tag_ids"])

    assert tags() == sorted([t1, t2])
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [[3, t1]]})       # unlink
    assert tags() == [t2]
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [[4, t3]]})       # link
    assert tags() == sorted([t2, t3])
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [[5]]})           # clear
    assert tags() == []
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [[6, 0, [t1, t3]]]})  # set
    assert tags() == sorted([t1, t3])
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [t2]})            # plain ids = set
    assert tags() == [t2]
    # unlinking (3) or clearing (5) never deletes the tags themselves
    assert api.ok("res.partner.category", "search_count", domain=[["id", "in", [t1, t2, t3]]]) == 3


def test_many2many_commands_0_1_2_create_update_and_delete_targets(api, models):
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "m2m-0", "x_tag_ids": [
        [0, 0, {"name": "Created Through Command"}]]}])
    [tag] = read_one(api, "x_thing", rid, ["x_tag_ids"])["x_tag_ids"]
    assert read_one(api, "res.partner.category", tag, ["name"])["name"] == "Created Through Command"
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [[1, tag, {"name": "Updated Through Command"}]]})
    assert read_one(api, "res.partner.category", tag, ["name"])["name"] == "Updated Through Command"
    api.ok("x_thing", "write", ids=[rid], vals={"x_tag_ids": [[2, tag]]})
    assert read_one(api, "x_thing", rid, ["x_tag_ids"])["x_tag_ids"] == []
    assert api.ok("res.partner.category", "search_count", domain=[["id", "=", tag]]) == 0


def test_one2many_commands_0_to_6(api, models):
    [rid] = api.ok("x_thing", "create", vals_list=[{"x_name": "o2m", "x_line_ids": [
        [0, 0, {"x_name": "a"}], [0, 0, {"x_name": "b"}], [0, 0, {"x_name": "c"}]]}])

    def lines():
        ids = read_one(api, "x_thing", rid, ["x_line_ids"])["x_line_ids"]
        return {r["x_name"]: r["id"] for r in api.ok("x_line", "read", ids=ids, fields=["x_name"])}

    cur = lines()
    assert set(cur) == {"a", "b", "c"}
    a, b, c = cur["a"], cur["b"], cur["c"]
    # 1: update, 2: delete, 0: create, in one write
    api.ok("x_thing", "write", ids=[rid], vals={"x_line_ids": [
        [1, a, {"x_name": "a2"}], [2, b], [0, 0, {"x_name": "d"}]]})
    cur = lines()
    assert set(cur) == {"a2", "c", "d"} and cur["a2"] == a
    assert api.ok("x_line", "search_count", domain=[["id", "=", b]]) == 0  # 2 deletes the line
    d = cur["d"]
    # 3: unlink, the line stays without a parent
    api.ok("x_thing", "write", ids=[rid], vals={"x_line_ids": [[3, c]]})
    assert set(lines()) == {"a2", "d"}
    assert read_one(api, "x_line", c, ["x_thing_id"])["x_thing_id"] is False
    # 4: link an existing line
    api.ok("x_thing", "write", ids=[rid], vals={"x_line_ids": [[4, c]]})
    assert set(lines()) == {"a2", "c", "d"}
    assert read_one(api, "x_line", c, ["x_thing_id"])["x_thing_id"] == [rid, "o2m"]
    # 6: set exactly these
    api.ok("x_thing", "write", ids=[rid], vals={"x_line_ids": [[6, 0, [a, d]]]})
    assert set(lines()) == {"a2", "d"}
    # 5: remove all
    api.ok("x_thing", "write", ids=[rid], vals={"x_line_ids": [[5]]})
    assert lines() == {}
    # a plain list of ids sets the lines too
    api.ok("x_thing", "write", ids=[rid], vals={"x_line_ids": [c, d]})
    assert set(lines()) == {"c", "d"}


def test_selection_refuses_a_key_that_is_not_an_option(api, models):
    body = assert_error(api.call("x_thing", "create", vals_list=[{"x_name": "s", "x_sel": "urgent"}]),
                        422, ("builtins.ValueError", "odoo.exceptions.ValidationError"), "x_sel", "urgent")
    assert "x_thing" in body["message"]


def test_fields_get_describes_every_type(api, models):
    desc = api.ok("x_thing", "fields_get", attributes=["type", "string", "relation", "selection"])
    expected = {"x_name": "char", "x_text": "text", "x_html": "html", "x_int": "integer",
                "x_float": "float", "x_money": "monetary", "x_bool": "boolean", "x_date": "date",
                "x_dt": "datetime", "x_sel": "selection", "x_partner_id": "many2one",
                "x_tag_ids": "many2many", "x_bin": "binary", "x_line_ids": "one2many"}
    for name, ttype in expected.items():
        assert desc[name]["type"] == ttype, (name, desc[name])
    assert desc["x_partner_id"]["relation"] == "res.partner"
    assert desc["x_tag_ids"]["relation"] == "res.partner.category"
    assert desc["x_line_ids"]["relation"] == "x_line"
    assert desc["x_sel"]["selection"] == [["low", "Low"], ["high", "High"]]
    assert desc["x_money"]["string"] == "Amount"
