"""Time-based rules and the scheduler over the API and the command line: the "check and execute"
job follows the time rules, Run manually processes what is due, the scheduler thread of `serve`
runs jobs when they are due, and `autorules cron run` runs due jobs once."""

import datetime
import subprocess
import time

from helpers import BIN, MODULES_PATH, assert_error

CHECK_JOB = ["base_automation", "ir_cron_data_base_automation_check"]


def check_job(api):
    rows = api.ok("ir.model.data", "search_read",
                  domain=[["module", "=", CHECK_JOB[0]], ["name", "=", CHECK_JOB[1]]], fields=["res_id"])
    assert len(rows) == 1
    return rows[0]["res_id"]


def read_job(api, job, *fields):
    return api.ok("ir.cron", "read", ids=[job], fields=list(fields), context={"active_test": False})[0]


def field_id(api, model, name):
    return api.ok("ir.model.fields", "search", domain=[["model", "=", model], ["name", "=", name]])[0]


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def fmt(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_check_job_follows_the_time_rules(fresh):
    api = fresh
    job = check_job(api)
    assert read_job(api, job, "active", "interval_number", "interval_type", "name") == {
        "id": job, "active": False, "interval_number": 4, "interval_type": "hours",
        "name": "Automation Rules: check and execute"}
    rule = api.ok("base.automation", "create", vals_list=[{
        "name": "Two hours after creation", "model_name": "res.partner", "trigger": "on_time_created",
        "trg_date_range": 2, "trg_date_range_type": "hour"}])[0]
    assert read_job(api, job, "active", "interval_number", "interval_type") == {
        "id": job, "active": True, "interval_number": 12, "interval_type": "minutes"}
    row = api.ok("base.automation", "read", ids=[rule], fields=["trg_date_id", "last_run"])[0]
    assert row["trg_date_id"][0] == field_id(api, "res.partner", "create_date")
    assert row["last_run"]  # no backfill: the window starts when the rule is made
    api.ok("base.automation", "unlink", ids=[rule])
    assert read_job(api, job, "active", "interval_number", "interval_type") == {
        "id": job, "active": False, "interval_number": 4, "interval_type": "hours"}


def test_run_manually_processes_due_records_once(fresh):
    api = fresh
    rule = api.ok("base.automation", "create", vals_list=[{
        "name": "Right after creation", "model_name": "res.partner", "trigger": "on_time_created",
        "trg_date_range": 0, "trg_date_range_type": "minutes", "filter_domain": "[('name', 'like', 'Aged')]",
        "action_server_ids": [[0, 0, {"name": "mark", "state": "code",
                                      "code": "record.write({'customer_rank': record.customer_rank + 1})"}]]}])[0]
    before = api.ok("res.partner", "create", vals_list=[{"name": "Aged before"}])[0]
    # History before the rule is not processed unless last_run is moved back.
    api.ok("base.automation", "write", ids=[rule], vals={"last_run": fmt(utc_now() - datetime.timedelta(days=1))})
    time.sleep(1.1)  # datetimes have one-second resolution: the record's moment must be past
    assert api.ok("ir.cron", "method_direct_trigger", ids=[check_job(api)]) is True
    assert api.ok("res.partner", "read", ids=[before], fields=["customer_rank"])[0]["customer_rank"] == 1
    api.ok("ir.cron", "method_direct_trigger", ids=[check_job(api)])
    assert api.ok("res.partner", "read", ids=[before], fields=["customer_rank"])[0]["customer_rank"] == 1


def test_the_scheduler_runs_the_check_when_its_next_call_comes(server_factory):
    server = server_factory(extra_args=["--cron-poll", "1"])
    api = server.client()
    api.ok("base.automation", "create", vals_list=[{
        "name": "Right after creation", "model_name": "res.partner", "trigger": "on_time_created",
        "trg_date_range": 0, "trg_date_range_type": "minutes", "filter_domain": "[('name', '=', 'Scheduled')]",
        "action_server_ids": [[0, 0, {"name": "mark", "state": "code",
                                      "code": "record.write({'comment': 'checked'})"}]]}])
    pid = api.ok("res.partner", "create", vals_list=[{"name": "Scheduled"}])[0]
    time.sleep(1.1)
    job = check_job(api)
    api.ok("ir.cron", "write", ids=[job], vals={"nextcall": fmt(utc_now())})
    assert wait_for(lambda: api.ok("res.partner", "read", ids=[pid], fields=["comment"])[0]["comment"] == "checked")
    row = read_job(api, job, "lastcall", "nextcall")
    assert row["lastcall"] and row["nextcall"] > row["lastcall"]


def test_the_scheduler_runs_a_job_created_through_the_api(server_factory):
    api = server_factory().client()  # default poll (60 s): saving the job wakes the scheduler
    model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    api.ok("ir.cron", "create", vals_list=[{
        "name": "Say hello", "model_id": model, "code": "env['res.partner'].create({'name': 'hello from cron'})",
        "interval_number": 1, "interval_type": "days", "nextcall": fmt(utc_now())}])
    assert wait_for(lambda: api.ok("res.partner", "search_count", domain=[["name", "=", "hello from cron"]]) == 1)


def test_cron_run_runs_the_due_jobs_once_and_exits(server_factory, tmp_path):
    server = server_factory()
    api = server.client()
    model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
    api.ok("ir.cron", "create", vals_list=[{
        "name": "Later", "model_id": model, "code": "env['res.partner'].create({'name': 'from cron run'})",
        "interval_number": 1, "interval_type": "days", "nextcall": fmt(utc_now() + datetime.timedelta(seconds=2))}])
    server.stop()
    time.sleep(2.1)
    args = [BIN, "cron", "run", "--db", f"sqlite:{server.db}", "--modules-path", MODULES_PATH]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1 job(s) run, 0 failed" in done.stdout
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "0 job(s) run" in again.stdout
    api = server_factory(db=server.db).client()
    assert api.ok("res.partner", "search_count", domain=[["name", "=", "from cron run"]]) == 1


def test_a_time_rule_without_its_date_field_is_saved_as_odoo_saves_it(fresh):
    api = fresh
    [rule] = api.ok("base.automation", "create", vals_list=[{
        "name": "No date", "model_name": "res.partner", "trigger": "on_time"}])
    [row] = api.ok("base.automation", "read", ids=[rule], fields=["trg_date_id", "active"])
    assert row["trg_date_id"] is False and row["active"] is True


def test_bad_time_rules_are_refused_at_save(fresh):
    api = fresh
    assert_error(api.call("base.automation", "create", vals_list=[{
        "name": "On a text", "model_name": "res.partner", "trigger": "on_time",
        "trg_date_id": field_id(api, "res.partner", "name")}]), 422, "odoo.exceptions.ValidationError",
        "must be a date or datetime field")
    assert_error(api.call("base.automation", "create", vals_list=[{
        "name": "Odd unit", "model_name": "res.partner", "trigger": "on_time_created",
        "trg_date_range_type": "fortnight"}]), 422, None, "trg_date_range_type")
    assert_error(api.call("ir.cron", "create", vals_list=[{
        "name": "never", "model_id": api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0],
        "interval_number": -1}]), 422, "odoo.exceptions.ValidationError", "strictly positive")
    assert api.ok("base.automation", "search_count", domain=[]) == 0
    assert api.ok("ir.cron", "search_count", domain=[["name", "=", "never"]]) == 0
