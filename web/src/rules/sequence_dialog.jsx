// A new sequence (ir.sequence), created from an Update Record action's Sequence field: the
// prefix and suffix may hold %(year)s, %(month)s, %(day)s... placeholders.
import { useState } from "preact/hooks";
import { orm } from "../api.js";
import { Dialog } from "../ui/dialog.jsx";

const PLACEHOLDERS = "%(year)s, %(y)s (two digits), %(month)s, %(day)s, %(doy)s (day of the year), " +
  "%(woy)s (week of the year), %(weekday)s, %(h24)s, %(h12)s, %(min)s, %(sec)s";

export function SequenceDialog({ onClose, onCreated, initialName = "" }) {
  const [values, setValues] = useState({ name: initialName, prefix: "", suffix: "", padding: 5,
                                         number_increment: 1, number_next: 1 });
  const [error, setError] = useState("");
  const set = (name, value) => setValues((v) => ({ ...v, [name]: value }));
  const integer = (name) => (e) => set(name, parseInt(e.currentTarget.value || "0", 10) || 0);
  const preview = `${values.prefix}${String(values.number_next).padStart(values.padding, "0")}${values.suffix}`
    .replace(/%\(year\)s/g, String(new Date().getFullYear()));

  async function create() {
    if (!values.name.trim()) { setError("Give the sequence a name."); return; }
    try {
      const id = await orm.create("ir.sequence", { ...values, implementation: "standard" });
      onCreated([id, values.name]);
      onClose();
    } catch (e) {
      setError(e.message);
    }
  }

  return (
    <Dialog title="New sequence" onClose={onClose} testId="sequence-dialog"
            footer={<>
              <button type="button" onClick={create}>Create</button>
              <button type="button" class="secondary" onClick={onClose}>Discard</button>
            </>}>
      {error && <div class="alert error" role="alert">{error}</div>}
      <div class="form-grid">
        <label for="sequence-name">Name</label>
        <input id="sequence-name" value={values.name} required onInput={(e) => set("name", e.currentTarget.value)} />
        <label for="sequence-prefix">Prefix</label>
        <input id="sequence-prefix" value={values.prefix} onInput={(e) => set("prefix", e.currentTarget.value)} />
        <label for="sequence-suffix">Suffix</label>
        <input id="sequence-suffix" value={values.suffix} onInput={(e) => set("suffix", e.currentTarget.value)} />
        <label for="sequence-padding">Sequence Size</label>
        <input id="sequence-padding" type="number" min="0" class="narrow" value={values.padding} onInput={integer("padding")} />
        <label for="sequence-number_increment">Step</label>
        <input id="sequence-number_increment" type="number" min="1" class="narrow" value={values.number_increment}
               onInput={integer("number_increment")} />
        <label for="sequence-number_next">Next Number</label>
        <input id="sequence-number_next" type="number" min="0" class="narrow" value={values.number_next}
               onInput={integer("number_next")} />
        <span class="label">Next value</span>
        <code class="readonly" data-test="sequence-preview">{preview}</code>
      </div>
      <p class="help">Placeholders for the prefix and suffix: {PLACEHOLDERS}.</p>
    </Dialog>
  );
}
