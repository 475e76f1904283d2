// The chatter under the form of a mail-thread record: its messages (newest first), a composer
// to send a message to the followers or log an internal note, the followers (added and
// removed here), and the planned activities (scheduled, marked done or cancelled here). Every
// part is read and written over JSON-2 like any other record; bodies from the server are
// shown through SafeHtml, never injected.
import { useEffect, useRef, useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { link } from "../router.js";
import { Dialog } from "../ui/dialog.jsx";
import { Autocomplete, Many2One } from "../ui/fields.jsx";
import { formatDatetime, parseUtc, textToHtml } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { SafeHtml } from "./html.jsx";

const MESSAGES_PER_LOAD = 30;
const MESSAGE_FIELDS = ["author_id", "email_from", "date", "body", "subject", "message_type", "subtype_id"];
const ACTIVITY_FIELDS = ["activity_type_id", "summary", "note", "date_deadline", "user_id", "state"];

// Internal subtypes (Note, Activities): their messages are for employees only and are shown
// as notes. Asked once per page load.
let internalSubtypes = null;
function loadInternalSubtypes() {
  if (!internalSubtypes) {
    internalSubtypes = orm.searchRead("mail.message.subtype", [["internal", "=", true]], ["id"])
      .then((rows) => new Set(rows.map((r) => r.id)), () => { internalSubtypes = null; return new Set(); });
  }
  return internalSubtypes;
}

const pad = (n) => String(n).padStart(2, "0");
// A date as the server writes it (YYYY-MM-DD), in the browser's time zone.
function isoDate(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function addDelay(count, unit) {
  const d = new Date();
  if (unit === "weeks") d.setDate(d.getDate() + 7 * count);
  else if (unit === "months") d.setMonth(d.getMonth() + count);
  else d.setDate(d.getDate() + count);
  return isoDate(d);
}

// "Today", "Tomorrow", "In 3 days", "Yesterday", "2 days overdue".
function dueText(date) {
  if (!date) return "";
  const [y, m, d] = date.split("-").map(Number);
  const today = new Date();
  const days = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) / 86400000);
  if (days === 0) return "Today";
  if (days === 1) return "Tomorrow";
  if (days === -1) return "Yesterday";
  return days > 0 ? `In ${days} days` : `${-days} days overdue`;
}

// "5 minutes ago", or the date for older messages (the exact time is in the tooltip).
function whenText(utc) {
  const d = parseUtc(utc);
  if (!d || isNaN(d)) return "";
  const seconds = (Date.now() - d.getTime()) / 1000;
  if (seconds < 60) return "now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} minute${seconds < 120 ? "" : "s"} ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} hour${seconds < 7200 ? "" : "s"} ago`;
  return d.toLocaleDateString();
}

function Composer({ kind, onPost, onClose }) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const ref = useRef(null);
  const note = kind === "note";
  useEffect(() => { ref.current && ref.current.focus(); }, [kind]);

  async function submit(e) {
    if (e) e.preventDefault();
    if (!text.trim()) {
      setError(note ? "Write the note first." : "Write the message first.");
      ref.current && ref.current.focus();
      return;
    }
    setBusy(true);
    setError("");
    try {
      await onPost(text);
      setText("");
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class={`composer${note ? " note" : ""}`} onSubmit={submit} data-test="composer">
      <label for="chatter-composer">{note ? "Internal note (followers are not notified)" : "Message to the followers"}</label>
      <textarea id="chatter-composer" ref={ref} rows={3} value={text} disabled={busy}
                placeholder={note ? "Log an internal note..." : "Send a message to followers..."}
                onInput={(e) => setText(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
                  else if (e.key === "Escape") { e.stopPropagation(); onClose(); }
                }} />
      {error && <p class="field-error" role="alert">{error}</p>}
      <div class="inline">
        <button type="submit" disabled={busy}>{note ? "Log" : "Send"}</button>
        <button type="button" class="secondary" onClick={onClose}>Cancel</button>
        <span class="muted">Ctrl+Enter {note ? "logs" : "sends"}</span>
      </div>
    </form>
  );
}

function Followers({ model, id, followers, session, onChanged }) {
  const [error, setError] = useState("");
  const followed = new Set(followers.map((f) => f.partner_id && f.partner_id[0]));

  async function run(method, partnerId, done) {
    setError("");
    try {
      await orm.method(model, method, [id], { partner_ids: [partnerId] });
      notify(done);
      onChanged();
    } catch (e) {
      setError(e.message);
    }
  }

  return (
    <section class="followers" aria-labelledby="chatter-followers-title" data-test="followers">
      <h3 id="chatter-followers-title">Followers</h3>
      {error && <div class="alert error" role="alert">{error}</div>}
      <ul>
        {followers.length === 0 && <li class="muted">Nobody follows this record.</li>}
        {followers.map((f) => (
          <li key={f.id} data-partner={f.partner_id && f.partner_id[0]}>
            <a href={link("records", "res.partner", f.partner_id[0])}>{f.partner_id[1]}</a>
            {f.email && <span class="muted"> {f.email}</span>}
            <button type="button" class="icon" aria-label={`Remove follower ${f.partner_id[1]}`}
                    title="Remove this follower"
                    onClick={() => run("message_unsubscribe", f.partner_id[0], `${f.partner_id[1]} no longer follows this record`)}>×</button>
          </li>
        ))}
      </ul>
      <div class="add-follower">
        <label for="chatter-add-follower">Add follower</label>
        <Autocomplete id="chatter-add-follower" placeholder="Search contacts..."
                      search={(text) => orm.nameSearch("res.partner", text,
                        followed.size ? [["id", "not in", [...followed]]] : [])}
                      onPick={([partnerId, name]) => run("message_subscribe", partnerId, `${name} follows this record`)} />
      </div>
      {session.partner_id && !followed.has(session.partner_id) && (
        <button type="button" class="secondary" onClick={() => run("message_subscribe", session.partner_id, "You follow this record")}>
          Follow
        </button>
      )}
    </section>
  );
}

// The dialog that plans an activity on the record: its type, summary, due date (from the
// type's delay), who does it, a note. Required fields are those fields_get marks required.
function ScheduleDialog({ model, id, session, onClose, onDone }) {
  const [types, setTypes] = useState([]);
  const [meta, setMeta] = useState({});
  const [typeId, setTypeId] = useState("");
  const [summary, setSummary] = useState("");
  const [deadline, setDeadline] = useState(isoDate(new Date()));
  const [user, setUser] = useState(session.uid ? [session.uid, session.name] : false);
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState({});
  const [alert, setAlert] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    fieldsGet("mail.activity").then(setMeta, () => {});
    Promise.all([
      orm.searchRead("mail.activity.type", ["|", ["res_model", "=", false], ["res_model", "=", model]],
        ["name", "delay_count", "delay_unit", "summary", "default_user_id"], { order: "sequence, id" }),
      orm.searchRead("ir.model.data", [["module", "=", "mail"], ["name", "=", "mail_activity_data_todo"]],
        ["res_id"], { limit: 1 }).catch(() => []),
    ]).then(([found, todo]) => {
      setTypes(found);
      const preferred = found.find((t) => todo.length && t.id === todo[0].res_id) || found[0];
      if (preferred) pickType(preferred);
    }, (e) => setAlert(e.message));
  }, [model]);

  function pickType(type) {
    setTypeId(type ? String(type.id) : "");
    if (!type) return;
    setDeadline(addDelay(type.delay_count || 0, type.delay_unit));
    if (type.default_user_id) setUser(type.default_user_id);
  }

  const required = (name) => !!(meta[name] && meta[name].required);
  const label = (name, fallback) => (meta[name] && meta[name].string) || fallback;

  async function submit(e) {
    e.preventDefault();
    const found = {};
    if (required("activity_type_id") && !typeId) found.activity_type_id = "Choose the type of activity.";
    if (required("summary") && !summary.trim()) found.summary = "Write a summary.";
    if (!deadline) found.date_deadline = "Choose the due date.";
    if (required("user_id") && !user) found.user_id = "Choose who does it.";
    setErrors(found);
    if (Object.keys(found).length) {
      const first = { activity_type_id: "activity-type", summary: "activity-summary", date_deadline: "activity-deadline", user_id: "activity-user" }[Object.keys(found)[0]];
      document.getElementById(first)?.focus();
      return;
    }
    setBusy(true);
    setAlert("");
    try {
      const values = { res_model: model, res_id: id, date_deadline: deadline, user_id: user ? user[0] : false };
      if (typeId) values.activity_type_id = Number(typeId);
      if (summary.trim()) values.summary = summary.trim();
      if (note.trim()) values.note = textToHtml(note.trim());
      await orm.create("mail.activity", values);
      notify("Activity scheduled");
      onDone();
    } catch (err) {
      setAlert(err.message);
      setBusy(false);
    }
  }

  const mark = (name) => (required(name) || name === "date_deadline" ? "required" : "");
  return (
    <Dialog title="Schedule activity" onClose={onClose} testId="schedule"
            footer={<>
              <button type="submit" form="schedule-activity" disabled={busy}>Schedule</button>
              <button type="button" class="secondary" onClick={onClose}>Cancel</button>
            </>}>
      <form id="schedule-activity" onSubmit={submit} noValidate>
        {alert && <div class="alert error" role="alert">{alert}</div>}
        <div class="form-grid">
          <label for="activity-type" class={mark("activity_type_id")}>{label("activity_type_id", "Activity Type")}</label>
          <div>
            <select id="activity-type" value={typeId}
                    onChange={(e) => pickType(types.find((t) => String(t.id) === e.currentTarget.value))}>
              {!required("activity_type_id") && <option value="">None</option>}
              {types.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
            {errors.activity_type_id && <p class="field-error" role="alert">{errors.activity_type_id}</p>}
          </div>
          <label for="activity-summary" class={mark("summary")}>{label("summary", "Summary")}</label>
          <div>
            <input id="activity-summary" type="text" value={summary} placeholder="e.g. Discuss the proposal"
                   onInput={(e) => setSummary(e.currentTarget.value)} />
            {errors.summary && <p class="field-error" role="alert">{errors.summary}</p>}
          </div>
          <label for="activity-deadline" class={mark("date_deadline")}>{label("date_deadline", "Due Date")}</label>
          <div>
            <input id="activity-deadline" type="date" value={deadline} required
                   onInput={(e) => setDeadline(e.currentTarget.value)} />
            {errors.date_deadline && <p class="field-error" role="alert">{errors.date_deadline}</p>}
          </div>
          <label for="activity-user" class={mark("user_id")}>{label("user_id", "Assigned to")}</label>
          <div>
            <Many2One id="activity-user" model="res.users" value={user} onChange={setUser}
                      label={label("user_id", "Assigned to")} required={required("user_id")} />
            {errors.user_id && <p class="field-error" role="alert">{errors.user_id}</p>}
          </div>
          <label for="activity-note">{label("note", "Note")}</label>
          <textarea id="activity-note" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </div>
      </form>
    </Dialog>
  );
}

// Marking an activity done, with optional feedback (posted on the record with it).
function DoneDialog({ activity, onClose, onDone }) {
  const [feedback, setFeedback] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      if (feedback.trim()) await orm.method("mail.activity", "action_feedback", [activity.id], { feedback: feedback.trim() });
      else await orm.method("mail.activity", "action_done", [activity.id]);
      notify("Activity done");
      onDone();
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  }
  const name = activity.summary || (activity.activity_type_id ? activity.activity_type_id[1] : "Activity");
  return (
    <Dialog title={`Mark done: ${name}`} size="small" onClose={onClose} testId="done"
            footer={<>
              <button type="submit" form="activity-done" disabled={busy}>Done</button>
              <button type="button" class="secondary" onClick={onClose}>Cancel</button>
            </>}>
      <form id="activity-done" onSubmit={submit}>
        {error && <div class="alert error" role="alert">{error}</div>}
        <label for="activity-feedback">Feedback (optional)</label>
        <textarea id="activity-feedback" rows={3} value={feedback} onInput={(e) => setFeedback(e.currentTarget.value)} />
      </form>
    </Dialog>
  );
}

function Activities({ activities, onDone, onCancel }) {
  if (!activities.length) return null;
  return (
    <section class="activities" aria-labelledby="chatter-activities-title" data-test="activities">
      <h3 id="chatter-activities-title">Planned activities</h3>
      <ul>
        {activities.map((a) => (
          <li key={a.id} class={`activity ${a.state || ""}`} data-id={a.id}>
            <div class="activity-head">
              <span class={`due ${a.state || ""}`} title={a.date_deadline}>{dueText(a.date_deadline)}</span>
              <strong>{a.activity_type_id ? a.activity_type_id[1] : "Activity"}</strong>
              {a.summary && <span>: {a.summary}</span>}
              {a.user_id && <span class="muted"> for {a.user_id[1]}</span>}
            </div>
            {a.note && <SafeHtml html={a.note} class="activity-note" />}
            <div class="inline">
              <button type="button" class="secondary" onClick={() => onDone(a)}
                      aria-label={`Mark Done: ${a.summary || (a.activity_type_id ? a.activity_type_id[1] : "activity")}`}>Mark Done</button>
              <button type="button" class="secondary" onClick={() => onCancel(a)}
                      aria-label={`Cancel activity: ${a.summary || (a.activity_type_id ? a.activity_type_id[1] : "activity")}`}>Cancel</button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

const SMS_LABELS = { outgoing: "In Queue", sent: "Sent", delivered: "Delivered", read: "Read", received: "Received",
  error: "Error", canceled: "Cancelled", cancel: "Cancelled" };
const SMS_TONES = { outgoing: "", sent: "info", delivered: "success", read: "success", error: "danger" };

// The states of the text messages (SMS, WhatsApp) sent with these chatter messages, by message
// id ({} for users who may not read them: the messages show without).
async function smsStates(messages) {
  const of = (type) => messages.filter((m) => m.message_type === type).map((m) => m.id);
  const [sms, wa] = [of("sms"), of("whatsapp_message")];
  const read = (model, ids, number) => (ids.length
    ? orm.searchRead(model, [["mail_message_id", "in", ids]], ["mail_message_id", number, "state", "failure_reason"])
      .then((rows) => rows.map((r) => ({ ...r, number: r[number] })), () => [])
    : Promise.resolve([]));
  const rows = (await Promise.all([read("sms.sms", sms, "number"), read("whatsapp.message", wa, "mobile_number")])).flat();
  const out = {};
  for (const r of rows) (out[r.mail_message_id[0]] = out[r.mail_message_id[0]] || []).push(r);
  return out;
}

function Message({ message, internal, sms }) {
  const author = message.author_id ? message.author_id[1] : (message.email_from || "Unknown sender");
  const note = message.subtype_id && internal.has(message.subtype_id[0]);
  const kind = note ? "note" : message.message_type === "notification" ? "notification" : "";
  return (
    <li class={`message ${kind}`} data-id={message.id}>
      <div class="message-head">
        <strong>{author}</strong>
        <time dateTime={message.date} title={formatDatetime(message.date)}>{whenText(message.date)}</time>
        {note && <span class="tag">{message.subtype_id[1]}</span>}
        {message.message_type === "email" && <span class="tag">Email</span>}
        {message.message_type === "sms" && <span class="tag">SMS</span>}
        {message.message_type === "whatsapp_message" && <span class="tag">WhatsApp</span>}
        {(sms || []).map((s) => (
          <span key={s.id} class={`badge ${SMS_TONES[s.state] || ""}`} data-test="sms-state"
                title={s.failure_reason || s.number}>{s.number}: {SMS_LABELS[s.state] || s.state}</span>
        ))}
      </div>
      {message.subject && <div class="message-subject">{message.subject}</div>}
      <SafeHtml html={message.body} class="message-body" />
    </li>
  );
}

export function Chatter({ model, id, session, version }) {
  const [messages, setMessages] = useState([]);
  const [sms, setSms] = useState({});
  const [hasMore, setHasMore] = useState(false);
  const [followers, setFollowers] = useState([]);
  const [activities, setActivities] = useState([]);
  const [internal, setInternal] = useState(new Set());
  const [composer, setComposer] = useState(null); // "message" | "note" | null
  const [showFollowers, setShowFollowers] = useState(false);
  const [scheduling, setScheduling] = useState(false);
  const [finishing, setFinishing] = useState(null);
  const [error, setError] = useState("");

  const messageDomain = [["model", "=", model], ["res_id", "=", id]];
  const recordDomain = [["res_model", "=", model], ["res_id", "=", id]];

  async function loadMessages(count = Math.max(MESSAGES_PER_LOAD, messages.length)) {
    const found = await orm.searchRead("mail.message", messageDomain, MESSAGE_FIELDS,
      { order: "date desc, id desc", limit: count + 1 });
    setHasMore(found.length > count);
    setMessages(found.slice(0, count));
    setSms(await smsStates(found));
  }
  const loadFollowers = async () => setFollowers(await orm.searchRead("mail.followers", recordDomain,
    ["partner_id", "email"], { order: "id" }));
  const loadActivities = async () => setActivities(await orm.searchRead("mail.activity", recordDomain,
    ACTIVITY_FIELDS, { order: "date_deadline asc, id asc" }));

  function refresh(...parts) {
    setError("");
    return Promise.all(parts.map((load) => load())).catch((e) => setError(e.message));
  }

  useEffect(() => {
    loadInternalSubtypes().then(setInternal);
    refresh(() => loadMessages(MESSAGES_PER_LOAD), loadFollowers, loadActivities);
  }, [model, id, version]);

  async function post(text) {
    const note = composer === "note";
    await orm.method(model, "message_post", [id], {
      body: text, message_type: "comment", subtype_xmlid: note ? "mail.mt_note" : "mail.mt_comment",
    });
    notify(note ? "Note logged" : "Message sent");
    setComposer(null);
    // Posting a comment makes its author a follower.
    await refresh(() => loadMessages(), loadFollowers);
  }

  async function cancelActivity(activity) {
    setError("");
    try {
      await orm.unlink("mail.activity", [activity.id]);
      notify("Activity cancelled");
      await refresh(loadActivities);
    } catch (e) {
      setError(e.message);
    }
  }

  const toggle = (kind) => setComposer(composer === kind ? null : kind);
  return (
    <aside class="chatter" aria-label="Chatter" data-test="chatter">
      <div class="chatter-bar">
        <button type="button" class={composer === "message" ? "" : "secondary"} aria-pressed={composer === "message"}
                onClick={() => toggle("message")}>Send message</button>
        <button type="button" class={composer === "note" ? "" : "secondary"} aria-pressed={composer === "note"}
                onClick={() => toggle("note")}>Log note</button>
        <button type="button" class="secondary" onClick={() => setScheduling(true)}>Schedule activity</button>
        <button type="button" class="secondary followers-toggle" aria-expanded={showFollowers}
                aria-controls="chatter-followers" onClick={() => setShowFollowers(!showFollowers)}
                data-test="followers-toggle">
          Followers ({followers.length})
        </button>
      </div>
      {error && <div class="alert error" role="alert">{error}</div>}
      {composer && <Composer key={composer} kind={composer} onPost={post} onClose={() => setComposer(null)} />}
      {showFollowers && (
        <div id="chatter-followers">
          <Followers model={model} id={id} followers={followers} session={session}
                     onChanged={() => refresh(loadFollowers)} />
        </div>
      )}
      <Activities activities={activities} onDone={setFinishing} onCancel={cancelActivity} />
      <section class="messages" aria-labelledby="chatter-messages-title">
        <h3 id="chatter-messages-title">Messages</h3>
        <ol class="message-list" data-test="messages">
          {messages.length === 0 && <li class="muted">No message yet.</li>}
          {messages.map((m) => <Message key={m.id} message={m} internal={internal} sms={sms[m.id]} />)}
        </ol>
        {hasMore && (
          <button type="button" class="secondary" onClick={() => refresh(() => loadMessages(messages.length + MESSAGES_PER_LOAD))}>
            Load older messages
          </button>
        )}
      </section>
      {scheduling && (
        <ScheduleDialog model={model} id={id} session={session} onClose={() => setScheduling(false)}
                        onDone={() => { setScheduling(false); refresh(loadActivities, loadFollowers); }} />
      )}
      {finishing && (
        <DoneDialog activity={finishing} onClose={() => setFinishing(null)}
                    onDone={() => { setFinishing(null); refresh(loadActivities, () => loadMessages()); }} />
      )}
    </aside>
  );
}
