// Pieces shared by the administration pages (scheduled jobs, logs, users, my account): loading
// data with stale answers dropped, the server's error shown on the page, state badges, and a
// call for the few methods whose 401 means "wrong password or key", not "session over".
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { navigate, parseLocation } from "../router.js";

// Runs `load()` when `deps` change and on reload(); an answer that arrives after a newer request
// was made is dropped, so a slow search never overwrites a faster, later one.
export function useLoad(load, deps) {
  const [state, setState] = useState({ value: undefined, error: null, loading: true });
  const ticket = useRef(0);
  const run = useCallback(() => {
    const mine = ++ticket.current;
    setState((s) => ({ ...s, loading: true }));
    return Promise.resolve().then(load).then(
      (value) => { if (mine === ticket.current) setState({ value, error: null, loading: false }); },
      (error) => { if (mine === ticket.current) setState((s) => ({ value: s.value, error, loading: false })); },
    );
  }, deps);
  useEffect(() => { run(); }, [run]);
  return { ...state, reload: run };
}

// The server's message about a failed call, as the page shows it (never a JSON dump).
export function errorText(error) {
  if (!error) return "";
  return error.message || String(error);
}

export function ErrorAlert({ error, testId = "error" }) {
  if (!error) return null;
  return <div class="alert error admin-message" role="alert" data-test={testId}>{errorText(error)}</div>;
}

// A coloured label for a state (a delivery's, a log level, Archived).
export function Badge({ tone, children, label }) {
  return <span class={`badge ${tone || ""}`} aria-label={label}>{children}</span>;
}

const LEVEL_TONES = { DEBUG: "neutral", INFO: "info", WARNING: "warning", ERROR: "danger", CRITICAL: "danger" };

export function LevelBadge({ level }) {
  const text = (level || "").toUpperCase();
  return <Badge tone={LEVEL_TONES[text] || "neutral"}>{text || "?"}</Badge>;
}

// The search box of every list (ui/search_box.jsx).
export { SearchBox } from "../ui/search_box.jsx";

// A domain that matches `text` in any of `fields` (ilike), or [] without text.
export function anyFieldLike(fields, text) {
  if (!text) return [];
  const terms = fields.map((f) => [f, "ilike", text]);
  return [...Array(terms.length - 1).fill("|"), ...terms];
}

// A UTC datetime `days` days from now, as the server writes datetimes.
export function utcInDays(days) {
  const moment = new Date(Date.now() + days * 86400 * 1000);
  return moment.toISOString().slice(0, 19).replace("T", " ");
}

// "every 2 days", "every hour".
const UNIT_WORDS = { minutes: "minute", hours: "hour", days: "day", weeks: "week", months: "month" };

export function intervalText(number, unit) {
  const word = UNIT_WORDS[unit] || unit || "";
  if (!number) return "";
  return number === 1 ? `every ${word}` : `every ${number} ${word}s`;
}

// Changes some parameters of the current place's query (filters, search, page), dropping the
// empty ones. The query is read from the address at the time of the change, so that a change
// made while another was on its way (a search typed, then a filter picked) keeps both.
export function updateQuery(parts, changes) {
  const next = { ...parseLocation(location.hash).query, ...changes };
  for (const k of Object.keys(next)) if (next[k] === "" || next[k] === undefined) delete next[k];
  navigate(...parts, next);
}
