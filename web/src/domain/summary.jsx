// Conditions as words: "Country is equal to Belgium" in the read-only tree, "Stage = New" in the
// folded editor's chips. Field labels and record names are asked of the server as needed.
import { Fragment } from "preact";
import { formatDatetime, selectionLabel } from "../ui/format.js";
import { formatLiteral } from "./domain.js";
import { matchOperator, operatorLabel, shortOperator, typeFamily } from "./operators.js";
import { pathLabel, useRecordNames, useResolvedPath } from "./paths.js";

const isId = (v) => Number.isInteger(v) && v > 0;

function oneValue(field, v) {
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (field && field.type === "selection" && typeof v === "string") return selectionLabel(field, v);
  if (field && field.type === "datetime" && typeof v === "string") return formatDatetime(v) || v;
  if (field && field.type === "date" && typeof v === "string") return v;
  if (typeof v === "string") return `"${v}"`;
  if (typeof v === "number") return String(v);
  return formatLiteral(v);
}

// A condition in words. short: the folded form ("Stage = New").
export function ConditionText({ node, model, short }) {
  const resolved = useResolvedPath(model, node.path);
  const field = resolved && resolved.valid ? resolved.field : null;
  const family = field ? typeFamily(field.type) : "other";
  const match = field ? matchOperator(node, family) : { id: "raw", value: node.value };
  const value = match.id === "raw" ? node.value : match.value;
  const relational = family === "relational" && (isId(value) || (Array.isArray(value) && value.length && value.every(isId)));
  const ids = relational ? (Array.isArray(value) ? value : [value]) : [];
  const names = useRecordNames(relational ? field.relation : null, ids);
  const label = pathLabel(resolved, node.path) || node.path;
  const op = short ? shortOperator(match.id, family, node.operator, value) : operatorLabel(match.id, family, node.operator);

  if (node.operator === "any" || node.operator === "not any") {
    return (
      <span>
        {label} {op} (<Summary node={node.value} model={field && field.relation} short={short} nested />)
      </span>
    );
  }
  let text = "";
  if (match.id === "set" || match.id === "not_set") text = "";
  else if (relational) {
    const shown = short && names.length > 3 ? [...names.slice(0, 3), `+${names.length - 3} more`] : names;
    text = shown.join(", ");
  } else if (node.operator === "between" && Array.isArray(value)) {
    text = `${oneValue(field, value[0])} and ${oneValue(field, value[1])}`;
  } else if (Array.isArray(value)) {
    text = value.length ? value.map((v) => oneValue(field, v)).join(", ") : "(nothing)";
  } else {
    text = oneValue(field, value);
  }
  return <span>{label} {op}{text ? ` ${text}` : ""}</span>;
}

// A group in words: its conditions joined by "and" / "or"; at the top, one chip each.
export function Summary({ node, model, short = true, nested = false }) {
  if (node.type === "condition") return <ConditionText node={node} model={model} short={short} />;
  const word = node.connector === "|" ? "or" : "and";
  const parts = node.children.map((child, i) => {
    let inner = child.type === "group"
      ? <>{child.negate ? "not " : ""}(<Summary node={child} model={model} short={short} nested />)</>
      : <ConditionText node={child} model={model} short={short} />;
    // One span inside the chip: its words are one flex item, spaces kept.
    if (!nested) inner = <span class="tag de-chip" data-test="domain-chip"><span>{inner}</span></span>;
    return <Fragment key={child.key}>{i > 0 && <span class="de-joiner muted"> {word} </span>}{inner}</Fragment>;
  });
  // A negated group nested in another is "not (...)", written by its parent; at the top, the
  // words say it.
  if (node.negate && !nested) {
    return <><span class="muted">{node.connector === "|" ? "None of:" : "Not all of:"} </span>{parts}</>;
  }
  return <>{parts}</>;
}
