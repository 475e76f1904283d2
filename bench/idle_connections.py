#!/usr/bin/python3
"""Holds N idle keep-alive connections to a server (each has made one GET /health and is then
left open), and measures what they cost it: its extra resident memory and the latency of
/health on another connection while they are held (bench/run).

    idle_connections.py PORT SERVER_PID N

Prints: the count held, extra RSS in MiB, KiB per connection, /health p50 and p99 in ms with the
connections held, and p50 and p99 before they were opened.
"""

import http.client
import selectors
import socket
import sys
import time

REQUEST = b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def health_latencies(port, n=300):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    out = []
    for _ in range(n):
        t = time.perf_counter()
        c.request("GET", "/health")
        r = c.getresponse()
        r.read()
        out.append((time.perf_counter() - t) * 1000)
        assert r.status == 200, r.status
    c.close()
    out.sort()
    return out[len(out) // 2], out[int(len(out) * 0.99) - 1]


def open_idle(port, n, batch=500):
    held = []
    sel = selectors.DefaultSelector()
    for start in range(0, n, batch):
        pending = {}
        for _ in range(min(batch, n - start)):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(REQUEST)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            pending[s] = b""
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                data = s.recv(65536)
                if not data:
                    raise RuntimeError("a connection was closed by the server")
                pending[s] += data
                if b"\r\n\r\n" in pending[s]:  # /health's small answer: header and body at once
                    sel.unregister(s)
                    del pending[s]
                    held.append(s)
        if pending:
            raise RuntimeError(f"{len(pending)} connections got no answer")
    return held


def main():
    port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    before_p50, before_p99 = health_latencies(port)
    base = rss_kib(pid)
    held = open_idle(port, n)
    time.sleep(0.5)
    extra = rss_kib(pid) - base
    p50, p99 = health_latencies(port)
    alive = 0
    for s in held:  # still open: nothing to read, no EOF
        try:
            s.recv(1)  # b"": closed by the server
        except BlockingIOError:
            alive += 1
    print(f"{alive} {extra / 1024:.1f} {extra / max(1, n):.1f} {p50:.2f} {p99:.2f} "
          f"{before_p50:.2f} {before_p99:.2f}")
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
