"""Grouped reads as Odoo's (docs/api.md "Grouped reads"): formatted_read_group and the older
read_group, checked against groups computed here from search_read on the demo's leads; the web
client's web_read / web_search_read; bad specifications refused with a 422."""

import calendar
import datetime
from collections import Counter, defaultdict

import pytest

from helpers import assert_error

VALUE_ERROR = "builtins.ValueError"


@pytest.fixture(scope="module")
def demo_api(module_demo_server):
    return module_demo_server.client()


@pytest.fixture(scope="module")
def leads(demo_api):
    rows = demo_api.ok("crm.lead", "search_read", domain=[],
                       fields=["stage_id", "expected_revenue", "probability", "date_deadline",
                               "date_closed", "tag_ids", "type", "priority", "user_id"])
    assert len(rows) >= 5
    return rows


def m2o_id(value):
    return value[0] if value else False


def test_formatted_read_group_by_stage_matches_hand_computed_groups(demo_api, leads):
    count, revenue, max_probability = Counter(), defaultdict(float), {}
    for lead in leads:
        key = m2o_id(lead["stage_id"])
        count[key] += 1
        revenue[key] += lead["expected_revenue"]
        max_probability[key] = max(max_probability.get(key, 0), lead["probability"])
    groups = demo_api.ok("crm.lead", "formatted_read_group", domain=[], groupby=["stage_id"],
                         aggregates=["__count", "expected_revenue:sum", "probability:max"])
    assert {m2o_id(g["stage_id"]) for g in groups} == set(count)
    names = dict(tuple(pair) for pair in demo_api.ok("crm.stage", "name_search", name="", limit=1000))
    for g in groups:
        key = m2o_id(g["stage_id"])
        assert g["__count"] == count[key]
        assert g["expected_revenue:sum"] == pytest.approx(revenue[key])
        assert g["probability:max"] == pytest.approx(max_probability[key])
        if key:
            assert g["stage_id"] == [key, names[key]]
            assert g["__extra_domain"] == [["stage_id", "=", key]]
        # Each group's domain selects exactly its records.
        assert demo_api.ok("crm.lead", "search_count", domain=g["__extra_domain"]) == g["__count"]
    # Without an order, groups come in the order of the groupby values (ids here).
    keys = [m2o_id(g["stage_id"]) for g in groups if g["stage_id"]]
    assert keys == sorted(keys)


def test_groups_by_month_with_labels_and_ranges(demo_api, leads):
    expected = Counter()
    for lead in leads:
        d = lead["date_deadline"]
        expected[d[:7] + "-01" if d else False] += 1
    groups = demo_api.ok("crm.lead", "formatted_read_group", domain=[],
                         groupby=["date_deadline:month"], aggregates=["__count"])
    got = {(g["date_deadline:month"][0] if g["date_deadline:month"] else False): g for g in groups}
    assert {k: g["__count"] for k, g in got.items()} == dict(expected)
    for start, g in got.items():
        if not start:
            assert g["__extra_domain"] == [["date_deadline", "=", False]]
            continue
        day = datetime.date.fromisoformat(start)
        assert g["date_deadline:month"][1] == f"{calendar.month_name[day.month]} {day.year}"
        end = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        assert g["__extra_domain"] == ["&", ["date_deadline", ">=", start],
                                       ["date_deadline", "<", end.isoformat()]]
        assert demo_api.ok("crm.lead", "search_count", domain=g["__extra_domain"]) == g["__count"]


def test_every_granularity_and_date_part(demo_api, leads):
    with_date = [l for l in leads if l["date_deadline"]]
    for granularity in ("day", "week", "month", "quarter", "year"):
        groups = demo_api.ok("crm.lead", "formatted_read_group", domain=[["date_deadline", "!=", False]],
                             groupby=[f"date_deadline:{granularity}"], aggregates=["__count"])
        assert sum(g["__count"] for g in groups) == len(with_date)
        for g in groups:
            assert demo_api.ok("crm.lead", "search_count", domain=g["__extra_domain"]) == g["__count"]
    weeks = demo_api.ok("crm.lead", "formatted_read_group", domain=[["date_deadline", "!=", False]],
                        groupby=["date_deadline:week"], aggregates=["__count"])
    for g in weeks:  # weeks start on Sunday (en_US) and are labelled "W<n> <year>"
        start = datetime.date.fromisoformat(g["date_deadline:week"][0])
        assert start.isoweekday() == 7 and g["date_deadline:week"][1].startswith("W")
    months = demo_api.ok("crm.lead", "formatted_read_group", domain=[["date_deadline", "!=", False]],
                         groupby=["date_deadline:month_number"], aggregates=["__count"])
    assert dict((g["date_deadline:month_number"], g["__count"]) for g in months) == \
        dict(Counter(int(l["date_deadline"][5:7]) for l in with_date))


def test_datetimes_group_in_the_context_time_zone(demo_api):
    [lead] = demo_api.ok("crm.lead", "create", vals_list=[{"name": "Late closing", "date_closed": "2031-03-31 23:30:00"}])
    domain = [["id", "=", lead]]
    [utc] = demo_api.ok("crm.lead", "formatted_read_group", domain=domain, groupby=["date_closed:month"],
                        aggregates=["__count"])
    assert utc["date_closed:month"] == ["2031-03-01 00:00:00", "March 2031"]
    status, [local] = demo_api.call_with("crm.lead", "formatted_read_group", {
        "domain": domain, "groupby": ["date_closed:month"], "aggregates": ["__count"],
        "context": {"tz": "Europe/Brussels"}})
    assert status == 200
    # April 1st 00:00 in Brussels (summer time) is March 31st 22:00 UTC.
    assert local["date_closed:month"] == ["2031-03-31 22:00:00", "April 2031"]
    assert local["__extra_domain"] == ["&", ["date_closed", ">=", "2031-03-31 22:00:00"],
                                       ["date_closed", "<", "2031-04-30 22:00:00"]]
    demo_api.ok("crm.lead", "unlink", ids=[lead])


def test_many2many_groups_count_each_tag(demo_api, leads):
    expected = Counter()
    for lead in leads:
        for tag in lead["tag_ids"] or [False]:
            expected[tag] += 1
    groups = demo_api.ok("crm.lead", "formatted_read_group", domain=[], groupby=["tag_ids"], aggregates=["__count"])
    assert {m2o_id(g["tag_ids"]): g["__count"] for g in groups} == dict(expected)
    empty = [g for g in groups if not g["tag_ids"]]
    if empty:
        assert empty[0]["__extra_domain"] == [["tag_ids", "not any", []]]


def test_two_groupbys_having_order_and_pages(demo_api, leads):
    expected = Counter((l["type"], l["priority"]) for l in leads)
    groups = demo_api.ok("crm.lead", "formatted_read_group", domain=[], groupby=["type", "priority"],
                         aggregates=["__count", "id:count_distinct"])
    assert {(g["type"], g["priority"]): g["__count"] for g in groups} == dict(expected)
    assert all(g["__count"] == g["id:count_distinct"] for g in groups)
    assert groups[0]["__extra_domain"] == ["&", ["type", "=", groups[0]["type"]],
                                           ["priority", "=", groups[0]["priority"]]]
    big = demo_api.ok("crm.lead", "formatted_read_group", domain=[], groupby=["type", "priority"],
                      aggregates=["__count"], having=[["__count", ">", 1]])
    assert {(g["type"], g["priority"]) for g in big} == {k for k, n in expected.items() if n > 1}
    ordered = demo_api.ok("crm.lead", "formatted_read_group", domain=[], groupby=["stage_id"],
                          aggregates=["expected_revenue:sum"], order="expected_revenue:sum desc")
    sums = [g["expected_revenue:sum"] for g in ordered]
    assert sums == sorted(sums, reverse=True)
    page = demo_api.ok("crm.lead", "formatted_read_group", domain=[], groupby=["stage_id"],
                       aggregates=["expected_revenue:sum"], order="expected_revenue:sum desc",
                       offset=1, limit=2)
    assert page == ordered[1:3]


def test_aggregates_without_groupby_give_one_row(demo_api, leads):
    [row] = demo_api.ok("crm.lead", "formatted_read_group", domain=[],
                        aggregates=["__count", "expected_revenue:sum", "expected_revenue:avg",
                                    "stage_id:recordset"])
    assert row["__count"] == len(leads)
    assert row["expected_revenue:sum"] == pytest.approx(sum(l["expected_revenue"] for l in leads))
    assert row["expected_revenue:avg"] == pytest.approx(row["expected_revenue:sum"] / len(leads))
    assert sorted(row["stage_id:recordset"]) == sorted({m2o_id(l["stage_id"]) for l in leads} - {False})


def test_the_older_read_group_lazy_and_eager(demo_api, leads):
    count = Counter(m2o_id(l["stage_id"]) for l in leads)
    revenue = defaultdict(float)
    for lead in leads:
        revenue[m2o_id(lead["stage_id"])] += lead["expected_revenue"]
    lazy = demo_api.ok("crm.lead", "read_group", domain=[], fields=["expected_revenue", "name"],
                       groupby=["stage_id", "type"])
    for g in lazy:
        key = m2o_id(g["stage_id"])
        assert g["stage_id_count"] == count[key]
        assert g["expected_revenue"] == pytest.approx(revenue[key])
        assert "name" not in g  # a text field has no aggregator
        assert g["__context"] == {"group_by": ["type"]}
        assert g["__domain"] == [["stage_id", "=", key]]
    eager = demo_api.ok("crm.lead", "read_group", domain=[["type", "=", "opportunity"]],
                        fields=["total:sum(expected_revenue)"], groupby=["stage_id", "type"], lazy=False)
    for g in eager:
        assert set(g) == {"stage_id", "type", "__count", "total", "__domain"}
        assert g["type"] == "opportunity"
        assert g["__domain"] == ["&", "&", ["type", "=", "opportunity"], ["stage_id", "=", m2o_id(g["stage_id"])],
                                 ["type", "=", "opportunity"]]
    # A date without granularity is grouped by month, labelled, with its range.
    months = demo_api.ok("crm.lead", "read_group", domain=[["date_deadline", "!=", False]],
                         fields=["__count"], groupby="date_deadline")
    for g in months:
        assert g["date_deadline"] == "{} {}".format(
            calendar.month_name[int(g["__range"]["date_deadline"]["from"][5:7])],
            g["__range"]["date_deadline"]["from"][:4])
        assert g["date_deadline_count"] >= 1
    ordered = demo_api.ok("crm.lead", "read_group", domain=[], fields=["expected_revenue"],
                          groupby=["stage_id"], orderby="expected_revenue desc")
    sums = [g["expected_revenue"] for g in ordered]
    assert sums == sorted(sums, reverse=True)


def test_bad_specifications_are_refused(demo_api):
    def refused(fragment, **params):
        params.setdefault("domain", [])
        assert_error(demo_api.call("crm.lead", "formatted_read_group", **params), 422, VALUE_ERROR, fragment)

    refused("Invalid field", groupby=["no_such_field"])
    refused("Granularity not set", groupby=["date_deadline"])
    refused("valid granularity", groupby=["date_deadline:fortnight"])
    refused("not a date", groupby=["name:month"])
    refused("Invalid aggregate method", aggregates=["expected_revenue:drop"])
    refused("mandatory", aggregates=["expected_revenue"])
    refused("number field", aggregates=["name:sum"])
    refused("not stored", groupby=["display_name"])
    refused("Invalid order", groupby=["stage_id"], order="stage_id; DROP TABLE crm_lead")
    refused("not a valid aggregate", groupby=["stage_id"], order="name")
    refused("supported comparators", groupby=["stage_id"], aggregates=["__count"],
            having=[["__count", "like", 1]])
    refused("numbers", groupby=["stage_id"], aggregates=["__count"], having=[["__count", ">", "1 OR 1=1"]])
    refused("Need groupby or aggregates")
    refused("at most", groupby=[f"x{i}" for i in range(40)])
    # The table is intact and the server answers.
    assert demo_api.ok("crm.lead", "search_count", domain=[]) >= 5


def test_a_user_groups_only_what_they_may_read(module_demo_server, demo_api):
    # An API key's hash is a secret: it cannot be grouped or aggregated, even by the admin.
    assert_error(demo_api.call("res.users.apikeys", "formatted_read_group", domain=[],
                               groupby=["key"], aggregates=["__count"]), 422, VALUE_ERROR, "Invalid field")


def test_web_read_follows_the_specification(demo_api, leads):
    ids = [l["id"] for l in leads if l["stage_id"] and l["tag_ids"]][:2]
    records = demo_api.ok("crm.lead", "web_read", ids=ids, specification={
        "name": {}, "stage_id": {"fields": {"display_name": {}, "sequence": {}}},
        "user_id": {}, "tag_ids": {"fields": {"name": {}}, "order": "name desc"}})
    by_id = {l["id"]: l for l in leads}
    for r in records:
        lead = by_id[r["id"]]
        assert r["stage_id"]["id"] == lead["stage_id"][0]
        assert r["stage_id"]["display_name"] == lead["stage_id"][1]
        assert isinstance(r["stage_id"]["sequence"], int)
        assert r["user_id"] == m2o_id(lead["user_id"])  # a bare id without "fields"
        names = [t["name"] for t in r["tag_ids"]]
        assert names == sorted(names, reverse=True) and len(names) == len(lead["tag_ids"])
    [limited] = demo_api.ok("crm.lead", "web_read", ids=ids[:1],
                            specification={"tag_ids": {"fields": {"name": {}}, "limit": 0}})
    assert all(set(t) == {"id"} for t in limited["tag_ids"])


def test_web_search_read_pages_and_counts(demo_api, leads):
    result = demo_api.ok("crm.lead", "web_search_read", domain=[], specification={"name": {}}, limit=2)
    assert result["length"] == len(leads) and len(result["records"]) == 2
    capped = demo_api.ok("crm.lead", "web_search_read", domain=[], specification={"name": {}}, limit=2,
                         count_limit=3)
    assert capped["length"] == min(3, len(leads))
    none = demo_api.ok("crm.lead", "web_search_read", domain=[["name", "=", "no such lead"]],
                       specification={"name": {}})
    assert none == {"length": 0, "records": []}
    assert demo_api.ok("crm.lead", "search_fetch", domain=[], field_names=["name"], limit=3) == \
        demo_api.ok("crm.lead", "search", domain=[], limit=3)


def test_bad_web_specifications_are_refused(demo_api, leads):
    lead = leads[0]["id"]
    deep = {}
    node = deep
    for _ in range(20):
        node["stage_id"] = {"fields": {}}
        node = node["stage_id"]["fields"]
    for spec, fragment in (([], "object"), ({"name": 1}, "object"), (deep, "levels"),
                           ({"tag_ids": {"limit": -1, "fields": {}}}, "limit")):
        assert_error(demo_api.call("crm.lead", "web_read", ids=[lead], specification=spec), 422,
                     VALUE_ERROR, fragment)
