#!/usr/bin/python3
"""Outgoing webhooks benchmarks (bench/run webhooks), against a running autorules server.

    webhook_bench.py deliveries PORT KEY RECEIVER_URL COUNT_URL N
        (c) N messages committed at once, delivered to a receiver that answers at once:
        prints deliveries per second (commit to the last one received).
    webhook_bench.py latency PORT KEY
        (d) 100 messages per second; prints the median time from commit to delivery and the
        median bare POST round trip to the same receiver, in microseconds.
"""

import http.client
import http.server
import json
import statistics
import sys
import threading
import time
import urllib.request


def call(port, key, model, method, **params):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/json/2/{model}/{method}",
                                 data=json.dumps(params).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"bearer {key}"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def webhook_rule(port, key, url, prefix):
    name_field = call(port, key, "ir.model.fields", "search",
                      domain=[["model", "=", "res.partner"], ["name", "=", "name"]])[0]
    call(port, key, "base.automation", "create", vals_list=[{
        "name": "Notify", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": f"[('name', 'like', '{prefix}')]",
        "action_server_ids": [[0, 0, {"name": "Notify", "state": "webhook", "webhook_url": url,
                                      "webhook_field_ids": [[6, 0, [name_field]]]}]]}])


def deliveries(port, key, receiver_url, count_url, n):
    webhook_rule(port, key, receiver_url, "Bench")
    before = int(urllib.request.urlopen(count_url).read())
    call(port, key, "res.partner", "create", vals_list=[{"name": f"Bench {i}"} for i in range(n)])
    t0 = time.perf_counter()
    while int(urllib.request.urlopen(count_url).read()) - before < n:
        time.sleep(0.01)
    print(f"{n / (time.perf_counter() - t0):.1f}")


def latency(port, key):
    arrivals = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            now = time.perf_counter()
            try:
                arrivals[json.loads(body).get("name")] = now
            except ValueError:
                pass
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    rport = srv.server_address[1]
    webhook_rule(port, key, f"http://127.0.0.1:{rport}/hook", "Latency")
    committed = {}
    for i in range(200):
        start = time.perf_counter()
        call(port, key, "res.partner", "create", vals_list=[{"name": f"Latency {i}"}])
        committed[f"Latency {i}"] = time.perf_counter()
        time.sleep(max(0.0, 0.01 - (time.perf_counter() - start)))
    deadline = time.perf_counter() + 10
    while len(arrivals) < 200 and time.perf_counter() < deadline:
        time.sleep(0.01)
    lat = [max(0.0, arrivals[k] - committed[k]) for k in committed if k in arrivals]
    conn = http.client.HTTPConnection("127.0.0.1", rport)
    rtt = []
    for i in range(200):
        t = time.perf_counter()
        conn.request("POST", "/hook", body=json.dumps({"name": f"bare {i}"}),
                     headers={"Content-Type": "application/json"})
        conn.getresponse().read()
        rtt.append(time.perf_counter() - t)
    srv.shutdown()
    print(f"{statistics.median(lat) * 1e6:.0f} {statistics.median(rtt) * 1e6:.0f} {len(lat)}")


if __name__ == "__main__":
    if sys.argv[1] == "deliveries":
        deliveries(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        latency(sys.argv[2], sys.argv[3])
