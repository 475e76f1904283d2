// The action form, in a dialog opened from a rule's Actions To Do (or from a Multi Actions
// action, for its children): the Type, then only the fields that type needs.
import { useEffect, useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { Dialog } from "../ui/dialog.jsx";
import { notify } from "../ui/notify.jsx";
import { Many2ManyTags, Many2One, toWriteValues } from "../ui/fields.jsx";
import { CodeEditor } from "../ui/code_editor.jsx";
import { htmlToText, textToHtml } from "../ui/format.js";
import { DomainEditor } from "../domain/editor.jsx";
import { FieldPathSelector } from "../domain/field_selector.jsx";
import { ACTION_TYPES, allowedTypes } from "./action_types.js";
import { resolvePath } from "../domain/paths.js";
import { FieldSelect, FieldTags, useModelFieldRows, useRecordName, useSelectionOptions } from "./model_fields.jsx";
import { SequenceDialog } from "./sequence_dialog.jsx";
import { isMailThread } from "./triggers.js";

const FIELDS = ["name", "state", "model_id", "model_name", "sequence", "evaluation_type", "update_path",
  "update_m2m_operation", "update_boolean_value", "selection_value", "resource_ref", "html_value", "value",
  "sequence_id", "crud_model_id", "crud_model_name", "link_field_id", "activity_type_id", "activity_summary",
  "activity_date_deadline_range", "activity_date_deadline_range_type", "activity_user_type",
  "activity_user_id", "activity_user_field_name", "activity_note", "template_id", "mail_post_method",
  "sms_template_id", "sms_method", "wa_template_id", "ai_prompt", "ai_domain",
  "followers_type", "partner_ids", "followers_partner_field_name", "code", "webhook_url",
  "webhook_field_ids", "webhook_sample_payload", "child_ids", "warning", "base_automation_id", "parent_id"];

const CODE_HELP = `# Available variables:
#  - env: the environment (env.user, env['res.partner'], env.context)
#  - model: the model of the record the action runs on
#  - record: the record the action runs on (may be empty)
#  - records: the records the action runs on
#  - time, datetime, dateutil, timezone: the time libraries
#  - float_compare(): compares two numbers with a precision
#  - log(message, level='info'): writes a row in the logs (ir.logging)
#  - _logger.info(message): the server's log
#  - UserError: raise UserError("...") stops everything with a message
#  - Command: x2many commands, e.g. Command.link(id)
# To return an action, assign: action = {...}
`;

const VARIABLES = ["env", "model", "record", "records", "time, datetime, dateutil, timezone", "float_compare()"];

// The name an action gets until the user writes one: "Update Priority", "Send Welcome", ...
function defaultName(v, targetLabel) {
  const type = ACTION_TYPES[v.state];
  switch (v.state) {
    case "object_write": return targetLabel ? `Update ${targetLabel}` : "Update Record";
    case "object_create": return v.crud_model_id ? `Create ${v.crud_model_id[1]}` : "Create Record";
    case "object_copy": return v.crud_model_id ? `Duplicate ${v.crud_model_id[1]}` : "Duplicate Record";
    case "mail_post": return v.template_id ? `Send ${v.template_id[1]}` : "Send Email";
    case "sms": return v.sms_template_id ? `Send SMS ${v.sms_template_id[1]}` : "Send SMS";
    case "whatsapp": return v.wa_template_id ? `Send WhatsApp ${v.wa_template_id[1]}` : "Send WhatsApp";
    case "next_activity":
      return v.activity_type_id ? `Create ${v.activity_type_id[1]}` : "Create Activity";
    default: return type ? type.label : "Action";
  }
}

function missing(v, target) {
  const errors = {};
  if (!v.state) errors.state = "Choose what the action does.";
  if (v.state === "object_write") {
    if (!v.update_path) errors.update_path = "Choose the field to update.";
    else if (!target) errors.update_path = "This field path does not exist on the model.";
    if (v.evaluation_type === "sequence" && !v.sequence_id) errors.sequence_id = "Choose a sequence.";
    if (v.evaluation_type === "ai" && !(v.ai_prompt || "").trim()) errors.ai_prompt = "Write the prompt.";
  }
  if ((v.state === "object_create" || v.state === "object_copy") && !v.crud_model_id)
    errors.crud_model_id = "Choose the kind of record.";
  if (v.state === "object_copy" && !v.resource_ref) errors.resource_ref = "Choose the record to duplicate.";
  if (v.state === "next_activity") {
    if (!v.activity_type_id) errors.activity_type_id = "Choose an activity type.";
    if (v.activity_user_type === "specific" && !v.activity_user_id) errors.activity_user_id = "Choose the responsible user.";
    if (v.activity_user_type === "generic" && !v.activity_user_field_name) errors.activity_user_field_name = "Choose the user field.";
  }
  if (v.state === "mail_post" && !v.template_id) errors.template_id = "Choose an email template.";
  if (v.state === "sms" && !v.sms_template_id) errors.sms_template_id = "Choose an SMS template.";
  if (v.state === "whatsapp" && !v.wa_template_id) errors.wa_template_id = "Choose a WhatsApp template.";
  if ((v.state === "followers" || v.state === "remove_followers")) {
    if (v.followers_type === "generic" && !v.followers_partner_field_name)
      errors.followers_partner_field_name = "Choose the field that holds the contacts.";
    if (v.followers_type !== "generic" && !(v.partner_ids || []).length)
      errors.partner_ids = "Choose at least one contact.";
  }
  return errors;
}

export function ActionDialog({ actionId, ruleId, parentId, modelName, trigger, devMode, modelFields,
                               sequence, onClose, onSaved }) {
  const [fields, setFields] = useState(null);
  const [action, setAction] = useState(null);
  const [changes, setChanges] = useState({});
  const [errors, setErrors] = useState({});
  const [serverError, setServerError] = useState("");
  const [nameEdited, setNameEdited] = useState(false);
  const [target, setTarget] = useState(null); // the steps of update_path, resolved
  const [currentId, setCurrentId] = useState(actionId);
  const [saving, setSaving] = useState(false);
  const [child, setChild] = useState(null);
  const [generation, setGeneration] = useState(0); // "Save & New" starts a new form

  useEffect(() => {
    let alive = true;
    (async () => {
      const f = await fieldsGet("ir.actions.server");
      let values;
      if (currentId) {
        [values] = await orm.read("ir.actions.server", [currentId], FIELDS);
      } else {
        const defaults = await orm.defaultGet("ir.actions.server", FIELDS);
        const [model] = await orm.searchRead("ir.model", [["model", "=", modelName]], ["display_name"], { limit: 1 });
        values = { ...defaults, id: false, model_id: [model.id, model.display_name], model_name: modelName,
                   state: false, name: "", child_ids: [], partner_ids: [], webhook_field_ids: [] };
      }
      if (!alive) return;
      setFields(f);
      setAction(values);
      setChanges({});
      setNameEdited(!!currentId);
    })().catch((e) => alive && setServerError(e.message));
    return () => { alive = false; };
  }, [currentId, generation]);

  const v = action ? { ...action, ...changes } : {};

  useEffect(() => {
    let alive = true;
    if (v.state !== "object_write" || !v.update_path) { setTarget(null); return undefined; }
    resolvePath(modelName, v.update_path).then(
      (resolved) => alive && setTarget(resolved.valid ? resolved.parts : null), () => alive && setTarget(null));
    return () => { alive = false; };
  }, [v.state, v.update_path, modelName]);

  const set = (name, value) => {
    setChanges((c) => ({ ...c, [name]: value }));
    setErrors((e) => ({ ...e, [name]: undefined }));
  };
  const last = target && target[target.length - 1];
  const targetLabel = target ? target.map((s) => s.field.string).join(" > ") : "";

  async function save(then) {
    const problems = missing(v, target);
    setErrors(problems);
    const first = Object.keys(problems)[0];
    if (first) {
      const element = document.getElementById(`action-${first}`);
      element && element.focus();
      return;
    }
    setSaving(true);
    setServerError("");
    try {
      const values = { ...changes };
      if (!nameEdited || !(v.name || "").trim()) values.name = defaultName(v, targetLabel);
      const vals = toWriteValues(fields, values);
      let savedId = currentId;
      if (!currentId) {
        Object.assign(vals, toWriteValues(fields, { model_id: v.model_id }), { sequence: sequence || 10 });
        if (parentId) vals.parent_id = parentId;
        else vals.base_automation_id = ruleId;
        savedId = await orm.create("ir.actions.server", vals);
      } else if (Object.keys(vals).length) {
        await orm.write("ir.actions.server", [currentId], vals);
      }
      notify("Action saved");
      onSaved && onSaved(savedId);
      if (then === "close") onClose();
      else { setCurrentId(false); setGeneration((g) => g + 1); } // Save & New
    } catch (e) {
      setServerError(e.message);
    } finally {
      setSaving(false);
    }
  }

  const mailThread = isMailThread(modelFields);
  const types = allowedTypes(trigger, mailThread);
  const error = (name) => errors[name] && <span class="field-error" id={`action-${name}-error`}>{errors[name]}</span>;
  const title = currentId ? (action ? action.name : "Action") : "Add an action";

  return (
    <Dialog title={title} size="wide" onClose={onClose} testId="action-dialog"
            footer={<>
              <button type="button" disabled={saving || !action} onClick={() => save("close")}>Save &amp; Close</button>
              <button type="button" class="secondary" disabled={saving || !action} onClick={() => save("new")}>Save &amp; New</button>
              <button type="button" class="secondary" onClick={onClose}>Discard</button>
            </>}>
      {serverError && <div class="alert error" role="alert" data-test="action-error">{serverError}</div>}
      {!action || !fields ? <p class="muted">Loading...</p> : <>
        {v.warning && <div class="alert warning" role="status">{v.warning}</div>}
        <div class="form-grid">
          <label for="action-name">Name</label>
          <input id="action-name" value={nameEdited ? v.name || "" : ""} placeholder={defaultName(v, targetLabel)}
                 onInput={(e) => { setNameEdited(!!e.currentTarget.value); set("name", e.currentTarget.value); }} />
          <span class="label" id="action-type-label">Type</span>
          <div>
            <div class="type-badges" role="radiogroup" aria-labelledby="action-type-label" id="action-state">
              {types.map((key) => (
                <button type="button" key={key} role="radio" aria-checked={v.state === key}
                        class={v.state === key ? "badge selected" : "badge"}
                        onClick={() => { set("state", key); if (key === "code" && !v.code) set("code", CODE_HELP); }}>
                  <span aria-hidden="true">{ACTION_TYPES[key].icon}</span> {ACTION_TYPES[key].label}
                </button>
              ))}
            </div>
            {error("state")}
            {trigger === "on_change" && <p class="help">On UI change rules run only Execute Code actions.</p>}
          </div>
        </div>
        {v.state === "object_write" && (
          <UpdateRecord v={v} set={set} error={error} modelName={modelName} target={target} last={last}
                        fields={fields} devMode={devMode} />
        )}
        {(v.state === "object_create" || v.state === "object_copy") && (
          <CreateRecord v={v} set={set} error={error} modelName={modelName} devMode={devMode} />
        )}
        {v.state === "next_activity" && <CreateActivity v={v} set={set} error={error} modelName={modelName} fields={fields} />}
        {v.state === "mail_post" && <SendEmail v={v} set={set} error={error} modelName={modelName} fields={fields} />}
        {v.state === "sms" && <SendSms v={v} set={set} error={error} modelName={modelName} fields={fields} />}
        {v.state === "whatsapp" && <SendWhatsapp v={v} set={set} error={error} modelName={modelName} />}
        {(v.state === "followers" || v.state === "remove_followers") && (
          <Followers v={v} set={set} error={error} modelName={modelName} />
        )}
        {v.state === "code" && <ExecuteCode v={v} set={set} />}
        {v.state === "webhook" && <Webhook v={v} set={set} modelName={modelName} devMode={devMode} />}
        {v.state === "multi" && (
          currentId
            ? <MultiActions v={v} modelName={modelName} actionId={currentId} setServerError={setServerError}
                            onChanged={() => setGeneration((g) => g + 1)} onNew={() => setChild({ id: false })}
                            onOpen={(id) => setChild({ id })} />
            : <div class="alert info">Save this action first (Save &amp; New, or Save &amp; Close then open it
                again): its child actions are attached to it.</div>
        )}
        {child && (
          <ActionDialog actionId={child.id} parentId={currentId} modelName={modelName} trigger={trigger}
                        devMode={devMode} modelFields={modelFields} sequence={(v.child_ids || []).length + 1}
                        onClose={() => { setChild(null); setGeneration((g) => g + 1); }} />
        )}
      </>}
    </Dialog>
  );
}

// Update Record: "Update <field> to <value>", "Compute <field> to this expression", "Sequence".
function UpdateRecord({ v, set, error, modelName, target, last, fields, devMode }) {
  const field = last && last.field;
  const relational = field && (field.type === "many2many" || field.type === "one2many");
  const selection = useSelectionOptions(field && field.type === "selection" ? last.model : null, last && last.name);
  const [refModel, refId] = (v.resource_ref || "").split(",");
  const refName = useRecordName(refModel, refId ? parseInt(refId, 10) : null);
  const [newSequence, setNewSequence] = useState(false);
  const pickRecord = (picked) => set("resource_ref", picked ? `${field.relation},${picked[0]}` : false);
  return (
    <div class="form-grid">
      <label for="action-evaluation_type">Update</label>
      <div class="inline">
        <select id="action-evaluation_type" value={v.evaluation_type || "value"}
                onChange={(e) => set("evaluation_type", e.currentTarget.value)}>
          <option value="value">Update</option>
          <option value="sequence">Sequence</option>
          <option value="equation">Compute</option>
          <option value="ai">Update with AI</option>
        </select>
      </div>
      <label for="action-update_path">Field to Update</label>
      <div>
        <FieldPathSelector id="action-update_path" label="Field to Update" model={modelName} value={v.update_path || ""}
                           testId="update_path" onChange={(path) => {
                             set("update_path", path);
                             set("resource_ref", false);
                             set("value", v.evaluation_type === "equation" ? v.value : false);
                           }} />
        {error("update_path")}
      </div>
      {field && v.evaluation_type === "sequence" && <>
        <label for="action-sequence_id">Sequence</label>
        <div>
          <div class="inline">
            <Many2One id="action-sequence_id" model="ir.sequence" label="Sequence" value={v.sequence_id}
                      placeholder="Select a sequence..." onChange={(p) => set("sequence_id", p)} />
            <button type="button" class="secondary" onClick={() => setNewSequence(true)}>New sequence</button>
          </div>
          {newSequence && <SequenceDialog onClose={() => setNewSequence(false)}
                                          onCreated={(created) => set("sequence_id", created)} />}
          {error("sequence_id")}
          {field.type !== "char" && <p class="help">⚠ A sequence gives text: it suits a text field.</p>}
        </div>
      </>}
      {field && v.evaluation_type === "ai" && <>
        <label for="action-ai_prompt">AI Prompt</label>
        <div>
          <textarea id="action-ai_prompt" rows={4} value={v.ai_prompt || ""}
                    placeholder={"How urgent is this? {{ object.name }}"}
                    onInput={(e) => set("ai_prompt", e.currentTarget.value)} />
          {error("ai_prompt")}
          <p class="help">The record's fields go in with {"{{ object.field }}"}. The model's answer is checked
            against the field's type{field.type === "selection" || field.type === "many2one" ? " and allowed values" : ""}{" "}
            and written a moment after the change, by the server's language model (see the documentation).</p>
        </div>
        {field.type === "many2one" && <>
          <label for="action-ai_domain">Allowed Values</label>
          <div>
            <DomainEditor id="action-ai_domain" label="Allowed Values" model={field.relation} value={v.ai_domain || "[]"}
                          devMode={devMode} testId="ai_domain" onChange={(text) => set("ai_domain", text)} />
            <p class="help">The records the model may choose from (at most 200).</p>
          </div>
        </>}
      </>}
      {field && v.evaluation_type === "equation" && <>
        <label for="action-value">Python expression</label>
        <div class="code-with-help">
          <CodeEditor id="action-value" label="Python expression" rows={3} value={v.value || ""} testId="expression"
                      onChange={(text) => set("value", text)} />
          <div class="help"><strong>Available variables:</strong>
            <ul>{VARIABLES.map((name) => <li key={name}><code>{name}</code></li>)}</ul>
          </div>
        </div>
      </>}
      {field && (v.evaluation_type || "value") === "value" && relational && <>
        <label for="action-update_m2m_operation">By</label>
        <div class="inline">
          <select id="action-update_m2m_operation" value={v.update_m2m_operation || "add"}
                  onChange={(e) => set("update_m2m_operation", e.currentTarget.value)}>
            {fields.update_m2m_operation.selection.map(([key]) => (
              <option key={key} value={key}>{{ add: "Adding", remove: "Removing", set: "Setting it to", clear: "Clearing it" }[key]}</option>
            ))}
          </select>
          {v.update_m2m_operation !== "clear" && (
            <Many2One id="action-resource_ref" model={field.relation} label="Record" placeholder="Choose a value..."
                      value={v.resource_ref && refModel === field.relation ? [parseInt(refId, 10), refName] : false}
                      onChange={pickRecord} />
          )}
        </div>
      </>}
      {field && (v.evaluation_type || "value") === "value" && !relational && <>
        <label for="action-value-input">To</label>
        <div>
          {field.type === "boolean" && (
            <select id="action-value-input" value={v.update_boolean_value || "true"}
                    onChange={(e) => set("update_boolean_value", e.currentTarget.value)}>
              <option value="true">Yes (True)</option>
              <option value="false">No (False)</option>
            </select>
          )}
          {field.type === "selection" && (
            <select id="action-value-input"
                    value={Array.isArray(v.selection_value) ? v.selection_value[0] : v.selection_value || ""}
                    onChange={(e) => set("selection_value", selection.find(([k]) => String(k) === e.currentTarget.value) || false)}>
              <option value="">Choose a value...</option>
              {selection.map(([key, label]) => <option key={key} value={key}>{label}</option>)}
            </select>
          )}
          {field.type === "many2one" && (
            <Many2One id="action-value-input" model={field.relation} label="To" placeholder="Choose a value..."
                      value={v.resource_ref && refModel === field.relation ? [parseInt(refId, 10), refName] : false}
                      onChange={pickRecord} />
          )}
          {field.type === "html" && (
            <textarea id="action-value-input" rows={5} value={htmlToText(v.html_value || "")}
                      onInput={(e) => set("html_value", textToHtml(e.currentTarget.value))} />
          )}
          {!["boolean", "selection", "many2one", "html"].includes(field.type) && (
            <input id="action-value-input" value={v.value || ""} placeholder="Set a value..."
                   onInput={(e) => set("value", e.currentTarget.value)} />
          )}
        </div>
      </>}
      {devMode && target && <><span class="label">Path</span><code>{v.update_path}</code></>}
    </div>
  );
}

// Create Record / Duplicate Record: the kind of record, its name or the record to copy, the link.
function CreateRecord({ v, set, error, modelName, devMode }) {
  const crudModel = v.crud_model_id ? (v.crud_model_name || null) : null;
  const [crudName, setCrudName] = useState(crudModel);
  useEffect(() => {
    if (!v.crud_model_id) { setCrudName(null); return; }
    orm.read("ir.model", [v.crud_model_id[0]], ["model"]).then(([row]) => setCrudName(row.model), () => {});
  }, [v.crud_model_id && v.crud_model_id[0]]);
  const [refModel, refId] = (v.resource_ref || "").split(",");
  const refName = useRecordName(refModel, refId ? parseInt(refId, 10) : null);
  return (
    <div class="form-grid">
      <label for="action-crud_model_id">Record to Create</label>
      <div>
        <Many2One id="action-crud_model_id" model="ir.model" label="Record to Create" value={v.crud_model_id}
                  placeholder="Choose a model..." onChange={(p) => { set("crud_model_id", p); set("link_field_id", false); set("resource_ref", false); }} />
        {error("crud_model_id")}
      </div>
      {v.state === "object_create" && <>
        <label for="action-value">Name</label>
        <input id="action-value" value={v.value || ""} placeholder="e.g. Follow-up"
               onInput={(e) => set("value", e.currentTarget.value)} />
      </>}
      {v.state === "object_copy" && crudName && <>
        <label for="action-resource_ref">Duplicate from</label>
        <div>
          <Many2One id="action-resource_ref" model={crudName} label="Duplicate from" placeholder="Choose a record..."
                    value={refModel === crudName ? [parseInt(refId, 10), refName] : false}
                    onChange={(p) => set("resource_ref", p ? `${crudName},${p[0]}` : false)} />
          {error("resource_ref")}
        </div>
      </>}
      {crudName && <>
        <label for="action-link_field_id">Link Field</label>
        <div>
          <FieldSelect id="action-link_field_id" model={modelName} devMode={devMode}
                       placeholder="Select a field to link the record to"
                       value={Array.isArray(v.link_field_id) ? v.link_field_id[0] : v.link_field_id}
                       filter={(r) => ["many2one", "one2many", "many2many"].includes(r.ttype) && r.relation === crudName}
                       onChange={(fieldId) => set("link_field_id", fieldId ? [fieldId, ""] : false)} />
          <p class="help">A field of this record that will point to the new one.</p>
        </div>
      </>}
    </div>
  );
}

function CreateActivity({ v, set, error, modelName, fields }) {
  return (
    <div class="form-grid">
      <label for="action-activity_type_id">Activity Type</label>
      <div>
        <Many2One id="action-activity_type_id" model="mail.activity.type" label="Activity Type"
                  domain={["|", ["res_model", "=", false], ["res_model", "=", modelName]]}
                  value={v.activity_type_id} placeholder="Choose a type..."
                  onChange={async (p) => {
                    set("activity_type_id", p);
                    if (p && !v.activity_summary) {
                      const [row] = await orm.read("mail.activity.type", [p[0]], ["summary"]);
                      if (row && row.summary) set("activity_summary", row.summary);
                    }
                  }} />
        {error("activity_type_id")}
      </div>
      <label for="action-activity_summary">Title</label>
      <input id="action-activity_summary" value={v.activity_summary || ""} placeholder="e.g. Discuss proposal"
             onInput={(e) => set("activity_summary", e.currentTarget.value)} />
      <label for="action-activity_date_deadline_range">Due Date In</label>
      <div class="inline">
        <input id="action-activity_date_deadline_range" type="number" min="0" class="narrow"
               value={v.activity_date_deadline_range || 0}
               onInput={(e) => set("activity_date_deadline_range", parseInt(e.currentTarget.value || "0", 10) || 0)} />
        <label for="action-activity_date_deadline_range_type" class="sr-only">Due type</label>
        <select id="action-activity_date_deadline_range_type" value={v.activity_date_deadline_range_type || "days"}
                onChange={(e) => set("activity_date_deadline_range_type", e.currentTarget.value)}>
          {fields.activity_date_deadline_range_type.selection.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
        </select>
      </div>
      <label for="action-activity_user_type">User Type</label>
      <select id="action-activity_user_type" value={v.activity_user_type || "specific"}
              onChange={(e) => set("activity_user_type", e.currentTarget.value)}>
        <option value="specific">Specific User</option>
        <option value="generic">Dynamic User (based on record)</option>
      </select>
      {v.activity_user_type !== "generic" ? <>
        <label for="action-activity_user_id">Responsible</label>
        <div>
          <Many2One id="action-activity_user_id" model="res.users" label="Responsible" value={v.activity_user_id}
                    placeholder="Choose a user..." onChange={(p) => set("activity_user_id", p)} />
          {error("activity_user_id")}
        </div>
      </> : <>
        <label for="action-activity_user_field_name">User Field</label>
        <div>
          <FieldPathSelector id="action-activity_user_field_name" label="User Field" model={modelName}
                             value={v.activity_user_field_name || ""} testId="activity_user_field_name"
                             onChange={(path) => set("activity_user_field_name", path)} />
          {error("activity_user_field_name")}
        </div>
      </>}
      <label for="action-activity_note">Note</label>
      <textarea id="action-activity_note" rows={3} placeholder="Add a description to your activity..."
                value={htmlToText(v.activity_note || "")}
                onInput={(e) => set("activity_note", textToHtml(e.currentTarget.value))} />
    </div>
  );
}

const POST_METHOD_HELP = {
  email: "Sent to the template's recipients; not logged on the record.",
  comment: "Posted on the record as a message; its followers are notified.",
  note: "Logged on the record as an internal note.",
};

function SendEmail({ v, set, error, modelName, fields }) {
  return (
    <div class="form-grid">
      <label for="action-template_id">Email Template</label>
      <div>
        <Many2One id="action-template_id" model="mail.template" label="Email Template" value={v.template_id}
                  domain={[["model", "=", modelName]]} placeholder="Choose a template..."
                  onChange={(p) => set("template_id", p)} />
        {error("template_id")}
      </div>
      <label for="action-mail_post_method">Send Email As</label>
      <div>
        <select id="action-mail_post_method" value={v.mail_post_method || "comment"}
                onChange={(e) => set("mail_post_method", e.currentTarget.value)}>
          {fields.mail_post_method.selection.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
        </select>
        <p class="help">{POST_METHOD_HELP[v.mail_post_method || "comment"]}</p>
      </div>
    </div>
  );
}

const SMS_METHOD_HELP = {
  sms: "Sent as a text message to the record's number (its mobile or phone, else its contact's); nothing on the record.",
  comment: "Sent as a text message, and the text logged on the record as an SMS note.",
  note: "Only logged on the record as an internal note: no text message is sent.",
};

function SendSms({ v, set, error, modelName, fields }) {
  return (
    <div class="form-grid">
      <label for="action-sms_template_id">SMS Template</label>
      <div>
        <Many2One id="action-sms_template_id" model="sms.template" label="SMS Template" value={v.sms_template_id}
                  domain={[["model", "=", modelName]]} placeholder="Choose a template..."
                  onChange={(p) => set("sms_template_id", p)} />
        {error("sms_template_id")}
        <p class="help">Templates are records of SMS Templates (Records, sms.template); the body may use
          {" {{ object.name }}"}.</p>
      </div>
      <label for="action-sms_method">Send SMS As</label>
      <div>
        <select id="action-sms_method" value={v.sms_method || "sms"}
                onChange={(e) => set("sms_method", e.currentTarget.value)}>
          {fields.sms_method.selection.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
        </select>
        <p class="help">{SMS_METHOD_HELP[v.sms_method || "sms"]}</p>
      </div>
    </div>
  );
}

function SendWhatsapp({ v, set, error, modelName }) {
  return (
    <div class="form-grid">
      <label for="action-wa_template_id">WhatsApp Template</label>
      <div>
        <Many2One id="action-wa_template_id" model="whatsapp.template" label="WhatsApp Template" value={v.wa_template_id}
                  domain={[["model", "=", modelName]]} placeholder="Choose a template..."
                  onChange={(p) => set("wa_template_id", p)} />
        {error("wa_template_id")}
        <p class="help">A template Meta approved, set up in Messaging with its variables; sent to the record's
          number and logged on its chatter, where the customer's answer comes back.</p>
      </div>
    </div>
  );
}

function Followers({ v, set, error, modelName }) {
  const adding = v.state === "followers";
  return (
    <div class="form-grid">
      <label for="action-followers_type">Followers Type</label>
      <div>
        <select id="action-followers_type" value={v.followers_type || "specific"}
                onChange={(e) => set("followers_type", e.currentTarget.value)}>
          <option value="specific">Specific Followers</option>
          <option value="generic">Dynamic Followers</option>
        </select>
        <p class="help">Specific: the contacts chosen here. Dynamic: the contacts a field of the record holds.</p>
      </div>
      {v.followers_type === "generic" ? <>
        <label for="action-followers_partner_field_name">Followers Field</label>
        <div>
          <FieldPathSelector id="action-followers_partner_field_name" label="Followers Field" model={modelName}
                             value={v.followers_partner_field_name || ""} testId="followers_partner_field_name"
                             onChange={(path) => set("followers_partner_field_name", path)} />
          {error("followers_partner_field_name")}
        </div>
      </> : <>
        <label for="action-partner_ids">{adding ? "Followers to add" : "Followers to remove"}</label>
        <div>
          <Many2ManyTags id="action-partner_ids" model="res.partner" value={v.partner_ids || []}
                         label={adding ? "Followers to add" : "Followers to remove"} placeholder="Choose a contact..."
                         onChange={(ids) => set("partner_ids", ids)} testId="partner_ids" />
          {error("partner_ids")}
        </div>
      </>}
    </div>
  );
}

function ExecuteCode({ v, set }) {
  const [tab, setTab] = useState("code");
  return (
    <div class="code-action">
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "code"} onClick={() => setTab("code")}>Code</button>
        <button type="button" role="tab" aria-selected={tab === "help"} onClick={() => setTab("help")}>Help</button>
      </div>
      {tab === "code"
        ? <CodeEditor id="action-code" label="Python Code" rows={14} value={v.code || ""} testId="code"
                      onChange={(text) => set("code", text)} />
        : <div class="help code-help">
            <p>The code runs in a sandbox, as the rule's user, on the records the rule fires for.</p>
            <pre class="code">{CODE_HELP}</pre>
            <p>Example: <code>record.write({"{"}'priority': '3'{"}"})</code></p>
          </div>}
    </div>
  );
}

// Send Webhook Notification: the URL, the fields sent, and the payload as the receiver will get
// it (from the model's first record).
function Webhook({ v, set, modelName, devMode }) {
  const rows = useModelFieldRows(modelName);
  const [sample, setSample] = useState("");
  const ids = (v.webhook_field_ids || []).join(",");
  useEffect(() => {
    let alive = true;
    const names = rows.filter((r) => (v.webhook_field_ids || []).includes(r.id)).map((r) => r.name);
    orm.searchRead(modelName, [], names.length ? names : ["id"], { limit: 1, order: "id asc", context: { active_test: false } })
      .then(([record]) => {
        if (!alive) return;
        if (!record) { setSample(v.webhook_sample_payload || ""); return; }
        const payload = { _action: `${v.name || "Send Webhook Notification"}(#${v.id || "new"})`, _id: record.id, _model: modelName };
        for (const name of names) payload[name] = record[name];
        const sorted = Object.fromEntries(Object.keys(payload).sort().map((k) => [k, payload[k]]));
        setSample(JSON.stringify(sorted, null, 4));
      }, () => alive && setSample(v.webhook_sample_payload || ""));
    return () => { alive = false; };
  }, [modelName, ids, rows.length]);
  return (
    <div class="form-grid">
      <label for="action-webhook_url">URL</label>
      <input id="action-webhook_url" type="url" value={v.webhook_url || ""} class="url"
             placeholder="e.g. https://maker.ifttt.com/use/..." onInput={(e) => set("webhook_url", e.currentTarget.value)} />
      <label for="action-webhook_field_ids">Fields</label>
      <div>
        <FieldTags id="action-webhook_field_ids" model={modelName} value={v.webhook_field_ids || []} devMode={devMode}
                   label="Fields" placeholder="Select fields to include in the request..."
                   onChange={(list) => set("webhook_field_ids", list)} testId="webhook_field_ids" />
        <p class="help">The record's id, model and the action's name are always sent.</p>
      </div>
      <span class="label">Sample Payload</span>
      <pre class="code" data-test="sample-payload">{sample}</pre>
    </div>
  );
}

// Multi Actions: its children, run in order; existing actions of the model can be attached,
// new ones created.
function MultiActions({ v, modelName, actionId, setServerError, onChanged, onNew, onOpen }) {
  const [children, setChildren] = useState([]);
  useEffect(() => {
    const ids = v.child_ids || [];
    if (!ids.length) { setChildren([]); return; }
    orm.read("ir.actions.server", ids, ["name", "state", "sequence"])
      .then((rows) => setChildren(rows.sort((a, b) => (a.sequence - b.sequence) || (a.id - b.id))), (e) => setServerError(e.message));
  }, [(v.child_ids || []).join(",")]);
  const attach = async (picked) => {
    try {
      await orm.write("ir.actions.server", [picked[0]], { parent_id: actionId, sequence: children.length + 1 });
      onChanged();
    } catch (e) { setServerError(e.message); }
  };
  const detach = async (child) => {
    try {
      await orm.write("ir.actions.server", [child.id], { parent_id: false });
      onChanged();
    } catch (e) { setServerError(e.message); }
  };
  return (
    <div>
      <ol class="action-cards">
        {children.map((c) => (
          <li key={c.id} class="action-card">
            <span class="type-icon" aria-hidden="true">{ACTION_TYPES[c.state] ? ACTION_TYPES[c.state].icon : "•"}</span>
            <button type="button" class="link open" onClick={() => onOpen(c.id)}><strong>{c.name}</strong></button>
            <button type="button" class="icon" aria-label={`Remove ${c.name}`} onClick={() => detach(c)}>×</button>
          </li>
        ))}
      </ol>
      {children.length === 0 && <p class="muted">No child action yet.</p>}
      <div class="inline">
        <Many2One id="action-child-add" model="ir.actions.server" label="Add an existing action" value={false}
                  placeholder="Add an existing action..."
                  domain={[["model_id.model", "=", modelName], ["base_automation_id", "=", false],
                           ["parent_id", "=", false], ["id", "!=", actionId]]}
                  onChange={(p) => p && attach(p)} />
        <button type="button" class="secondary" onClick={onNew}>New</button>
      </div>
      <p class="help">If several children return an action, only the last one is used.</p>
    </div>
  );
}
