// Inputs for a field, chosen by its type in fields_get: the widgets every form uses (rule and
// action forms, any record's form). Values go in and out as JSON-2 reads and writes them.
import { useEffect, useRef, useState } from "preact/hooks";
import { orm } from "../api.js";
import { localInputToUtc, utcToLocalInput } from "./format.js";

let comboboxes = 0;

// A text input with a list of suggestions (ARIA combobox): arrows move, Enter picks, Escape
// closes. `search(text)` returns [[value, label], ...].
export function Autocomplete({ id, search, onPick, placeholder, label, initialText = "",
                               required, disabled, testId }) {
  const [text, setText] = useState(initialText);
  const [options, setOptions] = useState([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useRef(`listbox-${++comboboxes}`).current;
  const asked = useRef(0);

  useEffect(() => setText(initialText), [initialText]);

  async function lookUp(value) {
    const ticket = ++asked.current;
    try {
      const found = await search(value);
      if (ticket !== asked.current) return; // an older answer
      setOptions(found);
      setActive(0);
      setOpen(true);
    } catch (e) {
      setOptions([]);
    }
  }

  function pick(option) {
    setOpen(false);
    setText(initialText); // a many2one shows the picked name once its value changes; tags clear
    onPick(option);
  }

  function keyDown(e) {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) lookUp(text);
      else setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === "Enter" && open && options[active]) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  }

  return (
    <div class="combobox">
      <input id={id} type="text" role="combobox" aria-expanded={open} aria-controls={listId}
             aria-autocomplete="list" aria-label={label} placeholder={placeholder} value={text}
             required={required} disabled={disabled} autocomplete="off" data-test={testId}
             aria-activedescendant={open && options[active] ? `${listId}-${active}` : undefined}
             onInput={(e) => { setText(e.currentTarget.value); lookUp(e.currentTarget.value); }}
             onFocus={() => lookUp(text === initialText ? "" : text)}
             onBlur={() => setTimeout(() => { setOpen(false); setText(initialText); }, 150)}
             onKeyDown={keyDown} />
      {open && (
        <ul id={listId} role="listbox" class="options">
          {options.length === 0 && <li class="empty">No match</li>}
          {options.map((option, i) => (
            <li id={`${listId}-${i}`} key={option[0]} role="option" aria-selected={i === active}
                class={i === active ? "active" : ""}
                onMouseDown={(e) => { e.preventDefault(); pick(option); }}>{option[1]}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

// many2one: value false or [id, name]; onChange(false | [id, name]).
export function Many2One({ id, model, value, onChange, domain = [], placeholder, required,
                           readonly, label, testId }) {
  if (readonly) return <span id={id} class="readonly">{value ? value[1] : ""}</span>;
  return (
    <div class="many2one">
      <Autocomplete id={id} label={label} required={required} testId={testId}
                    placeholder={placeholder || "Search..."}
                    initialText={value ? value[1] : ""}
                    search={(text) => orm.nameSearch(model, text, domain)}
                    onPick={(option) => onChange(option)} />
      {value && !required && (
        <button type="button" class="icon" aria-label={`Clear ${label || ""}`.trim()}
                onClick={() => onChange(false)}>×</button>
      )}
    </div>
  );
}

// many2many as tags: value a list of ids; onChange(ids). Names are read once per id.
export function Many2ManyTags({ id, model, value = [], onChange, domain = [], placeholder,
                                readonly, label, testId }) {
  const [names, setNames] = useState({});
  useEffect(() => {
    const missing = value.filter((v) => !(v in names));
    if (missing.length) {
      orm.read(model, missing, ["display_name"]).then((rows) => {
        setNames((known) => ({ ...known, ...Object.fromEntries(rows.map((r) => [r.id, r.display_name])) }));
      }, () => {});
    }
  }, [model, value.join(",")]);
  return (
    <div class="tags" data-test={testId}>
      {value.map((v) => (
        <span class="tag" key={v}>
          {names[v] ?? `#${v}`}
          {!readonly && (
            <button type="button" class="icon" aria-label={`Remove ${names[v] ?? v}`}
                    onClick={() => onChange(value.filter((x) => x !== v))}>×</button>
          )}
        </span>
      ))}
      {!readonly && (
        <Autocomplete id={id} label={label} placeholder={placeholder || "Add..."}
                      search={(text) => orm.nameSearch(model, text,
                        value.length ? [...domain, ["id", "not in", value]] : domain)}
                      onPick={([pickedId, name]) => {
                        setNames((known) => ({ ...known, [pickedId]: name }));
                        onChange([...value, pickedId]);
                      }} />
      )}
    </div>
  );
}

// A number input that keeps the text as typed: "12." is not a number yet, and re-reading the
// parsed value at each keystroke would lose the dot and move the caret. The form gets the number
// (0 when cleared, as the server stores it); a value changed from outside replaces the text.
export function NumberInput({ integer, value, onChange, ...attributes }) {
  const parse = (text) => (text === "" ? 0 : integer ? parseInt(text, 10) : parseFloat(text));
  const shown = value === false || value === null || value === undefined ? "" : String(value);
  const [text, setText] = useState(shown);
  useEffect(() => {
    if (parse(text) !== (value || 0)) setText(shown);
  }, [value]);
  return (
    <input type="number" step={integer ? "1" : "any"} {...attributes} value={text}
           onInput={(e) => {
             const input = e.currentTarget;
             if (input.validity.badInput) return; // a number on its way ("12.", "-")
             setText(input.value);
             const number = parse(input.value);
             onChange(Number.isNaN(number) ? 0 : number);
           }} />
  );
}

// One field of a record by its fields_get description. `value` is as read; onChange gets the
// value to write (many2many: the list of ids; the caller turns it into commands). `invalid` and
// `describedBy` (the id of an error message) mark the input for screen readers.
export function FieldInput({ id, name, field, value, onChange, readonly, testId, invalid, describedBy }) {
  const ro = readonly || field.readonly;
  const common = { id, name, "data-test": testId || name, disabled: ro, required: field.required,
                   "aria-invalid": invalid ? "true" : undefined, "aria-describedby": describedBy };
  switch (field.type) {
    case "boolean":
      return <input type="checkbox" class="toggle" {...common} checked={!!value}
                    onChange={(e) => onChange(e.currentTarget.checked)} />;
    case "integer":
    case "float":
    case "monetary":
      return <NumberInput integer={field.type === "integer"} {...common} value={value} onChange={onChange} />;
    case "selection":
      return (
        <select {...common} value={value || ""} onChange={(e) => onChange(e.currentTarget.value || false)}>
          <option value="">{field.required ? "Choose..." : ""}</option>
          {(field.selection || []).map(([k, label]) => <option key={k} value={k}>{label}</option>)}
        </select>
      );
    case "date":
      return <input type="date" {...common} value={value || ""}
                    onInput={(e) => onChange(e.currentTarget.value || false)} />;
    case "datetime":
      return <input type="datetime-local" {...common} value={utcToLocalInput(value)}
                    onInput={(e) => onChange(localInputToUtc(e.currentTarget.value))} />;
    case "text":
    case "html":
      return <textarea rows={field.type === "html" ? 6 : 4} {...common} value={value || ""}
                       onInput={(e) => onChange(e.currentTarget.value)} />;
    case "many2one":
      return <Many2One id={id} model={field.relation} value={value} onChange={onChange}
                       readonly={ro} required={field.required} label={field.string} testId={testId || name} />;
    case "many2many":
      return <Many2ManyTags id={id} model={field.relation} value={value || []} onChange={onChange}
                            readonly={ro} label={field.string} testId={testId || name} />;
    case "one2many":
      return <span class="readonly">{(value || []).length} record(s)</span>;
    case "binary":
      return <span class="readonly">{value ? "(file)" : ""}</span>;
    default:
      return <input type="text" {...common} value={value === false ? "" : value ?? ""}
                    onInput={(e) => onChange(e.currentTarget.value)} />;
  }
}

// The changes of a form as a JSON-2 write: many2one as an id, many2many as a set command. Keys
// that are not fields (a form's own state) and one2many lists (shown, never edited as such) are
// left out.
export function toWriteValues(fields, changes) {
  const values = {};
  for (const [name, value] of Object.entries(changes)) {
    const field = fields[name];
    if (!field || field.type === "one2many") continue;
    if (field.type === "many2one") values[name] = Array.isArray(value) ? value[0] : value || false;
    else if (field.type === "many2many") values[name] = [[6, 0, value || []]];
    else values[name] = value;
  }
  return values;
}

// Focus the first element of a list of refs, for forms opened by keyboard.
export function useAutofocus() {
  const ref = useRef(null);
  useEffect(() => { ref.current && ref.current.focus(); }, []);
  return ref;
}
