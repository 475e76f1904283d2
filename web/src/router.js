// The interface's places live in the URL's fragment: #/rules/4, #/records/res.partner?page=2.
// The server serves one page; the browser's back and forward buttons move between places.
import { useEffect, useState } from "preact/hooks";

export function parseLocation(hash) {
  const text = (hash || "").replace(/^#/, "") || "/";
  const [path, query = ""] = text.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { path, parts, query: Object.fromEntries(new URLSearchParams(query)) };
}

export function useLocation() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return parseLocation(hash);
}

// href for a place: link("records", "res.partner", 4) -> "#/records/res.partner/4".
export function link(...parts) {
  let query = "";
  if (parts.length && typeof parts[parts.length - 1] === "object") {
    const params = new URLSearchParams(parts.pop());
    query = params.toString() ? `?${params}` : "";
  }
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join("/")}${query}`;
}

export function navigate(...parts) {
  location.hash = link(...parts);
}
