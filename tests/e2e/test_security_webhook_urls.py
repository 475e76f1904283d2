"""Outgoing webhook URLs are checked when a "Send Webhook Notification" action is saved, and the
addresses they lead to when a message is delivered (docs/outbox.md, "Which addresses are called"):
a URL that is not an absolute http(s) URL, or whose literal address is never called (link-local:
the cloud metadata service, unspecified), is refused with a 422 that says why, and changes
nothing; a message to a refused address fails at its first attempt, with the reason in the
delivery log, and is not retried; loopback and private addresses are called unless the system
parameter outbox.refuse_private_targets refuses them."""

import sqlite3
import time

import pytest

from helpers import assert_error
from test_webhooks_out import field_id, messages, receiver, wait_state  # noqa: F401 (receiver: a fixture)

LINK_LOCAL = "link-local addresses (the cloud metadata service) are never called"
LOOPBACK = "loopback addresses are refused by the system parameter outbox.refuse_private_targets"

# (URL, fragments the message must contain)
INVALID = [
    ("http://exa mple.com/hook", ["is not a valid http(s) URL", "contains a space"]),
    ("https://example.com/a b", ["is not a valid http(s) URL", "contains a space"]),
    ("http://example.com:99999/", ["is not a valid http(s) URL", "port must be a number between 1 and 65535"]),
    ("http://example.com:0/", ["is not a valid http(s) URL", "port must be a number between 1 and 65535"]),
    ("ftp://example.com/x", ["is not a valid http(s) URL", "must start with http:// or https://"]),
    ("javascript:alert(1)", ["is not a valid http(s) URL", "must start with http:// or https://"]),
    ("http://", ["is not a valid http(s) URL", "has no host"]),
    ("http:///hook", ["is not a valid http(s) URL", "has no host"]),
    ("https://example.com/" + "a" * 10240, ["is not a valid http(s) URL", "at most 2048 are allowed"]),
    ("http://example.com/\x01", ["is not a valid http(s) URL", "control character (\\x01)"]),
    ("http://example.com/\r\nX-Injected: 1", ["is not a valid http(s) URL", "control character"]),
    ("https://user:secret@example.com/hook", ["is not a valid http(s) URL", "user name or password"]),
    ("http://169.254.169.254/latest/meta-data",
     ["cannot be used", "the address 169.254.169.254 is refused", LINK_LOCAL]),
    ("http://0.0.0.0:80/", ["cannot be used", "the address 0.0.0.0 is refused", "unspecified addresses"]),
    ("http://[fe80::1]/", ["cannot be used", "the address fe80::1 is refused", LINK_LOCAL]),
    ("http://[::ffff:169.254.169.254]/",
     ["cannot be used", "the address ::ffff:169.254.169.254 is refused", LINK_LOCAL]),
    ("http://2852039166/", ["cannot be used", "the address 169.254.169.254 is refused"]),
    ("http://[fd00:ec2::254]/latest/meta-data", ["cannot be used", "cloud metadata addresses are never called"]),
]

VALID = ["HTTP://example.com/x", "https://h:8443/p?q=1", "http://[::1]:8080/", "http://127.0.0.1:8069/web/hook/x",
         "http://10.0.0.7/hook", "http://localhost:8080/"]


def partner_model(api):
    return api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]


def counts(api):
    return (api.ok("ir.actions.server", "search_count", domain=[]),
            api.ok("base.automation", "search_count", domain=[]))


def set_refuse_private(api, value):
    status, result = api.call_with("ir.config_parameter", "set_param",
                                   {"key": "outbox.refuse_private_targets", "value": value})
    assert status == 200 and result is True, (status, result)


def rule_to(api, url, name="Hooked"):
    """An on_create rule on contacts named like `name` that sends a webhook to `url`."""
    return api.ok("base.automation", "create", vals_list=[{
        "name": f"Tell {url}", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": f"[('name', 'like', '{name}')]",
        "action_server_ids": [[0, 0, {"name": "Notify", "state": "webhook", "webhook_url": url,
                                      "webhook_field_ids": [[6, 0, [field_id(api, "res.partner", "name")]]]}]]}])[0]


def only_attempt(api, mid):
    log = api.ok("outbox.attempt", "search_read", domain=[["message_id", "=", mid]],
                 fields=["number", "status", "outcome", "error"])
    assert len(log) == 1, log
    return log[0]


@pytest.mark.parametrize("url,fragments", INVALID, ids=[f"{i}-{u[:30]!r}" for i, (u, _) in enumerate(INVALID)])
def test_an_invalid_webhook_url_is_refused_at_save_and_changes_nothing(api, url, fragments):
    before = counts(api)
    body = assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "Bad target", "model_id": partner_model(api), "state": "webhook", "webhook_url": url}]),
        422, "odoo.exceptions.ValidationError", "The webhook URL '", *fragments)
    assert len(body["message"]) < 400  # a 10 KB URL is quoted shortened
    # The same action inside a rule: the rule is not saved either.
    assert_error(api.call("base.automation", "create", vals_list=[{
        "name": "Bad rule", "model_name": "res.partner", "trigger": "on_create",
        "action_server_ids": [[0, 0, {"name": "Bad target", "state": "webhook", "webhook_url": url}]]}]),
        422, "odoo.exceptions.ValidationError", *fragments)
    assert counts(api) == before


def test_changing_a_url_to_an_invalid_one_is_refused_and_keeps_the_old_one(api):
    action = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Good target", "model_id": partner_model(api), "state": "webhook",
        "webhook_url": "https://example.com/hook"}])[0]
    assert_error(api.call("ir.actions.server", "write", ids=[action],
                          vals={"webhook_url": "http://169.254.169.254/latest/meta-data"}),
                 422, "odoo.exceptions.ValidationError", "169.254.169.254 is refused", LINK_LOCAL)
    assert_error(api.call("ir.actions.server", "write", ids=[action], vals={"webhook_url": "http://example.com:99999/"}),
                 422, "odoo.exceptions.ValidationError", "port must be a number between 1 and 65535")
    url = api.ok("ir.actions.server", "read", ids=[action], fields=["webhook_url"])[0]["webhook_url"]
    assert url == "https://example.com/hook"


def test_valid_webhook_urls_are_saved_as_written(api):
    model = partner_model(api)
    ids = api.ok("ir.actions.server", "create", vals_list=[
        {"name": f"Target {i}", "model_id": model, "state": "webhook", "webhook_url": url}
        for i, url in enumerate(VALID)])
    rows = api.ok("ir.actions.server", "read", ids=ids, fields=["webhook_url"])
    assert [r["webhook_url"] for r in rows] == VALID


def test_an_action_saved_before_the_check_is_refused_at_delivery_and_not_retried(server_factory, receiver):
    # An action whose URL never went through the check at save (saved by an older version: here
    # written into the database while the server is stopped). The dispatcher refuses the address
    # before connecting, records why, and does not try again.
    server = server_factory(extra_args=["--delivery-retry-base", "0.2"])
    api = server.client()
    r = receiver()
    rule = rule_to(api, r.url)
    action = api.ok("base.automation", "read", ids=[rule], fields=["action_server_ids"])[0]["action_server_ids"][0]
    server.stop()
    with sqlite3.connect(server.db, timeout=30) as db:
        db.execute('UPDATE "ir_actions_server" SET "webhook_url" = ? WHERE "id" = ?',
                   ("http://169.254.169.254/latest/meta-data", action))
    db.close()
    api = server_factory(db=server.db, extra_args=["--delivery-retry-base", "0.2"]).client()
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked old action"}])[0]
    msg = messages(api, res_id=pid)[0]
    row = wait_state(api, msg["id"], "failed")
    assert row["state"] == "failed" and row["attempts"] == 1, row
    attempt = only_attempt(api, msg["id"])
    assert attempt["outcome"] == "failed" and attempt["status"] == 0
    assert attempt["error"] == f"the address 169.254.169.254 is refused: {LINK_LOCAL} (not retried)"
    time.sleep(1.0)  # five retry bases: still one attempt
    assert api.ok("outbox.message", "read", ids=[msg["id"]], fields=["attempts"])[0]["attempts"] == 1
    assert r.requests == []


def test_loopback_is_called_by_default_and_refused_with_the_parameter(server_factory, receiver):
    api = server_factory().client()
    r = receiver()
    rule_to(api, r.url, name="Hooked")
    by_name = f"http://localhost:{r.port}/hook"
    rule_to(api, by_name, name="Named")

    # By default: delivered to 127.0.0.1 (every self-hosted receiver is on such an address).
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked before"}])[0]
    msg = messages(api, res_id=pid)[0]
    assert wait_state(api, msg["id"], "delivered")["attempts"] == 1
    assert len(r.wait(1)) == 1

    # With the parameter: refused at delivery, by IP and by a name that resolves to loopback,
    # without a request, recorded, not retried.
    set_refuse_private(api, "True")
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked after"}])[0]
    msg = messages(api, res_id=pid)[0]
    row = wait_state(api, msg["id"], "failed")
    assert row["state"] == "failed" and row["attempts"] == 1, row
    attempt = only_attempt(api, msg["id"])
    assert attempt["outcome"] == "failed"
    assert attempt["error"] == f"the address 127.0.0.1 is refused: {LOOPBACK} (not retried)"
    named = api.ok("res.partner", "create", vals_list=[{"name": "Named after"}])[0]
    msg_named = messages(api, res_id=named)[0]
    assert wait_state(api, msg_named["id"], "failed")["attempts"] == 1
    assert LOOPBACK in only_attempt(api, msg_named["id"])["error"]
    time.sleep(0.5)
    assert len(r.requests) == 1

    # ... and at save, for a literal loopback or private address (a name is checked at delivery).
    before = counts(api)
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "Loopback", "model_id": partner_model(api), "state": "webhook",
        "webhook_url": f"http://127.0.0.1:{r.port}/hook"}]),
        422, "odoo.exceptions.ValidationError", "the address 127.0.0.1 is refused", LOOPBACK)
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "Private", "model_id": partner_model(api), "state": "webhook",
        "webhook_url": "http://10.1.2.3/hook"}]),
        422, "odoo.exceptions.ValidationError", "the address 10.1.2.3 is refused", "private addresses")
    assert counts(api) == before

    # Allowed again: the refused message is delivered when retried by hand.
    set_refuse_private(api, False)
    assert api.ok("outbox.message", "action_retry", ids=[msg["id"]]) is True
    assert wait_state(api, msg["id"], "delivered")["attempts"] == 1
    assert len(r.wait(2)) == 2
