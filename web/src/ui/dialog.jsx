// A modal dialog on the browser's own <dialog>: focus stays inside, Escape closes it.
import { useEffect, useRef } from "preact/hooks";

let dialogs = 0;

export function Dialog({ title, onClose, children, footer, size = "", testId }) {
  const ref = useRef(null);
  const titleId = useRef(`dialog-title-${++dialogs}`).current;
  useEffect(() => {
    const element = ref.current;
    element.showModal();
    return () => element.open && element.close();
  }, []);
  return (
    <dialog ref={ref} class={`dialog ${size}`} aria-labelledby={titleId} data-test={testId}
            onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <header>
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={onClose}>×</button>
      </header>
      <div class="dialog-body">{children}</div>
      {footer && <footer>{footer}</footer>}
    </dialog>
  );
}

// "Are you sure?" with the action's own words on its button.
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onClose, danger }) {
  return (
    <Dialog title={title} onClose={onClose} size="small" testId="confirm"
            footer={<>
              <button type="button" class={danger ? "danger" : ""}
                      onClick={() => { onClose(); onConfirm(); }}>{confirmLabel}</button>
              <button type="button" class="secondary" onClick={onClose}>Cancel</button>
            </>}>
      <p>{message}</p>
    </Dialog>
  );
}
