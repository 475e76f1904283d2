"""The HTTP endpoints besides JSON-2 (/web/version, /doc, /doc/<model>.json, /health, /metrics)
and the server process: graceful shutdown on SIGTERM, durability across restarts, and a port that
is already in use."""

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error

import pytest

from helpers import ADMIN_KEY, BIN, ERROR_KEYS, MODULES_PATH, assert_error


def test_web_version_answers_without_a_key(demo):
    status, headers, data = demo.get("/web/version")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("application/json")
    info = json.loads(data)
    assert isinstance(info["server_version"], str) and info["server_version"].startswith("19")
    vi = info["server_version_info"]
    assert isinstance(vi, list) and vi[0] == 19 and len(vi) >= 5


def test_doc_is_an_html_page_naming_the_models_fields_and_methods(demo):
    status, headers, data = demo.get("/doc", auth=True)
    assert status == 200
    assert headers.get("Content-Type", "").startswith("text/html")
    html = data.decode()
    assert "<html" in html.lower()
    for name in ("res.partner", "crm.lead", "sale.order", "project.task", "ir.model", "category_id",
                 "search_read", "name_search"):
        assert name in html, name


def test_doc_model_json_lists_fields_and_methods(demo):
    status, headers, data = demo.get("/doc/res.partner.json", auth=True)
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


def test_doc_lists_only_methods_a_client_can_call(demo):
    """/doc lists no private method (`_cron_...`, `_gc_...`): each listed method, called with an
    unknown parameter, is refused for that parameter (422, nothing runs), never 404 as private."""
    models = [m["model"] for m in demo.ok("ir.model", "search_read", domain=[], fields=["model"])]
    assert "base.automation" in models and "outbox.message" in models
    for model in models:
        status, _, data = demo.get(f"/doc/{model}.json", auth=True)
        assert status == 200, (model, status, data)
        names = [m["name"] for m in json.loads(data)["methods"]]
        assert names, model
        private = [n for n in names if n.startswith("_")]
        assert not private, f"/doc lists private methods of {model}: {private}"
        for name in names:
            status, body = demo.post_raw(model, name, json.dumps({"no_such_parameter": 1}))
            assert status == 422 and "unexpected keyword argument" in body["message"], \
                f"{model}/{name} listed by /doc answers {status}: {body}"


def test_doc_of_an_app_model_and_of_an_unknown_model(demo):
    status, _, data = demo.get("/doc/crm.lead.json", auth=True)
    assert status == 200
    fields = json.loads(data)["fields"]
    assert fields["employee"]["type"] == "boolean" and fields["employee"].get("related") == "partner_id.employee"
    status, _, data = demo.get("/doc/no.such.model.json", auth=True)
    assert_error((status, json.loads(data)), 404, "werkzeug.exceptions.NotFound", "no.such.model")


def test_doc_shows_a_model_made_at_run_time_at_once(fresh):
    fresh.ok("ir.model", "create", vals_list=[{"name": "Documented", "model": "x_documented", "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_weight", "ttype": "float", "field_description": "Weight"}]]}])
    status, _, data = fresh.get("/doc/x_documented.json", auth=True)
    assert status == 200 and "x_weight" in json.loads(data)["fields"]
    assert "x_documented" in fresh.get("/doc", auth=True)[2].decode()


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


# -- /doc needs a key ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/doc", "/doc/res.partner.json", "/doc/no.such.model.json"])
def test_doc_without_a_key_or_with_a_bad_key_is_401_and_lists_nothing(demo, path):
    for headers, fragment in (({}, "Missing API key"),
                              ({"Authorization": "bearer " + "0" * 40}, "Invalid apikey"),
                              ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "Invalid apikey")):
        status, _, data = demo.get(path, headers=headers)
        body = assert_error((status, json.loads(data)), 401, "odoo.exceptions.AccessDenied", fragment)
        for name in ("res.partner", "crm.lead", "category_id", "search_read"):
            assert name not in json.dumps(body), (path, name, body)


# -- HTTP/1.1 on raw sockets ---------------------------------------------------------------------

class Raw:
    """One connection to the server, speaking raw HTTP/1.1."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def response(self):
        """(status, headers with lower-case names, body) of the next response on the connection."""
        line = self.file.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        status = int(line.split()[1])
        headers = {}
        while True:
            line = self.file.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0"))
        return status, headers, self.file.read(n) if n else b""

    def closed_by_server(self):
        """True when the server has closed the connection (waits up to the socket's timeout)."""
        try:
            return self.file.read(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.file.close()
        self.sock.close()


def json2_request(model, method, params, key=ADMIN_KEY, extra=""):
    body = json.dumps(params)
    return (f"POST /json/2/{model}/{method} HTTP/1.1\r\nHost: x\r\nAuthorization: bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n{body}")


def test_health_and_json2_answer_while_100_connections_trickle_their_headers(server_factory):
    server = server_factory()
    api = server.client()
    tricklers = []
    for _ in range(100):
        t = Raw(server.port, timeout=1)
        t.send("GET /health HTTP/1.1\r\nHost: x\r\n")
        tricklers.append([t, time.monotonic(), None])  # connection, opened, closed
    stop = threading.Event()

    def trickle():  # one header line a second on every connection, until the server closes it
        while not stop.is_set() and any(closed is None for _, _, closed in tricklers):
            for entry in tricklers:
                if entry[2] is None:
                    try:
                        entry[0].send("X-Slow: 1\r\n")
                    except OSError:
                        entry[2] = time.monotonic()
            stop.wait(1)

    thread = threading.Thread(target=trickle)
    thread.start()
    try:
        time.sleep(2)
        assert api.get("/health")[0] == 200
        assert api.ok("res.partner", "search_count", domain=[]) >= 1
        [pid] = api.ok("res.partner", "create", vals_list=[{"name": "Not slowed down"}])
        assert api.ok("res.partner", "read", ids=[pid], fields=["name"])[0]["name"] == "Not slowed down"
        # The header deadline (10 s by default, for the whole header) closes every trickler.
        for entry in tricklers:
            conn, opened, _ = entry
            conn.sock.settimeout(max(0.1, opened + 12.5 - time.monotonic()))
            try:
                closed = conn.closed_by_server()
            except (socket.timeout, OSError):
                closed = False
            assert closed, f"a connection trickling its header was still open after {time.monotonic() - opened:.1f}s"
            if entry[2] is None:
                entry[2] = time.monotonic()
    finally:
        stop.set()
        thread.join(timeout=10)
        for conn, _, _ in tricklers:
            conn.close()
    assert api.get("/health")[0] == 200


def test_two_different_content_length_headers_are_400(api):
    c = Raw(api.port)
    try:
        c.send("POST /json/2/res.partner/search_count HTTP/1.1\r\nHost: x\r\n"
               f"Authorization: bearer {ADMIN_KEY}\r\nContent-Length: 2\r\nContent-Length: 14\r\n\r\n"
               '{"domain": []}')
        status, headers, body = c.response()
        assert_error((status, json.loads(body)), 400, "werkzeug.exceptions.BadRequest", "malformed")
        assert headers.get("content-type", "").startswith("application/json")
        assert headers.get("connection") == "close"
        assert c.closed_by_server()
    finally:
        c.close()


def test_a_chunked_body_is_read_and_one_over_the_limit_is_413(server_factory):
    api = server_factory(extra_args=["--max-body-size", "1k"]).client()
    c = Raw(api.port)
    try:
        head = ("POST /json/2/res.partner/search_count HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: bearer {ADMIN_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n")
        c.send(head + "b\r\n{\"domain\": \r\n3\r\n[]}\r\n0\r\n\r\n")
        status, _, body = c.response()
        assert (status, json.loads(body)) == (200, api.ok("res.partner", "search_count", domain=[]))
        # the same connection, a body of 3 chunks of 600 bytes: over 1k
        chunk = "6" * 600
        c.send(head + "".join(f"{len(chunk):x}\r\n{chunk}\r\n" for _ in range(3)) + "0\r\n\r\n")
        status, headers, body = c.response()
        assert_error((status, json.loads(body)), 413, "werkzeug.exceptions.RequestEntityTooLarge")
        assert headers.get("connection") == "close"
    finally:
        c.close()
    assert api.get("/health")[0] == 200


def test_a_request_without_content_length_or_chunked_has_an_empty_body(fresh):
    c = Raw(fresh.port, timeout=10)
    try:
        c.send("PUT /web/hook/anything HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = c.response()
        assert status == 405 and headers.get("allow") == "GET, POST"
        assert json.loads(body)["status"] == "error"
        # the same connection: a POST without a body is answered too, not waited on
        c.send("POST /web/hook/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = c.response()
        assert (status, json.loads(body)) == (404, {"status": "error"})
    finally:
        c.close()


def test_expect_100_continue_gets_100_then_the_answer(api):
    c = Raw(api.port, timeout=10)
    try:
        body = json.dumps({"domain": []})
        c.send("POST /json/2/res.partner/search_count HTTP/1.1\r\nHost: x\r\n"
               f"Authorization: bearer {ADMIN_KEY}\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n")
        status, _, _ = c.response()
        assert status == 100
        c.send(body)
        status, _, data = c.response()
        assert status == 200 and isinstance(json.loads(data), int)
    finally:
        c.close()


def test_pipelined_requests_are_answered_in_order(api):
    c = Raw(api.port, timeout=10)
    try:
        c.send("GET /web/version HTTP/1.1\r\nHost: x\r\n\r\n"
               + json2_request("res.partner", "search_count", {"domain": [["id", "=", -1]]})
               + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
               + "GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, data = c.response()
        assert status == 200 and "server_version" in json.loads(data)
        status, _, data = c.response()
        assert (status, json.loads(data)) == (200, 0)
        status, _, data = c.response()
        assert status == 200 and json.loads(data)["status"] == "pass"
        status, _, data = c.response()
        assert_error((status, json.loads(data)), 404, "werkzeug.exceptions.NotFound", "/nothing/here")
    finally:
        c.close()


def test_http_1_0_and_connection_close_close_after_the_answer(api):
    for request in ("GET /health HTTP/1.0\r\n\r\n", "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        c = Raw(api.port, timeout=10)
        try:
            c.send(request)
            status, headers, _ = c.response()
            assert status == 200 and headers.get("connection") == "close", request
            assert c.closed_by_server(), request
        finally:
            c.close()
    c = Raw(api.port, timeout=10)  # HTTP/1.0 asking for keep-alive keeps it
    try:
        for _ in range(2):
            c.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            status, headers, _ = c.response()
            assert status == 200 and headers.get("connection", "").lower() == "keep-alive"
    finally:
        c.close()


def test_malformed_requests_and_huge_headers_are_refused_with_a_json_error(api):
    for request, status in (("GET / HTTP/9.9\r\n\r\n", 400),
                            ("NOT A REQUEST\r\n\r\n", 400),
                            ("POST /json/2/res.partner/search HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", 400),
                            ("POST /web/hook/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                            ("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b" * 70000 + "\r\n\r\n", 431)):
        c = Raw(api.port, timeout=10)
        try:
            c.send(request)
            got, headers, body = c.response()
            assert got == status, (request[:60], got, body)
            assert ERROR_KEYS <= set(json.loads(body)), body
            assert headers.get("connection") == "close"
        finally:
            c.close()
    assert api.get("/health")[0] == 200


def test_sigterm_stops_at_once_with_idle_keep_alive_and_trickling_connections_open(server_factory):
    server = server_factory()
    idle, tricklers = [], []
    try:
        for _ in range(20):
            c = Raw(server.port, timeout=10)
            c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.response()[0] == 200  # now idle, kept alive
            idle.append(c)
        for _ in range(20):
            c = Raw(server.port, timeout=10)
            c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
            tricklers.append(c)
        start = time.monotonic()
        assert server.stop() == 0  # within helpers.STOP_TIMEOUT (5 s), exit status 0
        assert time.monotonic() - start < 5
        assert all(c.closed_by_server() for c in idle + tricklers)
    finally:
        for c in idle + tricklers:
            c.close()


def test_1000_concurrent_keep_alive_connections_all_get_an_answer(server_factory):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2200:
        pytest.skip(f"the open-file limit ({hard}) is too low for 1,000 connections on both sides")
    # The server starts with a soft limit of 256 (inherited): it must raise its own to the hard one.
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        server = server_factory()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2200) if hard == resource.RLIM_INFINITY
                                                    else min(hard, max(soft, 2200)), hard))
    with open(f"/proc/{server.proc.pid}/limits") as f:
        line = next(l for l in f if l.startswith("Max open files"))
    assert line.split()[3] == line.split()[4] or int(line.split()[3]) >= 2048, line
    conns = []
    try:
        for _ in range(1000):
            conns.append(Raw(server.port, timeout=60))
        for c in conns:
            c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert [c.response()[0] for c in conns] == [200] * 1000
        for c in conns:  # the same connections, kept alive
            c.send("GET /web/version HTTP/1.1\r\nHost: x\r\n\r\n")
        assert [c.response()[0] for c in conns] == [200] * 1000
    finally:
        for c in conns:
            c.close()
    assert server.client().get("/health")[0] == 200


def test_connections_beyond_max_connections_are_closed_at_once_and_the_held_ones_still_answer(
        server_factory):
    server = server_factory(extra_args=("--max-connections", "3"))
    held = [Raw(server.port, timeout=10) for _ in range(3)]
    try:
        for c in held:
            c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.response()[0] == 200
        extra = Raw(server.port, timeout=10)
        assert extra.closed_by_server()
        extra.close()
        for c in held:
            c.send("GET /web/version HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.response()[0] == 200
    finally:
        for c in held:
            c.close()
    # Once the server has seen them go (on its own time: the closes race this client), a new
    # client gets in again.
    for _ in range(100):
        try:
            if server.client().get("/health")[0] == 200:
                break
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    else:
        pytest.fail("no client got in after the held connections were closed")


@pytest.mark.parametrize("value", ["0", "-1", "2000000", "many"])
def test_a_bad_max_connections_stops_the_start(value):
    done = subprocess.run([BIN, "serve", "--db", "sqlite::memory:", "--http-port", "0",
                           "--max-connections", value, "--modules-path", MODULES_PATH],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--max-connections" in done.stderr
