// The field path selector: a button showing a path by its labels ("Customer > Tags") that opens
// a popover listing a model's fields. Relational fields can be followed (the arrow) to pick a
// field of the related model; the popover is searchable and usable from the keyboard alone
// (arrows, Enter, right arrow to follow, left arrow to go back, Escape to close).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { fieldsGet } from "../api.js";
import { useDevMode } from "../ui/devmode.js";
import { modelDescription, pathLabel, resolvePath, useModelDescription, useResolvedPath } from "./paths.js";

let selectors = 0;

const RELATIONAL = new Set(["many2one", "many2many", "one2many"]);

// value: a dotted path; onChange(path, fieldDescription). filter(field): false hides a field
// (field is its fields_get description with its `name`), at every level.
export function FieldPathSelector({ model, value, onChange, filter, id, label, testId, devMode,
                                    readonly, disabled, buttonRef }) {
  const globalDevMode = useDevMode();
  const dev = devMode ?? globalDevMode;
  const resolved = useResolvedPath(model, value);
  const [open, setOpen] = useState(false);
  const ownRef = useRef(null);
  const toggleRef = buttonRef || ownRef;
  const wrapRef = useRef(null);
  const uid = useRef(++selectors).current;
  const toggleId = id || `field-path-${uid}`;

  // The popover's title is asked ahead, so that it is known when the popover opens.
  useEffect(() => { if (model && !readonly) modelDescription(model); }, [model]);

  const text = value ? pathLabel(resolved, value) : "";
  const invalid = !!value && resolved && !resolved.valid;

  function close(refocus) {
    setOpen(false);
    if (refocus && toggleRef.current) toggleRef.current.focus();
  }

  // A click outside closes the popover.
  useEffect(() => {
    if (!open) return undefined;
    const outside = (e) => { if (wrapRef.current && !wrapRef.current.contains(e.target)) setOpen(false); };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  if (readonly) {
    return (
      <span class={`fps-readonly${invalid ? " invalid" : ""}`} data-test={testId}>
        {text || <span class="muted">No field</span>}
        {invalid && <span class="field-error"> (invalid field chain)</span>}
      </span>
    );
  }

  return (
    <div class="fps" ref={wrapRef}
         onFocusOut={(e) => { if (open && e.relatedTarget && !wrapRef.current.contains(e.relatedTarget)) setOpen(false); }}>
      <button type="button" id={toggleId} ref={toggleRef} class={`fps-toggle${invalid ? " invalid" : ""}`}
              aria-haspopup="dialog" aria-expanded={open} disabled={disabled} data-test={testId}
              aria-label={label ? `${label}: ${text || "none"}` : undefined} title={value && dev ? value : undefined}
              onClick={() => setOpen(!open)}
              onKeyDown={(e) => { if (e.key === "ArrowDown" && !open) { e.preventDefault(); setOpen(true); } }}>
        <span class={text ? "" : "muted"}>{text || "Select a field..."}</span>
        <span class="fps-caret" aria-hidden="true">▾</span>
      </button>
      {invalid && (
        <span class="fps-invalid field-error" title={resolved.error} data-test="invalid-field-chain">
          ⚠ Invalid field chain
        </span>
      )}
      {open && (
        <FieldPopover model={model} value={value} resolved={resolved} filter={filter} dev={dev}
                      onPick={(path, field) => { close(true); if (path !== value) onChange(path, field); }}
                      onClose={() => close(true)} />
      )}
    </div>
  );
}

function FieldPopover({ model, value, resolved, filter, dev, onPick, onClose }) {
  // The levels walked: [{ model, path (the prefix up to it), label }].
  const [stack, setStack] = useState(() => initialStack(model, resolved));
  const [fields, setFields] = useState(null);
  const [error, setError] = useState("");
  const [search, setSearch] = useState("");
  const [active, setActive] = useState(0);
  const [typed, setTyped] = useState(value || "");
  const [typedError, setTypedError] = useState("");
  const searchRef = useRef(null);
  const listRef = useRef(null);
  const uid = useRef(++selectors).current;
  const listId = `fps-list-${uid}`;
  const level = stack[stack.length - 1];
  const modelName = useModelDescription(model);

  useEffect(() => { searchRef.current && searchRef.current.focus(); }, [stack.length]);

  // The row of the path's current field when its level is shown unfiltered, else the first. Set
  // in the same render as the rows it points into: a later effect would first show the first row
  // active, for a moment a keyboard user (or a test) can see.
  function currentRow(list, words) {
    const names = (value || "").split(".");
    const here = names.length === stack.length ? names[stack.length - 1] : null;
    const at = words.trim() ? -1 : list.findIndex((f) => f.name === here);
    return at >= 0 ? at : 0;
  }

  useEffect(() => {
    let live = true;
    setFields(null);
    setError("");
    fieldsGet(level.model).then((all) => {
      if (!live) return;
      const list = Object.entries(all)
        .map(([name, field]) => ({ ...field, name }))
        .filter((field) => !filter || filter(field))
        .sort((a, b) => (a.string || a.name).localeCompare(b.string || b.name) || a.name.localeCompare(b.name));
      setFields(list);
      setActive(currentRow(list, ""));
    }, (e) => live && setError(e.message));
    return () => { live = false; };
  }, [level.model]);

  const shown = useMemo(() => {
    if (!fields) return [];
    const words = search.trim().toLowerCase();
    if (!words) return fields;
    return fields.filter((f) => (f.string || "").toLowerCase().includes(words) ||
                                (dev && f.name.toLowerCase().includes(words)));
  }, [fields, search, dev]);

  useEffect(() => {
    const row = listRef.current && listRef.current.querySelector("[aria-selected=true]");
    if (row && row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
  }, [active, shown]);

  const pathOf = (field) => (level.path ? `${level.path}.${field.name}` : field.name);
  const canFollow = (field) => RELATIONAL.has(field.type) && field.relation && stack.length < 10;

  function follow(field) {
    setStack([...stack, { model: field.relation, path: pathOf(field), label: field.string || field.name }]);
    setSearch("");
    setActive(0);
  }

  function back() {
    if (stack.length > 1) {
      setStack(stack.slice(0, -1));
      setSearch("");
    }
  }

  function typedSearch(words) {
    setSearch(words);
    if (fields) setActive(currentRow(fields, words));
  }

  function keyDown(e) {
    const field = shown[active];
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => Math.max(0, Math.min(a + 1, shown.length - 1)));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === "Home" && !search) {
      e.preventDefault();
      setActive(0);
    } else if (e.key === "End" && !search) {
      e.preventDefault();
      setActive(Math.max(shown.length - 1, 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (field) onPick(pathOf(field), field);
    } else if (e.key === "ArrowRight" && field && canFollow(field) &&
               e.currentTarget.selectionStart === search.length) {
      e.preventDefault();
      follow(field);
    } else if ((e.key === "ArrowLeft" || e.key === "Backspace") && !search && stack.length > 1) {
      e.preventDefault();
      back();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  }

  async function applyTyped(e) {
    e.preventDefault();
    const path = typed.trim();
    if (!path) return;
    const r = await resolvePath(model, path);
    if (!r.valid) {
      setTypedError(`Invalid field chain: ${r.error}`);
      return;
    }
    if (filter && !filter(r.field)) {
      setTypedError("This field cannot be used here");
      return;
    }
    onPick(path, r.field);
  }

  const titleParts = [modelName, ...stack.slice(1).map((s) => s.label)];
  const activeId = shown[active] ? `${listId}-${active}` : undefined;
  return (
    <div class="fps-popover" role="dialog" aria-label={`Select a field of ${titleParts.join(" > ")}`}
         data-test="field-popover"
         onKeyDown={(e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); onClose(); } }}>
      <header class="fps-head">
        {stack.length > 1 && (
          <button type="button" class="icon fps-back" aria-label="Previous" title="Previous" onClick={back}>‹</button>
        )}
        <span class="fps-title" data-test="field-popover-title">{titleParts.join(" > ")}</span>
        <button type="button" class="icon" aria-label="Close" onClick={onClose}>×</button>
      </header>
      <input ref={searchRef} type="search" class="fps-search" placeholder="Search..." aria-label="Search fields"
             role="combobox" aria-expanded="true" aria-controls={listId} aria-autocomplete="list"
             aria-activedescendant={activeId} value={search} autocomplete="off"
             onInput={(e) => typedSearch(e.currentTarget.value)} onKeyDown={keyDown} />
      {error && <p class="field-error" role="alert">{error}</p>}
      <ul id={listId} role="listbox" class="fps-list" ref={listRef} aria-label="Fields">
        {!fields && !error && <li class="empty">Loading...</li>}
        {fields && shown.length === 0 && <li class="empty">No field matches</li>}
        {shown.map((field, i) => (
          <li key={field.name} id={`${listId}-${i}`} role="option" aria-selected={i === active}
              class={i === active ? "active" : ""} data-name={field.name}
              onMouseDown={(e) => e.preventDefault()}
              onMouseMove={() => i !== active && setActive(i)}
              onClick={() => onPick(pathOf(field), field)}>
            <span class="fps-field">
              <span class="fps-label">{field.string || field.name}</span>
              {dev && <span class="fps-name">{field.name} ({field.type})</span>}
            </span>
            {canFollow(field) && (
              <button type="button" class="icon fps-follow" tabIndex={-1} aria-label="Relation to follow"
                      title="Relation to follow"
                      onClick={(e) => { e.stopPropagation(); follow(field); searchRef.current && searchRef.current.focus(); }}>
                ›
              </button>
            )}
          </li>
        ))}
      </ul>
      {dev && (
        <div class="fps-typed">
          <input type="text" class="code" aria-label="Field path" placeholder="partner_id.country_id.code"
                 value={typed} autocomplete="off" spellcheck={false}
                 onInput={(e) => { setTyped(e.currentTarget.value); setTypedError(""); }}
                 onKeyDown={(e) => { if (e.key === "Enter") applyTyped(e); }} />
          <button type="button" class="secondary" onClick={applyTyped}>Use</button>
          {typedError && <p class="field-error" role="alert">{typedError}</p>}
        </div>
      )}
    </div>
  );
}

// The popover opens on the model of the path's last field, with the relations before it walked.
function initialStack(model, resolved) {
  const stack = [{ model, path: "", label: "" }];
  if (!resolved || !resolved.valid) return stack;
  const parts = resolved.parts;
  for (let k = 0; k < parts.length - 1; k++) {
    const part = parts[k];
    if (!part.field.relation) break;
    stack.push({ model: part.field.relation, path: parts.slice(0, k + 1).map((p) => p.name).join("."),
                 label: part.field.string || part.name });
  }
  return stack;
}
