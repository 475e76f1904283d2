// The records of one model as a list: columns from fields_get (or those the user chose),
// sortable headers, a search box on the record's name, a domain filter, paging. The state
// (page, order, filter, search) lives in the URL, so that back, forward and reload keep it.
import { useEffect, useRef, useState } from "preact/hooks";
import { fieldsGet, orm } from "../api.js";
import { DomainEditor } from "../domain/editor.jsx";
import { link, navigate } from "../router.js";
import { useDevMode } from "../ui/devmode.js";
import { formatValue } from "../ui/format.js";
import { Pager, RecordTable } from "../ui/table.jsx";
import {
  PAGE_SIZE, combinedDomain, defaultColumns, isEmptyDomain, listQuery, listState, nameField,
  saveColumns, savedColumns,
} from "./common.js";
import { useModelName } from "./names.js";

// The columns a list can show: stored or not, anything but the binary and HTML contents.
const SHOWABLE = (f) => !["binary", "html"].includes(f.type);

function ColumnChooser({ fields, columns, onChange, onReset }) {
  const names = Object.keys(fields)
    .filter((n) => SHOWABLE(fields[n]))
    .sort((a, b) => (fields[a].string || a).localeCompare(fields[b].string || b));
  return (
    <details class="columns-chooser">
      <summary>Columns</summary>
      <div class="columns-menu" role="group" aria-label="Columns shown">
        {names.map((n) => (
          <label key={n} class="check">
            <input type="checkbox" checked={columns.includes(n)}
                   disabled={columns.length === 1 && columns.includes(n)}
                   onChange={(e) => onChange(e.currentTarget.checked ? [...columns, n] : columns.filter((c) => c !== n))} />
            {fields[n].string || n}
          </label>
        ))}
        <button type="button" class="secondary" onClick={onReset}>Default columns</button>
      </div>
    </details>
  );
}

export function RecordList({ model, query }) {
  const state = listState(query);
  const devMode = useDevMode();
  const modelName = useModelName(model);
  const [fields, setFields] = useState(null);
  const [columns, setColumns] = useState([]);
  const [rows, setRows] = useState(null);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(false);
  const [fatal, setFatal] = useState("");
  const [error, setError] = useState("");
  const [searchText, setSearchText] = useState(state.q);
  const [domainText, setDomainText] = useState(state.domain || "[]");
  const timers = useRef({});

  // The model's fields (and the columns) once per model.
  useEffect(() => {
    setFields(null);
    setRows(null);
    setFatal("");
    fieldsGet(model).then((f) => {
      setFields(f);
      setColumns(savedColumns(model, f) || defaultColumns(f));
    }, (e) => setFatal(e.message));
  }, [model]);

  // The inputs follow the URL (back and forward).
  // The URL's search and domain replace the inputs' text, unless they are what this page wrote
  // there itself: typing goes on while the URL catches up, and an echo would undo it.
  const written = useRef({});
  useEffect(() => { if (state.q !== written.current.q) setSearchText(state.q); }, [state.q]);
  useEffect(() => {
    if (state.domain !== written.current.domain) setDomainText(state.domain || "[]");
  }, [state.domain]);
  useEffect(() => () => Object.values(timers.current).forEach(clearTimeout), []);

  // The records of the page.
  const columnsKey = columns.join(",");
  useEffect(() => {
    if (!fields || !columns.length) return;
    let current = true;
    const domain = combinedDomain(fields, state.domain, state.q);
    const names = columns.filter((c) => c in fields);
    setLoading(true);
    Promise.all([
      orm.searchRead(model, domain, names, {
        offset: (state.page - 1) * PAGE_SIZE, limit: PAGE_SIZE, ...(state.order ? { order: state.order } : {}),
      }),
      orm.searchCount(model, domain),
    ]).then(([found, count]) => {
      if (!current) return;
      setRows(found);
      setTotal(count);
      setError("");
      // A page past the end (records were deleted meanwhile): back to the last one.
      if (!found.length && count && state.page > 1) {
        location.replace(link("records", model, listQuery({ ...state, page: Math.ceil(count / PAGE_SIZE) })));
      }
    }, (e) => {
      if (!current) return;
      setRows([]);
      setTotal(0);
      setError(e.message);
    }).finally(() => current && setLoading(false));
    return () => { current = false; };
  }, [model, fields, columnsKey, state.page, state.order, state.domain, state.q]);

  // A new state: a new history entry, or (as the user types) a replaced one.
  function go(changes, replace = false) {
    const href = link("records", model, listQuery({ ...state, ...changes }));
    if (replace) location.replace(href);
    else location.hash = href;
  }

  function later(key, fn, delay) {
    clearTimeout(timers.current[key]);
    timers.current[key] = setTimeout(fn, delay);
  }

  function typeSearch(value) {
    setSearchText(value);
    later("q", () => { written.current.q = value; go({ q: value, page: 1 }, true); }, 300);
  }

  function changeDomain(text) {
    setDomainText(text);
    later("domain", () => { written.current.domain = text; go({ domain: text, page: 1 }, true); }, 400);
  }

  function chooseColumns(names) {
    setColumns(names);
    saveColumns(model, names);
  }

  if (fatal) {
    return (
      <section>
        <div class="control"><h1><a href={link("records")}>Records</a> / {model}</h1></div>
        <div class="alert error" role="alert">{fatal}</div>
      </section>
    );
  }

  const title = modelName || model;
  const searchField = fields ? nameField(fields) : "name";
  const searchLabel = fields && fields[searchField] ? fields[searchField].string : "Name";
  const open = (row) => navigate("records", model, row.id, listQuery(state));
  const tableColumns = columns.filter((c) => fields && c in fields).map((c, i) => (i === 0
    ? { name: c, render: (row) => <a href={link("records", model, row.id, listQuery(state))}>{formatValue(fields[c], row[c]) || `#${row.id}`}</a> }
    : { name: c }));

  return (
    <section class="records-list" aria-busy={loading}>
      <div class="control">
        <h1 class="breadcrumb"><a href={link("records")}>Records</a> / <span data-test="model-title">{title}</span></h1>
        <a class="button" href={link("records", model, "new", listQuery(state))} data-test="new">New</a>
        <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); clearTimeout(timers.current.q); go({ q: searchText, page: 1 }, true); }}>
          <input type="search" aria-label={`Search ${searchLabel}`} placeholder={`Search ${searchLabel}...`}
                 value={searchText} onInput={(e) => typeSearch(e.currentTarget.value)} data-test="search" />
        </form>
        {fields && <ColumnChooser fields={fields} columns={columns} onChange={chooseColumns}
                                  onReset={() => { saveColumns(model, null); setColumns(defaultColumns(fields)); }} />}
        <Pager offset={(state.page - 1) * PAGE_SIZE} limit={PAGE_SIZE} total={total}
               onChange={(offset) => go({ page: offset / PAGE_SIZE + 1 })} />
      </div>
      {devMode && <p class="muted">Model <code>{model}</code></p>}
      <div class="filter-panel" role="group" aria-label="Filter">
        <DomainEditor model={model} value={domainText} onChange={changeDomain} foldable
                      id="records-domain" label="Filter" testId="domain" />
        {!isEmptyDomain(state.domain) && (
          <button type="button" class="secondary" onClick={() => { clearTimeout(timers.current.domain); setDomainText("[]"); go({ domain: "", page: 1 }); }}>
            Clear filter
          </button>
        )}
      </div>
      {error && <div class="alert error" role="alert" data-test="list-error">{error}</div>}
      {fields && rows && (
        <RecordTable fields={fields} columns={tableColumns} rows={rows} testId="records"
                     sort={state.order} onSort={(order) => go({ order, page: 1 })}
                     onOpen={open}
                     empty={state.q || !isEmptyDomain(state.domain) ? "No record matches." : "No record yet. Use New to create one."} />
      )}
    </section>
  );
}
