// Logs: what the server recorded about rules running (ir.logging), the calls received on
// webhook URLs (the "Webhook Log" rows of ir.logging), and the deliveries of the outbox
// (outbox.message and each of its outbox.attempt rows), with Retry for the ones that gave up.
// Filters live in the URL (#/logs/runs?level=ERROR&q=...), so back and forward and links work.
import { useEffect, useRef, useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { Dialog } from "../ui/dialog.jsx";
import { formatDatetime, selectionLabel } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { Pager, RecordTable } from "../ui/table.jsx";
import { Badge, ErrorAlert, updateQuery, LevelBadge, SearchBox, anyFieldLike, useLoad } from "./common.jsx";

const LIMIT = 80;
const LOG_FIELDS = ["create_date", "level", "name", "message", "path", "func", "line"];
// The rows an incoming webhook call writes when its rule logs calls.
const WEBHOOK_LOGGER = "Webhook Log";
const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

const TABS = [
  { key: "runs", label: "Rule runs" },
  { key: "webhooks", label: "Webhook calls" },
  { key: "deliveries", label: "Deliveries" },
];

export function LogsPage({ where }) {
  const [tab = "runs", id] = where.parts;
  // Bumped by Refresh: the tab reads the log again.
  const [tick, setTick] = useState(0);
  const current = TABS.find((t) => t.key === tab);
  const query = where.query;
  const setQuery = (changes) => updateQuery(["logs", tab], changes);
  if (current && tab === "deliveries" && id !== undefined) {
    if (!/^\d+$/.test(id)) return <ErrorAlert error={{ message: `"${id}" is not a delivery's number.` }} />;
    return <DeliveryDetail key={id} id={Number(id)} />;
  }
  return (
    <section aria-labelledby="logs-title">
      <div class="control">
        <h1 id="logs-title">Logs</h1>
        <button type="button" class="secondary" onClick={() => setTick((t) => t + 1)}>Refresh</button>
      </div>
      <Tabs current={tab} />
      <div class="tab-panel" role="tabpanel" id={`logs-panel-${tab}`} aria-labelledby={`logs-tab-${tab}`}>
        {!current && <ErrorAlert error={{ message: `There is no "${tab}" log.` }} />}
        {tab === "runs" && <RunsTab query={query} setQuery={setQuery} tick={tick} />}
        {tab === "webhooks" && <WebhooksTab query={query} setQuery={setQuery} tick={tick} />}
        {tab === "deliveries" && <DeliveriesTab query={query} setQuery={setQuery} tick={tick} />}
      </div>
    </section>
  );
}

// Tabs as sub-places; arrow keys move between them, as in any tab list.
function Tabs({ current }) {
  const refs = useRef({});
  function keyDown(e, index) {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = TABS[(index + step + TABS.length) % TABS.length];
    navigate("logs", next.key);
    setTimeout(() => refs.current[next.key] && refs.current[next.key].focus());
  }
  return (
    <div class="tabs" role="tablist" aria-label="Logs">
      {TABS.map((t, i) => (
        <button key={t.key} type="button" role="tab" id={`logs-tab-${t.key}`}
                aria-selected={t.key === current} aria-controls={`logs-panel-${t.key}`}
                tabIndex={t.key === current ? 0 : -1} ref={(el) => { refs.current[t.key] = el; }}
                onClick={() => navigate("logs", t.key)} onKeyDown={(e) => keyDown(e, i)}>
          {t.label}
        </button>
      ))}
    </div>
  );
}

// A rule's id from an ir.logging path such as "base_automation(7)".
function ruleIdOf(path) {
  const m = /^base_automation\((\d+)\)$/.exec(path || "");
  return m ? Number(m[1]) : null;
}

// The place a log row is about, as a link when the interface has a page for it.
function PathLink({ path, rules }) {
  if (!path || path === "-") return null;
  const rule = ruleIdOf(path);
  if (rule) return <a href={link("rules", rule)}>{rules && rules[rule] ? rules[rule] : `Rule #${rule}`}</a>;
  const job = /^ir\.cron\((\d+)\)$/.exec(path);
  if (job) return <a href={link("jobs", job[1])}>Job #{job[1]}</a>;
  return <code>{path}</code>;
}

// The names of the rules that log rows point at (a deleted rule keeps its number).
async function ruleNames(rows) {
  const ids = [...new Set(rows.map((r) => ruleIdOf(r.path)).filter(Boolean))];
  if (!ids.length) return {};
  const found = await orm.searchRead("base.automation", [["id", "in", ids], ["active", "in", [true, false]]],
    ["name"]).catch(() => []);
  return Object.fromEntries(found.map((r) => [r.id, r.name]));
}

function firstLine(text, max = 160) {
  const line = String(text || "").split("\n", 1)[0];
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function levelDomain(level) {
  return level ? [["level", "=", level]] : [];
}

function LevelFilter({ value, onChange, id, levels = LEVELS }) {
  return (
    <span class="inline filter">
      <label for={id}>Level</label>
      <select id={id} value={value || ""} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">All levels</option>
        {levels.map((l) => <option key={l} value={l}>{l}</option>)}
      </select>
    </span>
  );
}

function useOffset(query) {
  return Math.max(0, parseInt(query.offset || "0", 10) || 0);
}

// The rule named by ?rule=<id>, for the filter's label and its Log Calls setting.
function useRule(ruleId) {
  return useLoad(async () => {
    if (!ruleId) return null;
    const rows = await orm.searchRead("base.automation", [["id", "=", ruleId], ["active", "in", [true, false]]],
      ["name", "trigger", "log_webhook_calls"]);
    return rows[0] || { id: ruleId, name: `Rule #${ruleId} (deleted)`, missing: true };
  }, [ruleId]);
}

function RuleFilter({ rule, onClear }) {
  if (!rule) return null;
  return (
    <span class="tag" data-test="rule-filter">
      Rule: {rule.name}
      <button type="button" class="icon" aria-label="Show all rules" onClick={onClear}>×</button>
    </span>
  );
}

// Rule runs: every ir.logging row but the webhook calls' (their own tab): code actions' log(),
// time rules' failures and warnings, failed scheduled jobs.
function RunsTab({ query, setQuery, tick }) {
  const offset = useOffset(query);
  const ruleId = /^\d+$/.test(query.rule || "") ? Number(query.rule) : null;
  const rule = useRule(ruleId);
  const [open, setOpen] = useState(null);
  const data = useLoad(async () => {
    const domain = [["name", "!=", WEBHOOK_LOGGER], ...levelDomain(query.level),
      ...(ruleId ? [["path", "=", `base_automation(${ruleId})`]] : []),
      ...anyFieldLike(["message", "name", "path", "func"], query.q)];
    const [fields, rows, total] = await Promise.all([
      fieldsGet("ir.logging"),
      orm.searchRead("ir.logging", domain, LOG_FIELDS, { offset, limit: LIMIT, order: "id desc" }),
      orm.searchCount("ir.logging", domain),
    ]);
    return { fields, rows, total, rules: await ruleNames(rows) };
  }, [query.level, query.q, ruleId, offset, tick]);
  const value = data.value;
  const columns = [
    { name: "create_date", label: "Date", render: (r) => <span class="nowrap">{formatDatetime(r.create_date)}</span> },
    { name: "level", render: (r) => <LevelBadge level={r.level} /> },
    { name: "name", label: "Source" },
    { name: "message", render: (r) => <span class="log-message">{firstLine(r.message)}</span> },
    { name: "path", label: "About", render: (r) => (
      <span class="inline">
        <PathLink path={r.path} rules={value.rules} />
        {r.func && r.func !== "-" && <span class="muted">{r.func}{r.line && r.line !== "0" ? `:${r.line}` : ""}</span>}
      </span>) },
  ];
  return (
    <>
      <div class="control">
        <SearchBox value={query.q} label="Search the log" placeholder="Search messages, sources..."
                   onSearch={(q) => setQuery({ q, offset: "" })} />
        <LevelFilter id="runs-level" value={query.level} onChange={(level) => setQuery({ level, offset: "" })} />
        <RuleFilter rule={rule.value} onClear={() => setQuery({ rule: "", offset: "" })} />
        {value && <Pager offset={offset} limit={LIMIT} total={value.total}
                         onChange={(o) => setQuery({ offset: o ? String(o) : "" })} />}
      </div>
      <p class="help">
        What code actions wrote with <code>log()</code>, and the failures of time-based rules and
        scheduled jobs. Calls received on webhook URLs are under "Webhook calls".
      </p>
      <ErrorAlert error={data.error} />
      {value && (
        <RecordTable fields={value.fields} columns={columns} rows={value.rows} testId="log-runs"
                     onOpen={setOpen} empty="Nothing logged yet." />
      )}
      {!value && data.loading && <p class="muted">Loading...</p>}
      {open && (
        <Dialog title={`${open.level || ""} ${open.name}`.trim()} onClose={() => setOpen(null)} size="wide" testId="log-row">
          <dl class="facts">
            <dt>Date</dt><dd>{formatDatetime(open.create_date)}</dd>
            <dt>Level</dt><dd><LevelBadge level={open.level} /></dd>
            <dt>Source</dt><dd>{open.name}</dd>
            {open.path && open.path !== "-" && <><dt>About</dt><dd><PathLink path={open.path} rules={value && value.rules} /></dd></>}
            {open.func && open.func !== "-" && <><dt>Function</dt><dd>{open.func}{open.line && open.line !== "0" ? `, line ${open.line}` : ""}</dd></>}
          </dl>
          <pre class="code" data-test="log-message">{open.message}</pre>
        </Dialog>
      )}
    </>
  );
}

// The JSON a "triggered with payload ..." row carries, pretty-printed (as stored when it is not
// JSON: a very large payload is stored shortened).
function payloadOf(message) {
  const m = /triggered with payload ([\s\S]*)$/.exec(message || "");
  if (!m) return null;
  try {
    return JSON.stringify(JSON.parse(m[1]), null, 2);
  } catch (e) {
    return m[1];
  }
}

function compactPayload(message) {
  const m = /triggered with payload ([\s\S]*)$/.exec(message || "");
  return m ? m[1] : "";
}

// Webhook calls. A call writes one INFO row with its payload and, when it fails (no record
// found, an action that raised), one ERROR row saying why; both are written together, so the
// failure's row comes right after its call's (the next id, the same rule). The tab shows one
// line per call, its failure beside it.
function WebhooksTab({ query, setQuery, tick }) {
  const offset = useOffset(query);
  const ruleId = /^\d+$/.test(query.rule || "") ? Number(query.rule) : null;
  const failedOnly = query.result === "failed";
  const rule = useRule(ruleId);
  const [open, setOpen] = useState(null);
  const data = useLoad(async () => {
    const base = [["name", "=", WEBHOOK_LOGGER], ...(ruleId ? [["path", "=", `base_automation(${ruleId})`]] : [])];
    const domain = [...base, ["level", "=", failedOnly ? "ERROR" : "INFO"], ...anyFieldLike(["message"], query.q)];
    const [fields, main, total] = await Promise.all([
      fieldsGet("ir.logging"),
      orm.searchRead("ir.logging", domain, LOG_FIELDS, { offset, limit: LIMIT, order: "id desc" }),
      orm.searchCount("ir.logging", domain),
    ]);
    const otherIds = main.map((r) => (failedOnly ? r.id - 1 : r.id + 1));
    const others = otherIds.length ? await orm.searchRead("ir.logging",
      [...base, ["level", "=", failedOnly ? "INFO" : "ERROR"], ["id", "in", otherIds]], LOG_FIELDS) : [];
    const byId = Object.fromEntries(others.map((r) => [r.id, r]));
    const calls = main.map((r) => {
      const other = byId[failedOnly ? r.id - 1 : r.id + 1];
      const paired = other && other.path === r.path ? other : null;
      return { id: r.id, create_date: r.create_date, path: r.path,
        info: failedOnly ? paired : r, error: failedOnly ? r : paired };
    });
    return { fields, calls, total, rules: await ruleNames(main) };
  }, [failedOnly, query.q, ruleId, offset, tick]);
  const value = data.value;
  const columns = [
    { name: "create_date", label: "Date", render: (c) => <span class="nowrap">{formatDatetime(c.create_date)}</span> },
    { name: "path", label: "Rule", render: (c) => <PathLink path={c.path} rules={value.rules} /> },
    { name: "level", label: "Result", render: (c) => (c.error
      ? <Badge tone="danger">Failed</Badge> : <Badge tone="success">Done</Badge>) },
    { name: "message", label: "Payload", render: (c) => <span class="log-message">{c.info ? firstLine(compactPayload(c.info.message)) : ""}</span> },
    { name: "error", label: "Error", render: (c) => <span class="log-message">{c.error ? firstLine(c.error.message, 100) : ""}</span> },
  ];
  const r = rule.value;
  return (
    <>
      <div class="control">
        <SearchBox value={query.q} label="Search the calls"
                   placeholder={failedOnly ? "Search errors..." : "Search payloads..."}
                   onSearch={(q) => setQuery({ q, offset: "" })} />
        <span class="inline filter">
          <label for="hook-result">Result</label>
          <select id="hook-result" value={failedOnly ? "failed" : ""}
                  onChange={(e) => setQuery({ result: e.currentTarget.value, offset: "" })}>
            <option value="">All calls</option>
            <option value="failed">Failed calls</option>
          </select>
        </span>
        <RuleFilter rule={r} onClear={() => setQuery({ rule: "", offset: "" })} />
        {value && <Pager offset={offset} limit={LIMIT} total={value.total}
                         onChange={(o) => setQuery({ offset: o ? String(o) : "" })} />}
      </div>
      {r && !r.missing && r.trigger !== "on_webhook" && (
        <p class="alert warning">"{r.name}" is not triggered by a webhook: it receives no calls.</p>
      )}
      {r && !r.missing && r.trigger === "on_webhook" && !r.log_webhook_calls && (
        <p class="alert warning" data-test="not-logging">
          "{r.name}" does not log its calls: turn on Log Calls in <a href={link("rules", r.id)}>the rule</a> to
          see them here.
        </p>
      )}
      {!r && (
        <p class="help">Calls are logged for the rules whose Log Calls option is on.</p>
      )}
      <ErrorAlert error={data.error} />
      {value && (
        <RecordTable fields={value.fields} columns={columns} rows={value.calls} testId="log-webhooks"
                     onOpen={setOpen} empty={failedOnly ? "No failed call logged." : "No webhook call logged."} />
      )}
      {!value && data.loading && <p class="muted">Loading...</p>}
      {open && <WebhookCallDialog call={open} rules={value && value.rules} onClose={() => setOpen(null)} />}
    </>
  );
}

function WebhookCallDialog({ call, rules, onClose }) {
  const payload = call.info ? payloadOf(call.info.message) : null;
  const ruleId = ruleIdOf(call.path);
  return (
    <Dialog title={call.error ? "Failed webhook call" : "Webhook call"} onClose={onClose}
            size="wide" testId="webhook-call">
      <dl class="facts">
        <dt>Date</dt><dd>{formatDatetime(call.create_date)}</dd>
        <dt>Rule</dt><dd><PathLink path={call.path} rules={rules} /></dd>
        <dt>Result</dt><dd>{call.error ? <Badge tone="danger">Failed</Badge> : <Badge tone="success">Done</Badge>}</dd>
      </dl>
      {call.error && (
        <>
          <h3 class="subtitle">Error</h3>
          <pre class="code" data-test="call-error">{call.error.message}</pre>
        </>
      )}
      <h3 class="subtitle">Payload</h3>
      {payload !== null
        ? <pre class="code" data-test="payload">{payload}</pre>
        : <p class="muted">Not found in the log.</p>}
      {ruleId && <p><a href={link("logs", "webhooks", { rule: ruleId })} onClick={onClose}>All calls of this rule</a></p>}
    </Dialog>
  );
}

const STATE_TONES = { pending: "info", sending: "accent", delivered: "success", failed: "danger", dead: "danger" };
const DELIVERY_FIELDS = ["create_date", "state", "kind", "name", "url", "recipients", "attempts", "last_status",
  "last_error", "next_attempt"];

function StateBadge({ fields, state }) {
  return <Badge tone={STATE_TONES[state]}>{fields ? selectionLabel(fields.state, state) : state}</Badge>;
}

// Where a message goes: the URL of a webhook, the recipients of an email.
function target(message) {
  if (message.kind === "email") {
    const to = String(message.recipients || "").split(/[\s,]+/).filter(Boolean);
    return to.length > 3 ? `${to.slice(0, 3).join(", ")} and ${to.length - 3} more` : to.join(", ");
  }
  return message.url || "";
}

function DeliveriesTab({ query, setQuery, tick }) {
  const offset = useOffset(query);
  const data = useLoad(async () => {
    const domain = [...(query.state ? [["state", "=", query.state]] : []),
      ...anyFieldLike(["name", "url", "recipients", "last_error"], query.q)];
    const [fields, rows, total] = await Promise.all([
      fieldsGet("outbox.message"),
      orm.searchRead("outbox.message", domain, DELIVERY_FIELDS, { offset, limit: LIMIT, order: "id desc" }),
      orm.searchCount("outbox.message", domain),
    ]);
    return { fields, rows, total };
  }, [query.state, query.q, offset, tick]);
  const value = data.value;
  const columns = [
    { name: "create_date", label: "Queued", render: (r) => <span class="nowrap">{formatDatetime(r.create_date)}</span> },
    { name: "state", render: (r) => <StateBadge fields={value.fields} state={r.state} /> },
    { name: "kind" },
    { name: "name" },
    { name: "url", label: "To", render: (r) => <span class="log-message">{target(r)}</span> },
    { name: "attempts" },
    { name: "last_status", label: "Last Status", render: (r) => (r.attempts ? String(r.last_status) : "") },
    { name: "last_error", render: (r) => <span class="log-message">{firstLine(r.last_error, 100)}</span> },
    { name: "next_attempt", render: (r) => (r.state === "pending" ? formatDatetime(r.next_attempt) : "") },
  ];
  const states = value ? value.fields.state.selection || [] : [];
  return (
    <>
      <div class="control">
        <SearchBox value={query.q} label="Search deliveries" placeholder="Search descriptions, URLs, errors..."
                   onSearch={(q) => setQuery({ q, offset: "" })} />
        <span class="inline filter">
          <label for="delivery-state">State</label>
          <select id="delivery-state" value={query.state || ""}
                  onChange={(e) => setQuery({ state: e.currentTarget.value, offset: "" })}>
            <option value="">All states</option>
            {states.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
          </select>
        </span>
        {value && <Pager offset={offset} limit={LIMIT} total={value.total}
                         onChange={(o) => setQuery({ offset: o ? String(o) : "" })} />}
      </div>
      <p class="help">
        Webhooks and emails the server sends, each retried with a growing delay until it is
        delivered or has no attempts left (Dead). Failed and Dead messages can be retried.
      </p>
      <ErrorAlert error={data.error} />
      {value && (
        <RecordTable fields={value.fields} columns={columns} rows={value.rows} testId="deliveries"
                     onOpen={(r) => navigate("logs", "deliveries", r.id)}
                     empty={query.state || query.q ? "No message matches." : "Nothing sent yet."} />
      )}
      {!value && data.loading && <p class="muted">Loading...</p>}
    </>
  );
}

const MESSAGE_FIELDS = ["name", "state", "kind", "url", "recipients", "mail_from", "smtp_encryption", "smtp_user",
  "attempts", "last_status", "last_error", "next_attempt", "delivered_at", "lease_until", "res_model", "res_id",
  "idempotency_key", "body", "headers", "create_date"];
const ATTEMPT_FIELDS = ["number", "started_at", "status", "error", "duration_ms", "outcome"];
// While a message is on its way, the page looks again this often, for this long.
const POLL_MS = 1000;
const POLL_FOR_MS = 60000;

function pretty(text) {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return text;
  }
}

function DeliveryDetail({ id }) {
  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState(null);
  const [watchUntil, setWatchUntil] = useState(0);
  const data = useLoad(async () => {
    const [fields, attemptFields, rows, attempts] = await Promise.all([
      fieldsGet("outbox.message"),
      fieldsGet("outbox.attempt"),
      orm.read("outbox.message", [id], MESSAGE_FIELDS),
      orm.searchRead("outbox.attempt", [["message_id", "=", id]], ATTEMPT_FIELDS, { order: "id desc" }),
    ]);
    return { fields, attemptFields, message: rows[0] || null, attempts };
  }, [id]);

  const message = data.value && data.value.message;
  const moving = message && (message.state === "pending" || message.state === "sending");
  // Follows a message that was just retried until it is delivered or gives up again.
  useEffect(() => {
    if (!moving || Date.now() > watchUntil) return undefined;
    const timer = setTimeout(() => data.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [data.value, watchUntil]);

  async function retry() {
    setRetrying(true);
    setRetryError(null);
    try {
      await orm.method("outbox.message", "action_retry", [id]);
      notify("The message is queued again.");
      setWatchUntil(Date.now() + POLL_FOR_MS);
    } catch (e) {
      setRetryError(e);
    } finally {
      setRetrying(false);
      data.reload();
    }
  }

  const crumbs = (
    <h1 class="breadcrumb">
      <a href={link("logs", "deliveries")}>Deliveries</a>
      {message && <> / <span>{message.name || `Message #${id}`}</span></>}
    </h1>
  );
  if (!data.value) {
    return <><div class="control">{crumbs}</div>{data.error ? <ErrorAlert error={data.error} /> : <p class="muted">Loading...</p>}</>;
  }
  if (!message) {
    return <><div class="control">{crumbs}</div><ErrorAlert error={{ message: `The message #${id} does not exist (delivered messages are deleted after a while).` }} /></>;
  }
  const { fields, attemptFields, attempts } = data.value;
  const canRetry = message.state === "dead" || message.state === "failed";
  const attemptColumns = [
    { name: "number", label: "#" },
    { name: "started_at", label: "Time", render: (a) => <span class="nowrap">{formatDatetime(a.started_at)}</span> },
    { name: "status", render: (a) => (a.status ? String(a.status) : <span class="muted">no answer</span>) },
    { name: "outcome", render: (a) => <Badge tone={{ delivered: "success", retry: "info", failed: "danger", dead: "danger" }[a.outcome]}>
      {selectionLabel(attemptFields.outcome, a.outcome)}</Badge> },
    { name: "duration_ms", label: "Duration", render: (a) => (a.duration_ms || a.duration_ms === 0
      ? `${Number(a.duration_ms).toLocaleString(undefined, { maximumFractionDigits: 1 })} ms` : "") },
    { name: "error", render: (a) => <span class="log-message wrap">{a.error || ""}</span> },
  ];
  return (
    <section aria-label="Delivery">
      <div class="control">
        {crumbs}
        {canRetry && <button type="button" disabled={retrying} onClick={retry}>{retrying ? "Retrying..." : "Retry"}</button>}
        <button type="button" class="secondary" onClick={() => data.reload()}>Refresh</button>
      </div>
      <ErrorAlert error={retryError} testId="retry-error" />
      <ErrorAlert error={data.error} />
      <div class="sheet">
        <dl class="facts" data-test="delivery">
          <dt>State</dt>
          <dd data-test="delivery-state"><StateBadge fields={fields} state={message.state} />
            {moving && Date.now() <= watchUntil && <span class="muted"> (following it...)</span>}</dd>
          <dt>Kind</dt><dd>{selectionLabel(fields.kind, message.kind)}</dd>
          {message.kind === "email" ? (
            <>
              <dt>Server</dt><dd><code>{message.url}</code>{message.smtp_encryption ? ` (${selectionLabel(fields.smtp_encryption, message.smtp_encryption)})` : ""}</dd>
              <dt>Envelope Sender</dt><dd>{message.mail_from || <span class="muted">none</span>}</dd>
              <dt>Recipients</dt><dd>{message.recipients}</dd>
            </>
          ) : (
            <><dt>URL</dt><dd><code class="break">{message.url}</code></dd></>
          )}
          <dt>Queued</dt><dd>{formatDatetime(message.create_date)}</dd>
          <dt>Attempts</dt><dd>{message.attempts}</dd>
          {message.attempts > 0 && <><dt>Last Status</dt><dd>{message.last_status || "no answer"}</dd></>}
          {message.last_error && <><dt>Last Error</dt><dd class="admin-message">{message.last_error}</dd></>}
          {message.state === "pending" && <><dt>Next Attempt</dt><dd>{formatDatetime(message.next_attempt)}</dd></>}
          {message.delivered_at && <><dt>Delivered</dt><dd>{formatDatetime(message.delivered_at)}</dd></>}
          {message.res_model && message.res_id ? (
            <><dt>About</dt><dd><a href={link("records", message.res_model, message.res_id)}>{message.res_model} #{message.res_id}</a></dd></>
          ) : null}
          <dt>Idempotency Key</dt><dd><code>{message.idempotency_key}</code></dd>
        </dl>
        <h2 class="subtitle">Attempts</h2>
        <RecordTable fields={attemptFields} columns={attemptColumns} rows={attempts} testId="attempts"
                     empty="Not tried yet." />
        <h2 class="subtitle">Body</h2>
        <pre class="code" data-test="body">{message.kind === "email" ? message.body : pretty(message.body)}</pre>
        {message.headers && message.headers !== "{}" && (
          <>
            <h2 class="subtitle">Extra Headers</h2>
            <pre class="code">{pretty(message.headers)}</pre>
          </>
        )}
      </div>
    </section>
  );
}
