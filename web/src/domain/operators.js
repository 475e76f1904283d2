// What the editor offers for a condition, by the type of its field: the operators (with their
// labels), how each one is written as a domain term, the values they take, and the warnings
// for values that would not do what the user means. Pure functions, shared with the tests.

// Families of field types: fields of one family get the same operators and value inputs.
export function typeFamily(type) {
  switch (type) {
    case "boolean": return "boolean";
    case "selection": return "selection";
    case "char": case "text": case "html": case "reference": return "char";
    case "date": case "datetime": return "date";
    case "integer": case "float": case "monetary": case "many2one_reference": return "number";
    case "many2one": case "many2many": case "one2many": return "relational";
    case "binary": case "image": return "binary";
    default: return "other";
  }
}

// The operators of each family, in the order the menu shows them. An id is a domain operator,
// or one of "set", "not_set", "starts_with", "between" (written as other terms).
const TABLES = {
  boolean: [["set", "is set"], ["not_set", "is not set"]],
  selection: [["=", "is equal to"], ["!=", "is not equal to"], ["in", "is in"], ["not in", "is not in"],
    ["set", "is set"], ["not_set", "is not set"]],
  char: [["=", "is equal to"], ["!=", "is not equal to"], ["ilike", "contains"], ["not ilike", "does not contain"],
    ["starts_with", "starts with"], ["set", "is set"], ["not_set", "is not set"]],
  date: [["=", "is equal to"], ["<", "before"], [">", "after"], ["between", "is between"], ["set", "is set"],
    ["not_set", "is not set"]],
  number: [["=", "is equal to"], ["!=", "is not equal to"], ["<", "lower than"], [">", "greater than"],
    ["between", "between"]],
  relational: [["in", "is equal to"], ["not in", "is not equal to"], ["ilike", "contains"],
    ["not ilike", "does not contain"], ["set", "is set"], ["not_set", "is not set"]],
  binary: [["set", "is set"], ["not_set", "is not set"]],
  other: [["=", "is equal to"], ["!=", "is not equal to"], ["set", "is set"], ["not_set", "is not set"]],
};

// Labels of the operators a parsed domain may hold that the menus do not offer: shown as they
// are, so that nothing is lost when the domain is edited.
const RAW_LABELS = {
  "=": "is equal to", "!=": "is not equal to", "<": "lower than", "<=": "lower or equal to",
  ">": "greater than", ">=": "greater or equal to", "=?": "is equal to (if set)", "in": "is in",
  "not in": "is not in", "like": "contains (case-sensitive)", "not like": "does not contain (case-sensitive)",
  "ilike": "contains", "not ilike": "does not contain", "=like": "matches the pattern (case-sensitive)",
  "not =like": "does not match the pattern (case-sensitive)", "=ilike": "matches the pattern",
  "not =ilike": "does not match the pattern", "child_of": "is a child of", "parent_of": "is a parent of",
  "between": "is between", "any": "matches any of", "not any": "matches none of",
};
const RAW_DATE_LABELS = { "<": "before", "<=": "on or before", ">": "after", ">=": "on or after" };

// Short forms for the folded summary ("Stage = New").
const SHORT = {
  "=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "=?": "=?", "in": "in", "not in": "not in",
  "like": "contains", "not like": "does not contain", "ilike": "contains", "not ilike": "does not contain",
  "=like": "matches", "not =like": "does not match", "=ilike": "matches", "not =ilike": "does not match",
  "child_of": "child of", "parent_of": "parent of", "between": "between", "any": "matches", "not any": "matches none of",
  "set": "is set", "not_set": "is not set", "starts_with": "starts with",
};

export function operatorTable(family) {
  return TABLES[family] || TABLES.other;
}

export function firstOperator(family) {
  return operatorTable(family)[0][0];
}

const isScalar = (v) => typeof v === "string" || typeof v === "number";
const isId = (v) => Number.isInteger(v) && v > 0;
const isIds = (v) => Array.isArray(v) && v.every(isId);

// Whether a value has the shape an operator of the menus takes for a family.
function fits(id, family, value) {
  if (id === "between") return Array.isArray(value) && value.length === 2 && value.every((v) => fits("=", family, v));
  if (family === "relational") {
    if (id === "in" || id === "not in") return isIds(value);
    return typeof value === "string";
  }
  if (family === "selection" && (id === "in" || id === "not in")) {
    return Array.isArray(value) && value.every((v) => typeof v === "string");
  }
  if (family === "number") return typeof value === "number";
  if (family === "char" || family === "date" || family === "selection") return typeof value === "string";
  return isScalar(value) || typeof value === "boolean";
}

// The menu entry that shows a condition: { id, value } where `value` is what the value inputs
// hold (ids for "is equal to" on a relation, the text before "%" for "starts with"), or
// { id: "raw", value } when no entry of the family's menu writes this term.
export function matchOperator(cond, family) {
  const table = operatorTable(family).map(([id]) => id);
  const { operator: op, value } = cond;
  const has = (id) => table.includes(id);
  if (family === "boolean") {
    if ((op === "=" && value === true) || (op === "!=" && value === false)) return { id: "set" };
    if ((op === "=" && value === false) || (op === "!=" && value === true)) return { id: "not_set" };
    return { id: "raw", value };
  }
  if (value === false && has("set")) {
    if (op === "!=") return { id: "set" };
    if (op === "=") return { id: "not_set" };
  }
  if (family === "relational" && (op === "=" || op === "!=") && isId(value)) {
    return { id: op === "=" ? "in" : "not in", value: [value] };
  }
  if (op === "=ilike" && has("starts_with") && typeof value === "string" && /(^|[^\\])%$/.test(value)) {
    return { id: "starts_with", value: value.slice(0, -1) };
  }
  if (has(op) && fits(op, family, value)) return { id: op, value };
  return { id: "raw", value };
}

// The label of a menu entry; for "raw", the label of the condition's own operator.
export function operatorLabel(id, family, rawOperator) {
  if (id === "raw") {
    if (family === "date" && RAW_DATE_LABELS[rawOperator]) return RAW_DATE_LABELS[rawOperator];
    const label = RAW_LABELS[rawOperator] || rawOperator;
    // The same words as an entry of the menu: the operator tells them apart.
    return operatorTable(family).some(([, l]) => l === label) ? `${label} (${rawOperator})` : label;
  }
  const entry = operatorTable(family).find(([k]) => k === id);
  return entry ? entry[1] : RAW_LABELS[id] || id;
}

export function shortOperator(id, family, rawOperator, value) {
  if (id === "raw") return SHORT[rawOperator] || rawOperator;
  if (family === "relational" && (id === "in" || id === "not in")) {
    return (value || []).length > 1 ? SHORT[id] : id === "in" ? "=" : "≠";
  }
  if (family === "date" && (id === "<" || id === ">")) return id === "<" ? "before" : "after";
  return SHORT[id] || id;
}

const pad = (n) => String(n).padStart(2, "0");

// Today in the browser's time zone, as a date field's value.
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Today at midnight in the browser's time zone, as a datetime field's value (UTC).
export function todayMidnightUtc() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString().slice(0, 19).replace("T", " ");
}

// A first value for a field's inputs.
export function defaultScalar(field) {
  const family = typeFamily(field && field.type);
  if (family === "number") return 0;
  if (family === "date") return field.type === "date" ? today() : todayMidnightUtc();
  if (family === "selection") return (field.selection && field.selection[0] && field.selection[0][0]) || "";
  return "";
}

// The value a menu entry starts with when the user picks it: what the previous entry held when
// it fits, otherwise a default.
export function valueForOperator(id, field, previous) {
  const family = typeFamily(field && field.type);
  if (id === "set" || id === "not_set") return undefined;
  if (id === "in" || id === "not in") {
    if (family === "relational") return isIds(previous) ? previous : isId(previous) ? [previous] : [];
    if (Array.isArray(previous)) return previous.filter((v) => typeof v === "string");
    return typeof previous === "string" && previous ? [previous] : [];
  }
  const scalar = Array.isArray(previous) ? previous[0] : previous;
  const keep = scalar !== undefined && fits("=", family === "relational" ? "char" : family, scalar);
  const base = keep ? scalar : family === "relational" ? "" : defaultScalar(field);
  if (id === "between") {
    if (fits("between", family, previous)) return previous;
    return [base, base];
  }
  return base;
}

// The domain term (operator and value) that a menu entry writes.
export function termFor(id, family, value) {
  switch (id) {
    case "set": return family === "boolean" ? { operator: "=", value: true } : { operator: "!=", value: false };
    case "not_set": return { operator: "=", value: false };
    case "starts_with": return { operator: "=ilike", value: `${value}%` };
    default: return { operator: id, value };
  }
}

// A warning about a condition's value, or "": values the server would take but that would not
// do what the user most likely means.
export function valueWarning(id, field, value, rawOperator) {
  if (!field) return "";
  const family = typeFamily(field.type);
  const check = (v) => {
    if (family === "number") {
      if (typeof v !== "number" || !Number.isFinite(v)) return "Enter a number";
      if (field.type === "integer" && !Number.isInteger(v)) return "This field holds whole numbers";
    }
    if (family === "date" && typeof v === "string") {
      const ok = field.type === "date" ? /^\d{4}-\d{2}-\d{2}$/.test(v) : /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/.test(v);
      if (!ok) return field.type === "date" ? "Enter a date" : "Enter a date and time";
    }
    if (family === "selection" && typeof v === "string" && !(field.selection || []).some(([k]) => k === v)) {
      return `"${v}" is not a value of this field`;
    }
    return "";
  };
  if (id === "set" || id === "not_set") return "";
  if (id === "between") {
    const [a, b] = Array.isArray(value) ? value : [];
    const bad = check(a) || check(b);
    if (bad) return bad;
    if (a > b) return family === "date" ? "The first date is after the second: no record matches" : "The first value is greater than the second: no record matches";
    return "";
  }
  if (id === "in" || id === "not in") {
    if (!Array.isArray(value) || value.length === 0) {
      if (family === "relational") return id === "in" ? "Pick at least one record: as it is, no record matches" : "Pick at least one record: as it is, every record matches";
      return id === "in" ? "Pick at least one value: as it is, no record matches" : "Pick at least one value: as it is, every record matches";
    }
    return value.map(check).find(Boolean) || "";
  }
  if ((id === "ilike" || id === "starts_with") && value === "") return "An empty text matches every record";
  if (id === "not ilike" && value === "") return "An empty text matches no record";
  if (id === "raw") {
    if (rawOperator === "any" || rawOperator === "not any") return "";
    if (Array.isArray(value)) return value.map(check).find(Boolean) || "";
  }
  return check(value);
}
