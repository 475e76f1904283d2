"""The demo data (`serve --demo`) is there and searchable; expectations come from the apps' own
demo files (modules/*/demo.json), records being found through their xml ids (ir.model.data).

Read-only tests share the session's demo server; the recomputation test (a partner's
employee flag → every lead's stored related partner_id.employee) changes records, on its own
demo server."""

import json
import os

import pytest

from helpers import MODULES_PATH, assert_error


def demo_records(app, model=None):
    with open(os.path.join(MODULES_PATH, app, "demo.json")) as f:
        records = json.load(f)
    return [r for r in records if model is None or r["model"] == model]


def ref(api, xmlid):
    module, name = xmlid.split(".")
    rows = api.ok("ir.model.data", "search_read", domain=[["module", "=", module], ["name", "=", name]],
                  fields=["res_id", "model"])
    assert len(rows) == 1, f"no xml id {xmlid}"
    return rows[0]["res_id"]


def xmlid(app, record):
    return record["id"] if "." in record["id"] else f"{app}.{record['id']}"


def test_the_demo_apps_are_installed_with_demo_data(demo):
    mods = {m["name"]: m for m in demo.ok("ir.module.module", "search_read", domain=[], fields=["name", "state", "demo"])}
    for app in ("base", "contacts", "sale", "project", "crm"):
        assert mods[app]["state"] == "installed", mods
    for app in ("contacts", "sale", "project", "crm"):
        assert mods[app]["demo"] is True


def test_demo_partners_are_searchable(demo):
    partners = demo_records("contacts", "res.partner")
    companies = [p for p in partners if p["values"].get("is_company")]
    ids = demo.ok("res.partner", "search", domain=[["id", "in", [ref(demo, xmlid("contacts", p)) for p in partners]]])
    assert len(ids) == len(partners)
    found = demo.ok("res.partner", "search_read", domain=[["is_company", "=", True]], fields=["name"])
    assert {p["values"]["name"] for p in companies} <= {r["name"] for r in found}
    azure = demo.ok("res.partner", "search_read", domain=[["name", "=", "Azure Interior"]],
                    fields=["email", "city", "category_id", "child_ids", "is_company", "company_type"])
    assert len(azure) == 1
    azure = azure[0]
    assert azure["email"] == "azure.interior24@example.com" and azure["city"] == "Fremont"
    assert azure["is_company"] is True and azure["company_type"] == "company"
    tags = demo.ok("res.partner.category", "read", ids=azure["category_id"], fields=["name"])
    assert sorted(t["name"] for t in tags) == ["Customer", "VIP"]
    children = demo.ok("res.partner", "search_read", domain=[["parent_id", "=", azure["id"]]], fields=["name"])
    assert {c["id"] for c in children} == set(azure["child_ids"]) and children
    # dotted paths through the demo data
    vip_contacts = demo.ok("res.partner", "search_read", domain=[["category_id.name", "=", "VIP"]], fields=["name"])
    assert "Azure Interior" in {r["name"] for r in vip_contacts}
    assert demo.ok("res.partner", "search_count", domain=[["parent_id.name", "=", "Azure Interior"]]) == len(children)


def test_demo_users_are_internal_users_with_partners(demo):
    for u in demo_records("contacts", "res.users"):
        uid = ref(demo, xmlid("contacts", u))
        row = demo.ok("res.users", "read", ids=[uid], fields=["login", "partner_id", "share"])[0]
        assert row["login"] == u["values"]["login"] and row["partner_id"] and row["share"] is False


def test_demo_sale_orders_have_currencies_and_lines(demo):
    orders = demo_records("sale", "sale.order")
    rows = demo.ok("sale.order", "search_read", domain=[["id", "in", [ref(demo, xmlid("sale", o)) for o in orders]]],
                   fields=["name", "currency_id", "partner_id", "state", "order_line", "amount_total", "date_order"])
    assert len(rows) == len(orders)
    by_name = {r["name"]: r for r in rows}
    for o in orders:
        row = by_name[o["values"]["name"]]
        code = o["values"]["currency_id"]["ref"].split(".")[1]
        assert row["currency_id"] == [ref(demo, f"base.{code}"), code], row
        assert row["partner_id"][0] == ref(demo, o["values"]["partner_id"]["ref"])
        assert row["state"] == o["values"].get("state", "draft")
        assert len(row["order_line"]) == len(o["values"].get("order_line", []))
        assert row["amount_total"] == pytest.approx(o["values"]["amount_total"])
    eur = [o["values"]["name"] for o in orders if o["values"]["currency_id"]["ref"] == "base.EUR"]
    found = demo.ok("sale.order", "search_read", domain=[["currency_id.name", "=", "EUR"]], fields=["name"])
    assert sorted(r["name"] for r in found) == sorted(eur)
    lines = demo.ok("sale.order.line", "search_read", domain=[["order_id.name", "=", "S00001"]],
                    fields=["order_id", "price_subtotal", "currency_id"])
    assert lines and all(l["order_id"][1] == "S00001" for l in lines)
    # the line's currency is the related order_id.currency_id
    assert all(l["currency_id"] == by_name["S00001"]["currency_id"] for l in lines)
    # sale.order's default order is "date_order desc, id desc"
    ordered = demo.ok("sale.order", "search_read", domain=[], fields=["date_order"])
    dates = [r["date_order"] for r in ordered]
    assert dates == sorted(dates, reverse=True)


def test_demo_tasks_have_stages_tags_and_assignees(demo):
    tasks = demo_records("project", "project.task")
    active = [t for t in tasks if t["values"].get("active", True)]
    assert demo.ok("project.task", "search_count", domain=[]) == len(active)
    assert demo.ok("project.task", "search_count", domain=[], context={"active_test": False}) == len(tasks)
    for t in tasks:
        tid = ref(demo, xmlid("project", t))
        row = demo.ok("project.task", "read", ids=[tid], fields=["name", "stage_id", "tag_ids", "user_ids", "project_id"])[0]
        v = t["values"]
        assert row["name"] == v["name"]
        assert row["stage_id"][0] == ref(demo, "project." + v["stage_id"]["ref"])
        want_tags = [ref(demo, "project." + r["ref"]) for r in v["tag_ids"][0][2]] if "tag_ids" in v else []
        assert sorted(row["tag_ids"]) == sorted(want_tags)
        want_users = [ref(demo, r["ref"] if "." in r["ref"] else "project." + r["ref"])
                      for r in v["user_ids"][0][2]] if "user_ids" in v else []
        assert sorted(row["user_ids"]) == sorted(want_users)
    in_progress = [t["values"]["name"] for t in active if t["values"]["stage_id"]["ref"] == "task_type_progress"]
    found = demo.ok("project.task", "search_read", domain=[["stage_id.name", "=", "In Progress"]], fields=["name"])
    assert sorted(r["name"] for r in found) == sorted(in_progress)
    toms = [t["values"]["name"] for t in active
            if any(r["ref"] == "contacts.user_tom" for r in t["values"].get("user_ids", [[0, 0, []]])[0][2])]
    found = demo.ok("project.task", "search_read", domain=[["user_ids.login", "=", "tom"]], fields=["name"])
    assert sorted(r["name"] for r in found) == sorted(toms)
    bugs = demo.ok("project.task", "search_read", domain=[["tag_ids.name", "=", "Bug"]], fields=["name"])
    assert [r["name"] for r in bugs] == ["Fix duplicate webhook deliveries"]
    untagged = demo.ok("project.task", "search_count", domain=[["tag_ids", "=", False]])
    assert untagged == len([t for t in active if "tag_ids" not in t["values"]])


def test_demo_leads_have_teams_and_stages(demo):
    leads = demo_records("crm", "crm.lead")
    active = [l for l in leads if l["values"].get("active", True)]
    assert demo.ok("crm.lead", "search_count", domain=[]) == len(active)
    assert demo.ok("crm.lead", "search_count", domain=[["active", "=", False]]) == len(leads) - len(active)
    for l in leads:
        row = demo.ok("crm.lead", "read", ids=[ref(demo, xmlid("crm", l))], fields=["name", "team_id", "stage_id"])[0]
        assert row["team_id"][0] == ref(demo, "crm." + l["values"]["team_id"]["ref"])
        assert row["stage_id"][0] == ref(demo, "crm." + l["values"]["stage_id"]["ref"])
        assert isinstance(row["team_id"][1], str) and isinstance(row["stage_id"][1], str)
    europe = [l["values"]["name"] for l in active if l["values"]["team_id"]["ref"] == "team_europe"]
    found = demo.ok("crm.lead", "search_read", domain=[["team_id.name", "=", "Europe"]], fields=["name"])
    assert sorted(r["name"] for r in found) == sorted(europe)
    won = demo.ok("crm.lead", "search_read", domain=[["stage_id.is_won", "=", True]], fields=["name"])
    assert sorted(r["name"] for r in won) == sorted(
        l["values"]["name"] for l in active if l["values"]["stage_id"]["ref"] == "stage_lead4")


def test_demo_lead_employee_flag_follows_the_partner(demo):
    rows = demo.ok("crm.lead", "search_read", domain=[["partner_id", "!=", False]], fields=["employee", "partner_id"],
                   context={"active_test": False})
    partners = {r["id"]: r["employee"] for r in demo.ok(
        "res.partner", "read", ids=sorted({r["partner_id"][0] for r in rows}), fields=["employee"])}
    assert rows and all(r["employee"] == partners[r["partner_id"][0]] for r in rows)
    assert any(r["employee"] for r in rows)  # Jeff Lawson, an employee, asks for chairs


@pytest.fixture(scope="module")
def demo_rw(module_demo_server):
    return module_demo_server.client()


def test_writing_a_partners_employee_flag_recomputes_the_stored_related_field_of_its_leads(demo_rw):
    api = demo_rw
    azure = ref(api, "contacts.partner_azure")
    leads = api.ok("crm.lead", "search", domain=[["partner_id", "=", azure]], context={"active_test": False})
    assert leads
    assert all(r["employee"] is False for r in api.ok("crm.lead", "read", ids=leads, fields=["employee"]))
    others_before = api.ok("crm.lead", "search", domain=[["employee", "=", True]])
    api.ok("res.partner", "write", ids=[azure], vals={"employee": True})
    assert all(r["employee"] is True for r in api.ok("crm.lead", "read", ids=leads, fields=["employee"]))
    assert sorted(api.ok("crm.lead", "search", domain=[["employee", "=", True]])) == sorted(set(others_before) | set(leads))
    api.ok("res.partner", "write", ids=[azure], vals={"employee": False})
    assert all(r["employee"] is False for r in api.ok("crm.lead", "read", ids=leads, fields=["employee"]))
    assert sorted(api.ok("crm.lead", "search", domain=[["employee", "=", True]])) == sorted(others_before)


def test_changing_a_leads_partner_recomputes_its_employee_flag(demo_rw):
    api = demo_rw
    jeff = ref(api, "contacts.partner_jeff")
    lead = ref(api, "crm.lead_1")
    assert api.ok("crm.lead", "read", ids=[lead], fields=["employee"])[0]["employee"] is False
    api.ok("crm.lead", "write", ids=[lead], vals={"partner_id": jeff})
    assert api.ok("crm.lead", "read", ids=[lead], fields=["employee"])[0]["employee"] is True
    api.ok("crm.lead", "write", ids=[lead], vals={"partner_id": False})
    assert api.ok("crm.lead", "read", ids=[lead], fields=["employee"])[0]["employee"] is False
    [new] = api.ok("crm.lead", "create", vals_list=[{"name": "New lead from Jeff", "partner_id": jeff}])
    assert api.ok("crm.lead", "read", ids=[new], fields=["employee"])[0]["employee"] is True


def test_a_stored_related_field_cannot_be_written(demo_rw):
    lead = ref(demo_rw, "crm.lead_2")
    assert_error(demo_rw.call("crm.lead", "write", ids=[lead], vals={"employee": True}), 422, None, "employee")
    assert demo_rw.ok("crm.lead", "read", ids=[lead], fields=["employee"])[0]["employee"] is False


def test_a_failed_partner_write_does_not_recompute_leads(demo_rw):
    api = demo_rw
    gemini = ref(api, "contacts.partner_gemini")
    leads = api.ok("crm.lead", "search", domain=[["partner_id", "=", gemini]])
    assert leads
    assert_error(api.call("res.partner", "write", ids=[gemini], vals={"employee": True, "customer_rank": "bad"}), 422)
    assert all(r["employee"] is False for r in api.ok("crm.lead", "read", ids=leads, fields=["employee"]))


def test_copy_of_a_sale_order_duplicates_its_lines(demo_rw):
    api = demo_rw
    order = ref(api, "sale.sale_order_1")
    src = api.ok("sale.order", "read", ids=[order], fields=["name", "state", "order_line", "partner_id", "currency_id"])[0]
    [dup] = api.ok("sale.order", "copy", ids=[order])
    row = api.ok("sale.order", "read", ids=[dup], fields=["name", "state", "order_line", "partner_id", "currency_id"])[0]
    assert row["partner_id"] == src["partner_id"] and row["currency_id"] == src["currency_id"]
    assert row["name"] == "New" and row["state"] == "draft"   # copied: false, back to their defaults
    assert len(row["order_line"]) == len(src["order_line"]) > 0  # order_line is copied: true
    assert not set(row["order_line"]) & set(src["order_line"])
    lines = api.ok("sale.order.line", "read", ids=row["order_line"], fields=["order_id"])
    assert all(l["order_id"][0] == dup for l in lines)
