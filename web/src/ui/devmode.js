// Developer mode, as in Odoo: shows technical names, the domains as text and Before Update
// Domain. Kept in the browser (localStorage); it grants nothing, the server decides what a user
// may do.
import { useEffect, useState } from "preact/hooks";

const KEY = "autorules.developer_mode";
const listeners = new Set();

export function isDevMode() {
  return localStorage.getItem(KEY) === "1";
}

export function setDevMode(on) {
  if (on) localStorage.setItem(KEY, "1");
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener(on);
}

export function useDevMode() {
  const [on, setOn] = useState(isDevMode());
  useEffect(() => {
    listeners.add(setOn);
    return () => listeners.delete(setOn);
  }, []);
  return on;
}
