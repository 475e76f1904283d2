// An automation rule's form, as Studio lays it out: the model, the trigger picked from its
// groups and only the fields that trigger needs, the conditions, then the Actions To Do and
// Notes tabs.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { ConfirmDialog } from "../ui/dialog.jsx";
import { notify } from "../ui/notify.jsx";
import { useDevMode } from "../ui/devmode.js";
import { Many2One, toWriteValues } from "../ui/fields.jsx";
import { CodeEditor } from "../ui/code_editor.jsx";
import { htmlToText, textToHtml } from "../ui/format.js";
import { DomainEditor } from "../domain/editor.jsx";
import { TIME_RULES_METHOD } from "../admin/jobs.jsx";
import { ActionsTab } from "./actions.jsx";
import { FieldSelect, FieldTags, useRecordName, useSelectionOptions } from "./model_fields.jsx";
import { conditionFields, isTimeTrigger, isValueTrigger, triggerGroups, watchedField } from "./triggers.js";

const FIELDS = ["name", "model_id", "model_name", "trigger", "active", "trg_date_id", "trg_date_range",
  "trg_date_range_type", "trg_date_range_mode", "trg_selection_field_id", "trg_field_ref",
  "trg_field_ref_model_name", "filter_pre_domain", "filter_domain", "trigger_field_ids",
  "on_change_field_ids", "url", "log_webhook_calls", "record_getter", "description",
  "action_server_ids", "last_run"];

// The fields a change of trigger resets (each trigger has its own).
const TRIGGER_DEPENDENT = ["trg_date_id", "trg_selection_field_id", "trg_field_ref",
  "trigger_field_ids", "on_change_field_ids", "filter_pre_domain"];

// What must be filled before saving, by field: the messages shown next to the inputs.
function missing(v) {
  const errors = {};
  if (!v.name || !v.name.trim()) errors.name = "Give the rule a name.";
  if (!v.model_id) errors.model_id = "Choose the model the rule watches.";
  else if (!v.trigger) errors.trigger = "Choose when the rule runs.";
  if (v.trigger === "on_time" && !v.trg_date_id) errors.trg_date_id = "Choose the date field.";
  if ((v.trigger === "on_state_set" || v.trigger === "on_priority_set") && !v.trg_selection_field_id)
    errors.trg_selection_field_id = "Choose the value.";
  if ((v.trigger === "on_stage_set" || v.trigger === "on_tag_set") && !v.trg_field_ref)
    errors.trg_field_ref = "Choose the value.";
  if (isTimeTrigger(v.trigger) && !v.trg_date_range_type) errors.trg_date_range_type = "Choose a unit.";
  return errors;
}

export function RuleForm({ id, session, addAction }) {
  const devMode = useDevMode();
  const [fields, setFields] = useState(null);
  const [rule, setRule] = useState(null);
  const [changes, setChanges] = useState({});
  const [modelFields, setModelFields] = useState({});
  const [errors, setErrors] = useState({});
  const [serverError, setServerError] = useState("");
  const [tab, setTab] = useState("actions");
  const [confirm, setConfirm] = useState(null);
  const [saving, setSaving] = useState(false);
  const [reload, setReload] = useState(0);
  const isNew = id === "new";

  useEffect(() => {
    let alive = true;
    setServerError("");
    (async () => {
      const f = await fieldsGet("base.automation");
      const values = isNew
        ? { ...(await orm.defaultGet("base.automation", FIELDS)), id: false, action_server_ids: [] }
        : (await orm.read("base.automation", [parseInt(id, 10)], FIELDS))[0];
      if (!alive) return;
      if (!values) throw new ApiError("This automation rule does not exist (it may have been deleted).", 404);
      setFields(f);
      setRule(values);
      setChanges({});
      setErrors({});
    })().catch((e) => alive && setServerError(e.message));
    return () => { alive = false; };
  }, [id, reload]);

  const v = rule ? { ...rule, ...changes } : {};
  const modelName = v.model_id ? ("model_id" in changes ? changes.model_name_picked : rule.model_name) : "";

  // fields_get of the watched model: which triggers it allows, the domains' fields.
  useEffect(() => {
    let alive = true;
    if (!modelName) { setModelFields({}); return undefined; }
    fieldsGet(modelName).then((f) => alive && setModelFields(f), () => alive && setModelFields({}));
    return () => { alive = false; };
  }, [modelName]);

  // Leaving with unsaved changes asks first.
  const dirty = Object.keys(changes).length > 0;
  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (e) => { e.preventDefault(); e.returnValue = ""; };
    addEventListener("beforeunload", warn);
    return () => removeEventListener("beforeunload", warn);
  }, [dirty]);

  if (serverError && !rule) return <div class="alert error" role="alert">{serverError}</div>;
  if (!rule || !fields) return <p class="muted">Loading...</p>;

  const set = (name, value) => {
    setChanges((c) => ({ ...c, [name]: value }));
    setErrors((e) => ({ ...e, [name]: undefined }));
  };
  const setMany = (values) => setChanges((c) => ({ ...c, ...values }));

  function changeModel(picked) {
    const next = { model_id: picked || false, model_name_picked: "", trigger: false, filter_domain: false };
    for (const name of TRIGGER_DEPENDENT) next[name] = fields[name].type === "many2many" ? [] : false;
    setMany(next);
    setErrors((e) => ({ ...e, model_id: undefined }));
    if (picked) {
      // The model's technical name, for fields_get (ir.model's display name is its label).
      orm.read("ir.model", [picked[0]], ["model"]).then(([row]) => {
        setChanges((c) => (c.model_id === picked ? { ...c, model_name_picked: row.model } : c));
      }, (e) => setServerError(e.message));
    }
  }

  function changeTrigger(trigger) {
    const next = { trigger };
    for (const name of TRIGGER_DEPENDENT) {
      if (v[name] && (!Array.isArray(v[name]) || v[name].length))
        next[name] = fields[name].type === "many2many" ? [] : false;
    }
    if (isTimeTrigger(trigger) && !v.trg_date_range_type) next.trg_date_range_type = "hour";
    if (trigger === "on_time" && !v.trg_date_range_mode) next.trg_date_range_mode = "after";
    setMany(next);
    setErrors((e) => ({ ...e, trigger: undefined }));
  }

  // Saves the rule; returns its id (or null when it could not be saved). A new rule's form moves
  // to the saved rule's place; `then: "add"` opens the action dialog there.
  async function save(then) {
    const problems = missing(v);
    setErrors(problems);
    const first = Object.keys(problems)[0];
    if (first) {
      const element = document.getElementById(`rule-${first}`);
      element && element.focus();
      return null;
    }
    setSaving(true);
    setServerError("");
    try {
      const vals = toWriteValues(fields, changes);
      // The "X is set" triggers' domains are the server's to compute from the value picked; a
      // domain only cleared by a change of model or trigger is left for it to fill.
      if (isValueTrigger(v.trigger)) {
        for (const name of ["filter_domain", "filter_pre_domain"]) if (vals[name] === false) delete vals[name];
      }
      let ruleId = rule.id;
      if (isNew) {
        ruleId = await orm.create("base.automation", vals);
      } else if (Object.keys(vals).length) {
        if (vals.model_id && rule.action_server_ids.length) {
          // Actions belong to one model: those of the former model go with it.
          await orm.unlink("ir.actions.server", rule.action_server_ids);
        }
        await orm.write("base.automation", [ruleId], vals);
      }
      setChanges({});
      notify("Saved");
      if (isNew) navigate("rules", ruleId, then === "add" ? { add: "1" } : {});
      else setReload((n) => n + 1);
      return ruleId;
    } catch (e) {
      setServerError(e.message);
      return null;
    } finally {
      setSaving(false);
    }
  }

  // The Save button's way (asking first when a change of model deletes actions); `after` gets the
  // saved rule's id, and is not called when nothing was saved.
  function trySave(after) {
    const run = async () => {
      const savedId = await save();
      if (savedId && after) after(savedId);
    };
    if (!isNew && changes.model_id && rule.action_server_ids.length) {
      setConfirm({
        title: "Change the model",
        message: `The rule's ${rule.action_server_ids.length} action(s) work on the former model and will be deleted.`,
        confirmLabel: "Change the model", danger: true, onConfirm: run,
      });
    } else {
      run();
    }
  }

  async function archive(active) {
    try {
      await orm.write("base.automation", [rule.id], { active });
      notify(active ? "Rule active again" : "Rule archived");
      setReload((n) => n + 1);
    } catch (e) {
      setServerError(e.message);
    }
  }

  async function duplicate() {
    try {
      const copy = await orm.copy("base.automation", rule.id);
      notify("Rule duplicated");
      navigate("rules", Array.isArray(copy) ? copy[0] : copy);
    } catch (e) {
      setServerError(e.message);
    }
  }

  async function remove() {
    try {
      await orm.unlink("base.automation", [rule.id]);
      notify("Rule deleted");
      navigate("rules");
    } catch (e) {
      setServerError(e.message);
    }
  }

  const groups = modelName ? triggerGroups(modelFields, v.trigger) : [];
  const shows = conditionFields(v.trigger, devMode);
  const watched = v.trigger ? watchedField(modelFields, v.trigger) : null;
  const error = (name) => errors[name] && <span class="field-error" id={`rule-${name}-error`}>{errors[name]}</span>;
  const describedBy = (name) => errors[name] ? `rule-${name}-error` : undefined;

  return (
    <section class="rule-form">
      <div class="control">
        <h1 class="breadcrumb"><a href={link("rules")}>Automation Rules</a> / {isNew ? "New" : rule.name}</h1>
        <button type="button" onClick={() => trySave()} disabled={saving}>Save</button>
        <button type="button" class="secondary" disabled={!dirty}
                onClick={() => { setChanges({}); setErrors({}); setServerError(""); }}>Discard</button>
        {!isNew && (
          <details class="menu">
            <summary aria-label="Actions">⚙ Actions</summary>
            <div class="menu-items">
              <button type="button" class="link" onClick={() => archive(!rule.active)}>{rule.active ? "Archive" : "Unarchive"}</button>
              <button type="button" class="link" onClick={duplicate}>Duplicate</button>
              <button type="button" class="link" onClick={() => setConfirm({
                title: "Delete the rule", message: `Delete "${rule.name}" and its actions?`,
                confirmLabel: "Delete", danger: true, onConfirm: remove })}>Delete</button>
            </div>
          </details>
        )}
        {!isNew && v.trigger === "on_webhook" && (
          <a class="button secondary" href={link("logs", "webhooks", { rule: rule.id })}>Logs</a>
        )}
      </div>
      {serverError && <div class="alert error" role="alert" data-test="server-error">{serverError}</div>}
      <div class="sheet">
        {!rule.active && !isNew && <span class="ribbon">Archived</span>}
        <div class="title">
          <label for="rule-name" class="sr-only">Automation Rule Name</label>
          <input id="rule-name" value={v.name || ""} placeholder="e.g. Support flow" required
                 aria-invalid={!!errors.name} aria-describedby={describedBy("name")}
                 onInput={(e) => set("name", e.currentTarget.value)} />
          {error("name")}
        </div>
        <div class="form-columns">
          <div class="form-grid">
            <label for="rule-model_id">Model</label>
            <div>
              <Many2One id="rule-model_id" model="ir.model" value={v.model_id} required label="Model"
                        onChange={changeModel} placeholder="Choose a model..." />
              {error("model_id")}
            </div>
            {modelName && <>
              <label for="rule-trigger">Trigger</label>
              <div>
                <div class="inline">
                  <select id="rule-trigger" value={v.trigger || ""} required aria-invalid={!!errors.trigger}
                          aria-describedby={describedBy("trigger")}
                          onChange={(e) => changeTrigger(e.currentTarget.value || false)}>
                    <option value="">Select a trigger...</option>
                    {groups.map((g) => (
                      <optgroup key={g.label} label={g.label}>
                        {g.triggers.map(([key, label]) => <option key={key} value={key}>{label}</option>)}
                      </optgroup>
                    ))}
                  </select>
                  <TriggerValue v={v} set={set} modelName={modelName} watched={watched} devMode={devMode} />
                </div>
                {error("trigger")}{error("trg_date_id")}{error("trg_selection_field_id")}{error("trg_field_ref")}
                {v.trigger === "on_change" && (
                  <p class="help">⚠ The rule runs each time these fields change on a form, saved or not;
                    only Execute Code actions can run then.</p>
                )}
              </div>
            </>}
            {isTimeTrigger(v.trigger) && (
              <DelayRow v={v} set={set} fields={fields} error={error} ruleId={isNew ? false : rule.id}
                        unsaved={isNew || dirty} saving={saving} saveThen={trySave} />
            )}
            {v.trigger === "on_create_or_write" && <>
              <label for="rule-trigger_field_ids">When updating</label>
              <div>
                <FieldTags id="rule-trigger_field_ids" model={modelName} value={v.trigger_field_ids}
                           label="When updating" devMode={devMode} filter={(r) => r.store}
                           onChange={(ids) => set("trigger_field_ids", ids)} testId="trigger_field_ids" />
                <p class="help">Only changes to these fields run the rule; none means any change.</p>
              </div>
            </>}
            {v.trigger === "on_change" && <>
              <label for="rule-on_change_field_ids">When updating</label>
              <div>
                <FieldTags id="rule-on_change_field_ids" model={modelName} value={v.on_change_field_ids}
                           label="When updating" devMode={devMode}
                           onChange={(ids) => set("on_change_field_ids", ids)} testId="on_change_field_ids" />
              </div>
            </>}
            {shows.pre && <>
              <label for="rule-filter_pre_domain">Before Update Domain</label>
              <div>
                <DomainEditor id="rule-filter_pre_domain" label="Before Update Domain" model={modelName}
                              value={v.filter_pre_domain} devMode={devMode} testId="filter_pre_domain"
                              onChange={(text) => set("filter_pre_domain", text)} />
                <p class="help">Must hold before the update for the rule to run; not checked at creation.</p>
              </div>
            </>}
            {shows.post && <>
              <label for="rule-filter_domain">{isTimeTrigger(v.trigger) ? "Extra Conditions" : "Apply on"}</label>
              <div>
                <DomainEditor id="rule-filter_domain" label="Apply on" model={modelName}
                              value={v.filter_domain} devMode={devMode} foldable={!devMode} testId="filter_domain"
                              onChange={(text) => set("filter_domain", text)} />
                <p class="help">The records must match these conditions for the rule to run.</p>
              </div>
            </>}
          </div>
          {v.trigger === "on_webhook" && (
            <WebhookFields v={v} set={set} rule={rule} isNew={isNew} modelName={modelName}
                           onRotated={() => setReload((n) => n + 1)} setServerError={setServerError} />
          )}
        </div>
        <div class="tabs" role="tablist">
          {[["actions", "Actions To Do"], ["notes", "Notes"]].map(([key, label]) => (
            <button type="button" key={key} role="tab" id={`tab-${key}`} aria-selected={tab === key}
                    aria-controls={`panel-${key}`} onClick={() => setTab(key)}>{label}</button>
          ))}
        </div>
        <div class="tab-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {tab === "actions" && (
            modelName
              ? <ActionsTab rule={rule} modelName={modelName} trigger={v.trigger} devMode={devMode}
                            modelFields={modelFields} session={session}
                            pendingModelChange={!isNew && "model_id" in changes} openAdd={addAction}
                            ensureSaved={async () => (isNew || dirty ? save(isNew ? "add" : undefined) : rule.id)} />
              : <p class="muted">Choose a model first: actions work on the rule's model.</p>
          )}
          {tab === "notes" && (
            <>
              <label for="rule-description" class="sr-only">Notes</label>
              <textarea id="rule-description" rows={8} class="notes"
                        placeholder="Keep track of what this automation does and why it exists..."
                        value={htmlToText(v.description || "")}
                        onInput={(e) => set("description", textToHtml(e.currentTarget.value))} />
            </>
          )}
        </div>
      </div>
      {confirm && <ConfirmDialog {...confirm} onClose={() => setConfirm(null)} />}
    </section>
  );
}

// The value an "X is set" trigger waits for, or the date field of "Based on date field", inline
// after the trigger.
function TriggerValue({ v, set, modelName, watched, devMode }) {
  const selection = useSelectionOptions(
    v.trigger === "on_state_set" || v.trigger === "on_priority_set" ? modelName : null,
    watched && watched[0]);
  const refName = useRecordName(watched && watched[1].relation, v.trg_field_ref);
  if ((v.trigger === "on_state_set" || v.trigger === "on_priority_set") && watched) {
    return (
      <>
        <label for="rule-trg_selection_field_id" class="sr-only">Value</label>
        <select id="rule-trg_selection_field_id" required
                value={Array.isArray(v.trg_selection_field_id) ? v.trg_selection_field_id[0] : v.trg_selection_field_id || ""}
                onChange={(e) => {
                  const picked = selection.find(([k]) => String(k) === e.currentTarget.value);
                  set("trg_selection_field_id", picked || false);
                }}>
          <option value="">Select a value...</option>
          {selection.map(([key, label]) => <option key={key} value={key}>{label}</option>)}
        </select>
      </>
    );
  }
  if ((v.trigger === "on_stage_set" || v.trigger === "on_tag_set") && watched) {
    return (
      <Many2One id="rule-trg_field_ref" model={watched[1].relation} label="Value" required
                placeholder="Select a value..."
                value={v.trg_field_ref ? [v.trg_field_ref, refName] : false}
                onChange={(picked) => set("trg_field_ref", picked ? picked[0] : false)} />
    );
  }
  if (v.trigger === "on_time") {
    return (
      <>
        <label for="rule-trg_date_id" class="sr-only">Date field</label>
        <FieldSelect id="rule-trg_date_id" model={modelName} devMode={devMode} required
                     placeholder="Select a date field..."
                     value={Array.isArray(v.trg_date_id) ? v.trg_date_id[0] : v.trg_date_id}
                     filter={(r) => r.ttype === "date" || r.ttype === "datetime"}
                     onChange={(fieldId) => set("trg_date_id", fieldId ? [fieldId, ""] : false)} />
      </>
    );
  }
  return null;
}

// Time triggers: "Delay" amount, unit, before/after (for a date field), how late the check may
// run, and the way to the job that checks them: the documented procedure saves the rule, runs
// that job manually, then comes back to the rule by the job's breadcrumb.
function DelayRow({ v, set, fields, error, ruleId, unsaved, saving, saveThen }) {
  const [cron, setCron] = useState(null);
  useEffect(() => {
    // By its method, not its name, which an administrator may change; inactive while no time
    // rule is saved.
    orm.searchRead("ir.cron", [["method", "=", TIME_RULES_METHOD]], ["name", "interval_number", "interval_type"],
      { limit: 1, context: { active_test: false } })
      .then((rows) => setCron(rows[0] || null), () => setCron(null));
  }, []);
  // An unsaved rule is saved first (its errors then show as on Save, and the form stays).
  function openJob(e) {
    if (!unsaved) return;
    e.preventDefault();
    if (!saving) saveThen((savedId) => navigate("jobs", cron.id, { rule: savedId }));
  }
  const units = fields.trg_date_range_type.selection;
  const modes = fields.trg_date_range_mode.selection;
  const after = { on_time_created: "after creation", on_time_updated: "after last update" }[v.trigger];
  return (
    <>
      <label for="rule-trg_date_range">Delay</label>
      <div>
        <div class="inline">
          <input id="rule-trg_date_range" type="number" step="1" class="narrow" value={v.trg_date_range || 0}
                 onInput={(e) => {
                   const amount = parseInt(e.currentTarget.value || "0", 10) || 0;
                   // A negative amount means "before": the mode flips and the amount stays positive.
                   if (amount < 0 && v.trigger === "on_time") {
                     set("trg_date_range", -amount);
                     set("trg_date_range_mode", v.trg_date_range_mode === "before" ? "after" : "before");
                   } else {
                     set("trg_date_range", amount);
                   }
                 }} />
          <label for="rule-trg_date_range_type" class="sr-only">Delay unit</label>
          <select id="rule-trg_date_range_type" value={v.trg_date_range_type || ""}
                  onChange={(e) => set("trg_date_range_type", e.currentTarget.value)}>
            {units.map(([key, label]) => <option key={key} value={key}>{label}</option>)}
          </select>
          {v.trigger === "on_time" ? (
            <>
              <label for="rule-trg_date_range_mode" class="sr-only">Delay mode</label>
              <select id="rule-trg_date_range_mode" value={v.trg_date_range_mode || "after"}
                      onChange={(e) => set("trg_date_range_mode", e.currentTarget.value)}>
                {modes.map(([key, label]) => <option key={key} value={key}>{label}</option>)}
              </select>
              <span class="muted">the date field</span>
            </>
          ) : <span class="muted">{after}</span>}
          {cron && (
            <a class="button secondary" href={link("jobs", cron.id, ruleId ? { rule: ruleId } : {})}
               onClick={openJob} data-test="scheduled-action">Scheduled action</a>
          )}
        </div>
        {error("trg_date_range_type")}
        <p class="alert info">
          Time rules are checked by the scheduled job "{cron ? cron.name : "Automation Rules: check and execute"}"
          {cron ? `, every ${cron.interval_number} ${cron.interval_type}` : ""}: a rule may run up to
          that long after its time. Scheduled action opens that job (saving the rule first); its Run
          Manually button runs the check at once.
        </p>
      </div>
    </>
  );
}

// On webhook: the secret URL with a copy button, Rotate Secret, Log Calls, the target record's
// code and an example call.
function WebhookFields({ v, set, rule, isNew, modelName, onRotated, setServerError }) {
  const [confirm, setConfirm] = useState(false);
  const urlRef = useRef(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(rule.url);
    } catch (e) {
      urlRef.current.select(); // no clipboard (plain HTTP): the URL is selected for Ctrl+C
      document.execCommand && document.execCommand("copy");
    }
    notify("Copied");
  }
  async function rotate() {
    try {
      await orm.method("base.automation", "action_rotate_webhook_uuid", [rule.id]);
      notify("A new secret URL is in place; the old one no longer works.");
      onRotated();
    } catch (e) {
      setServerError(e.message);
    }
  }
  const example = rule.url
    ? `curl -X POST ${rule.url} \\\n  -H "Content-Type: application/json" \\\n  -d '{"_model": "${modelName}", "_id": 1}'`
    : "";
  return (
    <div class="form-grid webhook">
      <label for="rule-url">Secret URL</label>
      <div>
        {isNew || !rule.url
          ? <p class="muted" id="rule-url">The URL appears once the rule is saved.</p>
          : <div class="inline">
              <input id="rule-url" ref={urlRef} readonly value={rule.url} class="url" data-test="webhook-url" />
              <button type="button" class="secondary" onClick={copy}>Copy</button>
            </div>}
      </div>
      {!isNew && rule.url && <>
        <span />
        <div class="alert warning">
          <strong>Keep it secret, keep it safe.</strong> The URL holds the secret: anyone who has it
          can run this rule. <button type="button" class="secondary" onClick={() => setConfirm(true)}>Rotate Secret</button>
        </div>
      </>}
      <label for="rule-log_webhook_calls">Log Calls</label>
      <div>
        <input id="rule-log_webhook_calls" type="checkbox" class="toggle" checked={!!v.log_webhook_calls}
               onChange={(e) => set("log_webhook_calls", e.currentTarget.checked)} />
      </div>
      <label for="rule-record_getter">Target Record</label>
      <div>
        <CodeEditor id="rule-record_getter" label="Target Record" rows={2} value={v.record_getter || ""}
                    testId="record_getter" onChange={(text) => set("record_getter", text)} />
        <p class="help">Python code that finds the record to run on. The default works for calls that
          send <code>_model</code> and <code>_id</code>, as another autorules or Odoo does. Available
          variables: <code>env</code>, <code>model</code>, <code>payload</code> (the JSON body or the
          query parameters, as a dict), and the time libraries.</p>
      </div>
      {example && <>
        <span class="label">Sample call</span>
        <pre class="code" data-test="webhook-example">{example}</pre>
      </>}
      {confirm && (
        <ConfirmDialog title="Rotate Secret" danger confirmLabel="Rotate Secret" onConfirm={rotate}
                       onClose={() => setConfirm(false)}
                       message="A new secret URL replaces this one at once: every system that calls the current URL must be given the new one." />
      )}
    </div>
  );
}
