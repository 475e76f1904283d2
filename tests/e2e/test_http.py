"""The HTTP endpoints besides JSON-2 (/web/version, /doc, /doc/<model>.json, /health, /metrics)
and the server process: graceful shutdown on SIGTERM, durability across restarts, and a port that
is already in use."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error

import pytest

from helpers import ADMIN_KEY, BIN, MODULES_PATH, assert_error


def test_web_version_answers_without_a_key(demo):
    status, headers, data = demo.get("/web/version")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("application/json")
    info = json.loads(data)
    assert isinstance(info["server_version"], str) and info["server_version"].startswith("19")
    vi = info["server_version_info"]
    assert isinstance(vi, list) and vi[0] == 19 and len(vi) >= 5


def test_doc_is_an_html_page_naming_the_models_fields_and_methods(demo):
    status, headers, data = demo.get("/doc")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("text/html")
    html = data.decode()
    assert "<html" in html.lower()
    for name in ("res.partner", "crm.lead", "sale.order", "project.task", "ir.model", "category_id",
                 "search_read", "name_search"):
        assert name in html, name


def test_doc_model_json_lists_fields_and_methods(demo):
    status, headers, data = demo.get("/doc/res.partner.json")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("application/json")
    doc = json.loads(data)
    assert doc["model"] == "res.partner"
    fields = doc["fields"]
    assert fields["name"]["type"] == "char" and fields["parent_id"]["relation"] == "res.partner"
    assert {"id", "display_name", "create_date", "write_uid", "email", "category_id"} <= set(fields)
    methods = {m["name"]: m for m in doc["methods"]}
    assert {"search", "search_count", "search_read", "read", "create", "write", "unlink", "copy", "fields_get",
            "name_search", "default_get"} <= set(methods)
    assert "vals_list" in methods["create"]["parameters"]
    assert "domain" in methods["search"]["parameters"]
    # the same fields as fields_get
    assert set(fields) == set(demo.ok("res.partner", "fields_get", attributes=["type"]))


def test_doc_of_an_app_model_and_of_an_unknown_model(demo):
    status, _, data = demo.get("/doc/crm.lead.json")
    assert status == 200
    fields = json.loads(data)["fields"]
    assert fields["employee"]["type"] == "boolean" and fields["employee"].get("related") == "partner_id.employee"
    status, _, data = demo.get("/doc/no.such.model.json")
    assert_error((status, json.loads(data)), 404, "werkzeug.exceptions.NotFound", "no.such.model")


def test_doc_shows_a_model_made_at_run_time_at_once(fresh):
    fresh.ok("ir.model", "create", vals_list=[{"name": "Documented", "model": "x_documented", "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_weight", "ttype": "float", "field_description": "Weight"}]]}])
    status, _, data = fresh.get("/doc/x_documented.json")
    assert status == 200 and "x_weight" in json.loads(data)["fields"]
    assert "x_documented" in fresh.get("/doc")[2].decode()


def test_health_answers_when_the_database_is_there(demo):
    status, headers, data = demo.get("/health")
    assert status == 200
    assert json.loads(data)["status"] == "pass"


def test_metrics_count_calls_in_prometheus_text_format(fresh):
    fresh.call("res.partner", "search_count", domain=[])
    fresh.call("res.nothing", "search_count", domain=[])
    status, headers, data = fresh.get("/metrics")
    assert status == 200 and headers.get("Content-Type", "").startswith("text/plain")
    text = data.decode()
    assert "# TYPE" in text
    samples = [l for l in text.splitlines() if l and not l.startswith("#")]
    assert samples and all(len(l.split()) == 2 for l in samples), samples


def local_addresses():
    """This machine's IPv4 addresses other than loopback."""
    addrs = set()
    try:
        addrs |= {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing address
            addrs.add(s.getsockname()[0])
    except OSError:
        pass
    return {a for a in addrs if not a.startswith("127.") and a != "0.0.0.0"}


def test_the_server_listens_on_127_0_0_1_only(demo_server):
    # the fixture asks for --http-interface 127.0.0.1: another address of this machine must not answer
    addrs = local_addresses()
    if not addrs:
        pytest.skip("this machine has no address besides loopback")
    for addr in addrs:
        with socket.socket() as s:
            s.settimeout(1)
            assert s.connect_ex((addr, demo_server.port)) != 0, f"answers on {addr}"


def test_a_second_server_on_a_port_in_use_fails_to_start(server_factory, tmp_path):
    first = server_factory()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    env["AUTORULES_ADMIN_KEY"] = ADMIN_KEY
    log = tmp_path / "second.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([BIN, "serve", "--db", f"sqlite:{tmp_path}/other.db", "--http-interface", "127.0.0.1",
                                 "--http-port", str(first.port), "--modules-path", MODULES_PATH],
                                cwd=str(tmp_path), env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline and "serving" not in log.read_text():
            time.sleep(0.05)
        if proc.poll() is None:
            pytest.fail("a second server started on a port that is in use (the kernel then shares the "
                        "connections between the two):\n" + log.read_text())
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    assert proc.returncode != 0
    assert str(first.port) in log.read_text() or "in use" in log.read_text(), log.read_text()


def test_sigterm_stops_the_server_cleanly(server_factory):
    server = server_factory()
    server.client().ok("res.partner", "create", vals_list=[{"name": "Before SIGTERM"}])
    assert server.stop() == 0


def test_sigterm_finishes_a_call_in_flight(server_factory):
    server = server_factory()
    api = server.client()
    result = {}

    def big_create():
        result["response"] = api.call("res.partner", "create",
                                      vals_list=[{"name": f"In flight {i}", "function": "flight"} for i in range(20000)])

    t = threading.Thread(target=big_create)
    t.start()
    time.sleep(0.25)
    server.proc.send_signal(signal.SIGTERM)
    t.join(timeout=30)
    assert server.proc.wait(timeout=15) == 0, server.output()
    status, ids = result["response"]
    assert status == 200 and len(ids) == 20000, (status, str(ids)[:200])
    again = server_factory(db=server.db).client()
    assert again.ok("res.partner", "search_count", domain=[["function", "=", "flight"]]) == 20000


def test_sigterm_while_calls_are_in_flight_keeps_every_call_that_returned_200(server_factory):
    server = server_factory()
    api = server.client()
    succeeded = []
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def hammer(worker):
        i = 0
        while not stop.is_set():
            name = f"Hammer {worker}-{i}"
            i += 1
            try:
                status, result = api.call("res.partner", "create",
                                          vals_list=[{"name": name, "function": "hammer"}])
            except (urllib.error.URLError, ConnectionError, OSError):
                return  # the server has stopped accepting
            if status == 200:
                with lock:
                    succeeded.append((name, result[0]))
            elif status >= 500:
                errors.append((name, status, result))
                return

    threads = [threading.Thread(target=hammer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.6)
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(timeout=15)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert code == 0, server.output()
    assert not errors, errors
    assert len(succeeded) > 10
    again = server_factory(db=server.db).client()
    rows = again.ok("res.partner", "search_read", domain=[["function", "=", "hammer"]], fields=["name"])
    stored = {r["name"]: r["id"] for r in rows}
    missing = [(n, i) for n, i in succeeded if stored.get(n) != i]
    assert not missing, f"{len(missing)} calls answered 200 but are not in the database: {missing[:5]}"


def test_data_survives_a_restart_on_the_same_database(server_factory):
    first = server_factory(demo=True)
    api = first.client()
    [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Durable", "email": "durable@example.com"}])
    key = api.ok("res.users.apikeys", "generate", name="durable key")
    leads = api.ok("crm.lead", "search_count", domain=[])
    first.stop()
    second = server_factory(db=first.db, demo=True)  # --demo again loads nothing twice
    api2 = second.client()
    assert api2.ok("res.partner", "read", ids=[pid], fields=["name", "email"]) == \
        [{"id": pid, "name": "Durable", "email": "durable@example.com"}]
    assert api2.ok("res.users", "context_get", key=key)["uid"] == 2
    assert api2.ok("crm.lead", "search_count", domain=[]) == leads
