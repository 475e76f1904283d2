"""Outgoing webhooks through the outbox: "Send Webhook Notification" actions POST the record's
fields after the change commits, to a real HTTP receiver started here on 127.0.0.1; retries with
backoff on 5xx (same body, same Idempotency-Key), no retry on other 4xx, dead messages retried by
hand, nothing sent on rollback, Standard Webhooks signatures, delivery after kill -9, and two
servers connected end to end."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from helpers import assert_error


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST and answers from a script of
    statuses (then 200), each after a delay from a script of delays in seconds (then none; cut
    short by close())."""

    def __init__(self, statuses=(), port=0, delays=()):
        self.requests = []
        self.statuses = list(statuses)
        self.delays = list(delays)
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    delay = receiver.delays.pop(0) if receiver.delays else 0
                if delay:
                    receiver.released.wait(delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, n, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        with self.lock:
            return list(self.requests)

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=(), port=0, delays=()):
        r = Receiver(statuses, port, delays)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def field_id(api, model, name):
    return api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", name]])[0]


def webhook_rule(api, url, secret=None, fields=("name", "email", "parent_id", "category_id", "create_date"),
                 extra_actions=()):
    action = {"name": "Notify", "state": "webhook", "webhook_url": url,
              "webhook_field_ids": [[6, 0, [field_id(api, "res.partner", f) for f in fields]]]}
    if secret:
        action["webhook_secret"] = secret
    return api.ok("base.automation", "create", vals_list=[{
        "name": "Tell the other system", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('name', 'like', 'Hooked')]",
        "action_server_ids": [[0, 0, action]] + list(extra_actions)}])[0]


def messages(api, **domain):
    return api.ok("outbox.message", "search_read", domain=[[k, "=", v] for k, v in domain.items()],
                  fields=["state", "attempts", "last_status", "last_error", "idempotency_key", "res_id"])


def wait_state(api, mid, state, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = api.ok("outbox.message", "read", ids=[mid], fields=["state", "attempts"])[0]
        if row["state"] == state:
            return row
        time.sleep(0.05)
    return api.ok("outbox.message", "read", ids=[mid], fields=["state", "attempts"])[0]


def test_a_webhook_action_posts_the_record_after_commit(fresh, receiver):
    api = fresh
    r = receiver()
    webhook_rule(api, r.url)
    parent = api.ok("res.partner", "create", vals_list=[{"name": "Parent Co"}])[0]
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked One", "email": "one@example.com",
                                                      "parent_id": parent}])[0]
    got = r.wait(1)
    assert len(got) == 1
    body = got[0]["body"].decode()
    payload = json.loads(body)
    assert list(payload) == sorted(payload)  # sorted keys
    assert payload["_id"] == pid and payload["_model"] == "res.partner"
    assert payload["_action"].startswith("Notify(#")
    assert payload["email"] == "one@example.com" and payload["parent_id"] == parent
    assert payload["category_id"] == [] and payload["id"] == pid
    assert isinstance(payload["create_date"], str)
    headers = {k.lower(): v for k, v in got[0]["headers"].items()}
    assert headers["content-type"] == "application/json"
    key = headers["idempotency-key"]
    msg = messages(api, res_id=pid)
    assert len(msg) == 1 and msg[0]["idempotency_key"] == key
    assert wait_state(api, msg[0]["id"], "delivered")["attempts"] == 1
    log = api.ok("outbox.attempt", "search_read", domain=[["message_id", "=", msg[0]["id"]]],
                 fields=["number", "status", "outcome", "duration_ms"])
    assert len(log) == 1 and log[0]["status"] == 200 and log[0]["outcome"] == "delivered"


def test_a_failing_receiver_gets_the_same_message_until_it_takes_it(server_factory, receiver):
    api = server_factory(extra_args=["--delivery-retry-base", "0.2"]).client()
    r = receiver(statuses=[500, 503])
    webhook_rule(api, r.url)
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked Retry"}])[0]
    got = r.wait(3, timeout=20)
    assert len(got) == 3
    assert len({g["body"] for g in got}) == 1
    assert len({g["headers"]["Idempotency-Key"] for g in got}) == 1
    msg = messages(api, res_id=pid)[0]
    row = wait_state(api, msg["id"], "delivered")
    assert row["attempts"] == 3
    outcomes = api.ok("outbox.attempt", "search_read", domain=[["message_id", "=", msg["id"]]],
                      fields=["number", "status", "outcome"], order="number")
    assert [(o["number"], o["status"], o["outcome"]) for o in outcomes] == [
        (1, 500, "retry"), (2, 503, "retry"), (3, 200, "delivered")]


def test_other_4xx_are_not_retried_and_dead_messages_can_be_retried(server_factory, receiver):
    api = server_factory(extra_args=["--delivery-retry-base", "0.2", "--delivery-max-attempts", "2"]).client()
    r = receiver(statuses=[404])
    webhook_rule(api, r.url)
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked 404"}])[0]
    msg = messages(api, res_id=pid)[0]
    assert wait_state(api, msg["id"], "failed")["attempts"] == 1
    time.sleep(0.5)
    assert len(r.requests) == 1
    # Two 5xx with two attempts allowed: dead; retried by hand: delivered.
    r.statuses = [500, 500]
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked dead"}])[0]
    msg = messages(api, res_id=pid)[0]
    assert wait_state(api, msg["id"], "dead", timeout=20)["attempts"] == 2
    assert api.ok("outbox.message", "action_retry", ids=[msg["id"]]) is True
    assert wait_state(api, msg["id"], "delivered")["state"] == "delivered"
    assert_error(api.call("outbox.message", "action_retry", ids=[msg["id"]]), 422, "odoo.exceptions.UserError",
                 "Only a dead or failed message")


def test_a_rolled_back_call_sends_nothing(fresh, receiver):
    api = fresh
    r = receiver()
    webhook_rule(api, r.url, extra_actions=[[0, 0, {"name": "refuse", "state": "code", "sequence": 99,
                                                    "code": "raise UserError('not today')"}]])
    assert_error(api.call("res.partner", "create", vals_list=[{"name": "Hooked rollback"}]), 422,
                 "odoo.exceptions.UserError", "not today")
    time.sleep(1.0)
    assert r.requests == []
    assert api.ok("outbox.message", "search_count", domain=[]) == 0


def test_signed_deliveries_verify_with_the_standard_webhooks_scheme(fresh, receiver):
    api = fresh
    r = receiver()
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    webhook_rule(api, r.url, secret=secret)
    api.ok("res.partner", "create", vals_list=[{"name": "Hooked signed"}])
    got = r.wait(1)
    assert len(got) == 1
    headers = {k.lower(): v for k, v in got[0]["headers"].items()}
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    assert abs(int(ts) - time.time()) < 60
    signed = f"{msg_id}.{ts}.".encode() + got[0]["body"]
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert f"v1,{expected}" in headers["webhook-signature"].split(" ")
    # The secret itself is never readable.
    assert_error(api.call("outbox.message", "read", ids=[messages(api)[0]["id"]], fields=["signing_secret"]),
                 422)


def test_bad_webhook_actions(fresh):
    api = fresh
    partner_model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "ftp", "model_id": partner_model, "state": "webhook", "webhook_url": "ftp://example.com/x"}]),
        422, "odoo.exceptions.ValidationError", "http:// or https://")
    # Without a URL it could never run: refused at save with Odoo's message (an action saved
    # before this check still says so at each run).
    assert_error(api.call("ir.actions.server", "create", vals_list=[{
        "name": "no url", "model_id": partner_model, "state": "webhook"}]),
        422, "odoo.exceptions.ValidationError", "give me a URL")


def test_messages_survive_kill_9_and_are_delivered_after_restart(server_factory, receiver, tmp_path):
    server = server_factory(extra_args=["--delivery-retry-base", "0.2"])
    api = server.client()
    # A receiver that is not there yet: the port is taken, then freed for it.
    placeholder = receiver()
    port = placeholder.port
    placeholder.close()
    webhook_rule(api, f"http://127.0.0.1:{port}/hook")
    ids = api.ok("res.partner", "create", vals_list=[{"name": f"Hooked crash {i}"} for i in range(5)])
    time.sleep(0.5)
    server.kill()  # SIGKILL, with messages undelivered
    r = receiver(port=port)
    again = server_factory(db=server.db, extra_args=["--delivery-retry-base", "0.2"]).client()
    got = r.wait(5, timeout=60)
    delivered = {json.loads(g["body"])["_id"] for g in got}
    assert delivered == set(ids)
    for m in messages(again):
        assert wait_state(again, m["id"], "delivered", timeout=30)["state"] == "delivered"


def test_two_servers_connected_with_no_code(server_factory):
    receiving = server_factory().client()
    hook = receiving.ok("base.automation", "create", vals_list=[{
        "name": "Mirror contacts", "model_name": "res.partner", "trigger": "on_webhook",
        "record_getter": "model.browse([2])",
        "action_server_ids": [[0, 0, {"name": "mirror", "state": "code",
                                      "code": "env['res.partner'].create({'name': 'Mirror of ' + payload['name'], "
                                              "'email': payload['email']})"}]]}])[0]
    url = receiving.ok("base.automation", "read", ids=[hook], fields=["url"])[0]["url"]
    path = url[url.index("/web/hook/"):]
    sending = server_factory().client()
    webhook_rule(sending, f"http://127.0.0.1:{receiving.port}{path}", fields=("name", "email"))
    sending.ok("res.partner", "create", vals_list=[{"name": "Hooked Across", "email": "across@example.com"}])
    deadline = time.monotonic() + 15
    rows = []
    while time.monotonic() < deadline and not rows:
        rows = receiving.ok("res.partner", "search_read", domain=[["name", "=", "Mirror of Hooked Across"]],
                            fields=["email"])
        time.sleep(0.1)
    assert rows and rows[0]["email"] == "across@example.com"


def test_the_sample_payload_shows_real_values_or_type_samples(fresh):
    api = fresh
    partner_model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    action = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Sample", "model_id": partner_model, "state": "webhook", "webhook_url": "https://example.com/h",
        "webhook_field_ids": [[6, 0, [field_id(api, "res.partner", "name")]]]}])[0]
    sample = json.loads(api.ok("ir.actions.server", "read", ids=[action], fields=["webhook_sample_payload"])[0]
                        ["webhook_sample_payload"])
    first = api.ok("res.partner", "search_read", domain=[], fields=["name"], order="id", limit=1)[0]
    assert sample == {"_action": f"Sample(#{action})", "_id": first["id"], "_model": "res.partner",
                      "id": first["id"], "name": first["name"]}
    # A model without records: values by field type.
    api.ok("ir.model", "create", vals_list=[{"name": "Empty", "model": "x_empty", "field_id": [
        [0, 0, {"name": "x_count", "ttype": "integer", "field_description": "Count"}],
        [0, 0, {"name": "x_when", "ttype": "date", "field_description": "When"}]]}])
    empty_model = api.ok("ir.model", "search", domain=[["model", "=", "x_empty"]])[0]
    action = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Typed", "model_id": empty_model, "state": "webhook", "webhook_url": "https://example.com/h",
        "webhook_field_ids": [[6, 0, [field_id(api, "x_empty", "x_count"), field_id(api, "x_empty", "x_when")]]]}])[0]
    sample = json.loads(api.ok("ir.actions.server", "read", ids=[action], fields=["webhook_sample_payload"])[0]
                        ["webhook_sample_payload"])
    assert sample == {"_action": f"Typed(#{action})", "_id": 1, "_model": "x_empty", "x_count": 42,
                      "x_when": "2020-01-01"}


def test_a_receiver_that_hangs_times_out_and_is_retried(server_factory, receiver):
    r = receiver(delays=[5])  # the first request hangs longer than the delivery timeout
    api = server_factory(extra_args=["--delivery-timeout", "1", "--delivery-retry-base", "0.2"]).client()
    webhook_rule(api, r.url)
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked slow"}])[0]
    msg = messages(api, res_id=pid)[0]
    assert wait_state(api, msg["id"], "delivered", timeout=20)["attempts"] == 2
    first = api.ok("outbox.attempt", "search_read", domain=[["message_id", "=", msg["id"]], ["number", "=", 1]],
                   fields=["outcome", "error"])[0]
    assert first["outcome"] == "retry" and "timeout" in first["error"].lower()


def test_sigterm_finishes_the_delivery_in_progress(server_factory, receiver):
    # A receiver that takes a second to answer: SIGTERM arrives while the delivery is in flight,
    # and the server exits only once it has its answer and has recorded it. No second attempt.
    r = receiver(delays=[1])
    server = server_factory()
    api = server.client()
    webhook_rule(api, r.url)
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked at shutdown"}])[0]
    assert len(r.wait(1, timeout=10)) == 1
    assert server.stop() == 0
    again = server_factory(db=server.db).client()
    msg = messages(again, res_id=pid)[0]
    assert msg["state"] == "delivered" and msg["attempts"] == 1 and msg["last_status"] == 200
    time.sleep(0.5)
    assert len(r.requests) == 1  # the restarted server has nothing left to send
