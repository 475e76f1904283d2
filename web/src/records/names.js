// The names people read for models (ir.model's description: "Contact" for res.partner), asked
// once per model and page load.
import { useEffect, useState } from "preact/hooks";
import { orm } from "../api.js";

const names = new Map();

export function modelName(model) {
  if (!names.has(model)) {
    const promise = orm.searchRead("ir.model", [["model", "=", model]], ["name"], { limit: 1 })
      .then((rows) => (rows.length ? rows[0].name : model), () => model);
    names.set(model, promise);
  }
  return names.get(model);
}

// The model's name, or "" until it is known.
export function useModelName(model) {
  const [name, setName] = useState("");
  useEffect(() => {
    let current = true;
    setName("");
    modelName(model).then((n) => current && setName(n));
    return () => { current = false; };
  }, [model]);
  return name;
}
