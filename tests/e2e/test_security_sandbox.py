"""The sandbox's bounds through the real server: work the time limit cannot interrupt (big
integers) is refused at once while the server keeps answering, C work that checks the limit itself
(hashing a value that shares its parts) stops at it, log() rows are capped, values that contain
themselves are refused, and sudo() is allowed to the administrator's code (code of other users is
refused it: tests/script/privilege_test.cc)."""

import threading
import time

import pytest

from helpers import assert_error

LOG_CAP = 64 * 1024


def partner_model(api):
    return api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]


def code_action(api, code, name="Sandbox bounds"):
    return api.ok("ir.actions.server", "create", vals_list=[{
        "name": name, "model_id": partner_model(api), "state": "code", "code": code}])[0]


def run(api, action, ids=()):
    ids = list(ids)
    return api.call("ir.actions.server", "run", ids=[action],
                    context={"active_model": "res.partner", "active_ids": ids,
                             "active_id": ids[0] if ids else False})


def run_timed_while_polling(api, action, ids=()):
    """Runs the action (on `ids`) in a thread while polling /health; (status, body, seconds,
    health statuses seen meanwhile)."""
    result = {}

    def call():
        started = time.monotonic()
        result["response"] = run(api, action, ids)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=call)
    thread.start()
    health = []
    while thread.is_alive():
        health.append(api.get("/health")[0])
        time.sleep(0.05)
    thread.join()
    status, body = result["response"]
    return status, body, result["seconds"], health


@pytest.mark.parametrize("code", [
    "x = 7 ** (2 * 10**6) // 7 ** (10**6)",
    "x = int.from_bytes(b'\\xff' * 10**6, 'big') % 7",
    "x = 3\nfor i in range(40):\n    x *= x",
    "x = divmod(int.from_bytes(b'\\xff' * 10**6, 'big'), 3)",
])
def test_big_integer_work_is_refused_within_the_time_limit(fresh, code):
    action = code_action(fresh, code)
    status, body, seconds, health = run_timed_while_polling(fresh, action)
    assert_error((status, body), 422, None, "integer too large")
    assert seconds < 5, seconds
    assert all(s == 200 for s in health), health
    assert fresh.get("/health")[0] == 200


def test_a_long_sum_is_stopped_by_the_time_limit_and_other_python_runs_meanwhile(server_factory):
    api = server_factory(extra_args=["--script-timeout", "1"]).client()
    slow = code_action(api, "row = list(range(200))\nx = sum(map(max, [row] * 20000000))")
    quick = code_action(api, "action = {'answer': 6 * 7}")
    result = {}

    def call():
        started = time.monotonic()
        result["response"] = run(api, slow)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)  # the sum is running
    started = time.monotonic()
    assert run(api, quick) == (200, {"answer": 42})
    quick_seconds = time.monotonic() - started
    thread.join()
    assert_error(result["response"], 422, None, "time limit")
    assert result["seconds"] < 4, result["seconds"]
    assert quick_seconds < 3, quick_seconds


def test_hashing_a_value_that_shares_its_parts_stops_at_the_time_limit(server_factory):
    # 40 levels of (t, t): {t} would hash 2**40 leaves in C, holding the GIL for ever.
    api = server_factory(extra_args=["--script-timeout", "1"]).client()
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Kept"}])[0]
    action = code_action(api, "t = (1,)\nfor i in range(40):\n    t = (t, t)\nx = {t}\n"
                              "records.write({'name': 'Changed'})")
    status, body, seconds, health = run_timed_while_polling(api, action, [pid])
    assert_error((status, body), 422, None, "time limit")
    assert seconds < 3, seconds
    assert health and all(s == 200 for s in health), health
    assert api.ok("res.partner", "read", ids=[pid], fields=["name"])[0]["name"] == "Kept"
    quick = code_action(api, "action = {'n': len({(1, (2,)), (1, (2,))})}")
    assert run(api, quick) == (200, {"n": 1})


def test_a_400_mb_log_leaves_one_row_of_at_most_the_cap(fresh):
    action = code_action(fresh, "log('x' * (400 * 2**20))\nwhile True:\n    pass", name="Big log")
    status, body, _seconds, health = run_timed_while_polling(fresh, action)
    assert_error((status, body), 422, None, "time limit")
    assert len(body["message"]) < 20000
    assert all(s == 200 for s in health), health
    rows = fresh.ok("ir.logging", "search_read", domain=[["func", "=", "Big log"]],
                    fields=["message"])
    assert len(rows) == 1
    message = rows[0]["message"]
    assert len(message.encode()) <= LOG_CAP
    assert message.endswith("(truncated, 419430400 characters)")


def test_log_rows_of_one_call_are_capped(fresh):
    action = code_action(fresh, "for i in range(3000):\n    log('row %d' % i)", name="Chatty")
    assert run(fresh, action)[0] == 200
    assert fresh.ok("ir.logging", "search_count", domain=[["func", "=", "Chatty"]]) == 1000
    dropped = fresh.ok("ir.logging", "search_read",
                       domain=[["message", "ilike", "2000 more log rows"]], fields=["level"])
    assert dropped == [{"id": dropped[0]["id"], "level": "WARNING"}]


@pytest.mark.parametrize("code, fragment", [
    ("a = []\na.append(a)\naction = a", "contains itself"),
    ("d = {}\nd['d'] = d\nrecords.write({'comment': d})", "contains itself"),
    ("a = []\nfor i in range(1000):\n    a = [a]\naction = a", "nested more than 256 levels"),
    ("raise ValueError('x' * 10**8)", "truncated, 100000000 characters"),
])
def test_tangled_or_huge_values_give_a_422_and_the_server_still_answers(fresh, code, fragment):
    pid = fresh.ok("res.partner", "create", vals_list=[{"name": "Kept"}])[0]
    action = code_action(fresh, code)
    status, body = run(fresh, action, [pid])
    assert_error((status, body), 422, None, fragment)
    assert len(body["message"]) < 20000 and len(body["debug"]) < 40000
    assert fresh.get("/health")[0] == 200
    assert fresh.ok("res.partner", "read", ids=[pid], fields=["comment"])[0]["comment"] is False
    assert run(fresh, code_action(fresh, "action = 1"))[0] == 200


def test_sudo_in_a_code_action_run_by_the_admin_is_allowed(fresh):
    # (Code of a user who is not an administrator is refused sudo(): tests/script.)
    action = code_action(fresh, "action = {'su': env['res.partner'].sudo().env.su, "
                                "'user_su': env.user.env.su}")
    assert run(fresh, action) == (200, {"su": True, "user_su": False})
