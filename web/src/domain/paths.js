// Field paths ("partner_id.category_id") read against the models' fields, the models'
// descriptions, and the names of records the editor shows: each asked of the server once per
// page load.
import { useEffect, useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";

// The fields of the models asked so far, once known: paths whose models are all known are read
// at once, without a render in between (an operator menu must not flicker when a field changes).
// Each entry remembers the fields_get answer it holds, so that fields forgotten by api.js
// (forgetFields, after a field was added) are asked again.
const knownFields = new Map(); // model -> { asked (fieldsGet's promise), fields }

function knownFieldsOf(model) {
  const entry = knownFields.get(model);
  // fieldsGet answers from its cache here (the entry says it was asked and answered).
  return entry && entry.asked === fieldsGet(model) ? entry.fields : undefined;
}

async function loadFields(model) {
  const asked = fieldsGet(model);
  const fields = await asked;
  knownFields.set(model, { asked, fields });
  return fields;
}

// Walks a path with `fieldsOf(model)` (the fields, or undefined when not known yet).
function walk(model, path, fieldsOf) {
  const names = path ? String(path).split(".") : [];
  const parts = [];
  let current = model;
  for (let k = 0; k < names.length; k++) {
    if (!current) {
      return { parts, field: null, valid: false, error: `"${parts[k - 1].field.string}" is not a relation` };
    }
    const fields = fieldsOf(current);
    if (fields === undefined) return undefined;
    const field = Object.prototype.hasOwnProperty.call(fields, names[k]) ? fields[names[k]] : null;
    if (!field) return { parts, field: null, valid: false, error: `No field "${names[k]}" on ${current}` };
    parts.push({ model: current, name: names[k], field: { ...field, name: names[k] } });
    current = field.relation || null;
  }
  const last = parts[parts.length - 1];
  return { parts, field: last ? last.field : null, valid: names.length > 0, error: "" };
}

// The fields of a path, part by part: { parts: [{ model, name, field }], field (the last one's
// description), valid, error }. A part that does not exist, or that follows a field that is not
// a relation, makes the path invalid; the parts before it are still given.
export async function resolvePath(model, path) {
  for (;;) {
    let missing = null;
    const result = walk(model, path, (m) => {
      const fields = knownFieldsOf(m);
      if (fields === undefined) missing = m;
      return fields;
    });
    if (result) return result;
    try {
      await loadFields(missing);
    } catch (e) {
      return { parts: [], field: null, valid: false, error: e.message };
    }
  }
}

const NO_PATH = { parts: [], field: null, valid: false, error: "" };

// A path's resolution: at once when its models' fields are known, else null while they are asked.
export function useResolvedPath(model, path) {
  const key = `${model}|${path}`;
  const known = !model || !path ? NO_PATH : walk(model, path, knownFieldsOf);
  const [resolved, setResolved] = useState(null);
  useEffect(() => {
    if (known) return undefined;
    let live = true;
    resolvePath(model, path).then((r) => live && setResolved({ key, r }));
    return () => { live = false; };
  }, [key, !!known]);
  return known || (resolved && resolved.key === key ? resolved.r : null);
}

// "Customer > Tags" for a resolved path.
export function pathLabel(resolved, path) {
  if (!resolved || !resolved.parts.length) return path || "";
  const labels = resolved.parts.map((p) => p.field.string || p.name);
  if (!resolved.valid) labels.push(...String(path).split(".").slice(resolved.parts.length));
  return labels.join(" > ");
}

const descriptions = new Map(); // model -> promise of its description
const described = new Map(); // model -> its description, once known

// A model's description ("Contact" for res.partner), from ir.model; its technical name when the
// user may not read ir.model.
export function modelDescription(model) {
  if (!descriptions.has(model)) {
    descriptions.set(model, orm.searchRead("ir.model", [["model", "=", model]], ["name"], { limit: 1 })
      .then((rows) => (rows.length && rows[0].name) || model, () => model)
      .then((name) => { described.set(model, name); return name; }));
  }
  return descriptions.get(model);
}

export function useModelDescription(model) {
  const [name, setName] = useState(() => described.get(model) || model);
  useEffect(() => {
    let live = true;
    setName(described.get(model) || model);
    if (model) modelDescription(model).then((n) => live && setName(n));
    return () => { live = false; };
  }, [model]);
  return name;
}

// Names of records by id, per model, kept for the page's life: a name, null for a record that
// does not exist (any more), or the promise of the read under way.
const names = new Map();

function namesOf(model) {
  if (!names.has(model)) names.set(model, new Map());
  return names.get(model);
}

// The display names of records ("…" while asked, "#7" when they cannot be read, "#7 (not
// found)" for a deleted record).
export function useRecordNames(model, ids) {
  const [, setVersion] = useState(0);
  const list = Array.isArray(ids) ? ids : [];
  const key = list.join(",");
  useEffect(() => {
    if (!model || !list.length) return undefined;
    const cache = namesOf(model);
    const missing = list.filter((id) => Number.isInteger(id) && !cache.has(id));
    if (missing.length) {
      // search_read rather than read: a deleted id must not make the others fail; archived
      // records are named too.
      const asked = orm.searchRead(model, [["id", "in", missing]], ["display_name"],
                                   { context: { active_test: false } }).then((rows) => {
        const found = new Map(rows.map((r) => [r.id, r.display_name]));
        for (const id of missing) cache.set(id, found.has(id) ? found.get(id) : null);
      }, () => {
        for (const id of missing) cache.delete(id);
      });
      for (const id of missing) cache.set(id, asked);
    }
    const pending = list.map((id) => cache.get(id)).filter((v) => v instanceof Promise);
    if (!pending.length) return undefined;
    let live = true;
    Promise.all(pending).then(() => live && setVersion((v) => v + 1));
    return () => { live = false; };
  }, [model, key]);
  const cache = model ? namesOf(model) : new Map();
  return list.map((id) => {
    const name = cache.get(id);
    if (name === null) return `#${id} (not found)`;
    if (name instanceof Promise) return "…";
    return typeof name === "string" ? name : `#${id}`;
  });
}

// Remembers a name already known (picked in an autocomplete), so summaries need not ask.
export function rememberName(model, id, name) {
  namesOf(model).set(id, name);
}

// A model's fields (fields_get), as state: null while asked, {} when they cannot be read.
export function useFields(model) {
  const [loaded, setLoaded] = useState(null);
  const known = model ? knownFieldsOf(model) : undefined;
  useEffect(() => {
    if (!model || known !== undefined) return undefined;
    let live = true;
    loadFields(model).then((f) => live && setLoaded({ model, f }), () => live && setLoaded({ model, f: {} }));
    return () => { live = false; };
  }, [model, known === undefined]);
  if (!model) return null;
  if (known !== undefined) return known;
  return loaded && loaded.model === model ? loaded.f : null;
}
