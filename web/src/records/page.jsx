// The Records place: the models (#/records), the records of one model (#/records/<model>),
// one record (#/records/<model>/<id>, or /new for a new one) with its chatter.
import { ModelsPage } from "./models.jsx";
import { RecordList } from "./list.jsx";
import { RecordForm } from "./form.jsx";
import { parseId } from "./common.js";

export function RecordsPage({ where, session }) {
  const [model, target] = where.parts;
  const query = where.query || {};
  if (!model) return <ModelsPage query={query} />;
  if (target === undefined) return <RecordList key={model} model={model} query={query} />;
  const id = target === "new" ? null : parseId(target);
  if (target !== "new" && id === null) {
    return <div class="alert error" role="alert">"{target}" is not a record's id.</div>;
  }
  return <RecordForm key={`${model}/${target}`} model={model} id={id} query={query} session={session} />;
}
