// A search box for lists: it reports its text after the user pauses typing, and at once on Enter.
import { useEffect, useRef, useState } from "preact/hooks";

export function SearchBox({ value, onSearch, label, placeholder }) {
  const [text, setText] = useState(value || "");
  const timer = useRef(null);
  useEffect(() => setText(value || ""), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const report = (t) => { clearTimeout(timer.current); onSearch(t.trim()); };
  return (
    <div class="search" role="search">
      <input type="search" aria-label={label} placeholder={placeholder || label} value={text}
             onInput={(e) => {
               const t = e.currentTarget.value;
               setText(t);
               clearTimeout(timer.current);
               timer.current = setTimeout(() => report(t), 300);
             }}
             onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); report(text); } }} />
    </div>
  );
}
