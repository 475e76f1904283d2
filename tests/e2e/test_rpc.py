"""Odoo's XML-RPC and JSON-RPC, as its "External API" documentation uses them (docs/rpc.md):
Python's own xmlrpc.client against /xmlrpc/2/*, a small JSON-RPC client against /jsonrpc, the
password being the admin's password or an API key (test_passwords.py has the rest of logging
in); faults and errors in Odoo's shapes; bad input answered, never crashing."""

import http.client
import json
import os
import urllib.request
import xmlrpc.client

import pytest

from helpers import ADMIN_PASSWORD


@pytest.fixture(scope="module")
def odoo(module_demo_server):
    """What the documentation's examples start from: url, db, username, password."""
    s = module_demo_server
    url = f"http://127.0.0.1:{s.port}"
    db = os.path.splitext(os.path.basename(s.db))[0]
    return url, db, "admin", ADMIN_PASSWORD


def test_the_documentations_xmlrpc_session_runs_unchanged(odoo):
    url, db, username, password = odoo
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    version = common.version()
    assert version["server_version"] == "19.0" and version["protocol_version"] == 1
    uid = common.authenticate(db, username, password, {})
    assert uid == 2
    assert common.login(db, username, password) == uid

    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    assert models.execute_kw(db, uid, password, "res.partner", "check_access_rights", ["read"],
                             {"raise_exception": False}) is True
    assert models.execute_kw(db, uid, password, "res.users", "has_group", [[uid], "base.group_system"]) is True
    companies = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]])
    assert companies and all(isinstance(i, int) for i in companies)
    page = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]],
                             {"offset": 1, "limit": 2})
    assert page == companies[1:3]
    assert models.execute_kw(db, uid, password, "res.partner", "search_count",
                             [[["is_company", "=", True]]]) == len(companies)
    ids = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]], {"limit": 1})
    [record] = models.execute_kw(db, uid, password, "res.partner", "read", [ids])
    assert record["id"] == ids[0] and "name" in record
    [short] = models.execute_kw(db, uid, password, "res.partner", "read", [ids], {"fields": ["name", "comment"]})
    kid = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "Kid", "parent_id": ids[0]}])
    [bare] = models.execute_kw(db, uid, password, "res.partner", "read", [kid, ["parent_id"]], {"load": False})
    assert bare["parent_id"] == ids[0]
    assert set(short) == {"id", "name", "comment"}
    fields = models.execute_kw(db, uid, password, "res.partner", "fields_get", [],
                               {"attributes": ["string", "help", "type"]})
    assert fields["name"]["type"] == "char"
    rows = models.execute_kw(db, uid, password, "res.partner", "search_read", [[["is_company", "=", True]]],
                             {"fields": ["name", "comment"], "limit": 5})
    assert len(rows) == min(5, len(companies))

    new_id = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "New Partner"}])
    assert isinstance(new_id, int)
    assert models.execute_kw(db, uid, password, "res.partner", "write", [[new_id], {"name": "Newer partner"}])
    assert models.execute_kw(db, uid, password, "res.partner", "read", [[new_id], ["display_name"]]) == [
        {"id": new_id, "display_name": "Newer partner"}]
    assert models.execute_kw(db, uid, password, "res.partner", "unlink", [[new_id]])
    assert models.execute_kw(db, uid, password, "res.partner", "search", [[["id", "=", new_id]]]) == []
    # execute: the arguments after the method, positionally.
    assert models.execute(db, uid, password, "res.partner", "search_count", [["id", "in", ids]]) == 1

    dbs = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/db")
    assert dbs.list() == [db]
    assert dbs.server_version() == "19.0"


def test_faults_have_odoos_codes(odoo):
    url, db, username, password = odoo
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    assert common.authenticate(db, username, "not-the-key-0000000000", {}) is False
    assert common.authenticate(db, "demo", password, {}) is False  # the key is the admin's
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    def fault(*args):
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(*args)
        return caught.value

    assert fault(db, 2, "wrong-key-00000000000000", "res.partner", "search", [[]]).faultCode == 3
    assert fault(db, 1, password, "res.partner", "search", [[]]).faultCode == 3  # not the key's uid
    f = fault(db, 2, password, "res.partner", "create", [{"name": False}])
    assert f.faultCode == 2, f.faultString  # a ValidationError is a warning
    f = fault(db, 2, password, "res.partner", "no_such_method", [[]])
    assert f.faultCode == 1 and "does not exist" in f.faultString and "Traceback" in f.faultString
    f = fault("nope", 2, password, "res.partner", "search", [[]])
    assert f.faultCode == 2 and 'database "nope" does not exist' in f.faultString
    f = fault(db, 2, password, "res.partner", "search", [[]], {"bogus": 1})
    assert f.faultCode == 1 and "unexpected keyword argument 'bogus'" in f.faultString
    f = fault(db, 2, password, "res.partner", "read", [[1], ["name"], "_classic_read", "extra"])
    assert f.faultCode == 1 and "positional arguments" in f.faultString
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/db").drop("admin", db)
    assert caught.value.faultCode == 3


def test_an_internal_user_meets_access_errors_as_faults(odoo, module_demo_server):
    url, db, _, password = odoo
    api = module_demo_server.client()
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Rita RPC", "login": "rita-rpc"}])
    key = api.ok("res.users.apikeys", "generate", name="rpc", user_id=uid)
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    assert common.authenticate(db, "rita-rpc", key, {}) == uid
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw(db, uid, key, "ir.cron", "create", [{"name": "x"}])
    assert caught.value.faultCode == 4


def jsonrpc(url, service, method, *args, id=1):
    body = json.dumps({"jsonrpc": "2.0", "method": "call",
                       "params": {"service": service, "method": method, "args": list(args)}, "id": id})
    req = urllib.request.Request(f"{url}/jsonrpc", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        reply = json.loads(r.read())
    assert reply["jsonrpc"] == "2.0" and reply["id"] == id
    return reply


def test_the_jsonrpc_session_of_the_documentation(odoo):
    url, db, username, password = odoo
    uid = jsonrpc(url, "common", "login", db, username, password)["result"]
    assert uid == 2
    created = jsonrpc(url, "object", "execute_kw", db, uid, password, "res.partner", "create",
                      [{"name": "From JSON-RPC"}], id=7)["result"]
    rows = jsonrpc(url, "object", "execute", db, uid, password, "res.partner", "read", [created], ["name"])
    assert rows["result"] == [{"id": created, "name": "From JSON-RPC"}]
    error = jsonrpc(url, "object", "execute_kw", db, uid, "bad-key-000000000000000", "res.partner",
                    "search", [[]])["error"]
    assert error["code"] == 200 and error["message"] == "Odoo Server Error"
    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert jsonrpc(url, "db", "list")["result"] == [db]
    assert jsonrpc(url, "nope", "x")["error"]["data"]["name"] == "werkzeug.exceptions.NotFound"


def raw(url, path, body, content_type="text/xml"):
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", path, body=body, headers={"Content-Type": content_type})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


@pytest.mark.parametrize("body", [
    b"",
    b"not xml",
    b"<methodCall><methodName>version</methodName><params><param><value><int>x</int></value></param></params></methodCall>",
    b"<methodCall><params/></methodCall>",
    b"<methodResponse/>",
    # An entity bomb: refused for its document type declaration, never expanded.
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<methodCall><methodName>version</methodName><params><param><value>&lol2;</value></param></params></methodCall>",
    # An external entity: never read.
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<methodCall><methodName>version</methodName><params><param><value>&e;</value></param></params></methodCall>",
    b"<methodCall><methodName>version</methodName><params><param><value>"
    + b"<array><data><value>" * 400 + b"</value></data></array>" * 400
    + b"</value></param></params></methodCall>",
])
def test_bad_xmlrpc_bodies_are_refused_and_the_server_goes_on(odoo, body):
    url, *_ = odoo
    status, data = raw(url, "/xmlrpc/2/common", body)
    assert status == 400, data
    assert b"<fault>" in data and b"passwd" not in data and b"root:" not in data
    assert xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()["server_version"] == "19.0"


@pytest.mark.parametrize("body", [b"", b"[]", b'{"jsonrpc": "2.0", "method": "other"}',
                                  b'{"method": "call", "params": {"service": 1}}', b"{" * 100000])
def test_bad_jsonrpc_bodies_are_refused(odoo, body):
    url, *_ = odoo
    status, data = raw(url, "/jsonrpc", body, "application/json")
    assert status == 400
    assert json.loads(data)["error"]["data"]["name"] == "werkzeug.exceptions.BadRequest"


def test_rpc_answers_only_post(odoo):
    url, *_ = odoo
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{url}/xmlrpc/2/common", timeout=10)
    assert caught.value.code == 405


def test_an_integration_that_only_knows_odoo_runs_unchanged(odoo):
    """search, read, create, write, read_group and unlink over XML-RPC, positional arguments only,
    as a script written against Odoo would send them."""
    url, db, username, password = odoo
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, username, password, {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, password, model, method, list(args), kwargs)

    tag = call("crm.tag", "create", {"name": "Integration"})
    new = [call("crm.lead", "create", {"name": f"Integration {i}", "expected_revenue": 100.0 * (i + 1),
                                       "type": "opportunity", "tag_ids": [(6, 0, [tag])]})
           for i in range(3)]
    found = call("crm.lead", "search", [["tag_ids", "in", [tag]]], 0, 0, "id")
    assert found == new
    call("crm.lead", "write", new[:2], {"priority": "2"})
    rows = call("crm.lead", "read", new, ["priority", "expected_revenue"])
    assert [r["priority"] for r in rows] == ["2", "2", "0"]
    groups = call("crm.lead", "read_group", [["tag_ids", "in", [tag]]], ["expected_revenue:sum"],
                  ["priority"], orderby="priority desc", lazy=False)
    assert [(g["priority"], g["__count"], g["expected_revenue"]) for g in groups] == \
        [("2", 2, 300.0), ("0", 1, 300.0)]
    formatted = call("crm.lead", "formatted_read_group", [["tag_ids", "in", [tag]]], ["priority"],
                     ["__count"], [["__count", ">", 1]])
    assert [(g["priority"], g["__count"]) for g in formatted] == [("2", 2)]
    assert call("crm.lead", "unlink", new) is True
    assert call("crm.lead", "search_count", [["tag_ids", "in", [tag]]]) == 0
