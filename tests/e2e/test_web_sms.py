"""Text messages in the browser: an SMS provider set up in Messaging (its auth token typed once,
never shown again), a rule whose Send SMS action is built in the rule's form with a template and
"SMS (with note)", and the message's state on the record's chatter once Twilio (provider_stubs.py)
has taken it and reported it delivered."""

import time

import pytest
from selenium.webdriver.common.by import By

from provider_stubs import TwilioStub


@pytest.fixture(scope="module")
def web_server(module_server):
    return module_server


@pytest.fixture(scope="module")
def api(web_server):
    return web_server.client()


@pytest.fixture
def twilio():
    stub = TwilioStub()
    yield stub
    stub.close()


def test_a_provider_a_send_sms_rule_and_the_state_on_the_chatter(browser, api, twilio):
    # The provider, through its form.
    browser.log_in(place="messaging")
    browser.wait_text("No SMS provider")
    browser.click("New SMS Provider")
    browser.fill("Name", "Our Twilio")
    browser.fill("Account SID", twilio.account_sid)
    browser.fill("From", "+15005550006")
    browser.fill("API URL", twilio.base)
    browser.fill("Auth Token", twilio.auth_token)
    browser.click("Save")
    browser.wait_text("SMS Provider saved")
    [prov] = api.ok("sms.provider", "search_read", domain=[], fields=["name", "provider", "twilio_account_sid"])
    assert prov["name"] == "Our Twilio" and prov["provider"] == "twilio"
    # Reopened: the token is not in the page; the box says it is kept.
    browser.go(f"messaging/sms/{prov['id']}")
    token_box = browser.wait("#settings-twilio_auth_token")
    assert token_box.get_attribute("value") == ""
    assert twilio.auth_token not in browser.driver.page_source

    # The template (a record like any other), then the rule, through its form.
    [model] = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])
    api.ok("sms.template", "create", vals_list=[{"name": "Welcome text", "model_id": model,
                                                 "body": "Welcome {{ object.name }}!"}])
    browser.new_rule("Text new contacts", "Contact", "On create")
    browser.add_action("Send SMS")
    browser.click("Save & Close")  # without a template: refused in the form
    browser.wait_text("Choose an SMS template.")
    browser.pick("SMS Template", "Welcome", "Welcome text")
    browser.select("Send SMS As", "SMS (with note)")
    browser.wait_text("logged on the record as an SMS note")
    browser.click("Save & Close")
    browser.wait_gone("[data-test=action-dialog]")
    browser.wait_text("Welcome text", "[data-test=actions]")
    [rule] = api.ok("base.automation", "search_read", domain=[["name", "=", "Text new contacts"]],
                    fields=["action_server_ids"])
    [action] = api.ok("ir.actions.server", "read", ids=rule["action_server_ids"],
                      fields=["state", "sms_template_id", "sms_method"])
    assert action["state"] == "sms" and action["sms_method"] == "comment"

    # A contact created: the text goes out, and its state shows on the chatter.
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Zoë", "mobile": "+32 475 12 34 56"}])
    deadline = time.monotonic() + 20
    while not twilio.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert twilio.messages and twilio.messages[0]["body"] == "Welcome Zoë!"
    while api.ok("sms.sms", "search_read", domain=[["res_id", "=", pid]], fields=["state"])[0]["state"] != "sent":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    browser.go(f"records/res.partner/{pid}")
    browser.wait_text("+32475123456: Sent", "[data-test=sms-state]")
    assert twilio.post_status(twilio.messages[0], "delivered")[0] == 204
    browser.driver.refresh()
    browser.wait_text("+32475123456: Delivered", "[data-test=sms-state]")
    assert "Welcome Zoë!" in browser.find(".message-body").text

    # The recent messages in Messaging.
    browser.go("messaging")
    browser.wait_text("Delivered", "[data-test=sms-messages]")
