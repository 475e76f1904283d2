"""WhatsApp in the browser: an account set up in Messaging (its token, app secret and verify token
typed once, never shown again), a template with its variables built from its body's
placeholders, a Send WhatsApp action chosen in a rule's form, and the message's states on the
record's chatter as Meta (provider_stubs.MetaStub) accepts it and reports it read."""

import time

import pytest

from provider_stubs import MetaStub


@pytest.fixture(scope="module")
def web_server(module_server):
    return module_server


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


@pytest.fixture
def meta():
    stub = MetaStub()
    yield stub
    stub.close()


def test_an_account_a_template_a_rule_and_the_states_on_the_chatter(browser, api, meta):
    browser.log_in(place="messaging")
    browser.wait_text("No WhatsApp account")
    browser.click("New WhatsApp Account")
    browser.fill("Name", "Shop WhatsApp")
    browser.fill("Phone Number ID", meta.phone_number_id)
    browser.fill("API URL", meta.base)
    browser.fill("Access Token", meta.token)
    browser.fill("App Secret", meta.app_secret)
    browser.fill("Webhook Verify Token", "verify-in-browser")
    browser.click("Save")
    browser.wait_text("WhatsApp Account saved")
    [acc] = api.ok("whatsapp.account", "search_read", domain=[], fields=["name", "phone_uid", "api_version"])
    assert acc["phone_uid"] == meta.phone_number_id and acc["api_version"] == "v21.0"
    for secret in (meta.token, meta.app_secret, "verify-in-browser"):
        assert secret not in browser.driver.page_source

    # The template: a row per placeholder of the body.
    browser.go("messaging/template/new")
    browser.fill("Name", "Order ready")
    browser.fill("Template Name", "order_ready")
    browser.pick("Applies to", "Contact", "Contact")
    browser.pick("Account", "Shop", "Shop WhatsApp")
    body = browser.field("Template body")
    body.send_keys("Hello {{1}}, your order {{2}} is ready.")
    browser.wait("[data-test=template-variables] tr[data-name='{{2}}']")
    browser.select("Type of {{1}}", "Field of Model")
    browser.fill("Field of {{1}}", "name")
    browser.fill("Value of {{2}}", "#{{ object.id }}")
    browser.click("Save")
    browser.wait_text("WhatsApp template saved")
    [tmpl] = api.ok("whatsapp.template", "search_read", domain=[], fields=["template_name", "body", "variable_ids"])
    variables = api.ok("whatsapp.template.variable", "read", ids=tmpl["variable_ids"],
                       fields=["name", "field_type", "field_name", "demo_value"])
    assert sorted((v["name"], v["field_type"], v["field_name"] or v["demo_value"]) for v in variables) == [
        ("{{1}}", "field", "name"), ("{{2}}", "free_text", "#{{ object.id }}")]

    # The rule, with a Send WhatsApp action.
    browser.new_rule("WhatsApp new contacts", "Contact", "On create")
    browser.add_action("Send WhatsApp")
    browser.pick("WhatsApp Template", "Order", "Order ready")
    browser.click("Save & Close")
    browser.wait_gone("[data-test=action-dialog]")
    browser.wait_text("Order ready", "[data-test=actions]")

    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Zoë", "mobile": "+32 475 12 34 56"}])
    deadline = time.monotonic() + 20
    while True:
        rows = api.ok("whatsapp.message", "search_read", domain=[["res_id", "=", pid]], fields=["state", "msg_uid"])
        if rows and rows[0]["state"] == "sent":
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.05)
    params = meta.messages[0]["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == ["Zoë", f"#{pid}"]
    browser.go(f"records/res.partner/{pid}")
    browser.wait_text("+32475123456: Sent", "[data-test=sms-state]")
    assert f"Hello Zoë, your order #{pid} is ready." in browser.find(".message-body").text
    status, _ = meta.call_webhook(api.base + "/whatsapp/webhook",
                                  meta.status_payload(rows[0]["msg_uid"], "read", "32475123456"))
    assert status == 200
    browser.driver.refresh()
    browser.wait_text("+32475123456: Read", "[data-test=sms-state]")
    browser.go("messaging")
    browser.wait_text("Read", "[data-test=whatsapp-messages]")
