"""The Logs pages in a real Chromium (tests/e2e/browser.py): the rows code actions log (level
filter, search, the whole message), the calls received on a rule's webhook URL with their
payload, and a delivery that gave up, retried with the button until delivered, with every
attempt listed. The module's server allows one delivery attempt, so a message to a closed port
is dead at once."""

import http.server
import json
import tempfile
import threading
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from helpers import Server


@pytest.fixture(scope="module")
def web_server():
    with tempfile.TemporaryDirectory(prefix="autorules-e2e-") as d:
        s = Server(d, extra_args=["--delivery-max-attempts", "1", "--delivery-retry-base", "0.2"]).start()
        try:
            yield s
        finally:
            s.stop()


def partner_model(api):
    return api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]


def rows(browser, table):
    return browser.find_all(f"[data-test={table}] tbody tr[data-id]")


def test_rule_runs_are_listed_filtered_and_shown_whole(browser, web_server, unique):
    api = web_server.client()
    marker = unique("inventory")
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "Count the stock", "model_id": partner_model(api), "state": "code",
        "code": f"log('{marker}: counted')\nlog('{marker}: 3 shelves are empty\\nshelf A\\nshelf B', level='warning')"}])
    [partner] = api.ok("res.partner", "search", domain=[], limit=1)
    api.ok("ir.actions.server", "run", ids=[action],
           context={"active_model": "res.partner", "active_ids": [partner]})
    browser.log_in(place="logs")
    browser.wait("[role=tab][aria-selected=true]")
    assert browser.find("[role=tab][aria-selected=true]").text == "Rule runs"
    browser.fill("Search the log", marker)
    browser.wait_until(lambda: marker in browser.driver.current_url)
    browser.wait_until(lambda: len(rows(browser, "log-runs")) == 2)
    # Newest first.
    texts = [r.text for r in rows(browser, "log-runs")]
    assert "WARNING" in texts[0] and "3 shelves are empty" in texts[0]
    assert "INFO" in texts[1] and "counted" in texts[1]
    # The level filter (kept in the address, as the search is).
    browser.select("Level", "WARNING")
    browser.wait_until(lambda: len(rows(browser, "log-runs")) == 1)
    assert "level=WARNING" in browser.driver.current_url and marker in browser.driver.current_url
    assert api.ok("ir.logging", "search_count",
                  domain=[["level", "=", "WARNING"], ["message", "ilike", marker]]) == 1
    # The whole message, in a dialog.
    rows(browser, "log-runs")[0].click()
    message = browser.wait("[data-test=log-row] [data-test=log-message]")
    assert message.text == f"{marker}: 3 shelves are empty\nshelf A\nshelf B"
    assert "Count the stock" in browser.find("[data-test=log-row]").text
    browser.click("Close")
    browser.wait_gone("[data-test=log-row]")


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_webhook_call_is_shown_with_its_payload(browser, web_server, unique):
    api = web_server.client()
    name = unique("Orders from the shop")
    [rule, quiet] = api.ok("base.automation", "create", vals_list=[
        {"name": name, "model_id": partner_model(api), "trigger": "on_webhook", "log_webhook_calls": True},
        {"name": unique("Quiet hook"), "model_id": partner_model(api), "trigger": "on_webhook"}])
    url = api.ok("base.automation", "read", ids=[rule], fields=["url"])[0]["url"]
    [partner] = api.ok("res.partner", "search", domain=[], limit=1)
    payload = {"_model": "res.partner", "_id": partner, "order": {"ref": "SO042", "lines": [1, 2]}}
    assert post(url, payload) == 200
    assert post(url, {"_model": "res.partner", "_id": 987654}) == 500
    browser.log_in(place=f"logs/webhooks?rule={rule}")
    browser.wait_text(name, "[data-test=rule-filter]")
    browser.wait_until(lambda: len(rows(browser, "log-webhooks")) == 2)
    failed, done = rows(browser, "log-webhooks")
    assert "Failed" in failed.text and "987654" in failed.text and "no record" in failed.text
    assert "Done" in done.text and name in done.text and "SO042" in done.text
    done.click()
    shown = browser.wait("[data-test=webhook-call] [data-test=payload]").text
    assert json.loads(shown) == payload
    assert '\n  "order": {' in shown  # pretty-printed
    assert not browser.find_all("[data-test=webhook-call] [data-test=call-error]")
    browser.click("Close")
    failed.click()
    browser.wait_text("could not be triggered", "[data-test=webhook-call] [data-test=call-error]")
    assert json.loads(browser.find("[data-test=webhook-call] [data-test=payload]").text)["_id"] == 987654
    browser.click("Close")
    # Only the failed calls.
    browser.select("Result", "Failed calls")
    browser.wait_until(lambda: len(rows(browser, "log-webhooks")) == 1)
    assert "987654" in rows(browser, "log-webhooks")[0].text
    # What the server logged, over the API: the same two rows.
    logged = api.ok("ir.logging", "search_read", domain=[["path", "=", f"base_automation({rule})"]],
                    fields=["level"], order="id desc")
    assert [r["level"] for r in logged] == ["ERROR", "INFO", "INFO"]
    # A rule that does not log its calls says so.
    browser.go(f"logs/webhooks?rule={quiet}")
    browser.wait_text("does not log its calls", "[data-test=not-logging]")
    # Clearing the rule filter shows every rule's calls.
    browser.go(f"logs/webhooks?rule={rule}")
    browser.click("Show all rules")
    browser.wait_gone("[data-test=rule-filter]")
    assert "rule=" not in browser.driver.current_url


class Receiver:
    """An HTTP server on 127.0.0.1 that takes every POST with a 200; with hold=True, it answers
    only once release() is called."""

    def __init__(self, port=0, hold=False):
        received = self.received = []
        released = self.released = threading.Event()
        if not hold:
            released.set()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                released.wait(30)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self):
        self.released.set()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_dead_delivery_is_retried_and_its_attempts_listed(browser, web_server, unique):
    api = web_server.client()
    # A port that nothing listens on (for now).
    probe = Receiver()
    port = probe.port
    probe.close()
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": unique("Tell the warehouse"), "model_id": partner_model(api), "state": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/hook"}])
    [partner] = api.ok("res.partner", "create", vals_list=[{"name": unique("Warehouse contact")}])
    api.ok("ir.actions.server", "run", ids=[action], context={"active_model": "res.partner", "active_ids": [partner]})
    [message] = api.ok("outbox.message", "search", domain=[["res_id", "=", partner], ["res_model", "=", "res.partner"]])
    browser.wait_until(lambda: api.ok("outbox.message", "read", ids=[message], fields=["state"])[0]["state"] == "dead")

    browser.log_in(place="logs/deliveries")
    browser.select("State", "Dead")
    row = f"[data-test=deliveries] tr[data-id='{message}']"
    browser.wait(row)
    assert "Dead" in browser.find(row).text and f"127.0.0.1:{port}" in browser.find(row).text
    browser.find(row).click()
    browser.wait_text("Dead", "[data-test=delivery-state]")
    assert browser.driver.current_url.endswith(f"#/logs/deliveries/{message}")
    attempts = browser.find_all("[data-test=attempts] tbody tr[data-id]")
    assert len(attempts) == 1 and "Couldn't connect" in attempts[0].text
    assert json.loads(browser.find("[data-test=body]").text)["_id"] == partner

    # The receiver is up now: Retry delivers the message, and the page follows it there.
    receiver = Receiver(port)
    try:
        browser.click("Retry")
        browser.notification("The message is queued again.")
        browser.wait_text("Delivered", "[data-test=delivery-state]")
        browser.wait_until(lambda: len(browser.find_all("[data-test=attempts] tbody tr[data-id]")) == 2)
        newest = browser.find_all("[data-test=attempts] tbody tr[data-id]")[0]
        assert "200" in newest.text and "Delivered" in newest.text
        assert not browser.driver.find_elements(By.XPATH, "//button[normalize-space()='Retry']")
        assert len(receiver.received) == 1
    finally:
        receiver.close()
    row = api.ok("outbox.message", "read", ids=[message], fields=["state", "last_status"])[0]
    assert (row["state"], row["last_status"]) == ("delivered", 200)
    outcomes = api.ok("outbox.attempt", "search_read", domain=[["message_id", "=", message]],
                      fields=["outcome"], order="id")
    assert [o["outcome"] for o in outcomes] == ["dead", "delivered"]


def test_retry_is_refused_with_the_servers_message_when_the_message_moved_on(browser, web_server, unique):
    api = web_server.client()
    probe = Receiver()
    port = probe.port
    probe.close()
    [action] = api.ok("ir.actions.server", "create", vals_list=[{
        "name": unique("Tell the shop"), "model_id": partner_model(api), "state": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/hook"}])
    [partner] = api.ok("res.partner", "create", vals_list=[{"name": unique("Shop contact")}])
    api.ok("ir.actions.server", "run", ids=[action], context={"active_model": "res.partner", "active_ids": [partner]})
    [message] = api.ok("outbox.message", "search", domain=[["res_id", "=", partner], ["res_model", "=", "res.partner"]])
    state = lambda: api.ok("outbox.message", "read", ids=[message], fields=["state"])[0]["state"]
    browser.wait_until(lambda: state() == "dead")
    browser.log_in(place=f"logs/deliveries/{message}")
    browser.wait_text("Dead", "[data-test=delivery-state]")
    # Someone else retries it first (here over the API) and the receiver takes its time: the
    # message is being sent when the page's Retry reaches the server, which refuses it.
    receiver = Receiver(port, hold=True)
    try:
        assert api.ok("outbox.message", "action_retry", ids=[message]) is True
        browser.wait_until(lambda: receiver.received)
        assert state() == "sending"
        browser.click("Retry")
        browser.wait_text("Only a dead or failed message", "[data-test=retry-error]")
        browser.wait_text("Sending", "[data-test=delivery-state]")  # the page shows where it is now
        receiver.release()
        browser.click("Refresh")
        browser.wait_text("Delivered", "[data-test=delivery-state]")
    finally:
        receiver.close()
