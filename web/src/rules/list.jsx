// The automation rules: a list with search and filters, the active switch on each row, and
// each rule's last run and its runs and failures today (the server's run_stats).
import { useEffect, useState } from "preact/hooks";
import { call, fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { notify } from "../ui/notify.jsx";
import { Pager, RecordTable } from "../ui/table.jsx";
import { SearchBox } from "../ui/search_box.jsx";
import { formatDatetime, selectionLabel } from "../ui/format.js";
import { TRIGGER_GROUPS, describeTrigger } from "./triggers.js";

const FIELDS = ["name", "model_id", "model_name", "trigger", "active", "trg_date_range",
  "trg_date_range_type", "trg_date_range_mode", "trg_date_id", "action_server_ids"];
const LIMIT = 80;

// The start of today in the browser's time zone, as the server's UTC text.
function startOfToday() {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  return midnight.toISOString().slice(0, 19).replace("T", " ");
}

// Each rule's run statistics by id; an empty map when they cannot be read (the list still shows).
async function runStats(ids) {
  if (!ids.length) return {};
  try {
    const rows = await call("base.automation", "run_stats", { ids, since: startOfToday() });
    return Object.fromEntries(rows.map((r) => [r.id, r]));
  } catch (e) {
    return {};
  }
}

function LastRun({ stats }) {
  if (!stats) return null; // not readable (the statistics are for administrators)
  if (!stats.last_run) return <span class="muted">Never</span>;
  return <time dateTime={stats.last_run.replace(" ", "T") + "Z"}>{formatDatetime(stats.last_run)}</time>;
}

function Today({ stats }) {
  if (!stats) return null;
  const runs = `${stats.runs} run${stats.runs === 1 ? "" : "s"}`;
  if (!stats.failures) return <span class={stats.runs ? "" : "muted"}>{runs}</span>;
  const failed = `${stats.failures} failed`;
  const why = stats.last_error ? `Last failure, ${formatDatetime(stats.last_failure)}: ${stats.last_error}` : "";
  return (
    <span>
      {runs}, <span class="failures" title={why}>{failed}</span>
    </span>
  );
}

// The list's domain from its search box and filters.
function listDomain(query) {
  const domain = [];
  if (query.q) domain.push("|", ["name", "ilike", query.q], ["model_id", "ilike", query.q]);
  if (query.group) {
    const group = TRIGGER_GROUPS.find((g) => g.label === query.group);
    if (group) domain.push(["trigger", "in", group.triggers.map(([key]) => key)]);
  }
  if (query.archived === "only") domain.push(["active", "=", false]);
  else if (query.archived !== "with") domain.push(["active", "=", true]);
  return domain;
}

export function RulesList({ where }) {
  const query = where.query;
  const offset = parseInt(query.page || "0", 10) * LIMIT;
  const order = query.order || "name asc";
  const [fields, setFields] = useState(null);
  const [rows, setRows] = useState([]);
  const [total, setTotal] = useState(0);
  const [stats, setStats] = useState({});
  const [error, setError] = useState("");
  const [reload, setReload] = useState(0);

  const setQuery = (changes) => {
    const next = { ...query, ...changes };
    for (const [k, v] of Object.entries(next)) if (v === "" || v === undefined) delete next[k];
    navigate("rules", next);
  };

  useEffect(() => {
    let alive = true;
    const domain = listDomain(query);
    const context = { active_test: false };
    Promise.all([
      fieldsGet("base.automation"),
      orm.searchRead("base.automation", domain, FIELDS, { offset, limit: LIMIT, order, context }),
      orm.searchCount("base.automation", domain, { context }),
    ]).then(async ([f, found, count]) => {
      const byRule = await runStats(found.map((r) => r.id));
      if (!alive) return;
      setFields(f);
      setRows(found);
      setTotal(count);
      setStats(byRule);
      setError("");
    }, (e) => alive && setError(e.message));
    return () => { alive = false; };
  }, [query.q, query.group, query.archived, offset, order, reload]);

  async function toggle(rule) {
    try {
      await orm.write("base.automation", [rule.id], { active: !rule.active });
      notify(rule.active ? `"${rule.name}" archived` : `"${rule.name}" active again`);
      setReload((n) => n + 1);
    } catch (e) {
      notify(e.message, "error");
    }
  }

  const unitLabel = (key) => fields ? selectionLabel(fields.trg_date_range_type, key) : key;
  const columns = [
    { name: "name" },
    { name: "model_id" },
    { name: "trigger", render: (r) => describeTrigger(r, unitLabel) },
    { name: "action_server_ids", label: "Actions", render: (r) => r.action_server_ids.length },
    { name: "runs_last", label: "Last Run", render: (r) => <LastRun stats={stats[r.id]} /> },
    { name: "runs_today", label: "Today", render: (r) => <Today stats={stats[r.id]} /> },
    { name: "active", render: (r) => (
      <input type="checkbox" class="toggle" checked={r.active} aria-label={`Active: ${r.name}`}
             onChange={() => toggle(r)} />
    ) },
  ];

  return (
    <section>
      <div class="control">
        <h1>Automation Rules</h1>
        <a class="button" href={link("rules", "new")}>New</a>
        <SearchBox label="Search rules by name or model" placeholder="Search name or model..."
                   value={query.q} onSearch={(q) => setQuery({ q, page: "" })} />
        <label for="rules-trigger" class="sr-only">Trigger</label>
        <select id="rules-trigger" value={query.group || ""} onChange={(e) => setQuery({ group: e.currentTarget.value, page: "" })}>
          <option value="">All triggers</option>
          {TRIGGER_GROUPS.filter((g) => !g.deprecated).map((g) => <option key={g.label} value={g.label}>{g.label}</option>)}
        </select>
        <label for="rules-archived" class="sr-only">Archived rules</label>
        <select id="rules-archived" value={query.archived || ""} onChange={(e) => setQuery({ archived: e.currentTarget.value, page: "" })}>
          <option value="">Active rules</option>
          <option value="with">Include archived</option>
          <option value="only">Archived only</option>
        </select>
        <Pager offset={offset} limit={LIMIT} total={total}
               onChange={(o) => setQuery({ page: String(o / LIMIT) })} />
      </div>
      {error && <div class="alert error" role="alert">{error}</div>}
      {fields && (
        <RecordTable fields={fields} columns={columns} rows={rows} testId="rules"
                     sort={order} onSort={(o) => setQuery({ order: o })}
                     onOpen={(r) => navigate("rules", r.id)}
                     empty={query.q || query.group ? "No rule matches." : "No automation rule yet: automate everything with New."} />
      )}
    </section>
  );
}
