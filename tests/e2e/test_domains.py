"""Domains over the API: every operator, prefix operators, dotted paths, the text form,
active_test, order/limit/offset and search_count.

The fixture builds a small partner tree, all with function "E2E" so that searches can be limited
to it (the server also has its own partners: Administrator, OdooBot):

    Dom Acme   (company, Paris, rank 5, tags Red;  since 2024-03-01, score 1.5)
    ├── Alice Dom   (paris, rank 1, tags Red+Blue, alice@example.com; since 2023-12-31)
    │   └── Alicia Dom  (rank 0)
    └── Bob Dom     (rank 3, employee)
    Dom Zeta   (company, Berlin, rank 10; since 2024-01-01 , score 9.75)
    └── Carol Dom   (rank 7, tags Blue)
    Dave Dom   (archived, rank 2)
"""

import pytest

MARK = ["function", "=", "E2E"]


@pytest.fixture(scope="module")
def tree(api):
    api.ok("ir.model.fields", "create", vals_list=[
        {"name": "x_since", "ttype": "date", "model": "res.partner", "field_description": "Since"},
        {"name": "x_score", "ttype": "float", "model": "res.partner", "field_description": "Score"},
    ])
    red, blue = api.ok("res.partner.category", "create", vals_list=[{"name": "Red"}, {"name": "Blue"}])
    common = {"function": "E2E"}
    [acme, zeta, dave] = api.ok("res.partner", "create", vals_list=[
        dict(common, name="Dom Acme", is_company=True, city="Paris", customer_rank=5,
             category_id=[[6, 0, [red]]], x_since="2024-03-01", x_score=1.5),
        dict(common, name="Dom Zeta", is_company=True, city="Berlin", customer_rank=10,
             x_since="2024-01-01", x_score=9.75),
        dict(common, name="Dave Dom", active=False, customer_rank=2),
    ])
    [alice, bob, carol] = api.ok("res.partner", "create", vals_list=[
        dict(common, name="Alice Dom", parent_id=acme, city="paris", customer_rank=1,
             email="alice@example.com", category_id=[[6, 0, [red, blue]]], x_since="2023-12-31"),
        dict(common, name="Bob Dom", parent_id=acme, customer_rank=3, employee=True),
        dict(common, name="Carol Dom", parent_id=zeta, customer_rank=7, category_id=[[6, 0, [blue]]]),
    ])
    [alicia] = api.ok("res.partner", "create", vals_list=[
        dict(common, name="Alicia Dom", parent_id=alice, customer_rank=0)])
    return dict(acme=acme, zeta=zeta, dave=dave, alice=alice, bob=bob, carol=carol, alicia=alicia,
                red=red, blue=blue)


ALL_ACTIVE = {"Dom Acme", "Alice Dom", "Alicia Dom", "Bob Dom", "Dom Zeta", "Carol Dom"}


def names(api, domain, **kw):
    """The names of the E2E partners matching the domain (a JSON list), as a set."""
    ids = api.ok("res.partner", "search", domain=[MARK] + list(domain), **kw)
    rows = api.ok("res.partner", "read", ids=ids, fields=["name"], context={"active_test": False}) if ids else []
    return {r["name"] for r in rows}


def test_an_empty_domain_matches_every_active_record(api, tree):
    assert names(api, []) == ALL_ACTIVE


@pytest.mark.parametrize("domain, expected", [
    ([["city", "=", "Paris"]], {"Dom Acme"}),
    ([["city", "!=", "Paris"]], {"Alice Dom", "Alicia Dom", "Bob Dom", "Dom Zeta", "Carol Dom"}),
    ([["city", "<>", "Paris"]], {"Alice Dom", "Alicia Dom", "Bob Dom", "Dom Zeta", "Carol Dom"}),
    ([["customer_rank", "<", 3]], {"Alice Dom", "Alicia Dom"}),
    ([["customer_rank", "<=", 3]], {"Alice Dom", "Alicia Dom", "Bob Dom"}),
    ([["customer_rank", ">", 5]], {"Dom Zeta", "Carol Dom"}),
    ([["customer_rank", ">=", 5]], {"Dom Acme", "Dom Zeta", "Carol Dom"}),
    ([["customer_rank", "=", 0]], {"Alicia Dom"}),
    ([["x_score", ">", 1.5]], {"Dom Zeta"}),
    ([["x_score", ">=", 1.5]], {"Dom Acme", "Dom Zeta"}),
    ([["x_since", "<", "2024-01-01"]], {"Alice Dom"}),
    ([["x_since", ">=", "2024-01-01"]], {"Dom Acme", "Dom Zeta"}),
    ([["x_since", "=", "2024-03-01"]], {"Dom Acme"}),
    ([["x_since", "=", False]], {"Alicia Dom", "Bob Dom", "Carol Dom"}),
    ([["city", "=?", False]], ALL_ACTIVE),
    ([["city", "=?", "Berlin"]], {"Dom Zeta"}),
    ([["city", "in", ["Paris", "Berlin"]]], {"Dom Acme", "Dom Zeta"}),
    ([["city", "not in", ["Paris", "Berlin"]]], {"Alice Dom", "Alicia Dom", "Bob Dom", "Carol Dom"}),
    ([["customer_rank", "in", []]], set()),
    ([["customer_rank", "not in", []]], ALL_ACTIVE),
    ([["name", "like", "Ali"]], {"Alice Dom", "Alicia Dom"}),
    ([["name", "like", "ali"]], set()),  # like is case-sensitive
    ([["name", "not like", "Dom "]], {"Alice Dom", "Alicia Dom", "Bob Dom", "Carol Dom"}),
    ([["name", "ilike", "ALI"]], {"Alice Dom", "Alicia Dom"}),
    ([["city", "ilike", "PARIS"]], {"Dom Acme", "Alice Dom"}),
    ([["city", "not ilike", "paris"]], {"Alicia Dom", "Bob Dom", "Dom Zeta", "Carol Dom"}),
    ([["name", "like", "A%ce"]], {"Alice Dom"}),  # wildcards inside a like pattern
    ([["name", "ilike", "_OB"]], {"Bob Dom"}),
    ([["name", "=like", "A%"]], {"Alice Dom", "Alicia Dom"}),
    ([["name", "=like", "alice dom"]], set()),
    ([["name", "=like", "Ali_e Dom"]], {"Alice Dom"}),
    ([["name", "=ilike", "alice dom"]], {"Alice Dom"}),
    ([["email", "=ilike", "%@EXAMPLE.com"]], {"Alice Dom"}),
    ([["email", "=", False]], ALL_ACTIVE - {"Alice Dom"}),
    ([["email", "!=", False]], {"Alice Dom"}),
    ([["employee", "=", True]], {"Bob Dom"}),
    ([["employee", "=", False]], ALL_ACTIVE - {"Bob Dom"}),  # unset booleans are false
    ([["employee", "!=", True]], ALL_ACTIVE - {"Bob Dom"}),
    ([["is_company", "=", True]], {"Dom Acme", "Dom Zeta"}),
], ids=lambda v: repr(v) if isinstance(v, list) else "")
def test_every_comparison_operator(api, tree, domain, expected):
    assert names(api, domain) == expected


def test_child_of_gives_the_record_and_all_its_descendants(api, tree):
    assert names(api, [["id", "child_of", tree["acme"]]]) == {"Dom Acme", "Alice Dom", "Alicia Dom", "Bob Dom"}
    assert names(api, [["id", "child_of", [tree["alice"], tree["zeta"]]]]) == \
        {"Alice Dom", "Alicia Dom", "Dom Zeta", "Carol Dom"}
    assert names(api, [["parent_id", "child_of", tree["acme"]]]) == {"Alice Dom", "Alicia Dom", "Bob Dom"}


def test_parent_of_gives_the_record_and_all_its_ancestors(api, tree):
    assert names(api, [["id", "parent_of", tree["alicia"]]]) == {"Alicia Dom", "Alice Dom", "Dom Acme"}
    assert names(api, [["id", "parent_of", [tree["bob"], tree["carol"]]]]) == \
        {"Bob Dom", "Dom Acme", "Carol Dom", "Dom Zeta"}


def test_any_and_not_any_match_on_the_related_records(api, tree):
    assert names(api, [["child_ids", "any", [["customer_rank", ">", 5]]]]) == {"Dom Zeta"}
    assert names(api, [["category_id", "any", [["name", "=", "Blue"]]]]) == {"Alice Dom", "Carol Dom"}
    assert names(api, [["parent_id", "any", [["city", "=", "Berlin"]]]]) == {"Carol Dom"}
    assert names(api, [["child_ids", "not any", []]]) == {"Alicia Dom", "Bob Dom", "Carol Dom"}
    assert names(api, [["category_id", "not any", [["name", "=", "Red"]]]]) == \
        {"Alicia Dom", "Bob Dom", "Dom Zeta", "Carol Dom"}


def test_dotted_paths_follow_many2one_fields(api, tree):
    assert names(api, [["parent_id.city", "=", "Paris"]]) == {"Alice Dom", "Bob Dom"}
    assert names(api, [["parent_id.parent_id.name", "=", "Dom Acme"]]) == {"Alicia Dom"}
    assert names(api, [["parent_id.is_company", "=", True], ["parent_id.customer_rank", ">", 5]]) == \
        {"Carol Dom"}


def test_dotted_paths_follow_x2many_fields(api, tree):
    assert names(api, [["child_ids.name", "=", "Carol Dom"]]) == {"Dom Zeta"}
    assert names(api, [["category_id.name", "=", "Red"]]) == {"Dom Acme", "Alice Dom"}
    assert names(api, [["child_ids.category_id.name", "=", "Blue"]]) == {"Dom Acme", "Dom Zeta"}
    assert names(api, [["child_ids.child_ids.name", "ilike", "alicia"]]) == {"Dom Acme"}


def test_relational_fields_compare_with_ids_false_and_names(api, tree):
    assert names(api, [["parent_id", "=", tree["acme"]]]) == {"Alice Dom", "Bob Dom"}
    assert names(api, [["parent_id", "in", [tree["acme"], tree["zeta"]]]]) == \
        {"Alice Dom", "Bob Dom", "Carol Dom"}
    assert names(api, [["parent_id", "=", False]]) == {"Dom Acme", "Dom Zeta"}
    assert names(api, [["parent_id", "!=", False], ["parent_id.parent_id", "=", False]]) == \
        {"Alice Dom", "Bob Dom", "Carol Dom"}
    assert names(api, [["category_id", "in", [tree["red"]]]]) == {"Dom Acme", "Alice Dom"}
    assert names(api, [["category_id", "not in", [tree["red"]]]]) == \
        {"Alicia Dom", "Bob Dom", "Dom Zeta", "Carol Dom"}
    assert names(api, [["category_id", "=", False]]) == {"Alicia Dom", "Bob Dom", "Dom Zeta"}
    assert names(api, [["child_ids", "!=", False]]) == {"Dom Acme", "Alice Dom", "Dom Zeta"}
    # a string compared to a relational field matches the related records' display names
    assert names(api, [["parent_id", "ilike", "acme"]]) == {"Alice Dom", "Bob Dom"}
    assert names(api, [["category_id", "=", "Blue"]]) == {"Alice Dom", "Carol Dom"}


def test_terms_are_and_ed_implicitly(api, tree):
    assert names(api, [["is_company", "=", False], ["customer_rank", ">", 2]]) == {"Bob Dom", "Carol Dom"}
    assert names(api, ["&", ["is_company", "=", False], ["customer_rank", ">", 2]]) == {"Bob Dom", "Carol Dom"}


def test_or_and_not_prefix_operators(api, tree):
    assert names(api, ["|", ["name", "=", "Bob Dom"], ["name", "=", "Carol Dom"]]) == {"Bob Dom", "Carol Dom"}
    assert names(api, ["|", "|", ["city", "=", "Paris"], ["city", "=", "Berlin"], ["employee", "=", True]]) == \
        {"Dom Acme", "Dom Zeta", "Bob Dom"}
    assert names(api, ["!", ["is_company", "=", True]]) == {"Alice Dom", "Alicia Dom", "Bob Dom", "Carol Dom"}
    assert names(api, ["!", ["city", "=", "Paris"]]) == ALL_ACTIVE - {"Dom Acme"}  # NULL city included
    assert names(api, ["!", "|", ["customer_rank", "<", 2], ["customer_rank", ">", 6]]) == {"Dom Acme", "Bob Dom"}
    # (A or B) and not C
    assert names(api, ["&", "|", ["parent_id", "=", tree["acme"]], ["parent_id", "=", tree["zeta"]],
                       "!", ["employee", "=", True]]) == {"Alice Dom", "Carol Dom"}
    assert names(api, ["!", ["customer_rank", ">=", 5]]) == {"Alice Dom", "Alicia Dom", "Bob Dom"}


def test_constant_terms_are_true_and_false(api, tree):
    assert names(api, [[1, "=", 1]]) == ALL_ACTIVE
    assert names(api, [[0, "=", 1]]) == set()
    assert names(api, ["|", [0, "=", 1], ["name", "=", "Bob Dom"]]) == {"Bob Dom"}


def test_domains_may_be_given_as_python_literal_text(api, tree):
    def by_text(text):
        ids = api.ok("res.partner", "search", domain=text)
        return {r["name"] for r in api.ok("res.partner", "read", ids=ids, fields=["name"])}

    assert by_text("[('name', '=', 'Bob Dom')]") == {"Bob Dom"}
    assert by_text("['|', ('city', '=', 'Paris'), ('city', '=', 'Berlin'), ('function', '=', 'E2E')]") == \
        {"Dom Acme", "Dom Zeta"}
    assert by_text("[('function', '=', 'E2E'), ('parent_id', '=', False)]") == {"Dom Acme", "Dom Zeta"}
    assert by_text('[("function", "=", "E2E"), ("customer_rank", "in", (1, 3)), ("employee", "=", True)]') == \
        {"Bob Dom"}
    assert by_text("[('function', '=', 'E2E'), ('x_score', '>', 2.0)]") == {"Dom Zeta"}
    assert by_text("[('function', '=', 'E2E'), ('active', '=', False)]") == {"Dave Dom"}


def test_archived_records_are_hidden_unless_the_domain_mentions_active(api, tree):
    assert "Dave Dom" not in names(api, [["customer_rank", "=", 2]])
    assert names(api, [["active", "=", False]]) == {"Dave Dom"}
    assert names(api, [["active", "in", [True, False]]]) == ALL_ACTIVE | {"Dave Dom"}
    assert names(api, ["|", ["active", "=", True], ["active", "=", False]]) == ALL_ACTIVE | {"Dave Dom"}


def test_context_active_test_false_shows_archived_records(api, tree):
    assert names(api, [["customer_rank", "=", 2]], context={"active_test": False}) == {"Dave Dom"}
    assert names(api, [], context={"active_test": False}) == ALL_ACTIVE | {"Dave Dom"}
    assert api.ok("res.partner", "search_count", domain=[MARK]) == 6
    assert api.ok("res.partner", "search_count", domain=[MARK], context={"active_test": False}) == 7
    rows = api.ok("res.partner", "search_read", domain=[MARK, ["customer_rank", "=", 2]], fields=["name", "active"],
                  context={"active_test": False})
    assert rows == [{"id": tree["dave"], "name": "Dave Dom", "active": False}]


def test_archived_records_can_still_be_read_by_id(api, tree):
    rows = api.ok("res.partner", "read", ids=[tree["dave"]], fields=["name", "active"])
    assert rows == [{"id": tree["dave"], "name": "Dave Dom", "active": False}]


def test_order_limit_and_offset(api, tree):
    def search_names(**kw):
        ids = api.ok("res.partner", "search", domain=[MARK], **kw)
        by_id = {r["id"]: r["name"] for r in api.ok("res.partner", "read", ids=ids, fields=["name"])}
        return [by_id[i] for i in ids]

    by_rank = ["Dom Zeta", "Carol Dom", "Dom Acme", "Bob Dom", "Alice Dom", "Alicia Dom"]
    assert search_names(order="customer_rank desc") == by_rank
    assert search_names(order="customer_rank asc") == by_rank[::-1]
    assert search_names(order="customer_rank desc", limit=2) == by_rank[:2]
    assert search_names(order="customer_rank desc", limit=2, offset=2) == by_rank[2:4]
    assert search_names(order="customer_rank desc", offset=5) == by_rank[5:]
    assert search_names(order="customer_rank desc", offset=6) == []
    # res.partner's default order is "name"
    assert search_names() == sorted(ALL_ACTIVE)
    assert search_names(order="is_company desc, name desc") == \
        ["Dom Zeta", "Dom Acme", "Carol Dom", "Bob Dom", "Alicia Dom", "Alice Dom"]
    rows = api.ok("res.partner", "search_read", domain=[MARK], fields=["name"], order="name desc",
                  limit=3, offset=1)
    assert [r["name"] for r in rows] == sorted(ALL_ACTIVE, reverse=True)[1:4]


def test_search_count_counts_what_search_finds(api, tree):
    for domain in ([], [["is_company", "=", True]], [["parent_id.city", "=", "Paris"]],
                   ["|", ["employee", "=", True], ["customer_rank", ">", 6]], [["active", "=", False]]):
        found = api.ok("res.partner", "search", domain=[MARK] + domain)
        assert api.ok("res.partner", "search_count", domain=[MARK] + domain) == len(found), domain
    assert api.ok("res.partner", "search_count", domain=[MARK, ["customer_rank", ">", 100]]) == 0
    assert api.ok("res.partner", "search_count", domain="[('function', '=', 'E2E'), ('is_company', '=', True)]") == 2


def test_search_read_returns_the_requested_fields(api, tree):
    rows = api.ok("res.partner", "search_read", domain=[MARK, ["parent_id", "=", tree["acme"]]],
                  fields=["name", "parent_id", "category_id", "customer_rank"], order="name")
    assert rows == [
        {"id": tree["alice"], "name": "Alice Dom", "parent_id": [tree["acme"], "Dom Acme"],
         "category_id": sorted([tree["red"], tree["blue"]], key=lambda t: {tree["red"]: "Red", tree["blue"]: "Blue"}[t]),
         "customer_rank": 1},
        {"id": tree["bob"], "name": "Bob Dom", "parent_id": [tree["acme"], "Dom Acme"], "category_id": [],
         "customer_rank": 3},
    ]


def test_x_active_archives_records_of_a_run_time_model(api, unique):
    model = unique("x_archivable")
    api.ok("ir.model", "create", vals_list=[{"name": "Archivable", "model": model, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_active", "ttype": "boolean", "field_description": "Active", "default_value": "true"}]]}])
    [on, off] = api.ok(model, "create", vals_list=[{"x_name": "shown"}, {"x_name": "archived", "x_active": False}])
    assert api.ok(model, "search", domain=[]) == [on]
    assert api.ok(model, "search_count", domain=[]) == 1
    assert api.ok(model, "search", domain=[["x_active", "=", False]]) == [off]
    assert sorted(api.ok(model, "search", domain=[], context={"active_test": False})) == sorted([on, off])
    api.ok(model, "write", ids=[on], vals={"x_active": False})
    assert api.ok(model, "search", domain=[]) == []
