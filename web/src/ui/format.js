// Values as the server sends them (Odoo's JSON: false for empty, many2one as [id, name],
// datetimes in UTC as "YYYY-MM-DD HH:MM:SS"), turned into text for lists and read-only fields.

export function parseUtc(text) {
  return text ? new Date(text.replace(" ", "T") + "Z") : null;
}

const pad = (n) => String(n).padStart(2, "0");

// A UTC datetime from the server as the browser's local "YYYY-MM-DDTHH:MM" (datetime-local).
export function utcToLocalInput(text) {
  const d = parseUtc(text);
  if (!d || isNaN(d)) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// A datetime-local value back to the server's UTC text.
export function localInputToUtc(value) {
  if (!value) return false;
  const d = new Date(value);
  if (isNaN(d)) return false;
  return d.toISOString().slice(0, 19).replace("T", " ");
}

export function formatDatetime(text) {
  const d = parseUtc(text);
  return d && !isNaN(d) ? d.toLocaleString() : "";
}

export function selectionLabel(field, key) {
  const option = (field.selection || []).find(([k]) => k === key);
  return option ? option[1] : key || "";
}

export function formatValue(field, value) {
  if (value === false || value === null || value === undefined) {
    return field && field.type === "boolean" ? "No" : "";
  }
  switch (field && field.type) {
    case "boolean": return value ? "Yes" : "No";
    case "many2one": return Array.isArray(value) ? value[1] : String(value);
    case "one2many":
    case "many2many": return value.length === 1 ? "1 record" : `${value.length} records`;
    case "selection": return selectionLabel(field, value);
    case "datetime": return formatDatetime(value);
    case "float":
    case "monetary": return Number(value).toLocaleString(undefined, { maximumFractionDigits: 6 });
    case "html": return htmlToText(value);
    default: return String(value);
  }
}

// Plain text as HTML (a note, an html field edited as text): escaped, paragraphs and line breaks
// kept; empty text is false, Odoo's empty value.
export function textToHtml(text) {
  if (!text || !text.trim()) return false;
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  return escaped.split(/\n{2,}/).map((p) => `<p>${p.replace(/\n/g, "<br>")}</p>`).join("");
}

export function htmlToText(html) {
  return new DOMParser().parseFromString(String(html), "text/html").body.textContent || "";
}
