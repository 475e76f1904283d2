// A model's fields as ir.model.fields records (the ids rules and actions store: When updating,
// the date field, webhook fields, the link field), and the pickers built on them.
import { useEffect, useState } from "preact/hooks";
import { orm } from "../api.js";
import { Autocomplete } from "../ui/fields.jsx";
import { useRecordNames } from "../domain/paths.js";

const cache = new Map();

// [{id, name, field_description, ttype, store, relation, readonly}] of a model, by label.
export function modelFieldRows(model) {
  if (!model) return Promise.resolve([]);
  if (!cache.has(model)) {
    const promise = orm.searchRead("ir.model.fields", [["model", "=", model]],
      ["name", "field_description", "ttype", "store", "relation", "readonly"],
      { order: "field_description asc" });
    promise.catch(() => cache.delete(model));
    cache.set(model, promise);
  }
  return cache.get(model);
}

export function useModelFieldRows(model) {
  const [rows, setRows] = useState([]);
  useEffect(() => {
    let alive = true;
    modelFieldRows(model).then((r) => alive && setRows(r), () => alive && setRows([]));
    return () => { alive = false; };
  }, [model]);
  return rows;
}

const fieldLabel = (row, devMode) => devMode ? `${row.field_description} (${row.name})` : row.field_description;

// Tags of a model's fields (many2many to ir.model.fields): value ids, onChange(ids).
export function FieldTags({ id, model, value = [], onChange, filter = () => true, placeholder, label,
                            devMode, testId }) {
  const rows = useModelFieldRows(model);
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  return (
    <div class="tags" data-test={testId}>
      {value.map((v) => (
        <span class="tag" key={v}>
          {byId[v] ? fieldLabel(byId[v], devMode) : `#${v}`}
          <button type="button" class="icon" aria-label={`Remove ${byId[v] ? byId[v].field_description : v}`}
                  onClick={() => onChange(value.filter((x) => x !== v))}>×</button>
        </span>
      ))}
      <Autocomplete id={id} label={label} placeholder={placeholder || "Select fields..."}
                    search={async (text) => {
                      const t = text.toLowerCase();
                      return rows.filter((r) => filter(r) && !value.includes(r.id) &&
                        (r.field_description.toLowerCase().includes(t) || r.name.includes(t)))
                        .slice(0, 50).map((r) => [r.id, fieldLabel(r, devMode)]);
                    }}
                    onPick={([picked]) => onChange([...value, picked])} />
    </div>
  );
}

// One of a model's fields in a <select> (the date field, the link field): value an id or false.
export function FieldSelect({ id, model, value, onChange, filter = () => true, placeholder,
                              devMode, required, testId }) {
  const rows = useModelFieldRows(model).filter(filter);
  return (
    <select id={id} value={value || ""} required={required} data-test={testId}
            onChange={(e) => onChange(e.currentTarget.value ? parseInt(e.currentTarget.value, 10) : false)}>
      <option value="">{placeholder || "Select a field..."}</option>
      {rows.map((r) => <option key={r.id} value={r.id}>{fieldLabel(r, devMode)}</option>)}
    </select>
  );
}

// The selection options of a model's field, as ir.model.fields.selection records [id, label].
export function useSelectionOptions(model, fieldName) {
  const [options, setOptions] = useState([]);
  useEffect(() => {
    let alive = true;
    if (!model || !fieldName) { setOptions([]); return undefined; }
    orm.searchRead("ir.model.fields.selection",
      [["field_id.model", "=", model], ["field_id.name", "=", fieldName]], ["name", "value"],
      { order: "sequence asc, id asc" })
      .then((rows) => alive && setOptions(rows.map((r) => [r.id, r.name])), () => alive && setOptions([]));
    return () => { alive = false; };
  }, [model, fieldName]);
  return options;
}

// The display name of a record by model and id (the trigger's stage or tag), from the names
// the domain editor keeps too.
export function useRecordName(model, id) {
  const [name] = useRecordNames(id ? model : null, id ? [id] : []);
  return name || "";
}
