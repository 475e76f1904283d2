"""Send SMS end to end: a rule's Send SMS renders its sms.template for the record and sends it
through the outbox to a provider started here on 127.0.0.1 (provider_stubs.py: Twilio's Messages
API, a JSON gateway); the number is the record's (or its contact's) read in its country and sent
in E.164; numbers that cannot be are an sms.sms in error and are never sent; Twilio's refusals and
signed status callbacks end where docs/sms.md says; each of the three methods leaves its trace on
the chatter; secrets are never readable."""

import time

import pytest

from helpers import eventually, assert_error
from provider_stubs import JsonSmsStub, TwilioStub


@pytest.fixture
def twilio():
    stub = TwilioStub()
    yield stub
    stub.close()


@pytest.fixture
def gateway():
    stub = JsonSmsStub()
    yield stub
    stub.close()


@pytest.fixture
def api(server_factory):
    return server_factory(extra_args=["--delivery-retry-base", "0.2"]).client()


def country(api, code):
    return api.ok("res.country", "search", domain=[["code", "=", code]])[0]


def model_id(api, model):
    return api.ok("ir.model", "search", domain=[["model", "=", model]])[0]


def twilio_provider(api, stub, **vals):
    values = {"name": "Twilio", "provider": "twilio", "api_url": stub.base,
              "twilio_account_sid": stub.account_sid, "twilio_auth_token": stub.auth_token,
              "twilio_from": "+15005550006"}
    values.update(vals)
    return api.ok("sms.provider", "create", vals_list=[values])[0]


def sms_rule(api, method="sms", body="Hello {{ object.name }}, your order is ready."):
    tmpl = api.ok("sms.template", "create", vals_list=[{
        "name": "Order ready", "model_id": model_id(api, "res.partner"), "body": body}])[0]
    api.ok("base.automation", "create", vals_list=[{
        "name": "Text the customer", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('name', 'like', 'Texted')]",
        "action_server_ids": [[0, 0, {"name": "Send the SMS", "state": "sms",
                                      "sms_template_id": tmpl, "sms_method": method}]]}])
    return tmpl


def texted(api, name="Texted One", **vals):
    return api.ok("res.partner", "create", vals_list=[{"name": name, **vals}])[0]


def sms_of(api, partner):
    return api.ok("sms.sms", "search_read", domain=[["res_id", "=", partner], ["model", "=", "res.partner"]],
                  fields=["number", "body", "state", "failure_type", "failure_reason", "provider_message_id",
                          "partner_id", "mail_message_id", "uuid"])


def wait_sms(api, partner, *states):
    def check():
        rows = sms_of(api, partner)
        return rows if rows and all(r["state"] in states for r in rows) else None
    return eventually(check, f"the SMS of partner {partner} to be {states}")


def chatter(api, partner):
    return api.ok("mail.message", "search_read",
                  domain=[["model", "=", "res.partner"], ["res_id", "=", partner]],
                  fields=["body", "message_type", "subtype_id", "is_internal"])


def test_a_rule_texts_the_contact_through_twilio(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api)
    pid = texted(api, mobile="0475 12 34 56", country_id=country(api, "BE"))
    [row] = wait_sms(api, pid, "sent")
    [req] = twilio.wait(1)
    form = twilio.messages[0]["form"]
    assert form["To"] == "+32475123456" and form["From"] == "+15005550006"
    assert form["Body"] == "Hello Texted One, your order is ready."
    assert form["StatusCallback"].endswith(f"/sms/twilio/status/1?ref={row['uuid']}")
    # the outbox's key, in the header Twilio reads for idempotency
    key = api.ok("outbox.message", "search_read", domain=[["res_model", "=", "sms.sms"]],
                 fields=["idempotency_key"])[0]["idempotency_key"]
    assert req["headers"]["i-twilio-idempotency-token"] == key
    assert row["number"] == "+32475123456" and row["partner_id"][0] == pid
    assert row["provider_message_id"] == twilio.messages[0]["sid"]
    assert not row["mail_message_id"]
    # "SMS (without note)": nothing on the chatter about it
    assert not [m for m in chatter(api, pid) if m["message_type"] == "sms"]


def test_status_callbacks_move_the_sms_and_forgeries_change_nothing(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api)
    one = texted(api, "Texted One", mobile="+32 475 12 34 56")
    two = texted(api, "Texted Two", mobile="+1 650-253-0000")
    wait_sms(api, one, "sent")
    wait_sms(api, two, "sent")
    msgs = {m["to"]: m for m in twilio.messages}
    first, second = msgs["+32475123456"], msgs["+16502530000"]

    # a forged signature (another token), a missing one, a report on a changed URL: 403, nothing moves
    assert twilio.post_status(first, "delivered", signature="AAAA" + twilio.signature(first["status_callback"], {}))[0] == 403
    assert twilio.post_status(first, "delivered", signature="")[0] == 403
    forged = TwilioStub(twilio.account_sid, "another-token")
    try:
        assert forged.post_status(first, "delivered")[0] == 403
    finally:
        forged.close()
    assert sms_of(api, one)[0]["state"] == "sent"

    assert twilio.post_status(first, "delivered")[0] == 204
    assert sms_of(api, one)[0]["state"] == "delivered"
    # a late "sent" never moves it back
    assert twilio.post_status(first, "sent")[0] == 204
    assert sms_of(api, one)[0]["state"] == "delivered"

    assert twilio.post_status(second, "undelivered", error_code=30003)[0] == 204
    row = sms_of(api, two)[0]
    assert row["state"] == "error" and row["failure_type"] == "sms_invalid_destination"
    assert "30003" in row["failure_reason"]

    # about no message of ours: accepted, nothing to do; an unknown provider: 404
    stranger = dict(first, sid="SM" + "0" * 32, status_callback=first["status_callback"].split("?")[0])
    assert twilio.post_status(stranger, "delivered")[0] == 204
    other = dict(first, status_callback=first["status_callback"].replace("/status/1?", "/status/99?"))
    assert twilio.post_status(other, "delivered")[0] == 404
    status, _, _ = api.request("GET", "/sms/twilio/status/1")
    assert status == 405


def test_numbers_from_several_countries_and_broken_ones(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api)
    cases = [
        ("Texted US", {"mobile": "(650) 253-0000", "country_id": country(api, "US")}, "+16502530000"),
        ("Texted FR", {"phone": "06 12 34 56 78", "country_id": country(api, "FR")}, "+33612345678"),
        ("Texted UK", {"mobile": "+44 7911 123456"}, "+447911123456"),
        ("Texted DE", {"mobile": "0151 23456789", "country_id": country(api, "DE")}, "+4915123456789"),
        ("Texted JP", {"mobile": "090-1234-5678", "country_id": country(api, "JP")}, "+819012345678"),
    ]
    ids = {texted(api, name, **vals): expected for name, vals, expected in cases}
    for pid, expected in ids.items():
        [row] = wait_sms(api, pid, "sent")
        assert row["number"] == expected
    assert sorted(m["to"] for m in twilio.wait(len(cases)) and twilio.messages) == sorted(ids.values())

    broken = {
        texted(api, "Texted Short", mobile="12", country_id=country(api, "BE")): "sms_number_format",
        texted(api, "Texted Letters", mobile="call me maybe"): "sms_number_format",
        texted(api, "Texted Nowhere", mobile="0475 12 34 56"): "sms_number_format",  # no country
        texted(api, "Texted Silent"): "sms_number_missing",
    }
    for pid, failure in broken.items():
        [row] = sms_of(api, pid)
        assert row["state"] == "error" and row["failure_type"] == failure, row
    time.sleep(0.5)
    assert len(twilio.messages) == len(cases)  # nothing sent for them


def test_the_partner_of_a_record_gives_the_number(api, twilio):
    """A record without a number of its own: its contact's mobile, read in the contact's country."""
    twilio_provider(api, twilio)
    tmpl = api.ok("sms.template", "create", vals_list=[{
        "name": "Hi", "model_id": model_id(api, "res.partner"), "body": "Hi {{ object.name }}"}])[0]
    company = texted(api, "Acme", mobile="06 12 34 56 78", country_id=country(api, "FR"))
    person = texted(api, "Person of Acme", parent_id=company)
    action = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Text", "model_id": model_id(api, "res.partner"), "state": "sms", "sms_template_id": tmpl}])[0]
    api.ok("ir.actions.server", "run", ids=[action], context={"active_model": "res.partner",
                                                            "active_id": company, "active_ids": [company]})
    [row] = wait_sms(api, company, "sent")
    assert row["number"] == "+33612345678"
    assert person  # a person without a number is not texted by running on the company


def test_sms_with_note_posts_on_the_chatter(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api, method="comment")
    pid = texted(api, mobile="+32 475 12 34 56")
    [row] = wait_sms(api, pid, "sent")
    [msg] = [m for m in chatter(api, pid) if m["message_type"] == "sms"]
    assert "Hello Texted One, your order is ready." in msg["body"]
    assert row["mail_message_id"][0] == msg["id"]
    assert len(twilio.messages) == 1


def test_note_only_sends_nothing(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api, method="note")
    pid = texted(api, mobile="+32 475 12 34 56")
    notes = eventually(lambda: [m for m in chatter(api, pid)
                                if "Hello Texted One" in (m["body"] or "")], "the note")
    assert notes[0]["message_type"] == "comment" and notes[0]["subtype_id"][1] == "Note"
    time.sleep(0.5)
    assert sms_of(api, pid) == [] and twilio.requests == []


def test_twilio_refusals_are_not_retried_and_server_errors_are(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api)
    # a 503 then a 429, then accepted: one message in the end, one key for all attempts
    twilio.script = [(503, {"code": 20500, "message": "Internal Server Error"}),
                     (429, {"code": 20429, "message": "Too Many Requests"})]
    pid = texted(api, mobile="+32 475 12 34 56")
    [row] = wait_sms(api, pid, "sent")
    reqs = twilio.wait(3)
    assert len(reqs) == 3 and len(twilio.messages) == 1
    assert len({r["headers"]["i-twilio-idempotency-token"] for r in reqs}) == 1

    # Twilio refuses the number: error, the reason Twilio gave, no retry
    twilio.script = [(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})]
    pid = texted(api, "Texted Refused", mobile="+32 475 12 34 57")
    [row] = wait_sms(api, pid, "error")
    assert row["failure_type"] == "sms_number_format" and "21211" in row["failure_reason"]
    time.sleep(0.6)
    assert len(twilio.requests) == 4


def test_wrong_credentials_are_an_account_error(api, twilio):
    twilio_provider(api, twilio, twilio_auth_token="not-the-token")
    sms_rule(api)
    pid = texted(api, mobile="+32 475 12 34 56")
    [row] = wait_sms(api, pid, "error")
    assert row["failure_type"] == "sms_acc" and "20003" in row["failure_reason"]


def test_a_json_gateway(api, gateway):
    api.ok("sms.provider", "create", vals_list=[{
        "name": "Gateway", "provider": "webhook", "api_url": gateway.base + "/send", "api_token": gateway.token}])
    sms_rule(api, body="Código {{ object.name }} ✓")
    pid = texted(api, mobile="+32 475 12 34 56")
    [row] = wait_sms(api, pid, "sent")
    [req] = gateway.wait(1)
    import json
    payload = json.loads(req["body"])
    assert payload == {"to": "+32475123456", "body": "Código Texted One ✓", "reference": row["uuid"]}
    assert row["provider_message_id"] == "gw-" + row["uuid"][:8]


def test_without_a_provider_the_sms_is_in_error(api):
    sms_rule(api)
    pid = texted(api, mobile="+32 475 12 34 56")
    [row] = sms_of(api, pid)
    assert row["state"] == "error" and row["failure_type"] == "sms_provider_missing"


def test_secrets_are_never_readable(api, twilio):
    prov = twilio_provider(api, twilio)
    sms_rule(api)
    texted(api, mobile="+32 475 12 34 56")
    twilio.wait(1)
    row = api.ok("sms.provider", "read", ids=[prov])[0]
    assert "twilio_auth_token" not in row or row["twilio_auth_token"] in (False, "", None)
    assert twilio.auth_token not in str(row)
    msgs = api.ok("outbox.message", "search_read", domain=[["kind", "=", "sms"]], fields=[])
    assert msgs and twilio.auth_token not in str(msgs)
    import base64
    assert base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode() not in str(msgs)
    status, body = api.call("outbox.message", "read", ids=[msgs[0]["id"]], fields=["authorization"])
    assert status >= 400 or not body[0].get("authorization")


def test_send_sms_is_checked_at_save(api):
    no_template = api.call("ir.actions.server", "create", vals_list=[{
        "name": "Text", "model_id": model_id(api, "res.partner"), "state": "sms"}])
    assert_error(no_template, 422, None, "SMS template")
    task_tmpl = api.ok("sms.template", "create", vals_list=[{
        "name": "For users", "model_id": model_id(api, "res.users"), "body": "Hi"}])[0]
    wrong_model = api.call("ir.actions.server", "create", vals_list=[{
        "name": "Text", "model_id": model_id(api, "res.partner"), "state": "sms", "sms_template_id": task_tmpl}])
    assert_error(wrong_model, 422, None, "res.users")
    bad_method = api.call("ir.actions.server", "create", vals_list=[{
        "name": "Text", "model_id": model_id(api, "res.partner"), "state": "sms", "sms_method": "fax"}])
    assert bad_method[0] >= 400


def test_a_template_that_does_not_render_sends_nothing(api, twilio):
    twilio_provider(api, twilio)
    sms_rule(api, body="Hello {{ object.no_such_field }}")
    status, body = api.call("res.partner", "create", vals_list=[{"name": "Texted Bad", "mobile": "+32 475 12 34 56"}])
    assert status >= 400
    assert api.ok("res.partner", "search", domain=[["name", "=", "Texted Bad"]]) == []
    assert api.ok("sms.sms", "search", domain=[]) == []
    time.sleep(0.3)
    assert twilio.requests == []
