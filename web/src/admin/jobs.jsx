// Scheduled Jobs: the list of ir.cron records (#/jobs) and a job's form (#/jobs/<id>) with
// "Run Manually". The job that runs the time-based automation rules is pointed out, since a
// person looking for "why did my time rule not fire" comes here for it. Opened from a rule's
// "Scheduled action" (#/jobs/<id>?rule=<rule id>), the form's breadcrumb leads back to the rule.
import { useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { Many2One, FieldInput, toWriteValues } from "../ui/fields.jsx";
import { formatDatetime } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { Pager, RecordTable } from "../ui/table.jsx";
import { useDevMode } from "../ui/devmode.js";
import { Badge, ErrorAlert, updateQuery, SearchBox, anyFieldLike, intervalText, useLoad } from "./common.jsx";

const MODEL = "ir.cron";
const LIMIT = 80;
// The method of the job that checks the time-based automation rules (the rule form finds it by it).
export const TIME_RULES_METHOD = "_cron_process_time_based_actions";
const LIST_FIELDS = ["name", "model_id", "model_name", "interval_number", "interval_type", "nextcall",
  "lastcall", "active", "user_id", "priority", "method"];
const FORM_FIELDS = [...LIST_FIELDS, "code"];
// Both active and inactive jobs, unless the filter says otherwise: the automation rules' job is
// inactive while no time rule is, and must still be found.
const SHOW = {
  all: [["active", "in", [true, false]]],
  active: [["active", "=", true]],
  inactive: [["active", "=", false]],
};

export function JobsPage({ where }) {
  const [id] = where.parts;
  if (id !== undefined) {
    if (!/^\d+$/.test(id)) return <ErrorAlert error={{ message: `"${id}" is not a job's number.` }} />;
    // Anything but a rule's number is ignored: the breadcrumb is then the usual one.
    const rule = /^\d+$/.test(where.query.rule || "") ? Number(where.query.rule) : null;
    return <JobForm key={id} id={Number(id)} ruleId={rule} />;
  }
  return <JobList query={where.query} />;
}

function isTimeRulesJob(job) {
  return job && job.method === TIME_RULES_METHOD;
}

function JobList({ query }) {
  const search = query.q || "";
  const show = SHOW[query.show] ? query.show : "all";
  const order = query.order || "name asc";
  const offset = Math.max(0, parseInt(query.offset || "0", 10) || 0);
  const setQuery = (changes) => updateQuery(["jobs"], changes);

  const data = useLoad(async () => {
    const domain = [...SHOW[show], ...anyFieldLike(["name", "model_name"], search)];
    const [fields, rows, total, timeJob] = await Promise.all([
      fieldsGet(MODEL),
      orm.searchRead(MODEL, domain, LIST_FIELDS, { offset, limit: LIMIT, order }),
      orm.searchCount(MODEL, domain),
      orm.searchRead(MODEL, [["method", "=", TIME_RULES_METHOD], ...SHOW.all], ["name", "active"], { limit: 1 }),
    ]);
    return { fields, rows, total, timeJob: timeJob[0] };
  }, [search, show, order, offset]);

  // The active switch of a row writes at once; the row shows the server's value afterwards.
  const [toggling, setToggling] = useState({});
  async function toggle(row, active) {
    setToggling((t) => ({ ...t, [row.id]: true }));
    try {
      await orm.write(MODEL, [row.id], { active });
      notify(`"${row.name}" is ${active ? "active" : "inactive"}.`);
    } catch (e) {
      notify(e.message, "error");
    } finally {
      setToggling((t) => ({ ...t, [row.id]: false }));
      data.reload();
    }
  }

  const value = data.value;
  const columns = [
    { name: "name", render: (r) => (
      <span class="inline">
        <a href={link("jobs", r.id)}>{r.name}</a>
        {isTimeRulesJob(r) && <Badge tone="accent">automation rules</Badge>}
      </span>) },
    { name: "model_id", label: "Model" },
    { name: "interval", label: "Interval", render: (r) => intervalText(r.interval_number, r.interval_type) },
    { name: "nextcall", label: "Next Execution", render: (r) => <span class="nowrap">{formatDatetime(r.nextcall)}</span> },
    { name: "lastcall", label: "Last Execution", render: (r) => <span class="nowrap">{formatDatetime(r.lastcall)}</span> },
    { name: "user_id", label: "Scheduler User" },
    { name: "active", render: (r) => (
      <input type="checkbox" class="toggle" checked={r.active} disabled={!!toggling[r.id]}
             aria-label={`Active: ${r.name}`} data-test="job-active"
             onChange={(e) => toggle(r, e.currentTarget.checked)} />) },
  ];

  return (
    <section aria-labelledby="jobs-title">
      <div class="control">
        <h1 id="jobs-title">Scheduled Jobs</h1>
        <SearchBox value={search} label="Search jobs" placeholder="Search by name or model..."
                   onSearch={(q) => setQuery({ q, offset: "" })} />
        <span class="inline filter">
          <label for="jobs-show">Show</label>
          <select id="jobs-show" value={show} onChange={(e) => setQuery({ show: e.currentTarget.value, offset: "" })}>
            <option value="all">All jobs</option>
            <option value="active">Active jobs</option>
            <option value="inactive">Inactive jobs</option>
          </select>
        </span>
        {value && <Pager offset={offset} limit={LIMIT} total={value.total}
                         onChange={(o) => setQuery({ offset: o ? String(o) : "" })} />}
      </div>
      {value && value.timeJob && (
        <p class="alert info" data-test="time-rules-job">
          Time-based automation rules are checked by the job{" "}
          <a href={link("jobs", value.timeJob.id)}>{value.timeJob.name}</a>
          {value.timeJob.active
            ? "."
            : " (inactive: the server turns it on when an active time-based rule exists)."}
        </p>
      )}
      <ErrorAlert error={data.error} />
      {value && (
        <RecordTable fields={value.fields} columns={columns} rows={value.rows} testId="jobs"
                     sort={order} onSort={(o) => setQuery({ order: o, offset: "" })}
                     onOpen={(r) => navigate("jobs", r.id)}
                     empty={search ? "No job matches this search." : "No scheduled jobs."} />
      )}
      {!value && data.loading && <p class="muted">Loading...</p>}
    </section>
  );
}

// The rule a job's form was opened from, as {id, name}; null when it cannot be read (deleted,
// or not the user's to read): the breadcrumb is then the usual one.
async function readRule(ruleId) {
  if (!ruleId) return null;
  try {
    const [row] = await orm.read("base.automation", [ruleId], ["name"]);
    return row ? { id: ruleId, name: row.name } : null;
  } catch (e) {
    return null;
  }
}

function JobForm({ id, ruleId }) {
  const devMode = useDevMode();
  const [changes, setChanges] = useState({});
  const [saveError, setSaveError] = useState(null);
  const [runError, setRunError] = useState(null);
  const [busy, setBusy] = useState("");

  const data = useLoad(async () => {
    const [fields, rows, rule] = await Promise.all([
      fieldsGet(MODEL), orm.read(MODEL, [id], FORM_FIELDS), readRule(ruleId)]);
    return { fields, record: rows[0] || null, rule };
  }, [id, ruleId]);

  if (data.error && !data.value) {
    return <><JobBreadcrumb /><ErrorAlert error={data.error} /></>;
  }
  if (!data.value) return <p class="muted">Loading...</p>;
  const { fields, record, rule } = data.value;
  if (!record) {
    return <><JobBreadcrumb rule={rule} /><ErrorAlert error={{ message: `The job #${id} does not exist (it may have been deleted).` }} /></>;
  }

  const values = { ...record, ...changes };
  const dirty = Object.keys(changes).length > 0;
  const set = (name) => (value) => setChanges((c) => ({ ...c, [name]: value }));

  async function save() {
    if (!dirty) return true;
    setBusy("save");
    setSaveError(null);
    try {
      await orm.write(MODEL, [id], toWriteValues(fields, changes));
      setChanges({});
      await data.reload();
      notify("Saved.");
      return true;
    } catch (e) {
      setSaveError(e);
      return false;
    } finally {
      setBusy("");
    }
  }

  // Odoo's "Run Manually": runs the job now, inside this request, as its scheduler user. Unsaved
  // changes are saved first so that what runs is what the form shows.
  async function runNow() {
    if (dirty && !(await save())) return;
    setBusy("run");
    setRunError(null);
    try {
      await orm.method(MODEL, "method_direct_trigger", [id]);
      notify(`"${values.name}" ran.`);
    } catch (e) {
      setRunError(e);
      notify(`"${values.name}" failed.`, "error");
    } finally {
      setBusy("");
      data.reload();
    }
  }

  return (
    <form onSubmit={(e) => { e.preventDefault(); save(); }} aria-labelledby="job-title">
      <div class="control">
        <JobBreadcrumb name={record.name} rule={rule} />
        <button type="submit" disabled={!dirty || !!busy}>Save</button>
        {dirty && <button type="button" class="secondary" disabled={!!busy}
                          onClick={() => { setChanges({}); setSaveError(null); }}>Discard</button>}
        <button type="button" class="secondary" disabled={!!busy} onClick={runNow}>
          {busy === "run" ? "Running..." : "Run Manually"}
        </button>
      </div>
      <ErrorAlert error={saveError} testId="save-error" />
      {runError && (
        <div class="alert error admin-message" role="alert" data-test="run-error">
          <strong>The job failed; nothing it did was kept.</strong>{"\n"}{runError.message}
        </div>
      )}
      {isTimeRulesJob(record) && (
        <p class="alert info">
          This job checks the <a href={link("rules")}>time-based automation rules</a> and runs the
          ones that are due. The server manages it: it is active exactly when an active time-based
          rule exists, and its interval follows the rules' shortest delay, so changing a rule
          resets what is set here.
        </p>
      )}
      <div class="sheet">
        {!record.active && <span class="ribbon">Inactive</span>}
        <div class="title">
          <label for="job-name" class="sr-only">Name</label>
          <input id="job-name" required value={values.name || ""}
                 onInput={(e) => set("name")(e.currentTarget.value)} />
        </div>
        <div class="form-grid">
          <label for="job-model">Model</label>
          <span id="job-model" class="readonly">
            {record.model_id ? record.model_id[1] : ""}
            {devMode && record.model_name && <span class="muted"> ({record.model_name})</span>}
          </span>

          <label for="job-user">Scheduler User</label>
          <Many2One id="job-user" model="res.users" value={values.user_id} required label="Scheduler User"
                    onChange={set("user_id")} testId="user_id" />

          <label for="job-interval">Execute Every</label>
          <div class="inline">
            <input id="job-interval" type="number" min="1" step="1" required class="short"
                   value={values.interval_number === false ? "" : values.interval_number}
                   onInput={(e) => set("interval_number")(e.currentTarget.value === "" ? 0 : parseInt(e.currentTarget.value, 10))} />
            <select aria-label="Interval unit" value={values.interval_type}
                    onChange={(e) => set("interval_type")(e.currentTarget.value)}>
              {(fields.interval_type.selection || []).map(([k, label]) => <option key={k} value={k}>{label}</option>)}
            </select>
          </div>

          <label for="job-active">Active</label>
          <FieldInput id="job-active" name="active" field={fields.active} value={values.active}
                      onChange={set("active")} />

          <label for="job-nextcall">Next Execution Date</label>
          <div>
            <FieldInput id="job-nextcall" name="nextcall" field={fields.nextcall} value={values.nextcall}
                        onChange={set("nextcall")} />
            <p class="help">In your browser's time zone.</p>
          </div>

          <label for="job-lastcall">Last Execution Date</label>
          <span id="job-lastcall" class="readonly" data-test="lastcall">
            {record.lastcall ? formatDatetime(record.lastcall) : <span class="muted">Never run</span>}
          </span>

          <label for="job-priority">Priority</label>
          <div>
            <FieldInput id="job-priority" name="priority" field={fields.priority} value={values.priority}
                        onChange={set("priority")} />
            <p class="help">Due jobs run in order of priority, lowest number first.</p>
          </div>

          {record.code ? (
            <>
              <label for="job-code">Python Code</label>
              <pre id="job-code" class="code" tabIndex={0} data-test="code">{record.code}</pre>
            </>
          ) : (
            <>
              <label for="job-method">Runs</label>
              <span id="job-method" class="readonly">
                the server's method <code>{record.method || "?"}</code> of {record.model_id ? record.model_id[1] : "its model"}
              </span>
            </>
          )}
        </div>
      </div>
    </form>
  );
}

// "Scheduled Jobs / <job>", or "Automation Rules / <rule> / <job>" when opened from a rule.
function JobBreadcrumb({ name, rule }) {
  return (
    <h1 id="job-title" class="breadcrumb">
      {rule
        ? <><a href={link("rules")}>Automation Rules</a> / <a href={link("rules", rule.id)}>{rule.name}</a></>
        : <a href={link("jobs")}>Scheduled Jobs</a>}
      {name !== undefined && <> / <span>{name}</span></>}
    </h1>
  );
}
