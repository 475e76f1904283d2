// What the records pages share: which field names a record, which columns a list shows by
// default, the list's state in the URL, and domains as the text the server parses.
import { call } from "../api.js";

export const PAGE_SIZE = 80;

// Fields every model has, kept by the server: shown apart (or not at all), never as inputs.
export const MAGIC_FIELDS = new Set(["id", "display_name", "create_uid", "create_date", "write_uid", "write_date"]);
// The chatter's own fields: shown by the chatter under the form, not as fields.
export const CHATTER_FIELDS = new Set(["message_ids", "message_follower_ids", "activity_ids"]);

// The field that names a record and is searched by the list's search box: `name`, else the
// custom models' `x_name`, else the computed `display_name` (which the server also searches).
export function nameField(fields) {
  if (fields.name && fields.name.type === "char") return "name";
  if (fields.x_name && fields.x_name.type === "char") return "x_name";
  return "display_name";
}

// A model is a mail thread (has a chatter) when it has the chatter's fields.
export function isMailThread(fields) {
  return !!(fields.message_ids || fields.message_follower_ids);
}

// Names that usually say most about a record in a list, whatever the model.
const USEFUL = ["partner_id", "email", "phone", "user_id", "user_ids", "project_id", "stage_id",
  "state", "date", "date_order", "date_deadline", "amount_total", "city", "country_id",
  "parent_id", "team_id", "priority", "expected_revenue", "company_id", "model", "login"];
// Technical fields a person rarely wants as a column.
const TECHNICAL = /^(id|display_name|(create|write)_(uid|date)|message_.*|activity_.*|active|sequence|color|lang|tz|website|__.*)$/;
const TYPE_SCORE = { many2one: 2, selection: 2, date: 2, datetime: 1, char: 2, monetary: 2, float: 1,
  integer: 1, boolean: 0, text: -1 };

// The list's default columns: the name first, then up to `count` stored, simple fields, the
// required and commonly useful ones before the others; the dates of creation and change only
// when the model has little else.
export function defaultColumns(fields, count = 6) {
  const first = nameField(fields);
  const candidates = Object.entries(fields).filter(([name, f]) =>
    name !== first && f.store !== false && f.type in TYPE_SCORE && !TECHNICAL.test(name));
  const score = ([name, f]) => (f.required && !f.readonly ? 3 : 0)
    + (USEFUL.includes(name) ? 3 + (USEFUL.length - USEFUL.indexOf(name)) / USEFUL.length : 0)
    + TYPE_SCORE[f.type] + (name.startsWith("x_") ? 1 : 0);
  const chosen = candidates
    .map((entry, index) => ({ name: entry[0], score: score(entry), index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map((c) => c.name);
  if (chosen.length < 2) {
    for (const name of ["create_date", "write_date", "write_uid"]) {
      if (fields[name] && chosen.length < count) chosen.push(name);
    }
  }
  return [first, ...chosen];
}

// The columns a user chose for a model's list, remembered in this browser.
const columnsKey = (model) => `autorules.records.columns.${model}`;

export function savedColumns(model, fields) {
  try {
    const names = JSON.parse(localStorage.getItem(columnsKey(model)) || "null");
    if (Array.isArray(names)) {
      const known = names.filter((n) => n in fields);
      if (known.length) return known;
    }
  } catch (e) { /* an unreadable choice is forgotten */ }
  return null;
}

export function saveColumns(model, names) {
  if (names) localStorage.setItem(columnsKey(model), JSON.stringify(names));
  else localStorage.removeItem(columnsKey(model));
}

// The list's state as kept in the URL's query: page (from 1), order, domain (text), q (search).
export function listState(query = {}) {
  const page = Math.max(1, parseInt(query.page, 10) || 1);
  return { page, order: query.order || "", domain: query.domain || "", q: query.q || "" };
}

// The query for a list state, without the values that are the defaults.
export function listQuery({ page, order, domain, q }) {
  const query = {};
  if (page > 1) query.page = String(page);
  if (order) query.order = order;
  if (domain && !isEmptyDomain(domain)) query.domain = domain;
  if (q) query.q = q;
  return query;
}

export function isEmptyDomain(text) {
  return !text || /^\s*[[(]\s*[\])]\s*$/.test(text);
}

// A string as a Python literal: JSON's escapes (\" \\ \n \uXXXX) are Python's too.
export const pyString = (text) => JSON.stringify(String(text));

// The domain the list searches, as text: the filter's domain and the search box's condition,
// both required. The filter's terms are spliced into one list, where a domain's top-level
// terms are joined by AND.
export function combinedDomain(fields, domainText, q) {
  const terms = [];
  if (q && q.trim()) terms.push(`(${pyString(nameField(fields))}, "ilike", ${pyString(q.trim())})`);
  const text = (domainText || "").trim();
  if (text && !isEmptyDomain(text)) {
    const inner = text.match(/^[[(]([\s\S]*)[\])]$/);
    // Not a list: sent as it is, for the server to explain what is wrong with it.
    if (!inner) return text;
    terms.push(inner[1].trim().replace(/,$/, ""));
  }
  return `[${terms.join(", ")}]`;
}

// ids of a list's page, for the form's previous and next arrows.
export function searchIds(model, domain, order, offset, limit) {
  const params = { domain, offset, limit };
  if (order) params.order = order;
  return call(model, "search", params);
}

// A record's id from the URL: a positive integer, or null.
export function parseId(text) {
  return /^\d+$/.test(text || "") && Number(text) > 0 ? Number(text) : null;
}

// Empty, as far as a required field is concerned (0 and false of numbers and booleans count
// as values: the server stores them).
export function isEmptyValue(field, value) {
  switch (field.type) {
    case "boolean":
    case "integer":
    case "float":
    case "monetary":
      return false;
    case "many2many":
    case "one2many":
      return !value || value.length === 0;
    case "char":
    case "text":
    case "html":
      return value === false || value === null || value === undefined || String(value).trim() === "";
    default:
      return value === false || value === null || value === undefined || value === "";
  }
}
