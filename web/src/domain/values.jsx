// The value inputs of a condition, chosen by the operator and the field's type: text, numbers,
// dates, a selection's options, records as tags, and for anything else the value as a Python
// literal. An input whose text is not a value yet says so and keeps the last good value.
import { useEffect, useState } from "preact/hooks";
import { Many2ManyTags } from "../ui/fields.jsx";
import { localInputToUtc, selectionLabel, utcToLocalInput } from "../ui/format.js";
import { formatLiteral, parseLiteral } from "./domain.js";
import { typeFamily } from "./operators.js";

const isId = (v) => Number.isInteger(v) && v > 0;

// id: the operator's menu entry (see operators.js), "raw" for an operator of its own.
export function ValueInput({ id, field, value, rawOperator, onChange, testId }) {
  if (id === "set" || id === "not_set") return null;
  const family = field ? typeFamily(field.type) : "other";
  const operator = id === "raw" ? rawOperator : id;
  if (operator === "between") {
    const pair = Array.isArray(value) && value.length === 2 ? value : null;
    if (pair && pair.every((v) => scalarFits(field, v))) {
      return (
        <span class="de-between" data-test={testId}>
          <ScalarInput field={field} value={pair[0]} label="From" onChange={(v) => onChange([v, pair[1]])} />
          <span class="muted">and</span>
          <ScalarInput field={field} value={pair[1]} label="To" onChange={(v) => onChange([pair[0], v])} />
        </span>
      );
    }
    return <LiteralInput value={value} onChange={onChange} testId={testId} />;
  }
  const listOperator = ["in", "not in", "child_of", "parent_of"].includes(operator);
  if (family === "relational" && listOperator && (isId(value) || (Array.isArray(value) && value.every(isId)))) {
    const ids = Array.isArray(value) ? value : [value];
    return (
      <span class="de-value-tags">
        <Many2ManyTags model={field.relation} value={ids} label="Value" placeholder="Search..." testId={testId}
                       onChange={(next) => onChange(!Array.isArray(value) && next.length === 1 ? next[0] : next)} />
      </span>
    );
  }
  if (family === "selection" && (operator === "in" || operator === "not in") && Array.isArray(value) &&
      value.every((v) => typeof v === "string")) {
    return <SelectionTags field={field} value={value} onChange={onChange} testId={testId} />;
  }
  if (!listOperator && scalarFits(field, value)) {
    return <ScalarInput field={field} value={value} label="Value" onChange={onChange} testId={testId} />;
  }
  return <LiteralInput value={value} onChange={onChange} testId={testId} />;
}

// Whether a single input of the field's type can hold the value.
function scalarFits(field, value) {
  if (!field) return false;
  switch (typeFamily(field.type)) {
    case "number": return typeof value === "number";
    case "date": case "selection": return typeof value === "string";
    case "char": return typeof value === "string";
    // Relations compared with a text match their records' names.
    case "relational": return typeof value === "string";
    default: return false;
  }
}

function ScalarInput({ field, value, label, onChange, testId }) {
  switch (typeFamily(field.type)) {
    case "number":
      return <NumberInput value={value} integer={field.type === "integer"} label={label} onChange={onChange} testId={testId} />;
    case "date":
      return field.type === "date"
        ? <input type="date" class="de-value" aria-label={label} value={value} data-test={testId}
                 onInput={(e) => e.currentTarget.value && onChange(e.currentTarget.value)} />
        : <input type="datetime-local" class="de-value" aria-label={label} value={utcToLocalInput(value)} data-test={testId}
                 onInput={(e) => { const v = localInputToUtc(e.currentTarget.value); if (v) onChange(v); }} />;
    case "selection": {
      const known = (field.selection || []).some(([k]) => k === value);
      return (
        <select class="de-value" aria-label={label} value={value} data-test={testId}
                onChange={(e) => onChange(e.currentTarget.value)}>
          {!known && <option value={value}>{value === "" ? "" : `${value} (unknown)`}</option>}
          {(field.selection || []).map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select>
      );
    }
    default:
      return <input type="text" class="de-value" aria-label={label} value={value} data-test={testId}
                    onInput={(e) => onChange(e.currentTarget.value)} />;
  }
}

// A number input that hands over numbers only: while its text is not one, it says so.
function NumberInput({ value, integer, label, onChange, testId }) {
  const [draft, setDraft] = useState(String(value));
  const [bad, setBad] = useState(false);
  useEffect(() => {
    if (Number(draft) !== value || draft.trim() === "") {
      setDraft(String(value));
      setBad(false);
    }
  }, [value]);
  return (
    <span class="de-number">
      <input type="number" class="de-value" step={integer ? "1" : "any"} aria-label={label} value={draft}
             aria-invalid={bad} data-test={testId}
             onInput={(e) => {
               const text = e.currentTarget.value;
               const n = e.currentTarget.valueAsNumber;
               setDraft(text);
               if (text.trim() !== "" && Number.isFinite(n)) {
                 setBad(false);
                 onChange(n);
               } else {
                 setBad(true);
               }
             }} />
      {bad && <span class="de-warning" role="status">Enter a number</span>}
    </span>
  );
}

// Several options of a selection field, as tags, with a menu to add one.
function SelectionTags({ field, value, onChange, testId }) {
  const remaining = (field.selection || []).filter(([k]) => !value.includes(k));
  return (
    <span class="tags de-value-tags" data-test={testId}>
      {value.map((k) => (
        <span class="tag" key={k}>
          {selectionLabel(field, k)}
          <button type="button" class="icon" aria-label={`Remove ${selectionLabel(field, k)}`}
                  onClick={() => onChange(value.filter((v) => v !== k))}>×</button>
        </span>
      ))}
      {remaining.length > 0 && (
        <select aria-label="Add a value" value="" onChange={(e) => e.currentTarget.value && onChange([...value, e.currentTarget.value])}>
          <option value="">Add...</option>
          {remaining.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select>
      )}
    </span>
  );
}

// Any value, written as a Python literal ("x", 3, [1, 2], True): for what no other input holds.
function LiteralInput({ value, onChange, testId }) {
  const [draft, setDraft] = useState(() => formatLiteral(value));
  const [error, setError] = useState("");
  useEffect(() => {
    let same = false;
    try { same = formatLiteral(parseLiteral(draft)) === formatLiteral(value); } catch (e) { /* a draft */ }
    if (!same) {
      setDraft(formatLiteral(value));
      setError("");
    }
  }, [formatLiteral(value)]);
  return (
    <span class="de-literal">
      <input type="text" class="de-value code" aria-label="Value (Python literal)" value={draft} spellcheck={false}
             aria-invalid={!!error} data-test={testId}
             onInput={(e) => {
               const text = e.currentTarget.value;
               setDraft(text);
               try {
                 const v = parseLiteral(text);
                 setError("");
                 onChange(v);
               } catch (err) {
                 setError(err.message);
               }
             }} />
      {error && <span class="de-warning" role="status" title={error}>Not a value: {error}</span>}
    </span>
  );
}
