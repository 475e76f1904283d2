"""Send WhatsApp end to end: a rule's Send WhatsApp sends an approved template, its variables
filled from the record's fields and inline templates, through the outbox to Meta's Cloud API (a
stub started here on 127.0.0.1, provider_stubs.MetaStub) and logs it on the chatter; Meta's webhook
verifies with the verify token, moves the message to delivered and read, refuses a forged
signature, and brings a customer's answer back to the record, where it fires an "on incoming
message" rule; refusals end where docs/whatsapp.md says; secrets are never readable."""

import time
import urllib.parse

import pytest

from helpers import assert_error, eventually
from provider_stubs import MetaStub


@pytest.fixture
def meta():
    stub = MetaStub()
    yield stub
    stub.close()


@pytest.fixture
def api(server_factory):
    return server_factory(extra_args=["--delivery-retry-base", "0.2"]).client()


def model_id(api, model):
    return api.ok("ir.model", "search", domain=[["model", "=", model]])[0]


def account(api, meta, **vals):
    values = {"name": "Our WhatsApp", "phone_uid": meta.phone_number_id, "token": meta.token,
              "app_secret": meta.app_secret, "webhook_verify_token": "verify-me-123",
              "api_url": meta.base, "api_version": "v21.0"}
    values.update(vals)
    return api.ok("whatsapp.account", "create", vals_list=[values])[0]


def template(api, acc, name="order_ready", body="Hello {{1}}, your order {{2}} is ready.", variables=None):
    variables = variables if variables is not None else [
        {"name": "{{1}}", "field_type": "field", "field_name": "name"},
        {"name": "{{2}}", "field_type": "free_text", "demo_value": "#{{ object.id }}-{{ object.ref or 'X' }}"},
    ]
    return api.ok("whatsapp.template", "create", vals_list=[{
        "name": "Order ready", "template_name": name, "lang_code": "en_US",
        "model_id": model_id(api, "res.partner"), "wa_account_id": acc, "body": body,
        "variable_ids": [[0, 0, v] for v in variables]}])[0]


def rule(api, tmpl):
    return api.ok("base.automation", "create", vals_list=[{
        "name": "WhatsApp new contacts", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('name', 'like', 'Chatty')]",
        "action_server_ids": [[0, 0, {"name": "Send it", "state": "whatsapp", "wa_template_id": tmpl}]]}])[0]


def wa_of(api, partner, **more):
    domain = [["res_id", "=", partner], ["model", "=", "res.partner"]] + [[k, "=", v] for k, v in more.items()]
    return api.ok("whatsapp.message", "search_read", domain=domain,
                  fields=["mobile_number", "body", "state", "failure_type", "failure_reason", "msg_uid",
                          "message_type", "mail_message_id", "partner_id"])


def wait_wa(api, partner, *states):
    def check():
        rows = wa_of(api, partner, message_type="outbound")
        return rows if rows and all(r["state"] in states for r in rows) else None
    return eventually(check, f"the WhatsApp message of {partner} to be {states}")


def webhook_url(api):
    return api.base + "/whatsapp/webhook"


def test_a_rule_sends_the_template_with_its_variables_and_logs_it(api, meta):
    acc = account(api, meta)
    rule(api, template(api, acc))
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Ann", "mobile": "+32 475 12 34 56",
                                                     "ref": "R7"}])[0]
    [row] = wait_wa(api, pid, "sent")
    [sent] = meta.messages
    assert sent["to"] == "32475123456" and sent["recipient_type"] == "individual"
    assert sent["template"]["name"] == "order_ready" and sent["template"]["language"] == {"code": "en_US"}
    params = sent["template"]["components"][0]["parameters"]
    assert params == [{"type": "text", "text": "Chatty Ann"}, {"type": "text", "text": f"#{pid}-R7"}]
    assert row["msg_uid"] == sent["wamid"] and row["mobile_number"] == "+32475123456"
    assert row["body"] == f"Hello Chatty Ann, your order #{pid}-R7 is ready."
    msg = api.ok("mail.message", "read", ids=[row["mail_message_id"][0]], fields=["message_type", "body"])[0]
    assert msg["message_type"] == "whatsapp_message" and "Hello Chatty Ann" in msg["body"]


def test_the_verification_handshake(api, meta):
    account(api, meta)
    q = {"hub.mode": "subscribe", "hub.verify_token": "verify-me-123", "hub.challenge": "1158201444"}
    status, headers, body = api.request("GET", "/whatsapp/webhook?" + urllib.parse.urlencode(q))
    assert status == 200 and body == b"1158201444" and headers["Content-Type"].startswith("text/plain")
    for bad in ({**q, "hub.verify_token": "guess"}, {**q, "hub.mode": "unsubscribe"},
                {k: v for k, v in q.items() if k != "hub.verify_token"},
                {**q, "hub.challenge": "<script>alert(1)</script>"}):
        status, _, _ = api.request("GET", "/whatsapp/webhook?" + urllib.parse.urlencode(bad))
        assert status == 403, bad
    # An archived account's token opens nothing.
    [acc] = api.ok("whatsapp.account", "search", domain=[])
    api.ok("whatsapp.account", "write", ids=[acc], vals={"active": False})
    status, _, _ = api.request("GET", "/whatsapp/webhook?" + urllib.parse.urlencode(q))
    assert status == 403


def test_status_updates_move_the_message_and_a_forgery_changes_nothing(api, meta):
    acc = account(api, meta)
    rule(api, template(api, acc))
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Bob", "mobile": "+32 475 12 34 56"}])[0]
    [row] = wait_wa(api, pid, "sent")
    wamid = row["msg_uid"]
    delivered = meta.status_payload(wamid, "delivered", "32475123456")
    # Forged: another secret, no signature, a signature of another body.
    assert meta.call_webhook(webhook_url(api), delivered, secret="not-the-secret")[0] == 403
    assert meta.call_webhook(webhook_url(api), delivered, signature="")[0] == 403
    other = meta.status_payload(wamid, "read", "32475123456")
    import hashlib, hmac, json
    sig = "sha256=" + hmac.new(meta.app_secret.encode(), json.dumps(other).encode(), hashlib.sha256).hexdigest()
    assert meta.call_webhook(webhook_url(api), delivered, signature=sig)[0] == 403
    assert wa_of(api, pid)[0]["state"] == "sent"

    assert meta.call_webhook(webhook_url(api), delivered)[0] == 200
    assert wa_of(api, pid)[0]["state"] == "delivered"
    assert meta.call_webhook(webhook_url(api), meta.status_payload(wamid, "read", "32475123456"))[0] == 200
    assert wa_of(api, pid)[0]["state"] == "read"
    # Late or repeated updates never move it back.
    assert meta.call_webhook(webhook_url(api), delivered)[0] == 200
    assert meta.call_webhook(webhook_url(api), meta.status_payload(wamid, "sent", "32475123456"))[0] == 200
    assert wa_of(api, pid)[0]["state"] == "read"
    # A signed body that is not a payload: 400; one about no message of ours: 200, nothing.
    assert meta.call_webhook(webhook_url(api), {"hello": "world"})[0] == 400
    assert meta.call_webhook(webhook_url(api), meta.status_payload("wamid.unknown", "failed", "1"))[0] == 200


def test_a_failed_status_is_an_error_with_metas_reason(api, meta):
    acc = account(api, meta)
    rule(api, template(api, acc))
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Cy", "mobile": "+32 475 12 34 56"}])[0]
    [row] = wait_wa(api, pid, "sent")
    payload = meta.status_payload(row["msg_uid"], "failed", "32475123456", error_code=131026)
    assert meta.call_webhook(webhook_url(api), payload)[0] == 200
    row = wa_of(api, pid)[0]
    assert row["state"] == "error" and row["failure_type"] == "phone_invalid" and "131026" in row["failure_reason"]


def test_an_answer_is_posted_on_the_record_and_fires_incoming_message_rules(api, meta):
    acc = account(api, meta)
    rule(api, template(api, acc))
    api.ok("base.automation", "create", vals_list=[{
        "name": "Answered", "model_name": "res.partner", "trigger": "on_message_received",
        "action_server_ids": [[0, 0, {"name": "Mark", "state": "object_write", "update_path": "ref",
                                      "evaluation_type": "value", "value": "answered on WhatsApp"}]]}])
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Dee", "mobile": "+32 475 12 34 56"}])[0]
    [row] = wait_wa(api, pid, "sent")
    answer = meta.incoming_payload("32475123456", "Thanks, I'll come <b>tomorrow</b>!", context_id=row["msg_uid"])
    assert meta.call_webhook(webhook_url(api), answer)[0] == 200
    msgs = api.ok("mail.message", "search_read", domain=[["model", "=", "res.partner"], ["res_id", "=", pid],
                                                          ["message_type", "=", "whatsapp_message"]],
                  fields=["body", "author_id", "subtype_id"])
    incoming = [m for m in msgs if "tomorrow" in m["body"]]
    assert len(incoming) == 1
    assert "<b>" not in incoming[0]["body"] and "&lt;b&gt;" in incoming[0]["body"]  # text, escaped
    assert incoming[0]["author_id"][0] == pid
    assert api.ok("res.partner", "read", ids=[pid], fields=["ref"])[0]["ref"] == "answered on WhatsApp"
    [inbound] = wa_of(api, pid, message_type="inbound")
    assert inbound["state"] == "received" and inbound["body"] == "Thanks, I'll come <b>tomorrow</b>!"
    # Meta calls again with the same message: taken once.
    assert meta.call_webhook(webhook_url(api), answer)[0] == 200
    assert len(wa_of(api, pid, message_type="inbound")) == 1
    # An answer without context goes to the record last written to from that number.
    again = meta.incoming_payload("32475123456", "Another thing")
    assert meta.call_webhook(webhook_url(api), again)[0] == 200
    assert len(wa_of(api, pid, message_type="inbound")) == 2


def test_refusals_and_records_that_cannot_be_sent(api, meta):
    acc = account(api, meta)
    tmpl = template(api, acc)
    rule(api, tmpl)
    # No number, a number that cannot be, a variable without value: errors, nothing sent.
    nobody = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Nobody"}])[0]
    broken = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Broken", "mobile": "12"}])[0]
    assert wa_of(api, nobody)[0]["failure_type"] == "phone_invalid"
    assert wa_of(api, broken)[0]["failure_type"] == "phone_invalid"
    api.ok("whatsapp.template.variable", "write",
           ids=api.ok("whatsapp.template.variable", "search", domain=[["name", "=", "{{1}}"]]),
           vals={"field_name": "website"})
    empty = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Empty", "mobile": "+32 475 12 34 56"}])[0]
    row = wa_of(api, empty)[0]
    assert row["state"] == "error" and row["failure_type"] == "template" and "{{1}}" in row["failure_reason"]
    time.sleep(0.3)
    assert meta.requests == []
    # Meta refuses a template it does not know: not retried, the reason kept.
    api.ok("whatsapp.template.variable", "write",
           ids=api.ok("whatsapp.template.variable", "search", domain=[["name", "=", "{{1}}"]]),
           vals={"field_name": "name"})
    api.ok("whatsapp.template", "write", ids=[tmpl], vals={"template_name": "not_approved"})
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Eve", "mobile": "+32 475 12 34 56"}])[0]
    [row] = wait_wa(api, pid, "error")
    assert row["failure_type"] == "template" and "132001" in row["failure_reason"]
    # A wrong token: an account error.
    api.ok("whatsapp.template", "write", ids=[tmpl], vals={"template_name": "order_ready"})
    api.ok("whatsapp.account", "write", ids=[acc], vals={"token": "expired"})
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Fay", "mobile": "+32 475 12 34 56"}])[0]
    [row] = wait_wa(api, pid, "error")
    assert row["failure_type"] == "account" and "190" in row["failure_reason"]
    assert len(meta.requests) == 2


def test_line_breaks_in_a_variable_do_not_break_the_message(api, meta):
    acc = account(api, meta)
    tmpl = template(api, acc, variables=[
        {"name": "{{1}}", "field_type": "free_text", "demo_value": "{{ object.name }}\n\tand   \n   more"},
        {"name": "{{2}}", "field_type": "field", "field_name": "country_id"}])
    rule(api, tmpl)
    be = api.ok("res.country", "search", domain=[["code", "=", "BE"]])[0]
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Chatty Gil", "mobile": "0475 12 34 56",
                                                     "country_id": be}])[0]
    wait_wa(api, pid, "sent")
    params = meta.messages[0]["template"]["components"][0]["parameters"]
    assert "\n" not in params[0]["text"] and "\t" not in params[0]["text"]
    assert params[1]["text"] == "Belgium"


def test_send_whatsapp_is_checked_at_save_and_secrets_are_never_readable(api, meta):
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "WA", "model_id": model_id(api, "res.partner"), "state": "whatsapp"}]), 422, None,
        "WhatsApp template")
    acc = account(api, meta)
    row = api.ok("whatsapp.account", "read", ids=[acc])[0]
    for secret in (meta.token, meta.app_secret, "verify-me-123"):
        assert secret not in str(row)
    for field in ("token", "app_secret", "webhook_verify_token"):
        status, _ = api.call("whatsapp.account", "read", ids=[acc], fields=[field])
        assert status >= 400


def test_hostile_webhook_bodies(api, meta):
    account(api, meta)
    url = webhook_url(api)
    for body in (b"", b"{", b"[" * 100000, b'{"object": "whatsapp_business_account", "entry": "x"}'):
        import hashlib, hmac
        sig = "sha256=" + hmac.new(meta.app_secret.encode(), body, hashlib.sha256).hexdigest()
        status, _, _ = api.request("POST", "/whatsapp/webhook", body,
                                   {"Content-Type": "application/json", "X-Hub-Signature-256": sig})
        assert status in (200, 400), body[:20]
        status, _, _ = api.request("POST", "/whatsapp/webhook", body, {"X-Hub-Signature-256": "sha256=00"})
        assert status == 403
    status, _, _ = api.request("PUT", "/whatsapp/webhook", b"{}")
    assert status == 405
    assert api.ok("res.partner", "search_count", domain=[]) >= 0  # still answering
