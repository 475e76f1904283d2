"""The Scheduled Jobs pages in a real Chromium (tests/e2e/browser.py): "Run Manually" runs a job
and shows its new last execution, or the server's error when it fails; the interval and the
active switch are saved; the job that runs the time-based automation rules is pointed out."""

from selenium.webdriver.common.by import By


def partner_model(api):
    return api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]


def make_job(api, unique, code, **extra):
    name = unique("Stamp the partner")
    values = {"name": name, "model_id": partner_model(api), "code": code, "interval_number": 1,
              "interval_type": "days", "nextcall": "2099-01-01 00:00:00", "user_id": 2, **extra}
    return api.ok("ir.cron", "create", vals_list=[values])[0], name


def read_job(api, job, *fields):
    return api.ok("ir.cron", "read", ids=[job], fields=list(fields))[0]


def test_run_manually_runs_the_job_and_shows_when(browser, web_server, unique):
    api = web_server.client()
    [partner] = api.ok("res.partner", "create", vals_list=[{"name": unique("Stamped")}])
    job, name = make_job(api, unique,
                         f"model.env['res.partner'].browse({partner}).write({{'function': 'stamped by the job'}})")
    browser.log_in(place=f"jobs/{job}")
    browser.wait_text(name, "#job-title")
    assert browser.find("[data-test=lastcall]").text == "Never run"
    assert "stamped by the job" in browser.find("pre.code").text  # the code, read-only
    browser.click("Run Manually")
    browser.notification(f'"{name}" ran.')
    browser.wait_until(lambda: browser.find("[data-test=lastcall]").text != "Never run")
    # What the job did, and its last execution, over the API.
    assert api.ok("res.partner", "read", ids=[partner], fields=["function"])[0]["function"] == "stamped by the job"
    row = read_job(api, job, "lastcall", "nextcall")
    assert row["lastcall"] and row["nextcall"] == "2099-01-01 00:00:00"  # a manual run keeps the schedule


def test_a_failing_run_shows_the_servers_message(browser, web_server, unique):
    api = web_server.client()
    job, name = make_job(api, unique, "raise UserError('The stamp ran out of ink')")
    browser.log_in(place=f"jobs/{job}")
    browser.wait_text(name, "#job-title")
    browser.click("Run Manually")
    browser.wait_text("The stamp ran out of ink", "[data-test=run-error]")
    browser.notification(f'"{name}" failed.')
    assert read_job(api, job, "lastcall")["lastcall"] is False


def test_interval_and_active_are_saved(browser, web_server, unique):
    api = web_server.client()
    job, name = make_job(api, unique, "pass")
    browser.log_in(place="jobs")
    browser.fill("Search jobs", name)
    row = f"[data-test=jobs] tr[data-id='{job}']"
    browser.wait(row)
    assert "every day" in browser.find(row).text
    # The switch in the list writes at once.
    browser.find(f"{row} [data-test=job-active]").click()
    browser.notification(f'"{name}" is inactive.')
    assert read_job(api, job, "active")["active"] is False
    # Inactive jobs stay listed (and can be found with the filter).
    browser.select("Show", "Inactive jobs")
    browser.wait(row)
    browser.find(f"{row} td[data-field=name] a").click()
    browser.wait_text(name, "#job-title")
    assert browser.find(".ribbon").text == "Inactive"
    browser.fill("Execute Every", "3")
    browser.select("Interval unit", "Weeks")
    browser.field("Active").click()
    browser.fill("Priority", "2")
    browser.click("Save")
    browser.notification("Saved.")
    browser.wait_gone(".ribbon")
    row = read_job(api, job, "interval_number", "interval_type", "active", "priority")
    assert (row["interval_number"], row["interval_type"], row["active"], row["priority"]) == (3, "weeks", True, 2)
    # Back in the list, the interval reads as words.
    browser.click("Scheduled Jobs")
    browser.fill("Search jobs", name)
    browser.wait_text("every 3 weeks", f"[data-test=jobs] tr[data-id='{job}']")


def test_the_time_rules_job_is_easy_to_find(browser, web_server):
    api = web_server.client()
    [job] = api.ok("ir.cron", "search", domain=[["method", "=", "_cron_process_time_based_actions"],
                                                ["active", "in", [True, False]]])
    browser.log_in(place="jobs")
    pointer = browser.wait("[data-test=time-rules-job]")
    assert "Time-based automation rules are checked by the job" in pointer.text
    pointer.find_element(By.TAG_NAME, "a").click()
    browser.wait_text("Automation Rules: check and execute", "#job-title")
    assert browser.driver.current_url.endswith(f"#/jobs/{job}")
    browser.wait_text("The server manages it", ".alert.info")
    # It also stands out in the list, active or not.
    browser.go("jobs")
    browser.wait_text("automation rules", f"[data-test=jobs] tr[data-id='{job}']")
