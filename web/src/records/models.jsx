// The models a user can open: every model of ir.model (the built-in ones and the custom x_
// ones), searchable by name or technical name, each linked to its list of records.
import { useEffect, useRef, useState } from "preact/hooks";
import { orm } from "../api.js";
import { link, navigate } from "../router.js";
import { Pager, RecordTable } from "../ui/table.jsx";
import { PAGE_SIZE, pyString } from "./common.js";

const FIELDS = {
  name: { type: "char", string: "Model", sortable: true },
  model: { type: "char", string: "Technical Name", sortable: true },
  state: { type: "selection", string: "Type", selection: [["manual", "Custom"], ["base", "Built-in"]] },
  is_mail_thread: { type: "boolean", string: "Chatter" },
};

export function ModelsPage({ query }) {
  const q = query.q || "";
  const page = Math.max(1, parseInt(query.page, 10) || 1);
  const order = query.order || "name asc";
  const [text, setText] = useState(q);
  const [rows, setRows] = useState(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState("");
  const typing = useRef(null);

  useEffect(() => setText(q), [q]);
  useEffect(() => () => clearTimeout(typing.current), []);

  useEffect(() => {
    let current = true;
    const words = q.trim();
    const domain = words ? `["|", ("name", "ilike", ${pyString(words)}), ("model", "ilike", ${pyString(words)})]` : "[]";
    Promise.all([
      orm.searchRead("ir.model", domain, ["name", "model", "state", "is_mail_thread"],
        { order, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      orm.searchCount("ir.model", domain),
    ]).then(([found, count]) => {
      if (!current) return;
      setRows(found);
      setTotal(count);
      setError("");
    }, (e) => { if (current) { setRows([]); setTotal(0); setError(e.message); } });
    return () => { current = false; };
  }, [q, page, order]);

  // The URL follows the search as it is typed (replacing the history entry, not adding one).
  function search(value) {
    setText(value);
    clearTimeout(typing.current);
    typing.current = setTimeout(() => {
      location.replace(link("records", value.trim() ? { q: value } : {}));
    }, 300);
  }

  const go = (changes) => navigate("records", {
    ...(q ? { q } : {}), ...(order !== "name asc" ? { order } : {}), ...changes,
  });

  const columns = [
    { name: "name", render: (row) => <a href={link("records", row.model)}>{row.name}</a> },
    { name: "model", render: (row) => <code>{row.model}</code> },
    { name: "state" },
    { name: "is_mail_thread" },
  ];

  return (
    <section class="records-models">
      <div class="control">
        <h1>Records</h1>
        <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); clearTimeout(typing.current); location.replace(link("records", text.trim() ? { q: text } : {})); }}>
          <input type="search" aria-label="Search models" placeholder="Search models by name..."
                 value={text} onInput={(e) => search(e.currentTarget.value)} data-test="model-search" />
        </form>
        <Pager offset={(page - 1) * PAGE_SIZE} limit={PAGE_SIZE} total={total}
               onChange={(offset) => go({ page: String(offset / PAGE_SIZE + 1) })} />
      </div>
      <p class="muted">Choose the kind of records to open. Custom models (technical names starting with x_) are listed too.</p>
      {error && <div class="alert error" role="alert">{error}</div>}
      {rows && (
        <RecordTable fields={FIELDS} columns={columns} rows={rows} testId="models"
                     sort={order} onSort={(o) => go({ order: o })}
                     empty={q ? "No model matches this search." : "No model can be opened."}
                     onOpen={(row) => navigate("records", row.model)} />
      )}
    </section>
  );
}
