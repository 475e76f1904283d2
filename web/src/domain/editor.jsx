// The visual domain editor: a domain's text shown as rules ("Country is equal to Belgium"),
// in groups that match all or any of their rules, edited with a field path selector, an
// operator menu and a value input per rule. It keeps the count of the records that match
// under the rules, offers "Include archived" on models that archive, and in developer mode the
// text itself, kept in step with the rules. Used wherever a domain is edited or shown: the
// records list, the automation rule form, the action form.
import { useEffect, useRef, useState } from "preact/hooks";
import { orm } from "../api.js";
import { useDevMode } from "../ui/devmode.js";
import {
  DomainError, MAX_DEPTH, condition, group, joinArchived, parseDomain, parseLiteral, splitArchived, treeToText,
} from "./domain.js";
import {
  firstOperator, matchOperator, operatorLabel, operatorTable, termFor, typeFamily, valueForOperator, valueWarning,
} from "./operators.js";
import { useFields, useResolvedPath } from "./paths.js";
import { appendTo, insertAfter, removeNode, updateNode } from "./tree.js";
import { FieldPathSelector } from "./field_selector.jsx";
import { ValueInput } from "./values.jsx";
import { ConditionText, Summary } from "./summary.jsx";

// The fields a new rule is made on, the first that the model has.
const DEFAULT_FIELDS = ["country_id", "user_id", "partner_id", "stage_id", "id"];

// Fields a domain can search: the stored ones, and display_name (searched through the name).
export function searchableField(field) {
  return field.store !== false || field.name === "display_name";
}

// How long a text handed out may come back as an echo (see the effect on `value`).
const ECHO_MS = 3000;

let editors = 0;

// false, null, "" and "[]" all mean the empty domain: every record.
function textOf(value) {
  if (value === false || value === null || value === undefined) return "[]";
  const text = String(value);
  return text.trim() === "" ? "[]" : text;
}

function readText(text) {
  try {
    const { root, archived } = splitArchived(parseDomain(text));
    return { root, archived, error: null, text };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { root: group("&"), archived: false, error: e, text };
  }
}

// A new rule on a model: on the first usual field it has, with the first operator of its type.
function newRule(fields, filter) {
  const usable = (name) => fields && Object.prototype.hasOwnProperty.call(fields, name) &&
    (!filter || filter({ ...fields[name], name }));
  const name = DEFAULT_FIELDS.find(usable) || (fields ? Object.keys(fields).find(usable) : null) || "id";
  const field = fields && fields[name] ? { ...fields[name], name } : { type: "integer", string: "ID", name: "id" };
  const family = typeFamily(field.type);
  const id = firstOperator(family);
  const value = name === "id" && id === "=" ? 1 : valueForOperator(id, field, undefined);
  const term = termFor(id, family, value);
  return condition(name, term.operator, term.value);
}

// The count of matching records, asked ~300 ms after the last change.
function useCount(model, text, enabled) {
  const [count, setCount] = useState({ status: "idle" });
  useEffect(() => {
    if (!enabled || !model) {
      setCount({ status: "idle" });
      return undefined;
    }
    let domain;
    try {
      domain = parseLiteral(text);
      if (!Array.isArray(domain)) throw new DomainError("A domain is a list");
    } catch (e) {
      setCount(e.kind === "expression" ? { status: "expression" } : { status: "error", message: e.message });
      return undefined;
    }
    let live = true;
    setCount((c) => (c.status === "ok" || c.status === "stale" ? { ...c, status: "stale" } : { status: "loading" }));
    const timer = setTimeout(() => {
      orm.searchCount(model, domain).then(
        (n) => live && setCount({ status: "ok", count: n }),
        (e) => live && setCount({ status: e.status === 422 ? "error" : "failed", message: e.message }));
    }, 300);
    return () => { live = false; clearTimeout(timer); };
  }, [model, text, enabled]);
  return count;
}

function Count({ count }) {
  const failed = count.status === "error" || count.status === "failed";
  let text = "";
  if (count.status === "ok" || count.status === "stale") {
    text = `→ ${count.count} record${count.count === 1 ? "" : "s"}`;
  } else if (count.status === "loading") text = "→ counting...";
  else if (count.status === "error") text = "→ Invalid domain";
  else if (count.status === "failed") text = "→ no count";
  else if (count.status === "expression") text = "→ no count: the domain holds expressions, evaluated when it is used";
  return (
    <span class={`de-count${count.status === "stale" ? " stale" : ""}${failed ? " error" : ""}`}
          data-test="domain-count" data-status={count.status} aria-live="polite" aria-busy={count.status === "stale"}>
      {text}
      {failed && count.message && <span class="de-count-message"> ({count.message})</span>}
    </span>
  );
}

const TRASH = (
  <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true" focusable="false">
    <path fill="currentColor" d="M6 1h4l.5 1H14v1.5H2V2h3.5L6 1zm-2.5 3.5h9l-.7 10H4.2l-.7-10zM6 6v7h1.2V6H6zm2.8 0v7H10V6H8.8z" />
  </svg>
);
const NESTED = (
  <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true" focusable="false">
    <path fill="currentColor" d="M2 2h1.5v6.5H8V10H2V2zm7 5h2V5h1.5v2h2v1.5h-2v2H11v-2H9V7z" />
  </svg>
);

function RowButtons({ onAdd, onNested, onDelete, nestedDisabled }) {
  return (
    <span class="de-buttons">
      <button type="button" class="icon" aria-label="Add rule" title="Add rule" onClick={onAdd}>+</button>
      <button type="button" class="icon" aria-label="Add nested rule" title="Add nested rule"
              disabled={nestedDisabled} onClick={onNested}>{NESTED}</button>
      <button type="button" class="icon de-delete" aria-label="Delete rule" title="Delete rule" onClick={onDelete}>{TRASH}</button>
    </span>
  );
}

function connectorWord(node) {
  if (node.negate) return node.connector === "|" ? "none" : "not all";
  return node.connector === "|" ? "any" : "all";
}

// "all" / "any": a button that switches a group between matching all and any of its rules.
function ConnectorToggle({ node, ctx }) {
  const word = connectorWord(node);
  if (ctx.readonly) return <strong>{word}</strong>;
  const other = connectorWord({ ...node, connector: node.connector === "&" ? "|" : "&" });
  return (
    <button type="button" class="de-connector" data-test="connector" title={`Change to "${other}"`}
            onClick={() => ctx.change(updateNode(ctx.root, node.key, { connector: node.connector === "&" ? "|" : "&" }))}>
      {word}
    </button>
  );
}

// The rules of a group, one item each; `level` counts the groups around them (the root is 1).
function Rules({ node, model, level, ctx }) {
  const fields = useFields(model);
  const make = () => newRule(fields, ctx.filter);
  return (
    <ul class="de-rules">
      {node.children.map((child) => (
        <li key={child.key} class="de-item">
          {child.type === "group"
            ? <Group node={child} model={model} level={level + 1} parent={node} make={make} ctx={ctx} />
            : <Rule node={child} model={model} level={level} parent={node} make={make} ctx={ctx} />}
        </li>
      ))}
    </ul>
  );
}

// Buttons of an item (a rule or a nested group): a rule after it, a nested group after it
// (matching the other way from its parent), deleting it.
function itemButtons(node, parent, level, make, ctx) {
  return (
    <RowButtons
      nestedDisabled={level + 1 > MAX_DEPTH}
      onAdd={() => {
        const added = make();
        ctx.focusNext(added.key);
        ctx.change(insertAfter(ctx.root, node.key, added));
      }}
      onNested={() => {
        const first = make();
        const added = group(parent.connector === "&" ? "|" : "&", [first, make()]);
        ctx.focusNext(first.key);
        ctx.change(insertAfter(ctx.root, node.key, added));
      }}
      onDelete={() => {
        ctx.focusNext("new-rule");
        ctx.change(removeNode(ctx.root, node.key));
      }} />
  );
}

function Group({ node, model, level, parent, make, ctx }) {
  return (
    <div class="de-group" role="group" aria-label={`Group: ${connectorWord(node)} of the following rules`}>
      <div class="de-group-head">
        <span class="de-group-title"><ConnectorToggle node={node} ctx={ctx} /> of:</span>
        {!ctx.readonly && itemButtons(node, parent, level - 1, make, ctx)}
      </div>
      <Rules node={node} model={model} level={level} ctx={ctx} />
    </div>
  );
}

function Rule({ node, model, level, parent, make, ctx }) {
  const resolved = useResolvedPath(model, node.path);
  const fieldRef = useRef(null);
  useEffect(() => {
    if (ctx.focusKey === node.key && fieldRef.current) {
      fieldRef.current.focus();
      ctx.focusNext(null);
    }
  }, [ctx.focusKey]);

  if (ctx.readonly) {
    return (
      <div class="de-rule readonly" data-test="domain-rule">
        <ConditionText node={node} model={model} short={false} />
      </div>
    );
  }

  const field = resolved && resolved.valid ? resolved.field : null;
  const family = field ? typeFamily(field.type) : "other";
  const match = field ? matchOperator(node, family) : { id: "raw", value: node.value };
  const value = match.id === "raw" ? node.value : match.value;
  const warning = field ? valueWarning(match.id, field, value, node.operator) : "";
  const subtree = node.operator === "any" || node.operator === "not any";
  const update = (changes) => ctx.change(updateNode(ctx.root, node.key, changes));

  function setOperator(id) {
    if (id === "raw" || !field) return;
    const term = termFor(id, family, valueForOperator(id, field, value));
    update({ operator: term.operator, value: term.value });
  }

  function setValue(v) {
    if (match.id === "raw") update({ value: v });
    else {
      const term = termFor(match.id, family, v);
      update({ operator: term.operator, value: term.value });
    }
  }

  function setPath(path, newField) {
    const newFamily = typeFamily(newField.type);
    // The same kind of field keeps the operator and the value ("contains x" from one text
    // field to another); values of a selection or of records belong to their field, and a
    // date is not a date and time.
    const keeps = family === "date" ? newField.type === field.type : !["selection", "relational"].includes(family);
    if (field && newFamily === family && match.id !== "raw" && keeps) {
      update({ path });
      return;
    }
    const id = firstOperator(newFamily);
    const term = termFor(id, newFamily, valueForOperator(id, newField, undefined));
    update({ path, operator: term.operator, value: term.value });
  }

  const options = field ? operatorTable(family) : [];
  return (
    <div class="de-rule" data-test="domain-rule" data-path={node.path}>
      <div class="de-rule-line">
        <div class="de-controls">
          <FieldPathSelector model={model} value={node.path} onChange={setPath} filter={ctx.filter} label="Field"
                             devMode={ctx.dev} buttonRef={fieldRef} testId="rule-field" />
          <select class="de-operator" aria-label="Operator" data-test="rule-operator" value={resolved ? match.id : ""}
                  disabled={!field} onChange={(e) => setOperator(e.currentTarget.value)}>
            {!resolved && <option value="">...</option>}
            {options.map(([id]) => <option key={id} value={id}>{operatorLabel(id, family)}</option>)}
            {resolved && match.id === "raw" && <option value="raw">{operatorLabel("raw", family, node.operator)}</option>}
          </select>
          {resolved && !subtree && (
            <ValueInput key={`${node.path}|${match.id}`} id={match.id} field={field} value={value}
                        rawOperator={node.operator} onChange={setValue} testId="rule-value" />
          )}
        </div>
        {itemButtons(node, parent, level, make, ctx)}
      </div>
      {warning && <p class="de-warning" data-test="rule-warning">⚠ {warning}</p>}
      {subtree && field && field.relation && (
        <SubDomain node={node} model={field.relation} level={level + 1} ctx={ctx} />
      )}
    </div>
  );
}

// The sub-domain of "matches any of" / "matches none of": rules on the related model.
function SubDomain({ node, model, level, ctx }) {
  const fields = useFields(model);
  const root = node.value;
  return (
    <div class="de-group de-subdomain">
      {root.children.length > 1 && (
        <div class="de-group-head"><span class="de-group-title"><ConnectorToggle node={root} ctx={ctx} /> of:</span></div>
      )}
      <Rules node={root} model={model} level={level} ctx={ctx} />
      {!ctx.readonly && (
        <button type="button" class="secondary de-new" onClick={() => {
          const added = newRule(fields, ctx.filter);
          ctx.focusNext(added.key);
          ctx.change(appendTo(ctx.root, root.key, added));
        }}>Add a rule on the related records</button>
      )}
    </div>
  );
}

// model: the model searched; value: the domain's text (false, "" or "[]": all records);
// onChange(text). foldable: shown as a summary until "Edit conditions". filter(field): fields
// offered (by default those the server can search).
export function DomainEditor({ model, value, onChange, devMode, foldable, readonly, id, label, testId,
                               filter = searchableField }) {
  const globalDevMode = useDevMode();
  const dev = devMode ?? globalDevMode;
  const [state, setState] = useState(() => readText(textOf(value)));
  const [code, setCode] = useState(() => textOf(value));
  const [codeError, setCodeError] = useState("");
  const [folded, setFolded] = useState(!!foldable);
  const [focusKey, setFocusKey] = useState(null);
  const last = useRef(textOf(value)); // the text last handed out or received
  const recent = useRef([]); // texts handed out lately: [{ text, at }]
  const newRuleRef = useRef(null);
  const uid = useRef(++editors).current;
  const fields = useFields(model);
  const count = useCount(model, state.text, !!model);

  // A value from outside (another record, a reset by the page) replaces the rules. A text this
  // editor handed out a moment ago is not one: a page that passes the value through something
  // slower (the URL) may hand it back after newer edits, which must not be undone.
  useEffect(() => {
    const text = textOf(value);
    const now = Date.now();
    recent.current = recent.current.filter((r) => now - r.at < ECHO_MS);
    if (text !== last.current && !recent.current.some((r) => r.text === text)) {
      last.current = text;
      setState(readText(text));
      setCode(text);
      setCodeError("");
    }
  }, [value]);

  useEffect(() => {
    if (focusKey === "new-rule" && newRuleRef.current) {
      newRuleRef.current.focus();
      setFocusKey(null);
    }
  }, [focusKey, folded]);

  function handOut(text) {
    last.current = text;
    recent.current.push({ text, at: Date.now() });
    if (onChange) onChange(text);
  }

  function emit(next) {
    const text = treeToText(joinArchived(next.root, next.archived));
    setState({ root: next.root, archived: next.archived, error: null, text });
    setCode(text);
    setCodeError("");
    handOut(text);
  }

  function onCode(text) {
    setCode(text);
    const emitted = text.trim() === "" ? "[]" : text;
    const next = readText(emitted);
    if (next.error && !["expression", "unsupported"].includes(next.error.kind)) {
      setCodeError(next.error.message);
      return;
    }
    setCodeError("");
    setState(next);
    handOut(emitted);
  }

  const addRule = () => {
    const added = newRule(fields, filter);
    setFocusKey(added.key);
    emit({ root: { ...state.root, children: [...state.root.children, added] }, archived: state.archived });
  };

  const ctx = {
    root: state.root,
    readonly,
    dev,
    filter,
    focusKey,
    focusNext: setFocusKey,
    change: (root) => emit({ root, archived: state.archived }),
  };
  const { root, error } = state;
  const hasActive = !!(fields && fields.active && fields.active.type === "boolean");
  const editorId = id || `domain-editor-${uid}`;

  if (foldable && folded) {
    return (
      <div class="domain-editor folded" id={editorId} data-test={testId} role="group" aria-label={label || "Domain"}>
        <div class="de-folded">
          <button type="button" class="icon de-caret" aria-label="Edit conditions" title="Edit conditions"
                  aria-expanded="false" onClick={() => setFolded(false)}>▸</button>
          {error
            ? <span class="de-warning">This domain is not supported.</span>
            : root.children.length === 0
              ? <>
                  <span class="de-all">Match all records</span>
                  {!readonly && model && (
                    <button type="button" class="link de-add" onClick={() => { setFolded(false); addRule(); }}>
                      + Add condition
                    </button>
                  )}
                </>
              : <span class="de-chips" data-test="domain-summary"><Summary node={root} model={model} /></span>}
          {!error && state.archived && <span class="tag de-chip">Including archived</span>}
          <Count count={count} />
        </div>
      </div>
    );
  }

  let header;
  if (error) header = foldable ? <span class="muted">Conditions</span> : null;
  else if (root.children.length === 0) header = <span class="de-all">Match all records</span>;
  else if (root.children.length === 1 && !root.negate) header = <span>Match records with the following rule:</span>;
  else header = <span>Match <ConnectorToggle node={root} ctx={ctx} /> of the following rules:</span>;

  return (
    <div class={`domain-editor${readonly ? " readonly" : ""}`} id={editorId} data-test={testId} role="group"
         aria-label={label || "Domain"}>
      {header && <div class="de-header">
        {foldable && (
          <button type="button" class="icon de-caret" aria-label="Fold conditions" title="Fold conditions"
                  aria-expanded="true" onClick={() => setFolded(true)}>▾</button>
        )}
        {header}
      </div>}
      {!model && <p class="muted">Choose a model to edit its conditions.</p>}
      {error && (
        <div class="alert warning de-unsupported" data-test="domain-unsupported">
          <p><strong>This domain is not supported.</strong>{" "}
            {error.kind === "expression"
              ? "It holds Python expressions, which the server evaluates when the domain is used."
              : error.kind === "syntax" || error.kind === "limit" ? "Its text is not a valid domain." : "The visual editor cannot show it."}
            {dev && !readonly ? " Edit it in the code editor below." : ""}
          </p>
          <p class="help">{error.message}</p>
          {!dev && <pre class="code">{state.text}</pre>}
          {!readonly && (
            <button type="button" class="secondary" onClick={() => { setFocusKey("new-rule"); emit({ root: group("&"), archived: false }); }}>
              Reset domain
            </button>
          )}
        </div>
      )}
      {!error && model && root.children.length > 0 && <Rules node={root} model={model} level={1} ctx={ctx} />}
      <div class="de-footer">
        {!error && !readonly && model && (
          <button type="button" class="secondary de-new" ref={newRuleRef} onClick={addRule}>New Rule</button>
        )}
        {!error && readonly && state.archived && <span class="tag de-chip">Including archived</span>}
        {!error && hasActive && !readonly && (
          <span class="de-archived">
            <input type="checkbox" class="toggle" id={`${editorId}-archived`} checked={state.archived}
                   onChange={(e) => emit({ root, archived: e.currentTarget.checked })} />
            <label for={`${editorId}-archived`}>Include archived</label>
          </span>
        )}
        <Count count={count} />
      </div>
      {dev && (
        <div class="de-code">
          <label for={`${editorId}-code`}>Code editor</label>
          <textarea id={`${editorId}-code`} class="code-editor" rows={Math.min(12, Math.max(3, code.split("\n").length + 1))}
                    spellcheck={false} value={code} readonly={readonly} aria-invalid={!!codeError}
                    data-test="domain-code" onInput={(e) => onCode(e.currentTarget.value)} />
          {codeError && <p class="field-error" role="alert" data-test="domain-code-error">{codeError}</p>}
        </div>
      )}
    </div>
  );
}
