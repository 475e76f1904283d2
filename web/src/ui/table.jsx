// A list of records as a table: one row per record, columns from fields_get, sortable headers,
// rows opened by click or Enter. And the pager that goes under it.
import { formatValue } from "./format.js";

// columns: [{ name, label?, render?(row) }]; sort: "name asc" | "name desc" | "".
export function RecordTable({ fields, columns, rows, onOpen, sort, onSort, empty, testId }) {
  const [sortName, sortDir] = (sort || "").split(" ");
  return (
    <div class="table-wrap">
      <table class="records" data-test={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const field = fields[c.name];
              const label = c.label || (field && field.string) || c.name;
              const sortable = onSort && field && field.sortable !== false && field.store !== false;
              const ariaSort = sortName === c.name ? (sortDir === "desc" ? "descending" : "ascending") : undefined;
              return (
                <th key={c.name} scope="col" aria-sort={ariaSort}>
                  {sortable
                    ? <button type="button" class="link" onClick={() =>
                        onSort(sortName === c.name && sortDir !== "desc" ? `${c.name} desc` : `${c.name} asc`)}>
                        {label}{ariaSort ? (sortDir === "desc" ? " ▼" : " ▲") : ""}
                      </button>
                    : label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr><td colSpan={columns.length} class="empty">{empty || "No records"}</td></tr>
          )}
          {rows.map((row) => (
            <tr key={row.id} tabIndex={onOpen ? 0 : undefined} data-id={row.id}
                class={onOpen ? "clickable" : ""}
                onClick={onOpen ? (e) => { if (!e.target.closest("button,input,a,select")) onOpen(row); } : undefined}
                onKeyDown={onOpen ? (e) => { if (e.key === "Enter" && e.target === e.currentTarget) onOpen(row); } : undefined}>
              {columns.map((c) => (
                <td key={c.name} data-field={c.name}>
                  {c.render ? c.render(row) : formatValue(fields[c.name], row[c.name])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// "1-80 / 213" with previous and next.
export function Pager({ offset, limit, total, onChange }) {
  if (total <= limit && offset === 0) return <span class="pager" data-test="pager">{total ? `1-${total} / ${total}` : ""}</span>;
  const last = Math.min(offset + limit, total);
  return (
    <span class="pager" data-test="pager">
      <span>{total ? `${offset + 1}-${last} / ${total}` : "0 / 0"}</span>
      <button type="button" class="secondary" aria-label="Previous page" disabled={offset === 0}
              onClick={() => onChange(Math.max(0, offset - limit))}>‹</button>
      <button type="button" class="secondary" aria-label="Next page" disabled={last >= total}
              onClick={() => onChange(offset + limit)}>›</button>
    </span>
  );
}
