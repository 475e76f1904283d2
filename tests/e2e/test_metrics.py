"""GET /metrics (Prometheus text format) with real values: API calls, rule runs and failures, action
runs and failures by type, outbox depth by state and delivery attempts by outcome, cron lag."""

import datetime
import re
import socket
import sqlite3
import time

from helpers import assert_error
from test_webhooks_out import Receiver

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(api):
    """{'name{labels}': value} of every sample; checks the format on the way: every metric has
    # HELP and # TYPE lines before its samples."""
    status, headers, data = api.get("/metrics")
    assert status == 200 and headers.get("Content-Type", "").startswith("text/plain")
    helped, typed, samples = set(), {}, {}
    for line in data.decode().splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in ("counter", "gauge"), line
            typed[name] = kind
        elif line:
            m = SAMPLE.match(line)
            assert m, f"not a sample: {line!r}"
            name = m.group(1)
            assert name in helped and name in typed, f"{name} has no # HELP or # TYPE before it"
            key = name + (m.group(2) or "")
            assert key not in samples, f"{key} twice"
            samples[key] = float(m.group(3))
    return samples


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"  # nothing listens there any more: connection refused


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def fmt(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def field_id(api, model, name):
    return api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", name]])[0]


def webhook_rule(api, url, name):
    api.ok("base.automation", "create", vals_list=[{
        "name": f"Notify {name}", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": repr([("name", "=", name)]),
        "action_server_ids": [[0, 0, {"name": "Notify", "state": "webhook", "webhook_url": url,
                                      "webhook_field_ids": [[6, 0, [field_id(api, "res.partner", "name")]]]}]]}])


def test_every_metric_is_there_with_help_and_type(fresh):
    m = scrape(fresh)
    for key in ["autorules_api_calls_total{status=\"2xx\"}", "autorules_api_call_seconds_total",
                "autorules_rule_runs_total", "autorules_rule_failures_total",
                "autorules_time_rule_failures_total", "autorules_cron_lag_seconds"]:
        assert key in m, key
    for t in ["object_write", "object_create", "object_copy", "code", "webhook", "multi"]:
        assert f'autorules_action_runs_total{{type="{t}"}}' in m
        assert f'autorules_action_failures_total{{type="{t}"}}' in m
    for s in ["pending", "sending", "failed", "dead"]:
        assert m[f'autorules_outbox_messages{{state="{s}"}}'] == 0
    for o in ["delivered", "retry", "failed", "dead"]:
        assert m[f'autorules_outbox_attempts_total{{outcome="{o}"}}'] == 0
    assert m["autorules_rule_runs_total"] == 0 and m["autorules_rule_failures_total"] == 0
    assert m["autorules_cron_lag_seconds"] == 0


def test_a_rule_run_and_its_action_run_are_counted_once(fresh):
    api = fresh
    api.ok("base.automation", "create", vals_list=[{
        "name": "Mark", "model_name": "res.partner", "trigger": "on_write",
        "filter_domain": "[('name', '=', 'Counted')]",
        "action_server_ids": [[0, 0, {"name": "mark", "state": "code",
                                      "code": "record.write({'comment': 'seen'})"}]]}])
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Counted"}])[0]
    before = scrape(api)
    api.ok("res.partner", "write", ids=[pid], vals={"email": "c@example.com"})
    after = scrape(api)
    d = delta(before, after)
    assert d.pop('autorules_api_calls_total{status="2xx"}') == 1
    d.pop("autorules_api_call_seconds_total")
    # one write, in one transaction (a group of one: nothing else was writing)
    assert d.pop("autorules_write_groups_total") == 1 and d.pop("autorules_write_group_works_total") == 1
    # the action's own write runs no rule again (the rule already processed the record)
    assert d == {"autorules_rule_runs_total": 1, 'autorules_action_runs_total{type="code"}': 1}
    assert api.ok("res.partner", "read", ids=[pid], fields=["comment"])[0]["comment"] == "seen"


def test_a_multi_action_counts_itself_and_its_children(fresh):
    api = fresh
    child = api.ok("ir.actions.server", "create", vals_list=[{
        "name": "set comment", "model_id": api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0],
        "state": "object_write", "update_path": "comment", "value": "multi"}])[0]
    api.ok("base.automation", "create", vals_list=[{
        "name": "On create", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('name', '=', 'Multi')]",
        "action_server_ids": [[0, 0, {"name": "both", "state": "multi", "child_ids": [[6, 0, [child]]]}]]}])
    before = scrape(api)
    api.ok("res.partner", "create", vals_list=[{"name": "Multi"}])
    d = delta(before, scrape(api))
    assert d["autorules_rule_runs_total"] == 1
    assert d['autorules_action_runs_total{type="multi"}'] == 1
    assert d['autorules_action_runs_total{type="object_write"}'] == 1
    assert not any("failures" in k for k in d), d


def test_a_failing_action_counts_a_rule_failure_and_an_action_failure(fresh):
    api = fresh
    api.ok("base.automation", "create", vals_list=[{
        "name": "Refuse", "model_name": "res.partner", "trigger": "on_create",
        "filter_domain": "[('name', '=', 'Refused')]",
        "action_server_ids": [[0, 0, {"name": "refuse", "state": "code",
                                      "code": "raise UserError('no thanks')"}]]}])
    before = scrape(api)
    assert_error(api.call("res.partner", "create", vals_list=[{"name": "Refused"}]), 422, None, "no thanks")
    d = delta(before, scrape(api))
    assert d["autorules_rule_runs_total"] == 1
    assert d["autorules_rule_failures_total"] == 1
    assert d['autorules_action_runs_total{type="code"}'] == 1
    assert d['autorules_action_failures_total{type="code"}'] == 1
    assert d['autorules_api_calls_total{status="4xx"}'] == 1
    # a call that does not fire the rule changes none of them
    before = scrape(api)
    api.ok("res.partner", "create", vals_list=[{"name": "Welcome"}])
    d = delta(before, scrape(api))
    assert not any(k.startswith(("autorules_rule_", "autorules_action_")) for k in d), d


def test_an_incoming_webhook_counts_a_rule_run(fresh):
    api = fresh
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Hooked in"}])[0]
    rule = api.ok("base.automation", "create", vals_list=[{
        "name": "Incoming", "model_name": "res.partner", "trigger": "on_webhook",
        "action_server_ids": [[0, 0, {"name": "mark", "state": "code", "code": "record.write({'comment': 'hook'})"}]]}])[0]
    uuid = api.ok("base.automation", "read", ids=[rule], fields=["webhook_uuid"])[0]["webhook_uuid"]
    before = scrape(api)
    status, _, _ = api.request("POST", f"/web/hook/{uuid}", f'{{"_model": "res.partner", "_id": {pid}}}',
                               {"Content-Type": "application/json"})
    assert status == 200
    d = delta(before, scrape(api))
    assert d["autorules_rule_runs_total"] == 1 and d['autorules_action_runs_total{type="code"}'] == 1


def test_a_message_to_a_closed_port_is_pending_with_a_retry_attempt(server_factory):
    # a long first retry delay keeps the message pending after its first failed attempt
    api = server_factory(extra_args=["--delivery-retry-base", "600"]).client()
    webhook_rule(api, closed_port_url(), "Nobody listens")
    before = scrape(api)
    api.ok("res.partner", "create", vals_list=[{"name": "Nobody listens"}])
    mid = api.ok("outbox.message", "search", domain=[])[0]
    row = wait_for(lambda: [r for r in api.ok("outbox.message", "read", ids=[mid], fields=["state", "attempts"])
                            if r["attempts"] == 1 and r["state"] == "pending"])
    assert row, api.ok("outbox.message", "read", ids=[mid], fields=["state", "attempts", "last_error"])
    after = scrape(api)
    d = delta(before, after)
    assert after['autorules_outbox_messages{state="pending"}'] == 1
    assert after['autorules_outbox_messages{state="sending"}'] == 0
    assert d['autorules_outbox_attempts_total{outcome="retry"}'] == 1
    assert after['autorules_outbox_attempts_total{outcome="delivered"}'] == 0
    assert d['autorules_action_runs_total{type="webhook"}'] == 1


def test_delivered_failed_and_dead_messages(server_factory):
    api = server_factory(extra_args=["--delivery-max-attempts", "1"]).client()
    ok, refusing = Receiver(), Receiver(statuses=[400])
    try:
        webhook_rule(api, ok.url, "Delivered")
        webhook_rule(api, refusing.url, "Refused")
        webhook_rule(api, closed_port_url(), "Dead")
        for name in ["Delivered", "Refused", "Dead"]:
            api.ok("res.partner", "create", vals_list=[{"name": name}])

        def settled():
            m = scrape(api)
            return m if m['autorules_outbox_messages{state="pending"}'] == 0 and \
                m['autorules_outbox_messages{state="sending"}'] == 0 else None

        m = wait_for(settled)
        assert m, scrape(api)
        assert m['autorules_outbox_messages{state="failed"}'] == 1
        assert m['autorules_outbox_messages{state="dead"}'] == 1
        assert m['autorules_outbox_attempts_total{outcome="delivered"}'] == 1
        assert m['autorules_outbox_attempts_total{outcome="failed"}'] == 1
        assert m['autorules_outbox_attempts_total{outcome="dead"}'] == 1
        assert m['autorules_outbox_attempts_total{outcome="retry"}'] == 0
        assert m['autorules_action_runs_total{type="webhook"}'] == 3
    finally:
        ok.close()
        refusing.close()


def test_an_overdue_cron_job_shows_as_lag(server_factory):
    server = server_factory(extra_args=["--cron-poll", "3600"])
    api = server.client()
    assert scrape(api)["autorules_cron_lag_seconds"] == 0
    model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    hour_ago = utc_now() - datetime.timedelta(hours=1)
    job = api.ok("ir.cron", "create", vals_list=[{
        "name": "Held elsewhere", "model_id": model, "code": "env['res.partner'].create({'name': 'ran'})",
        "interval_number": 1, "interval_type": "days", "nextcall": fmt(hour_ago), "active": False}])[0]
    # an inactive job is not late
    assert scrape(api)["autorules_cron_lag_seconds"] == 0
    # Another process holds the job's lease (as when it runs it): this server's scheduler leaves
    # the due job alone, so it stays overdue.
    with sqlite3.connect(server.db, timeout=30) as db:
        db.execute('CREATE TABLE IF NOT EXISTS "autorules_cron_lease" ("job_id" INTEGER PRIMARY KEY, '
                   '"owner" TEXT NOT NULL, "until" TEXT NOT NULL)')
        db.execute('INSERT INTO "autorules_cron_lease" VALUES (?, ?, ?)',
                   (job, "elsewhere:1:0", fmt(utc_now() + datetime.timedelta(hours=1))))
    db.close()
    api.ok("ir.cron", "write", ids=[job], vals={"active": True})
    lag = scrape(api)["autorules_cron_lag_seconds"]
    assert 3600 <= lag < 3660, lag
    assert api.ok("res.partner", "search_count", domain=[["name", "=", "ran"]]) == 0
    # once it is no longer overdue, no lag
    api.ok("ir.cron", "write", ids=[job], vals={"nextcall": fmt(utc_now() + datetime.timedelta(days=1))})
    assert scrape(api)["autorules_cron_lag_seconds"] == 0


def test_metrics_still_answer_when_a_query_fails(server_factory):
    server = server_factory()
    api = server.client()
    # the outbox's table disappears under the server: its depth is left out, the rest is there
    with sqlite3.connect(server.db, timeout=30) as db:
        db.execute('ALTER TABLE "outbox_message" RENAME TO "outbox_message_gone"')
    db.close()
    m = scrape(api)
    assert not any(k.startswith("autorules_outbox_messages") for k in m)
    assert "autorules_rule_runs_total" in m and "autorules_cron_lag_seconds" in m
    assert 'autorules_outbox_attempts_total{outcome="retry"}' in m
    with sqlite3.connect(server.db, timeout=30) as db:
        db.execute('ALTER TABLE "outbox_message_gone" RENAME TO "outbox_message"')
    db.close()
    assert scrape(api)['autorules_outbox_messages{state="pending"}'] == 0
