"""Group commit seen from outside (docs/architecture.md, "Group commit"): concurrent writes share
transactions, a request that fails inside a group changes nothing and does not disturb the
others, and no acknowledged write is lost when the server is killed while groups commit."""

import re
import threading

from helpers import Client


def metric(server, name):
    status, _, body = Client("127.0.0.1", server.port).get("/metrics")
    assert status == 200
    m = re.search(rf"^{name} (\d+)$", body if isinstance(body, str) else body.decode(), re.M)
    assert m, name
    return int(m.group(1))


def hammer(server, threads, each, make_vals, results):
    """`threads` clients, each creating `each` partners; results gets (status, vals, answer)."""
    lock = threading.Lock()

    def client(t):
        c = server.client()
        for i in range(each):
            vals = make_vals(t, i)
            status, answer = c.call("res.partner", "create", vals_list=[vals])[:2]
            with lock:
                results.append((status, vals, answer))

    workers = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def test_a_failing_request_in_a_group_changes_nothing_and_harms_no_other(server_factory):
    fresh = server_factory()
    results = []

    def vals(t, i):
        # Every third request is refused by a constraint after part of its work (the name is
        # required): its caller alone gets the error.
        return {"name": False if (t + i) % 3 == 0 else f"Group {t}/{i}", "comment": f"{t}/{i}"}

    hammer(fresh, 12, 15, vals, results)
    good = [(v, a) for s, v, a in results if s == 200]
    bad = [(s, v, a) for s, v, a in results if s != 200]
    assert len(good) + len(bad) == 180
    assert bad and all(400 <= s < 500 for s, _, _ in bad), bad[:3]
    api = fresh.client()
    rows = api.ok("res.partner", "search_read", domain=[["name", "=like", "Group %"]],
                  fields=["name", "comment"])
    assert sorted(r["id"] for r in rows) == sorted(a[0] for _, a in good)
    assert {r["name"] for r in rows} == {v["name"] for v, _ in good}
    failed_comments = {v["comment"] for _, v, _ in bad}
    assert api.ok("res.partner", "search_count", domain=[["comment", "in", sorted(failed_comments)]]) == 0
    works = metric(fresh, "autorules_write_group_works_total")
    groups = metric(fresh, "autorules_write_groups_total")
    assert works >= 180 and 1 <= groups <= works


def test_no_acknowledged_write_is_lost_when_the_server_is_killed(server_factory, tmp_path):
    db = str(tmp_path / "crash.db")
    s = server_factory(db=db)
    acknowledged = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(t):
        c = s.client()
        i = 0
        while not stop.is_set():
            try:
                status, answer = c.call("res.partner", "create",
                                        vals_list=[{"name": f"Durable {t}/{i}"}])[:2]
            except OSError:
                return  # the server is gone
            if status == 200:
                with lock:
                    acknowledged.append(answer[0])
            i += 1

    workers = [threading.Thread(target=client, args=(t,)) for t in range(16)]
    for w in workers:
        w.start()
    while True:
        with lock:
            if len(acknowledged) >= 300:
                break
        threading.Event().wait(0.01)
    s.kill()  # SIGKILL while groups are committing
    stop.set()
    for w in workers:
        w.join()
    with lock:
        acked = sorted(acknowledged)
    again = server_factory(db=db)
    found = again.client().ok("res.partner", "search", domain=[["id", "in", acked]])
    assert sorted(found) == acked
