// Messaging (#/messaging, #/messaging/<kind>/<id|new>): the SMS providers (sms.provider), the
// WhatsApp accounts (whatsapp.account) and templates (whatsapp.template, with their variables),
// each with its own form, and the last text messages sent with their state. Credentials are
// write-only: a form sends one only when it is typed, and never shows one (the server never
// returns them).
import { useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { FieldInput, toWriteValues } from "../ui/fields.jsx";
import { formatDatetime } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { RecordTable } from "../ui/table.jsx";
import { Badge, ErrorAlert, useLoad } from "./common.jsx";

// What each kind of record shows: its fields (by the kind of provider when it has several), its
// write-only fields with their labels, help under fields, and its defaults.
const KINDS = {
  sms: {
    model: "sms.provider", title: "SMS Provider",
    fields: ["name", "provider", "active", "sequence", "api_url", "twilio_account_sid", "twilio_from"],
    variant: (v) => (v.provider === "webhook" ? "webhook" : "twilio"),
    shown: {
      twilio: ["name", "provider", "twilio_account_sid", "twilio_from", "api_url", "sequence", "active"],
      webhook: ["name", "provider", "api_url", "sequence", "active"],
    },
    secrets: {
      twilio: [["twilio_auth_token", "Auth Token", "also checks the signature of Twilio's delivery reports"]],
      webhook: [["api_token", "Bearer Token", "sent as Authorization: Bearer"]],
    },
    help: {
      api_url: {
        twilio: "Empty for Twilio itself (https://api.twilio.com); the base URL of another provider that speaks Twilio's Messages API.",
        webhook: "Messages are POSTed here as JSON: {\"to\", \"body\", \"reference\"}.",
      },
      twilio_from: { twilio: "The sending number in E.164 (+15017122661), or a Messaging Service SID (MG...)." },
      sequence: { twilio: "The first active provider sends.", webhook: "The first active provider sends." },
    },
    defaults: { name: "", provider: "twilio", active: true, sequence: 10, api_url: "", twilio_account_sid: "", twilio_from: "" },
  },
  whatsapp: {
    model: "whatsapp.account", title: "WhatsApp Account",
    fields: ["name", "phone_uid", "account_uid", "app_uid", "api_url", "api_version", "active"],
    variant: () => "cloud",
    shown: { cloud: ["name", "phone_uid", "account_uid", "app_uid", "api_url", "api_version", "active"] },
    secrets: {
      cloud: [["token", "Access Token", "a system user's permanent token with whatsapp_business_messaging"],
              ["app_secret", "App Secret", "checks the X-Hub-Signature-256 of Meta's webhook calls"],
              ["webhook_verify_token", "Webhook Verify Token", "the same string as in the Meta app's webhook settings"]],
    },
    help: {
      phone_uid: { cloud: "WhatsApp Manager > API Setup: the Phone Number ID messages are sent from." },
      api_url: { cloud: "Empty for Meta's Graph API (https://graph.facebook.com)." },
    },
    defaults: { name: "", phone_uid: "", account_uid: "", app_uid: "", api_url: "", api_version: "v21.0", active: true },
  },
};

export const SMS_STATE_TONES = { outgoing: "neutral", sent: "info", delivered: "success", read: "success",
  received: "info", error: "danger", canceled: "neutral", cancel: "neutral" };

export function MessagingPage({ where }) {
  const [kind, id] = where.parts;
  if (kind === "template") {
    if (id === "new") return <TemplateForm key="new" />;
    if (!/^\d+$/.test(id || "")) return <ErrorAlert error={{ message: `"${id}" is not a template's number.` }} />;
    return <TemplateForm key={id} id={Number(id)} />;
  }
  if (KINDS[kind] && id === "new") return <SettingsForm key={`${kind}-new`} kind={kind} />;
  if (KINDS[kind] && id !== undefined) {
    if (!/^\d+$/.test(id)) return <ErrorAlert error={{ message: `"${id}" is not a record's number.` }} />;
    return <SettingsForm key={`${kind}-${id}`} kind={kind} id={Number(id)} />;
  }
  return <Overview />;
}

function label(fields, name, value) {
  const f = fields[name];
  return ((f && f.selection) || []).find(([k]) => k === value)?.[1] || value;
}

function StateBadge({ fields, row }) {
  return (
    <span title={row.failure_reason || ""}>
      <Badge tone={SMS_STATE_TONES[row.state] || "neutral"}>{label(fields, "state", row.state)}</Badge>
    </span>
  );
}

const active = [["active", "in", [true, false]]];
const recordLink = (s) => (s.model && s.res_id
  ? <a href={link("records", s.model, s.res_id)}>{`${s.model} #${s.res_id}`}</a> : "");

function Overview() {
  const data = useLoad(async () => {
    const [pf, providers, af, accounts, tf, templates, sf, sms, wf, wa] = await Promise.all([
      fieldsGet("sms.provider"),
      orm.searchRead("sms.provider", active, KINDS.sms.fields, { order: "sequence, id" }),
      fieldsGet("whatsapp.account"),
      orm.searchRead("whatsapp.account", active, KINDS.whatsapp.fields, { order: "id" }),
      fieldsGet("whatsapp.template"),
      orm.searchRead("whatsapp.template", active, ["name", "template_name", "lang_code", "model", "wa_account_id"], { order: "name" }),
      fieldsGet("sms.sms"),
      orm.searchRead("sms.sms", [], ["create_date", "number", "body", "state", "failure_type", "failure_reason", "model", "res_id"],
        { order: "id desc", limit: 20 }),
      fieldsGet("whatsapp.message"),
      orm.searchRead("whatsapp.message", [], ["create_date", "mobile_number", "message_type", "body", "state", "failure_reason", "model", "res_id"],
        { order: "id desc", limit: 20 }),
    ]);
    return { pf, providers, af, accounts, tf, templates, sf, sms, wf, wa };
  }, []);
  const v = data.value;
  const status = (p) => (p.active ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Archived</Badge>);
  return (
    <section aria-labelledby="messaging-title">
      <div class="control">
        <h1 id="messaging-title">Messaging</h1>
        <a class="button" href={link("messaging", "sms", "new")}>New SMS Provider</a>
        <a class="button secondary" href={link("messaging", "whatsapp", "new")}>New WhatsApp Account</a>
        <a class="button secondary" href={link("messaging", "template", "new")}>New WhatsApp Template</a>
      </div>
      <ErrorAlert error={data.error} />
      {!v && data.loading && <p class="muted">Loading...</p>}
      {v && <>
        <h2>SMS Providers</h2>
        <RecordTable fields={v.pf} rows={v.providers} testId="sms-providers"
                     columns={[{ name: "name", render: (p) => <a href={link("messaging", "sms", p.id)}>{p.name}</a> },
                               { name: "provider" }, { name: "twilio_from", label: "From" },
                               { name: "active", label: "Status", render: status }]}
                     onOpen={(p) => navigate("messaging", "sms", p.id)}
                     empty="No SMS provider: text messages cannot be sent until one is added." />
        <h2>WhatsApp Accounts</h2>
        <RecordTable fields={v.af} rows={v.accounts} testId="whatsapp-accounts"
                     columns={[{ name: "name", render: (a) => <a href={link("messaging", "whatsapp", a.id)}>{a.name}</a> },
                               { name: "phone_uid" }, { name: "active", label: "Status", render: status }]}
                     onOpen={(a) => navigate("messaging", "whatsapp", a.id)}
                     empty="No WhatsApp account: WhatsApp messages cannot be sent until one is added." />
        <h2>WhatsApp Templates</h2>
        <RecordTable fields={v.tf} rows={v.templates} testId="whatsapp-templates"
                     columns={[{ name: "name", render: (t) => <a href={link("messaging", "template", t.id)}>{t.name}</a> },
                               { name: "template_name" }, { name: "lang_code" }, { name: "model" }]}
                     onOpen={(t) => navigate("messaging", "template", t.id)}
                     empty="No WhatsApp template yet." />
        <h2>Recent text messages</h2>
        <RecordTable fields={v.sf} rows={v.sms} testId="sms-messages"
                     columns={[{ name: "create_date", label: "Date", render: (s) => formatDatetime(s.create_date) },
                               { name: "number" }, { name: "body" },
                               { name: "state", render: (s) => <StateBadge fields={v.sf} row={s} /> },
                               { name: "failure_type", label: "Why" },
                               { name: "res_id", label: "Record", render: recordLink }]}
                     empty="No text message sent yet." />
        <h2>Recent WhatsApp messages</h2>
        <RecordTable fields={v.wf} rows={v.wa} testId="whatsapp-messages"
                     columns={[{ name: "create_date", label: "Date", render: (s) => formatDatetime(s.create_date) },
                               { name: "mobile_number" }, { name: "message_type" }, { name: "body" },
                               { name: "state", render: (s) => <StateBadge fields={v.wf} row={s} /> },
                               { name: "res_id", label: "Record", render: recordLink }]}
                     empty="No WhatsApp message yet." />
      </>}
    </section>
  );
}

function Crumbs({ title, name }) {
  return (
    <h1 id="messaging-form-title" class="breadcrumb">
      <a href={link("messaging")}>Messaging</a> / <span>{name || `New ${title}`}</span>
    </h1>
  );
}

// Splits a form's changes into plain values (as a write) and the secrets that were typed.
function writeValues(fields, changes, secretNames) {
  const vals = {};
  const plain = {};
  for (const [k, v] of Object.entries(changes)) {
    if (secretNames.includes(k)) {
      if (v) vals[k] = v; // an empty box keeps the one set before
    } else plain[k] = v;
  }
  return { ...toWriteValues(fields, plain), ...vals };
}

// The form of an SMS provider or a WhatsApp account.
function SettingsForm({ kind, id }) {
  const cfg = KINDS[kind];
  const isNew = id === undefined;
  const [changes, setChanges] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const data = useLoad(async () => {
    const fields = await fieldsGet(cfg.model);
    if (isNew) return { fields, record: { ...cfg.defaults } };
    const [row] = await orm.read(cfg.model, [id], cfg.fields);
    return { fields, record: row || null };
  }, [id]);
  if (!data.value) {
    return <><div class="control"><Crumbs title={cfg.title} /></div>
      {data.error ? <ErrorAlert error={data.error} /> : <p class="muted">Loading...</p>}</>;
  }
  const { fields, record } = data.value;
  if (!record) {
    return <><div class="control"><Crumbs title={cfg.title} /></div>
      <ErrorAlert error={{ message: `The ${cfg.title} #${id} does not exist.` }} /></>;
  }
  const values = { ...record, ...changes };
  const variant = cfg.variant(values);
  const set = (name) => (value) => setChanges((c) => ({ ...c, [name]: value }));
  const secretNames = Object.values(cfg.secrets).flat().map(([n]) => n);

  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const vals = writeValues(fields, changes, secretNames);
      if (isNew) {
        const newId = await orm.create(cfg.model, { ...toWriteValues(fields, cfg.defaults), ...vals });
        notify(`${cfg.title} saved`);
        navigate("messaging", kind, newId);
      } else {
        if (Object.keys(vals).length) await orm.write(cfg.model, [id], vals);
        notify(`${cfg.title} saved`);
        setChanges({});
        data.reload();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="messaging-form-title">
      <div class="control"><Crumbs title={cfg.title} name={record.name} /></div>
      <ErrorAlert error={error} testId="settings-error" />
      <form class="record-form" onSubmit={save} data-test={`${kind}-form`}>
        <div class="form-grid">
          {cfg.shown[variant].map((name) => (
            <>
              <label for={`settings-${name}`}>{fields[name].string}</label>
              <div>
                <FieldInput id={`settings-${name}`} name={name} field={fields[name]} value={values[name]}
                            onChange={set(name)} />
                {cfg.help[name] && cfg.help[name][variant] && <p class="help">{cfg.help[name][variant]}</p>}
              </div>
            </>
          ))}
          {cfg.secrets[variant].map(([name, title, help]) => (
            <>
              <label for={`settings-${name}`}>{title}</label>
              <div>
                <input id={`settings-${name}`} name={name} type="password" autocomplete="new-password"
                       value={changes[name] || ""} onInput={(e) => set(name)(e.currentTarget.value)}
                       placeholder={isNew ? "" : "Unchanged (never shown)"} />
                <p class="help">Stored and never shown again; {help}.</p>
              </div>
            </>
          ))}
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>Save</button>
          <a class="button secondary" href={link("messaging")}>Discard</a>
        </div>
      </form>
    </section>
  );
}

const TEMPLATE_FIELDS = ["name", "template_name", "lang_code", "model_id", "wa_account_id", "body", "phone_field", "active"];
const VARIABLE_FIELDS = ["name", "field_type", "field_name", "demo_value"];

// The {{n}} of a body, in order, once each.
export function placeholders(body) {
  const found = [...(body || "").matchAll(/\{\{(\d{1,3})\}\}/g)].map((m) => Number(m[1]));
  return [...new Set(found)].sort((a, b) => a - b);
}

// A WhatsApp template: Meta's name and language, the body as approved, and a row per placeholder
// saying where its value comes from.
function TemplateForm({ id }) {
  const isNew = id === undefined;
  const [changes, setChanges] = useState({});
  const [rows, setRows] = useState(null); // the variables as edited: [{id?, name, field_type, ...}]
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const data = useLoad(async () => {
    const [fields, vfields] = await Promise.all([fieldsGet("whatsapp.template"), fieldsGet("whatsapp.template.variable")]);
    if (isNew) {
      return { fields, vfields, record: { name: "", template_name: "", lang_code: "en_US", model_id: false,
        wa_account_id: false, body: "", phone_field: "", active: true }, variables: [] };
    }
    const [row] = await orm.read("whatsapp.template", [id], TEMPLATE_FIELDS);
    const variables = row ? await orm.searchRead("whatsapp.template.variable", [["wa_template_id", "=", id]], VARIABLE_FIELDS) : [];
    return { fields, vfields, record: row || null, variables };
  }, [id]);
  if (!data.value) {
    return <><div class="control"><Crumbs title="WhatsApp Template" /></div>
      {data.error ? <ErrorAlert error={data.error} /> : <p class="muted">Loading...</p>}</>;
  }
  const { fields, vfields, record, variables } = data.value;
  if (!record) {
    return <><div class="control"><Crumbs title="WhatsApp Template" /></div>
      <ErrorAlert error={{ message: `The WhatsApp template #${id} does not exist.` }} /></>;
  }
  const values = { ...record, ...changes };
  const set = (name) => (value) => setChanges((c) => ({ ...c, [name]: value }));
  // One row per placeholder of the body: the saved variable when there is one.
  const current = rows || variables;
  const shown = placeholders(values.body).map((n) => {
    const name = `{{${n}}}`;
    return current.find((r) => r.name === name) || { name, field_type: "free_text", field_name: "", demo_value: "" };
  });
  const setRow = (name, key, value) => setRows(shown.map((r) => (r.name === name ? { ...r, [key]: value } : r)));

  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const vals = toWriteValues(fields, changes);
      // The variables: those of the body's placeholders kept (updated or created), the others removed.
      const commands = [];
      for (const r of shown) {
        const v = { name: r.name, field_type: r.field_type, field_name: r.field_name || false, demo_value: r.demo_value || false };
        commands.push(r.id ? [1, r.id, v] : [0, 0, v]);
      }
      for (const old of variables) if (!shown.some((r) => r.id === old.id)) commands.push([2, old.id]);
      if (commands.length) vals.variable_ids = commands;
      if (isNew) {
        const newId = await orm.create("whatsapp.template", vals);
        notify("WhatsApp template saved");
        navigate("messaging", "template", newId);
      } else {
        if (Object.keys(vals).length) await orm.write("whatsapp.template", [id], vals);
        notify("WhatsApp template saved");
        setChanges({});
        setRows(null);
        data.reload();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const simple = ["name", "template_name", "lang_code", "model_id", "wa_account_id"];
  return (
    <section aria-labelledby="messaging-form-title">
      <div class="control"><Crumbs title="WhatsApp Template" name={record.name} /></div>
      <ErrorAlert error={error} testId="template-error" />
      <form class="record-form" onSubmit={save} data-test="template-form">
        <div class="form-grid">
          {simple.map((name) => (
            <>
              <label for={`template-${name}`}>{fields[name].string}</label>
              <FieldInput id={`template-${name}`} name={name} field={fields[name]} value={values[name]} onChange={set(name)} />
            </>
          ))}
          <label for="template-body">{fields.body.string}</label>
          <div>
            <textarea id="template-body" rows={4} value={values.body || ""} onInput={(e) => set("body")(e.currentTarget.value)} />
            <p class="help">As Meta approved it, with {"{{1}}"}, {"{{2}}"}... where the values go.</p>
          </div>
          <label for="template-phone_field">{fields.phone_field.string}</label>
          <div>
            <input id="template-phone_field" value={values.phone_field || ""} onInput={(e) => set("phone_field")(e.currentTarget.value)}
                   placeholder="partner_id.mobile" />
            <p class="help">Empty: the record's mobile or phone, else its contact's.</p>
          </div>
        </div>
        <h2>Variables</h2>
        {!shown.length && <p class="muted">The body has no {"{{1}}"}: nothing to fill.</p>}
        {shown.length > 0 && (
          <table class="variables" data-test="template-variables">
            <thead><tr><th>Placeholder</th><th>{vfields.field_type.string}</th><th>Value</th></tr></thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.name} data-name={r.name}>
                  <td>{r.name}</td>
                  <td>
                    <select aria-label={`Type of ${r.name}`} value={r.field_type}
                            onChange={(e) => setRow(r.name, "field_type", e.currentTarget.value)}>
                      {vfields.field_type.selection.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
                    </select>
                  </td>
                  <td>
                    {r.field_type === "field"
                      ? <input aria-label={`Field of ${r.name}`} value={r.field_name || ""} placeholder="partner_id.name"
                               onInput={(e) => setRow(r.name, "field_name", e.currentTarget.value)} />
                      : <input aria-label={`Value of ${r.name}`} value={r.demo_value || ""} placeholder="{{ object.name }}"
                               onInput={(e) => setRow(r.name, "demo_value", e.currentTarget.value)} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>Save</button>
          <a class="button secondary" href={link("messaging")}>Discard</a>
        </div>
      </form>
    </section>
  );
}
