// Short messages at the corner of the screen ("Saved", "Copied", an error that has no form).
import { useEffect, useState } from "preact/hooks";

const listeners = new Set();
let next = 1;

export function notify(text, kind = "info") {
  const message = { id: next++, text, kind };
  for (const listener of listeners) listener(message);
}

export function Notifications() {
  const [messages, setMessages] = useState([]);
  useEffect(() => {
    const add = (message) => {
      setMessages((list) => [...list, message]);
      setTimeout(() => setMessages((list) => list.filter((m) => m.id !== message.id)),
                 message.kind === "error" ? 8000 : 3000);
    };
    listeners.add(add);
    return () => listeners.delete(add);
  }, []);
  return (
    <div class="notifications" role="status" aria-live="polite">
      {messages.map((m) => <div key={m.id} class={`notification ${m.kind}`}>{m.text}</div>)}
    </div>
  );
}
