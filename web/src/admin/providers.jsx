// Messaging (#/messaging, #/messaging/sms/<id>, #/messaging/sms/new): the providers text messages
// go through (sms.provider), each with its own form, and the text messages sent (sms.sms) with
// their state. Credentials are write-only: the form sends one only when it is typed, and never
// shows one (the server never returns them).
import { useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { FieldInput, toWriteValues } from "../ui/fields.jsx";
import { formatDatetime } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { RecordTable } from "../ui/table.jsx";
import { Badge, ErrorAlert, useLoad } from "./common.jsx";

const PROVIDER = "sms.provider";
const PROVIDER_FIELDS = ["name", "provider", "active", "sequence", "api_url", "twilio_account_sid", "twilio_from"];
// The write-only fields of each kind of provider, with their labels.
const SECRETS = {
  twilio: [["twilio_auth_token", "Auth Token"]],
  webhook: [["api_token", "Bearer Token"]],
};
const SHOWN = {
  twilio: ["name", "provider", "twilio_account_sid", "twilio_from", "api_url", "sequence", "active"],
  webhook: ["name", "provider", "api_url", "sequence", "active"],
};
const HELP = {
  api_url: {
    twilio: "Empty for Twilio itself (https://api.twilio.com); the base URL of another provider that speaks Twilio's Messages API.",
    webhook: "Messages are POSTed here as JSON: {\"to\", \"body\", \"reference\"}.",
  },
  twilio_from: { twilio: "The sending number in E.164 (+15017122661), or a Messaging Service SID (MG...)." },
  sequence: { twilio: "The first active provider sends.", webhook: "The first active provider sends." },
};

export const SMS_STATE_TONES = { outgoing: "neutral", sent: "info", delivered: "success", error: "danger", canceled: "neutral" };

export function MessagingPage({ where }) {
  const [kind, id] = where.parts;
  if (kind === "sms" && id === "new") return <ProviderForm key="new" />;
  if (kind === "sms" && id !== undefined) {
    if (!/^\d+$/.test(id)) return <ErrorAlert error={{ message: `"${id}" is not a provider's number.` }} />;
    return <ProviderForm key={id} id={Number(id)} />;
  }
  return <Overview />;
}

function Overview() {
  const data = useLoad(async () => {
    const [pf, providers, sf, sms] = await Promise.all([
      fieldsGet(PROVIDER),
      orm.searchRead(PROVIDER, [["active", "in", [true, false]]], PROVIDER_FIELDS, { order: "sequence, id" }),
      fieldsGet("sms.sms"),
      orm.searchRead("sms.sms", [], ["create_date", "number", "body", "state", "failure_type", "failure_reason", "model", "res_id"],
        { order: "id desc", limit: 40 }),
    ]);
    return { pf, providers, sf, sms };
  }, []);
  const value = data.value;
  return (
    <section aria-labelledby="messaging-title">
      <div class="control">
        <h1 id="messaging-title">Messaging</h1>
        <a class="button" href={link("messaging", "sms", "new")}>New SMS Provider</a>
      </div>
      <ErrorAlert error={data.error} />
      {!value && data.loading && <p class="muted">Loading...</p>}
      {value && <>
        <h2>SMS Providers</h2>
        <RecordTable fields={value.pf} rows={value.providers} testId="sms-providers"
                     columns={[
                       { name: "name", render: (p) => <a href={link("messaging", "sms", p.id)}>{p.name}</a> },
                       { name: "provider" },
                       { name: "twilio_from", label: "From" },
                       { name: "active", label: "Status", render: (p) => (p.active
                         ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Archived</Badge>) },
                     ]}
                     onOpen={(p) => navigate("messaging", "sms", p.id)}
                     empty="No SMS provider: text messages cannot be sent until one is added." />
        <h2>Recent text messages</h2>
        <RecordTable fields={value.sf} rows={value.sms} testId="sms-messages"
                     columns={[
                       { name: "create_date", label: "Date", render: (s) => formatDatetime(s.create_date) },
                       { name: "number" },
                       { name: "body" },
                       { name: "state", render: (s) => (
                         <span title={s.failure_reason || ""}>
                           <Badge tone={SMS_STATE_TONES[s.state] || "neutral"}>
                             {(value.sf.state.selection.find(([k]) => k === s.state) || [s.state, s.state])[1]}
                           </Badge>
                         </span>) },
                       { name: "failure_type", label: "Why" },
                       { name: "res_id", label: "Record", render: (s) => (s.model && s.res_id
                         ? <a href={link("records", s.model, s.res_id)}>{`${s.model} #${s.res_id}`}</a> : "") },
                     ]}
                     empty="No text message sent yet." />
      </>}
    </section>
  );
}

function ProviderForm({ id }) {
  const isNew = id === undefined;
  const [changes, setChanges] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const data = useLoad(async () => {
    const fields = await fieldsGet(PROVIDER);
    if (isNew) return { fields, record: { name: "", provider: "twilio", active: true, sequence: 10, api_url: "", twilio_account_sid: "", twilio_from: "" } };
    const [row] = await orm.read(PROVIDER, [id], PROVIDER_FIELDS);
    return { fields, record: row || null };
  }, [id]);
  const crumbs = (name) => (
    <h1 id="provider-title" class="breadcrumb">
      <a href={link("messaging")}>Messaging</a> / <span>{name || "New SMS Provider"}</span>
    </h1>
  );
  if (!data.value) {
    return <><div class="control">{crumbs()}</div>{data.error ? <ErrorAlert error={data.error} /> : <p class="muted">Loading...</p>}</>;
  }
  const { fields, record } = data.value;
  if (!record) return <><div class="control">{crumbs()}</div><ErrorAlert error={{ message: `The SMS provider #${id} does not exist.` }} /></>;
  const values = { ...record, ...changes };
  const kind = values.provider === "webhook" ? "webhook" : "twilio";
  const set = (name) => (value) => setChanges((c) => ({ ...c, [name]: value }));

  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const secrets = {};
      const plain = {};
      for (const [k, v] of Object.entries(changes)) {
        if (SECRETS.twilio.concat(SECRETS.webhook).some(([name]) => name === k)) {
          if (v) secrets[k] = v; // an empty box keeps the one set before
        } else plain[k] = v;
      }
      const vals = { ...toWriteValues(fields, plain), ...secrets };
      if (isNew) {
        const newId = await orm.create(PROVIDER, { ...toWriteValues(fields, { provider: values.provider }), ...vals });
        notify("SMS provider saved");
        navigate("messaging", "sms", newId);
      } else {
        if (Object.keys(vals).length) await orm.write(PROVIDER, [id], vals);
        notify("SMS provider saved");
        setChanges({});
        data.reload && data.reload();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="provider-title">
      <div class="control">{crumbs(record.name)}</div>
      <ErrorAlert error={error} testId="provider-error" />
      <form class="record-form" onSubmit={save} data-test="provider-form">
        <div class="form-grid">
          {SHOWN[kind].map((name) => (
            <>
              <label for={`provider-${name}`}>{name === "provider" ? "Provider" : fields[name].string}</label>
              <div>
                <FieldInput id={`provider-${name}`} name={name} field={fields[name]} value={values[name]}
                            onChange={set(name)} />
                {HELP[name] && HELP[name][kind] && <p class="help">{HELP[name][kind]}</p>}
              </div>
            </>
          ))}
          {SECRETS[kind].map(([name, label]) => (
            <>
              <label for={`provider-${name}`}>{label}</label>
              <div>
                <input id={`provider-${name}`} name={name} type="password" autocomplete="new-password"
                       value={changes[name] || ""} onInput={(e) => set(name)(e.currentTarget.value)}
                       placeholder={isNew ? "" : "Unchanged (never shown)"} />
                <p class="help">Stored and never shown again{name === "twilio_auth_token" ? "; also checks the signature of Twilio's delivery reports" : ""}.</p>
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
