// One record of any model as a form: every field of fields_get, the name first and big, the
// others in two columns (long texts and lists of records below them). Save writes only what
// changed; required fields left empty are pointed at before anything is sent; what the server
// refuses is shown at the top of the form, which keeps what was typed. Leaving with unsaved
// changes asks first, inside the interface and when the page itself is closed or reloaded.
import { useEffect, useRef, useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { ConfirmDialog, Dialog } from "../ui/dialog.jsx";
import { useDevMode } from "../ui/devmode.js";
import { FieldInput, toWriteValues } from "../ui/fields.jsx";
import { formatDatetime } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { Chatter } from "./chatter.jsx";
import {
  CHATTER_FIELDS, MAGIC_FIELDS, PAGE_SIZE, combinedDomain, isEmptyValue, isMailThread, listQuery,
  listState, nameField, searchIds,
} from "./common.js";
import { SafeHtml } from "./html.jsx";
import { useModelName } from "./names.js";

const WIDE_TYPES = new Set(["text", "html", "many2many", "one2many"]);
const ONE2MANY_SHOWN = 20;

const fieldId = (name) => `field-${name}`;

// The empty value of a field, as the server reads it.
function emptyValue(field) {
  return field.type === "many2many" || field.type === "one2many" ? [] : false;
}

// default_get answers many2one values as ids and x2many ones as ids or commands; the form
// holds them as a read gives them ([id, name] and lists of ids).
async function defaultsAsRead(fields, defaults) {
  const values = {};
  const lookups = [];
  for (const [name, value] of Object.entries(defaults)) {
    const field = fields[name];
    if (!field) continue;
    if (field.type === "many2one" && typeof value === "number") {
      values[name] = [value, `#${value}`];
      lookups.push(orm.read(field.relation, [value], ["display_name"]).then((rows) => {
        if (rows.length) values[name] = [value, rows[0].display_name];
      }, () => {}));
    } else if (field.type === "many2many" || field.type === "one2many") {
      const ids = [];
      for (const item of Array.isArray(value) ? value : []) {
        if (typeof item === "number") ids.push(item);
        else if (Array.isArray(item) && item[0] === 6) ids.splice(0, ids.length, ...(item[2] || []));
        else if (Array.isArray(item) && item[0] === 4) ids.push(item[1]);
      }
      values[name] = ids;
    } else {
      values[name] = value;
    }
  }
  await Promise.all(lookups);
  return values;
}

// Linked records of a one2many, read-only: their names, each a link to its own form.
function One2ManyList({ field, ids, labelId }) {
  const [names, setNames] = useState(null);
  const shown = ids.slice(0, ONE2MANY_SHOWN);
  useEffect(() => {
    let current = true;
    if (!shown.length) { setNames({}); return undefined; }
    orm.read(field.relation, shown, ["display_name"]).then(
      (rows) => current && setNames(Object.fromEntries(rows.map((r) => [r.id, r.display_name]))),
      () => current && setNames({}));
    return () => { current = false; };
  }, [field.relation, shown.join(",")]);
  if (!ids.length) return <span class="readonly muted" aria-labelledby={labelId}>None</span>;
  return (
    <div aria-labelledby={labelId} role="group">
      <ul class="o2m-list">
        {shown.map((id) => (
          <li key={id}><a href={link("records", field.relation, id)}>{names ? (names[id] ?? `#${id}`) : "…"}</a></li>
        ))}
      </ul>
      {ids.length > ONE2MANY_SHOWN && (
        <p class="muted">
          and {ids.length - ONE2MANY_SHOWN} more (<a href={link("records", field.relation, { domain: `[("id", "in", [${ids.join(", ")}])]` })}>see them all</a>)
        </p>
      )}
    </div>
  );
}

// One row of the form: its label, its input, its error and help.
function FieldRow({ name, field, value, error, onChange, devMode }) {
  const id = fieldId(name);
  const labelId = `${id}-label`;
  const errorId = `${id}-error`;
  let input;
  if (field.type === "one2many") {
    input = <One2ManyList field={field} ids={value || []} labelId={labelId} />;
  } else if (field.type === "html" && field.readonly) {
    input = <SafeHtml html={value || ""} class="readonly html-value" />;
  } else {
    input = <FieldInput id={id} name={name} field={field} value={value} onChange={onChange}
                        invalid={!!error} describedBy={error ? errorId : undefined} />;
  }
  const wide = WIDE_TYPES.has(field.type);
  return (
    <>
      <label id={labelId} for={field.type === "one2many" ? undefined : id}
             class={field.required ? "required" : ""}>
        {field.string || name}
      </label>
      <div class={`field${wide ? " wide-field" : ""}${error ? " invalid" : ""}`} data-field={name}>
        {input}
        {error && <p class="field-error" id={errorId} role="alert">{error}</p>}
        {field.help && <p class="help">{field.help}</p>}
        {devMode && <p class="help"><code>{name}</code> ({field.type}{field.relation ? ` → ${field.relation}` : ""})</p>}
      </div>
    </>
  );
}

// The record's name, first and big.
function TitleField({ name, field, value, error, onChange }) {
  const id = fieldId(name);
  return (
    <div class={`title${error ? " invalid" : ""}`}>
      <label for={id} class={field.required ? "required" : ""}>{field.string || name}</label>
      <FieldInput id={id} name={name} field={field} value={value} onChange={onChange}
                  invalid={!!error} describedBy={error ? `${id}-error` : undefined} />
      {error && <p class="field-error" id={`${id}-error`} role="alert">{error}</p>}
    </div>
  );
}

// Asks before leaving a form with unsaved changes: moving elsewhere in the interface (the
// change of place is undone and the form asks how to go on) or closing or reloading the page
// (the browser asks). A change of the URL's fragment (a link, the menu, back and forward) fires
// popstate at once, before the hashchange the shell follows: the form puts its own place back
// then, and the shell, reading the URL at hashchange, stays where it is.
function useLeaveGuard(dirtyRef, onBlocked) {
  useEffect(() => {
    const here = location.hash;
    const moved = () => {
      if (!dirtyRef.current || location.hash === here) return;
      const target = location.hash;
      history.replaceState(history.state, "", here);
      onBlocked(target);
    };
    const unloading = (e) => {
      if (!dirtyRef.current) return;
      e.preventDefault();
      e.returnValue = "";
    };
    addEventListener("popstate", moved);
    addEventListener("beforeunload", unloading);
    return () => {
      removeEventListener("popstate", moved);
      removeEventListener("beforeunload", unloading);
    };
  }, []);
}

// Previous and next record of the list the form was opened from (its state is in the URL).
function useRecordPager(model, id, fields, query) {
  const [nav, setNav] = useState(null);
  const state = listState(query);
  const queryKey = JSON.stringify(listQuery(state));
  useEffect(() => {
    if (!fields || !id) return undefined;
    let current = true;
    const domain = combinedDomain(fields, state.domain, state.q);
    const offset = (state.page - 1) * PAGE_SIZE;
    Promise.all([searchIds(model, domain, state.order, offset, PAGE_SIZE), orm.searchCount(model, domain)])
      .then(([ids, total]) => current && setNav({ ids, total, offset, domain }), () => current && setNav(null));
    return () => { current = false; };
  }, [model, id, fields, queryKey]);
  if (!nav) return null;
  const index = nav.ids.indexOf(id);
  if (index < 0) return null;
  const position = nav.offset + index + 1;
  const goTo = async (step) => {
    const inPage = nav.ids[index + step];
    if (inPage) {
      navigate("records", model, inPage, listQuery(state));
      return;
    }
    const [other] = await searchIds(model, nav.domain, state.order, nav.offset + index + step, 1).catch(() => []);
    if (other) navigate("records", model, other, listQuery({ ...state, page: state.page + step }));
  };
  return {
    position,
    total: nav.total,
    previous: position > 1 ? () => goTo(-1) : null,
    next: position < nav.total ? () => goTo(1) : null,
  };
}

export function RecordForm({ model, id, query, session }) {
  const isNew = id === null;
  const devMode = useDevMode();
  const modelName = useModelName(model);
  const [fields, setFields] = useState(null);
  const [record, setRecord] = useState(null); // as read (or the defaults of a new record)
  const [defaults, setDefaults] = useState({});
  const [changes, setChanges] = useState({});
  const [errors, setErrors] = useState({});
  const [alert, setAlert] = useState(null); // { lead, text }: what failed, the server's message
  const [fatal, setFatal] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [leaving, setLeaving] = useState(null); // the place the user asked to go to
  const [version, setVersion] = useState(0); // bumped after a save, for the chatter
  const dirty = Object.keys(changes).length > 0;
  const dirtyRef = useRef(false);
  dirtyRef.current = dirty;
  const alertRef = useRef(null);
  const state = listState(query);
  const backToList = link("records", model, listQuery(state));
  const pager = useRecordPager(model, id, fields, query);

  useLeaveGuard(dirtyRef, setLeaving);

  async function load(f) {
    const names = Object.keys(f);
    if (isNew) {
      const asked = names.filter((n) => !MAGIC_FIELDS.has(n) && !f[n].readonly);
      const given = await defaultsAsRead(f, asked.length ? await orm.defaultGet(model, asked) : {});
      setDefaults(given);
      setRecord({ ...Object.fromEntries(names.map((n) => [n, emptyValue(f[n])])), ...given });
    } else {
      const rows = await orm.read(model, [id], names);
      if (!rows.length) throw new Error("This record does not exist, or was deleted.");
      setRecord(rows[0]);
    }
  }

  useEffect(() => {
    let current = true;
    fieldsGet(model)
      .then((f) => { if (current) setFields(f); return load(f); })
      .catch((e) => current && setFatal(e.message));
    return () => { current = false; };
  }, [model, id]);

  // A new record: the cursor starts in its name.
  useEffect(() => {
    if (isNew && record && fields) {
      const first = document.getElementById(fieldId(nameField(fields)));
      if (first) first.focus();
    }
  }, [isNew, !!record, !!fields]);

  useEffect(() => {
    if (alert && alertRef.current) alertRef.current.focus();
  }, [alert]);

  if (fatal) {
    return (
      <section>
        <div class="control">
          <h1 class="breadcrumb"><a href={backToList}>{modelName || model}</a></h1>
        </div>
        <div class="alert error" role="alert">{fatal}</div>
      </section>
    );
  }
  if (!fields || !record) return <p class="muted" aria-busy="true">Loading…</p>;

  const values = { ...record, ...changes };
  const chatter = !isNew && isMailThread(fields);
  const title = nameField(fields);
  const titleEditable = title !== "display_name";
  const hidden = (name) => MAGIC_FIELDS.has(name) || (isMailThread(fields) && CHATTER_FIELDS.has(name))
    || (titleEditable && name === title);
  const byLabel = (a, b) => (fields[b].required ? 1 : 0) - (fields[a].required ? 1 : 0)
    || (fields[a].string || a).localeCompare(fields[b].string || b);
  const shown = Object.keys(fields).filter((n) => !hidden(n)).sort(byLabel);
  const short = shown.filter((n) => !WIDE_TYPES.has(fields[n].type));
  const wide = shown.filter((n) => WIDE_TYPES.has(fields[n].type));
  const half = Math.ceil(short.length / 2);
  const archived = "active" in fields && record.active === false && !isNew;
  const heading = isNew ? "New" : (record.display_name || `#${id}`);

  function change(name, value) {
    setChanges((c) => ({ ...c, [name]: value }));
    if (errors[name]) setErrors((e) => { const rest = { ...e }; delete rest[name]; return rest; });
  }

  // Required fields left empty: marked on the form, the first one focused; true when none.
  function validate() {
    const order = titleEditable ? [title, ...short, ...wide] : [...short, ...wide];
    const found = {};
    for (const name of order) {
      const field = fields[name];
      if (field.required && !field.readonly && isEmptyValue(field, values[name])) {
        found[name] = `${field.string || name} is required.`;
      }
    }
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first) {
      setAlert(null);
      setTimeout(() => {
        const element = document.getElementById(fieldId(first));
        if (element) element.focus();
      }, 0);
      return false;
    }
    return true;
  }

  // Saves; returns the record's id, or null when nothing was saved.
  async function save({ stay = true } = {}) {
    if (busy || !validate()) return null;
    setBusy(true);
    setAlert(null);
    try {
      if (isNew) {
        const editable = Object.fromEntries(Object.entries({ ...defaults, ...changes })
          .filter(([name]) => fields[name] && !fields[name].readonly && !MAGIC_FIELDS.has(name)
            && fields[name].type !== "one2many"));
        const newId = await orm.create(model, toWriteValues(fields, editable));
        dirtyRef.current = false;
        setChanges({});
        notify("Created");
        if (stay) location.replace(link("records", model, newId, listQuery(state)));
        return newId;
      }
      if (dirty) {
        await orm.write(model, [id], toWriteValues(fields, changes));
        const [fresh] = await orm.read(model, [id], Object.keys(fields));
        if (fresh) setRecord(fresh);
        setChanges({});
        setVersion((v) => v + 1);
        notify("Saved");
      }
      return id;
    } catch (e) {
      setAlert({ lead: "The record could not be saved.", text: e.message });
      return null;
    } finally {
      setBusy(false);
    }
  }

  function discard() {
    setChanges({});
    setErrors({});
    setAlert(null);
    if (isNew) {
      dirtyRef.current = false;
      location.hash = backToList;
    }
  }

  async function remove() {
    setBusy(true);
    try {
      await orm.unlink(model, [id]);
      dirtyRef.current = false;
      notify("Deleted");
      location.replace(backToList);
    } catch (e) {
      setAlert({ lead: "The record could not be deleted.", text: e.message });
    } finally {
      setBusy(false);
    }
  }

  async function duplicate() {
    setBusy(true);
    try {
      const copied = await orm.copy(model, id);
      const newId = Array.isArray(copied) ? copied[0] : copied;
      notify("Duplicated: this is the copy");
      navigate("records", model, newId, listQuery(state));
    } catch (e) {
      setAlert({ lead: "The record could not be duplicated.", text: e.message });
    } finally {
      setBusy(false);
    }
  }

  async function setArchived(archive) {
    setBusy(true);
    setAlert(null);
    try {
      await orm.write(model, [id], { active: !archive });
      const [fresh] = await orm.read(model, [id], Object.keys(fields));
      if (fresh) setRecord(fresh);
      notify(archive ? "Archived" : "Restored");
    } catch (e) {
      setAlert({ lead: "The record could not be archived or restored.", text: e.message });
    } finally {
      setBusy(false);
    }
  }

  function keyDown(e) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      save();
    }
  }

  const canArchive = !isNew && "active" in fields && !fields.active.readonly;
  const titleField = fields[title];

  return (
    <section class="record-form" onKeyDown={keyDown} data-test="record-form">
      <div class="control">
        <h1 class="breadcrumb">
          <a href={backToList}>{modelName || model}</a> / <span data-test="record-title">{heading}</span>
          {dirty && <span class="muted unsaved" title="Unsaved changes"> (unsaved)</span>}
        </h1>
        <button type="button" onClick={() => save()} disabled={busy || (!dirty && !isNew)}
                title="Save (Ctrl+S)">Save</button>
        <button type="button" class="secondary" onClick={discard} disabled={busy || (!dirty && !isNew)}>Discard</button>
        {!isNew && (
          <span class="form-actions">
            <button type="button" class="secondary" onClick={duplicate} disabled={busy || dirty}
                    title={dirty ? "Save or discard the changes first" : "Make a copy of this record"}>Duplicate</button>
            {canArchive && (
              <button type="button" class="secondary" onClick={() => setArchived(!archived)} disabled={busy || dirty}>
                {archived ? "Unarchive" : "Archive"}
              </button>
            )}
            <button type="button" class="secondary danger-text" onClick={() => setConfirmDelete(true)} disabled={busy}>Delete</button>
          </span>
        )}
        {pager && (
          <span class="pager record-pager" data-test="record-pager">
            <span>{pager.position} / {pager.total}</span>
            <button type="button" class="secondary" aria-label="Previous record" disabled={!pager.previous}
                    onClick={pager.previous}>‹</button>
            <button type="button" class="secondary" aria-label="Next record" disabled={!pager.next}
                    onClick={pager.next}>›</button>
          </span>
        )}
      </div>
      {alert && (
        <div class="alert error" role="alert" tabIndex={-1} ref={alertRef} data-test="form-error">
          <strong>{alert.lead}</strong> {alert.text}
        </div>
      )}
      <div class={`sheet${archived ? " archived" : ""}`}>
        {archived && <div class="ribbon" data-test="archived">Archived</div>}
        {titleEditable ? (
          <TitleField name={title} field={titleField} value={values[title]} error={errors[title]}
                      onChange={(v) => change(title, v)} />
        ) : (
          <h2 class="record-name">{heading}</h2>
        )}
        {short.length > 0 && <div class="form-columns">
          {[short.slice(0, half), short.slice(half)].map((names, i) => (
            <div class="form-grid" key={i}>
              {names.map((n) => (
                <FieldRow key={n} name={n} field={fields[n]} value={values[n]} error={errors[n]}
                          devMode={devMode} onChange={(v) => change(n, v)} />
              ))}
            </div>
          ))}
        </div>}
        {wide.length > 0 && (
          <div class="form-grid">
            {wide.map((n) => (
              <FieldRow key={n} name={n} field={fields[n]} value={values[n]} error={errors[n]}
                        devMode={devMode} onChange={(v) => change(n, v)} />
            ))}
          </div>
        )}
        {!isNew && (record.create_date || record.write_date) && (
          <p class="muted record-meta">
            {record.create_date && <>Created {record.create_uid ? `by ${record.create_uid[1]} ` : ""}on {formatDatetime(record.create_date)}. </>}
            {record.write_date && <>Last updated {record.write_uid ? `by ${record.write_uid[1]} ` : ""}on {formatDatetime(record.write_date)}.</>}
            {devMode && <> ID {id}.</>}
          </p>
        )}
      </div>
      {chatter && <Chatter model={model} id={id} session={session} version={version}
                           fields={fields} />}
      {isNew && isMailThread(fields) && <p class="muted">Messages, followers and activities can be added once the record is saved.</p>}
      {confirmDelete && (
        <ConfirmDialog title="Delete record" danger confirmLabel="Delete"
                       message={`Delete "${record.display_name || `#${id}`}"? This cannot be undone.`}
                       onConfirm={remove} onClose={() => setConfirmDelete(false)} />
      )}
      {leaving && (
        <Dialog title="Unsaved changes" size="small" testId="leave" onClose={() => setLeaving(null)}
                footer={<>
                  <button type="button" onClick={async () => {
                    const target = leaving;
                    setLeaving(null);
                    if (await save({ stay: false })) { dirtyRef.current = false; location.hash = target; }
                  }}>Save and leave</button>
                  <button type="button" class="danger" onClick={() => {
                    const target = leaving;
                    dirtyRef.current = false;
                    setLeaving(null);
                    location.hash = target;
                  }}>Leave without saving</button>
                  <button type="button" class="secondary" onClick={() => setLeaving(null)}>Stay</button>
                </>}>
          <p>This record has changes that are not saved yet.</p>
        </Dialog>
      )}
    </section>
  );
}
