"""The chatter under a mail-thread record's form, in a real Chromium (tests/e2e/browser.py), on
the demo data: messages and notes, followers, activities, and message bodies shown without
running anything they hold. What the browser did is then read back over the API."""

import datetime

import pytest
from selenium.webdriver.common.by import By


@pytest.fixture(scope="module")
def web_server(module_demo_server):
    return module_demo_server


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


def partner(api, name):
    [pid] = api.ok("res.partner", "search", domain=[["name", "=", name]])
    return pid


def open_record(browser, rid, model="res.partner"):
    browser.log_in(place=f"records/{model}/{rid}")
    browser.wait("[data-test=chatter]")


def message_texts(browser):
    return [m.text for m in browser.find_all("[data-test=messages] li.message")]


def followers(api, rid, model="res.partner"):
    rows = api.ok("mail.followers", "search_read", domain=[["res_model", "=", model], ["res_id", "=", rid]],
                  fields=["partner_id"])
    return {r["partner_id"][0] for r in rows}


def test_a_note_is_logged_and_a_message_sent(browser, api):
    rid = partner(api, "Gemini Furniture")
    open_record(browser, rid)
    browser.click("Log note")
    browser.fill("Internal note (followers are not notified)", "Called them <b>twice</b>\nno answer")
    browser.click("Log")
    browser.notification("Note logged")
    browser.wait_until(lambda: message_texts(browser) and "Called them <b>twice</b>" in message_texts(browser)[0])
    first = browser.find("[data-test=messages] li.message")
    assert "Note" in first.find_element(By.CSS_SELECTOR, ".message-head").text
    assert first.find_elements(By.TAG_NAME, "b") == []  # the text is shown as typed, not as HTML

    browser.click("Send message")
    browser.fill("Message to the followers", "Your order ships on Monday.")
    browser.click("Send")
    browser.notification("Message sent")
    browser.wait_until(lambda: "Your order ships on Monday." in message_texts(browser)[0])  # newest first
    assert "Called them" in message_texts(browser)[1]

    rows = api.ok("mail.message", "search_read", domain=[["model", "=", "res.partner"], ["res_id", "=", rid]],
                  fields=["body", "message_type", "subtype_id", "author_id"], order="id desc", limit=2)
    sent, note = rows
    assert sent["body"] == "Your order ships on Monday." and sent["subtype_id"][1] == "Discussions"
    assert note["subtype_id"][1] == "Note" and "twice" in note["body"]
    assert sent["message_type"] == note["message_type"] == "comment"
    assert sent["author_id"][1] == "Administrator"
    # The author follows the record now, as Odoo does for a comment's author.
    browser.wait_text("Followers (", "[data-test=followers-toggle]")
    admin_partner = api.ok("res.users", "read", ids=[2], fields=["partner_id"])[0]["partner_id"][0]
    assert admin_partner in followers(api, rid)


def test_an_empty_message_is_not_sent(browser, api):
    rid = partner(api, "Ready Mat")
    before = api.ok("mail.message", "search_count", domain=[["model", "=", "res.partner"], ["res_id", "=", rid]])
    open_record(browser, rid)
    browser.click("Send message")
    browser.click("Send")
    assert "Write the message first" in browser.wait("[data-test=composer] .field-error").text
    assert api.ok("mail.message", "search_count", domain=[["model", "=", "res.partner"], ["res_id", "=", rid]]) == before


def test_followers_are_added_and_removed(browser, api):
    rid = partner(api, "Deco Addict")
    lumber = partner(api, "Lumber Inc")
    assert lumber not in followers(api, rid)
    open_record(browser, rid)
    browser.click("Followers (%d)" % len(followers(api, rid)))
    browser.wait("[data-test=followers]")
    browser.pick("Add follower", "Lumber", "Lumber Inc")
    browser.notification("Lumber Inc follows this record")
    browser.wait(f"[data-test=followers] li[data-partner='{lumber}']")
    assert lumber in followers(api, rid)
    browser.click("Remove follower Lumber Inc")
    browser.wait_gone(f"[data-test=followers] li[data-partner='{lumber}']")
    assert lumber not in followers(api, rid)


def test_an_activity_is_scheduled_and_marked_done(browser, api):
    rid = partner(api, "Wood Corner")
    open_record(browser, rid)
    browser.click("Schedule activity")
    browser.wait("[data-test=schedule]")
    browser.select("Activity Type", "Call")
    deadline = browser.field("Due Date").get_attribute("value")
    assert deadline == (datetime.date.today() + datetime.timedelta(days=2)).isoformat()  # the type's delay
    browser.fill("Summary", "Discuss the renewal")
    browser.fill("Note", "Ask about <prices>")
    browser.click("Schedule")
    browser.notification("Activity scheduled")
    item = browser.wait("[data-test=activities] li.activity")
    assert "Call" in item.text and "Discuss the renewal" in item.text and "Administrator" in item.text
    assert "Ask about <prices>" in item.text
    [activity] = api.ok("mail.activity", "search_read", domain=[["res_model", "=", "res.partner"], ["res_id", "=", rid]],
                        fields=["activity_type_id", "summary", "date_deadline", "user_id", "state"])
    assert activity["activity_type_id"][1] == "Call" and activity["summary"] == "Discuss the renewal"
    assert activity["date_deadline"] == deadline and activity["user_id"][0] == 2 and activity["state"] == "planned"

    browser.click("Mark Done")
    browser.wait("[data-test=done]")
    browser.fill("Feedback (optional)", "They renew for two years")
    browser.click("Done")
    browser.notification("Activity done")
    browser.wait_gone("[data-test=activities]")
    browser.wait_until(lambda: "Call done" in message_texts(browser)[0])
    assert "They renew for two years" in message_texts(browser)[0]
    [done] = api.ok("mail.activity", "search_read", domain=[["id", "=", activity["id"]], ["active", "in", [True, False]]],
                    fields=["state", "feedback"])
    assert done["state"] == "done" and done["feedback"] == "They renew for two years"


def test_a_required_field_of_the_activity_is_asked_for(browser, api):
    rid = partner(api, "Azure Interior")
    before = api.ok("mail.activity", "search_count", domain=[["res_model", "=", "res.partner"], ["res_id", "=", rid]])
    open_record(browser, rid)
    browser.click("Schedule activity")
    due = browser.field("Due Date")
    browser.driver.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", due)
    browser.click("Schedule")
    assert "Choose the due date" in browser.wait("[data-test=schedule] .field-error").text
    assert browser.driver.switch_to.active_element == due
    browser.click("Cancel", within="//dialog//")
    assert api.ok("mail.activity", "search_count", domain=[["res_model", "=", "res.partner"], ["res_id", "=", rid]]) == before


def test_html_in_a_message_is_shown_without_running_anything(browser, api):
    rid = partner(api, "Lumber Inc")
    api.ok("res.partner", "message_post", ids=[rid], body_is_html=True, message_type="comment",
           body='<p>Hello <strong>there</strong> <a href="https://example.com/x">site</a> '
                '<a href="javascript:alert(1)">bad</a></p><img src="x" onerror="window.__hacked = 1">'
                '<script>window.__hacked = 2</script>')
    open_record(browser, rid)
    body = browser.wait("[data-test=messages] li.message .message-body")
    browser.wait_until(lambda: "Hello there" in body.text)
    assert body.find_elements(By.TAG_NAME, "strong")  # formatting is kept
    links = body.find_elements(By.TAG_NAME, "a")
    assert [a.get_attribute("href") for a in links] == ["https://example.com/x"]
    assert body.find_elements(By.CSS_SELECTOR, "img, script, [onerror]") == []
    assert browser.driver.execute_script("return window.__hacked") is None


def test_a_model_without_a_chatter_has_none(browser, api):
    [stage] = api.ok("crm.stage", "search", domain=[], limit=1)
    browser.log_in(place=f"records/crm.stage/{stage}")
    browser.wait("[data-test=record-form] .sheet")
    assert browser.find_all("[data-test=chatter]") == []
