// Python code in an editor with highlighting and line numbers (CodeMirror, loaded on first use).
// Tab indents; Escape then Tab leaves the editor (CodeMirror's rule for keyboard users).
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import "./code_editor.css";

let library = null;
function loadLibrary() {
  library = library || import("./codemirror.js");
  return library;
}

export function CodeEditor({ value, onChange, readonly, id, label, testId, rows = 8 }) {
  const host = useRef(null);
  const editor = useRef(null);
  const latest = useRef(onChange);
  const emitted = useRef(value || ""); // the last text the editor gave the form
  const [failed, setFailed] = useState(false);
  latest.current = onChange;

  useEffect(() => {
    let alive = true;
    loadLibrary().then(({ createEditor }) => {
      if (!alive) return;
      editor.current = createEditor(host.current, {
        doc: value || "", readonly, label, id,
        onChange: (text) => {
          emitted.current = text;
          latest.current && latest.current(text);
        },
      });
    }, () => setFailed(true));
    return () => {
      alive = false;
      editor.current && editor.current.destroy();
      editor.current = null;
    };
  }, [readonly]);

  // A value from outside (Discard, another record) replaces the text; the form's echo of what
  // was just typed does not. Applied before the browser handles the next key: a late echo would
  // put back an older text while typing goes on.
  useLayoutEffect(() => {
    if ((value || "") === emitted.current || !editor.current) return;
    emitted.current = value || "";
    editor.current.set(value || "");
  }, [value]);

  if (failed) {
    return <textarea id={id} aria-label={label} data-test={testId} rows={rows} value={value || ""}
                     readonly={readonly} onInput={(e) => onChange(e.currentTarget.value)} />;
  }
  return <div class="code-editor-host" data-test={testId} ref={host}
              style={{ minHeight: `${rows * 1.4}em` }} />;
}
