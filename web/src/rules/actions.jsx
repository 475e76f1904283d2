// The rule's Actions To Do: cards in the order they run, reordered by dragging (or with the
// Move up / Move down buttons from the keyboard), opened in the action dialog, deleted with the
// trash button. "Add an action" saves a new rule first: actions belong to a saved rule.
import { useEffect, useRef, useState } from "preact/hooks";
import { orm } from "../api.js";
import { link } from "../router.js";
import { ConfirmDialog } from "../ui/dialog.jsx";
import { notify } from "../ui/notify.jsx";
import { ActionDialog } from "./action_dialog.jsx";
import { ACTION_TYPES, actionSummary } from "./action_types.js";

// A trash can, drawn (not every system's fonts have the emoji).
function TrashIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" fill="currentColor">
      <path d="M6 1h4l1 1h3v2H2V2h3zM3 5h10l-1 10H4z" />
    </svg>
  );
}

const CARD_FIELDS = ["name", "state", "sequence", "evaluation_type", "update_path", "update_m2m_operation",
  "value", "warning", "webhook_url", "template_id", "child_ids"];

export function loadActions(ids) {
  if (!ids.length) return Promise.resolve([]);
  return orm.read("ir.actions.server", ids, CARD_FIELDS).then((rows) =>
    rows.sort((a, b) => (a.sequence - b.sequence) || (a.id - b.id)));
}

export function ActionsTab({ rule, modelName, trigger, devMode, modelFields, ensureSaved, pendingModelChange,
                            openAdd }) {
  const [actions, setActions] = useState([]);
  const [error, setError] = useState("");
  const [open, setOpen] = useState(null); // {id} of the action in the dialog, or {id: false}
  const [ruleId, setRuleId] = useState(rule.id);
  const [confirm, setConfirm] = useState(null);
  const [reload, setReload] = useState(0);
  const list = useRef(null);

  useEffect(() => setRuleId(rule.id), [rule.id]);

  // A new rule was saved by "Add an action": the dialog opens on the saved rule.
  useEffect(() => {
    if (openAdd && rule.id) {
      history.replaceState(null, "", link("rules", rule.id));
      setOpen({ id: false });
    }
  }, []);

  useEffect(() => {
    let alive = true;
    if (!ruleId) { setActions([]); return undefined; }
    orm.read("base.automation", [ruleId], ["action_server_ids"])
      .then(([r]) => loadActions(r ? r.action_server_ids : []))
      .then((rows) => { if (alive) { setActions(rows); setError(""); } }, (e) => alive && setError(e.message));
    return () => { alive = false; };
  }, [ruleId, reload, rule.action_server_ids.join(",")]);

  // The new order, as sequences 1..n written on the actions that moved.
  async function reorder(ordered) {
    setActions(ordered);
    try {
      for (let i = 0; i < ordered.length; i++) {
        if (ordered[i].sequence !== i + 1) await orm.write("ir.actions.server", [ordered[i].id], { sequence: i + 1 });
      }
      setReload((n) => n + 1);
    } catch (e) {
      setError(e.message);
      setReload((n) => n + 1);
    }
  }

  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    let sortable = null;
    let alive = true;
    // The drag-and-drop library comes in its own chunk, with the first rule form.
    import("sortablejs").then(({ default: Sortable }) => {
      if (!alive || !list.current) return;
      sortable = Sortable.create(list.current, {
        handle: ".handle",
        animation: 120,
        forceFallback: true, // mouse and touch events rather than the browser's drag and drop
        onEnd: (event) => {
          if (event.oldIndex === event.newIndex) return;
          const ordered = [...latest.current];
          const [moved] = ordered.splice(event.oldIndex, 1);
          ordered.splice(event.newIndex, 0, moved);
          // Sortable moved the DOM node; put it back and let the component render the order.
          const parent = event.from;
          parent.removeChild(event.item);
          parent.insertBefore(event.item, parent.children[event.oldIndex] || null);
          reorder(ordered);
        },
      });
    });
    return () => { alive = false; sortable && sortable.destroy(); };
  }, []);

  function move(index, delta) {
    const target = index + delta;
    if (target < 0 || target >= actions.length) return;
    const ordered = [...actions];
    [ordered[index], ordered[target]] = [ordered[target], ordered[index]];
    reorder(ordered);
  }

  async function add() {
    if (pendingModelChange) {
      setError("Save the rule first: its model changed.");
      return;
    }
    if (!ruleId) {
      await ensureSaved(); // a new rule: its saved form opens the dialog (or says why it cannot)
      return;
    }
    if (await ensureSaved()) setOpen({ id: false });
  }

  async function remove(action) {
    try {
      await orm.unlink("ir.actions.server", [action.id]);
      notify(`Action "${action.name}" deleted`);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e.message);
    }
  }

  return (
    <div class="actions-tab">
      {error && <div class="alert error" role="alert">{error}</div>}
      {actions.length === 0 && <p class="muted">No action yet: the rule does nothing until you add one.</p>}
      <ol class="action-cards" ref={list} data-test="actions">
        {actions.map((a, i) => {
          const type = ACTION_TYPES[a.state];
          return (
            <li key={a.id} class="action-card" data-id={a.id} data-name={a.name}>
              <span class="handle" title="Drag to reorder" aria-hidden="true">⠿</span>
              <span class="type-icon" title={type ? type.label : a.state} aria-hidden="true">{type ? type.icon : "•"}</span>
              <button type="button" class="link open" onClick={() => setOpen({ id: a.id })}
                      aria-label={`Edit action ${a.name}`}>
                <strong>{a.name}</strong>
                <span class="muted">{type ? type.label : a.state}{actionSummary(a) ? ` · ${actionSummary(a)}` : ""}</span>
              </button>
              {a.warning && <span class="warning-icon" title={a.warning} role="img" aria-label={`Warning: ${a.warning}`}>⚠</span>}
              <span class="card-buttons">
                <button type="button" class="icon" aria-label={`Move ${a.name} up`} disabled={i === 0}
                        onClick={() => move(i, -1)}>↑</button>
                <button type="button" class="icon" aria-label={`Move ${a.name} down`} disabled={i === actions.length - 1}
                        onClick={() => move(i, 1)}>↓</button>
                <button type="button" class="icon" aria-label={`Delete Action ${a.name}`} title="Delete Action"
                        onClick={() => setConfirm(a)}><TrashIcon /></button>
              </span>
            </li>
          );
        })}
      </ol>
      <button type="button" class="secondary" onClick={add}>Add an action</button>
      {open && (
        <ActionDialog actionId={open.id} ruleId={ruleId} modelName={modelName} trigger={trigger}
                      devMode={devMode} modelFields={modelFields} sequence={actions.length + 1}
                      onClose={() => { setOpen(null); setReload((n) => n + 1); }}
                      onSaved={() => setReload((n) => n + 1)} />
      )}
      {confirm && (
        <ConfirmDialog title="Delete Action" danger confirmLabel="Delete"
                       message={`Delete the action "${confirm.name}"?`} onConfirm={() => remove(confirm)}
                       onClose={() => setConfirm(null)} />
      )}
    </div>
  );
}
