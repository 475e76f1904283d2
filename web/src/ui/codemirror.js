// The code editor's library (CodeMirror 6 with Python), in a chunk of its own: loaded the first
// time a form shows code, so the first page load does not carry it.
import { EditorView, minimalSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { lineNumbers, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";

export function createEditor(parent, { doc, onChange, readonly, label, id }) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        minimalSetup,
        lineNumbers(),
        python(),
        keymap.of([indentWithTab]),
        EditorView.lineWrapping,
        EditorState.readOnly.of(!!readonly),
        EditorView.editable.of(!readonly),
        EditorView.contentAttributes.of({ "aria-label": label || "Code", ...(id ? { id } : {}) }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    get: () => view.state.doc.toString(),
    set: (text) => {
      if (text !== view.state.doc.toString())
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    destroy: () => view.destroy(),
  };
}
