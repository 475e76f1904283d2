"""The Records place in a real Chromium (tests/e2e/browser.py), on the demo data: the models, a
model's list (paging, sorting, the search box, the filter kept in the URL), a record's form
(editing, creating on a custom model, required fields, the server's refusals, deleting,
duplicating, archiving, leaving with unsaved changes). What the browser did is then read back
over the API."""

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select


@pytest.fixture(scope="module")
def web_server(module_demo_server):
    return module_demo_server


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


ROWS = "[data-test=records] tbody tr[data-id]"


def first_column(browser, rows=ROWS):
    """The texts of the list's first column, top to bottom (read in one call: lists are long)."""
    return browser.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((r) => r.cells[0].innerText.trim())", rows)


def wait_first_column(browser, expected):
    browser.wait_until(lambda: first_column(browser) == expected,
                       message=f"the list never showed {expected[:5]}...")


def place(browser):
    return browser.driver.execute_script("return location.hash")


def open_form(browser, api, model, name):
    [rid] = api.ok(model, "search", domain=[["name", "=", name]])
    browser.go(f"records/{model}/{rid}")
    browser.wait_text(name, "[data-test=record-title]")
    return rid


def test_the_models_page_lists_the_models_and_searches_them(browser, api):
    browser.log_in(place="records")
    browser.wait("[data-test=models] tbody tr")
    total = api.ok("ir.model", "search_count", domain=[])
    assert browser.find("[data-test=pager]").text == f"1-{total} / {total}"
    browser.fill("Search models", "partner")
    expected = sorted(r["name"] for r in api.ok("ir.model", "search_read",
                      domain=["|", ["name", "ilike", "partner"], ["model", "ilike", "partner"]], fields=["name"]))
    browser.wait_until(lambda: first_column(browser, "[data-test=models] tbody tr") == expected)
    assert "q=partner" in place(browser)
    browser.click("Contact")
    browser.wait_text("Contact", "[data-test=model-title]")
    assert place(browser) == "#/records/res.partner"


def test_the_list_pages_and_sorts_and_keeps_its_state_in_the_url(browser, api):
    api.ok("res.partner", "create", vals_list=[{"name": f"Paging Contact {i:02}"} for i in range(60)])
    total = api.ok("res.partner", "search_count", domain=[])
    assert total > 80
    browser.log_in(place="records/res.partner")
    browser.wait(ROWS)
    browser.wait_text(f"1-80 / {total}", "[data-test=pager]")
    assert len(browser.find_all(ROWS)) == 80
    headers = [h.text for h in browser.find_all("[data-test=records] thead th")]
    assert headers[0] == "Name" and 3 <= len(headers) <= 7
    assert not {"ID", "Created on", "Last Updated by"} & set(headers)

    # Sorting by a header, both ways: the order the server gives.
    browser.click("Name")
    by_name = [r["name"] for r in api.ok("res.partner", "search_read", domain=[], fields=["name"],
                                          order="name asc", limit=80)]
    wait_first_column(browser, by_name)
    assert "order=name+asc" in place(browser)
    browser.click("Name ▲")
    by_name_desc = [r["name"] for r in api.ok("res.partner", "search_read", domain=[], fields=["name"],
                                               order="name desc", limit=80)]
    wait_first_column(browser, by_name_desc)
    assert browser.find("[data-test=records] th[aria-sort]").get_attribute("aria-sort") == "descending"

    # The next page, then a reload and the back button keep the state.
    browser.click("Next page")
    rest = [r["name"] for r in api.ok("res.partner", "search_read", domain=[], fields=["name"],
                                       order="name desc", offset=80, limit=80)]
    wait_first_column(browser, rest)
    browser.wait_text(f"81-{total} / {total}", "[data-test=pager]")
    assert re.search(r"page=2", place(browser))
    browser.driver.refresh()
    wait_first_column(browser, rest)
    browser.driver.back()
    wait_first_column(browser, by_name_desc)

    # Rows open from the keyboard.
    row = browser.find_all(ROWS)[0]
    row.send_keys(Keys.ENTER)
    browser.wait_text(by_name_desc[0], "[data-test=record-title]")
    # The form knows its place in the list, and moves to the next record.
    browser.wait_text(f"1 / {total}", "[data-test=record-pager]")
    browser.click("Next record")
    browser.wait_text(by_name_desc[1], "[data-test=record-title]")


def test_the_search_box_and_the_filter_narrow_the_list(browser, api):
    browser.log_in(place="records/res.partner")
    browser.wait(ROWS)
    browser.fill("Search Name", "wood")
    expected = [r["name"] for r in api.ok("res.partner", "search_read", domain=[["name", "ilike", "wood"]],
                                           fields=["name"])]
    assert expected
    browser.wait_until(lambda: sorted(first_column(browser)) == sorted(expected))
    assert "q=wood" in place(browser)

    # A filter (a domain as text, as the server parses it) in the URL, with the search box.
    browser.go('records/res.partner?domain=[("is_company", "=", True)]&q=a')
    companies = api.ok("res.partner", "search_read", domain="[(\"is_company\", \"=\", True), (\"name\", \"ilike\", \"a\")]",
                       fields=["name"])
    assert 0 < len(companies) < api.ok("res.partner", "search_count", domain=[["name", "ilike", "a"]])
    browser.wait_until(lambda: sorted(first_column(browser)) == sorted(r["name"] for r in companies))
    assert browser.button("Clear filter")
    assert browser.field("Search Name").get_attribute("value") == "a"

    # A filter the server refuses: its message, not an empty list without a word.
    browser.go('records/res.partner?domain=[("no_such_field", "=", 1)]')
    assert "no_such_field" in browser.wait("[data-test=list-error]").text
    browser.click("Clear filter")
    browser.wait(ROWS)
    assert "domain" not in place(browser)


def test_a_record_is_edited_saved_and_discarded(browser, api):
    browser.log_in(place="records/res.partner")
    rid = open_form(browser, api, "res.partner", "Azure Interior")
    save = browser.driver.find_element(By.XPATH, "//button[normalize-space()='Save']")
    assert save.get_attribute("disabled")  # nothing to save yet
    browser.fill("Phone", "+32 2 555 12 12")
    browser.fill("City", "Brussels")
    browser.pick("Country", "Belg", "Belgium")
    browser.click("Save")
    browser.notification("Saved")
    [row] = api.ok("res.partner", "read", ids=[rid], fields=["phone", "city", "country_id", "name"])
    assert row["phone"] == "+32 2 555 12 12" and row["city"] == "Brussels"
    assert row["country_id"][1] == "Belgium" and row["name"] == "Azure Interior"

    # Discard puts back what was saved; nothing is written.
    browser.fill("City", "Ghent")
    assert "(unsaved)" in browser.find("[data-test=record-form] h1").text
    browser.click("Discard")
    browser.wait_until(lambda: browser.field("City").get_attribute("value") == "Brussels")
    assert api.ok("res.partner", "read", ids=[rid], fields=["city"])[0]["city"] == "Brussels"

    # A one2many is a list of links to its records.
    children = api.ok("res.partner", "read", ids=[rid], fields=["child_ids"])[0]["child_ids"]
    [child] = api.ok("res.partner", "read", ids=children[:1], fields=["display_name"])
    browser.click(child["display_name"])
    browser.wait_text(child["display_name"], "[data-test=record-title]")
    assert place(browser) == f"#/records/res.partner/{child['id']}"


def test_leaving_a_form_with_unsaved_changes_asks_first(browser, api):
    browser.log_in(place="records/res.partner")
    rid = open_form(browser, api, "res.partner", "Deco Addict")
    browser.fill("Street2", "Building B")
    browser.click("Contact")  # the breadcrumb back to the list
    browser.wait("[data-test=leave]")
    browser.click("Stay")
    browser.wait_gone("[data-test=leave]")
    assert place(browser) == f"#/records/res.partner/{rid}"
    assert browser.field("Street2").get_attribute("value") == "Building B"
    # The shell's menu is held back too; leaving without saving writes nothing.
    browser.click("Records")
    browser.click("Leave without saving")
    browser.wait("[data-test=models]")
    assert api.ok("res.partner", "read", ids=[rid], fields=["street2"])[0]["street2"] is False
    # And the page itself warns before it is closed or reloaded.
    browser.go(f"records/res.partner/{rid}")
    browser.fill("Street2", "Building C")
    assert browser.driver.execute_script(
        "const e = new Event('beforeunload', {cancelable: true}); dispatchEvent(e); return e.defaultPrevented")


def test_a_record_of_a_custom_model_is_created(browser, api):
    [model_id] = api.ok("ir.model", "create", vals_list=[{"model": "x_gadget", "name": "Gadget", "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name", "required": True}],
        [0, 0, {"name": "x_price", "ttype": "float", "field_description": "Price"}],
        [0, 0, {"name": "x_owner_id", "ttype": "many2one", "relation": "res.partner", "field_description": "Owner"}],
    ]}])
    assert model_id
    browser.log_in(place="records")
    browser.fill("Search models", "gadget")
    browser.wait_until(lambda: len(browser.find_all("[data-test=models] tbody tr")) == 1)
    browser.click("Gadget")
    browser.wait_text("No record yet", "[data-test=records]")
    browser.click("New")
    name = browser.wait("#field-x_name")
    assert browser.driver.switch_to.active_element == name  # a new record starts in its name
    name.send_keys("Sprocket")
    browser.fill("Price", "12.5")
    browser.pick("Owner", "Lumber", "Lumber Inc")
    browser.click("Save")
    browser.notification("Created")
    browser.wait_until(lambda: re.fullmatch(r"#/records/x_gadget/\d+", place(browser)))
    rid = int(place(browser).rsplit("/", 1)[1])
    [row] = api.ok("x_gadget", "read", ids=[rid], fields=["x_name", "x_price", "x_owner_id"])
    assert row["x_name"] == "Sprocket" and row["x_price"] == 12.5 and row["x_owner_id"][1] == "Lumber Inc"
    browser.wait_text("Sprocket", "[data-test=record-title]")
    # Back in the list, it is there.
    browser.click("Gadget")
    wait_first_column(browser, ["Sprocket"])


def test_a_required_field_left_empty_is_pointed_at_and_nothing_is_saved(browser, api):
    before = api.ok("res.partner", "search_count", domain=[])
    browser.log_in(place="records/res.partner/new")
    browser.wait("#field-name")
    # A new record starts from the server's defaults.
    assert Select(browser.field("Company Type")).first_selected_option.text == "Individual"
    assert browser.field("Active").is_selected()
    browser.fill("City", "Nowhere")
    browser.click("Save")
    error = browser.wait("#field-name-error")
    assert "Name is required" in error.text
    name = browser.field("Name")
    assert browser.driver.switch_to.active_element == name
    assert name.get_attribute("aria-invalid") == "true"
    assert api.ok("res.partner", "search_count", domain=[]) == before
    # Filling it clears the message, and the record is created.
    name.send_keys("Someone New")
    browser.wait_gone("#field-name-error")
    browser.click("Save")
    browser.notification("Created")
    [row] = api.ok("res.partner", "search_read", domain=[["name", "=", "Someone New"]], fields=["city"])
    assert row["city"] == "Nowhere"


def test_what_the_server_refuses_is_shown_on_the_form_which_keeps_the_edits(browser, api):
    browser.log_in(place="records/res.partner")
    rid = open_form(browser, api, "res.partner", "The Jackson Group")
    browser.pick("Related Company", "Jackson", "The Jackson Group")  # its own parent
    browser.fill("Job Position", "Head office")
    browser.click("Save")
    alert = browser.wait("[data-test=form-error]")
    assert "recursive" in alert.text.lower()
    assert "{" not in alert.text  # a message, not a dump
    assert browser.field("Job Position").get_attribute("value") == "Head office"
    assert browser.field("Related Company").get_attribute("value") == "The Jackson Group"
    [row] = api.ok("res.partner", "read", ids=[rid], fields=["parent_id", "function"])
    assert row == {"id": rid, "parent_id": False, "function": False}


def test_delete_asks_for_confirmation(browser, api):
    [rid] = api.ok("res.partner", "create", vals_list=[{"name": "Short-lived Contact"}])
    browser.log_in(place="records/res.partner")
    open_form(browser, api, "res.partner", "Short-lived Contact")
    browser.click("Delete")
    dialog = browser.wait("[data-test=confirm]")
    assert "Short-lived Contact" in dialog.text
    browser.click("Cancel", within="//dialog//")
    browser.wait_gone("[data-test=confirm]")
    assert api.ok("res.partner", "search", domain=[["id", "=", rid]]) == [rid]
    browser.click("Delete")
    browser.click("Delete", within="//dialog//")
    browser.notification("Deleted")
    browser.wait_until(lambda: place(browser).startswith("#/records/res.partner") and "/%d" % rid not in place(browser))
    browser.wait(ROWS)
    assert api.ok("res.partner", "search", domain=[["id", "=", rid]]) == []


def test_duplicate_and_archive(browser, api):
    [rid] = api.ok("res.partner", "create", vals_list=[{"name": "Twin Contact", "city": "Lyon"}])
    browser.log_in(place="records/res.partner")
    open_form(browser, api, "res.partner", "Twin Contact")
    browser.click("Duplicate")
    browser.notification("Duplicated")
    browser.wait_until(lambda: place(browser) != f"#/records/res.partner/{rid}")
    copies = api.ok("res.partner", "search_read", domain=[["city", "=", "Lyon"]], fields=["name"])
    assert len(copies) == 2
    copy_id = int(re.search(r"/(\d+)", place(browser).split("res.partner")[1]).group(1))
    assert copy_id in [c["id"] for c in copies] and copy_id != rid

    browser.click("Archive")
    browser.notification("Archived")
    assert browser.wait("[data-test=archived]").text == "Archived"
    assert api.ok("res.partner", "read", ids=[copy_id], fields=["active"])[0]["active"] is False
    browser.click("Unarchive")
    browser.wait_gone("[data-test=archived]")
    assert api.ok("res.partner", "read", ids=[copy_id], fields=["active"])[0]["active"] is True
