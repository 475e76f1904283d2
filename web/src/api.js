// Calls to the server: Odoo's /web/session routes, and JSON-2 with the session's CSRF token.
// The interface has no privileges of its own: every call runs with the logged-in user's rights.

let csrfToken = "";
let sessionLost = () => {};

export class ApiError extends Error {
  constructor(message, status, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

// Called when the server answers 401 to a JSON-2 call: the session ended or expired.
export function onSessionLost(handler) {
  sessionLost = handler;
}

async function rpc(route, params = {}, headers = {}) {
  const response = await fetch(`/web/session/${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    credentials: "same-origin",
    body: JSON.stringify({ jsonrpc: "2.0", method: "call", params, id: Date.now() }),
  });
  const answer = await response.json();
  if (answer.error) {
    const data = answer.error.data || {};
    throw new ApiError(data.message || answer.error.message, answer.error.code, data);
  }
  return answer.result;
}

export async function login(login, password) {
  const info = await rpc("authenticate", { login, password });
  csrfToken = info.csrf_token;
  return info;
}

export async function sessionInfo() {
  try {
    const info = await rpc("get_session_info");
    csrfToken = info.csrf_token;
    return info;
  } catch (e) {
    if (e.status === 100) return null; // no session
    throw e;
  }
}

export async function logout() {
  try {
    await rpc("destroy", {}, { "X-CSRF-Token": csrfToken });
  } finally {
    csrfToken = "";
  }
}

// POST /json/2/<model>/<method> with named parameters; the answer's JSON, or an ApiError whose
// message is the server's (a validation message is shown to the user as it is).
export async function call(model, method, params = {}) {
  let response;
  try {
    response = await fetch(`/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      credentials: "same-origin",
      body: JSON.stringify(params),
    });
  } catch (e) {
    throw new ApiError("The server cannot be reached. Check that it is running, then try again.", 0, {});
  }
  const body = await response.json().catch(() => ({}));
  // 401 is also a wrong password or key given to a method (change_password, revoke): the session
  // is over only when the server says there is none.
  if (response.status === 401) {
    const info = await sessionInfo().catch(() => undefined);
    if (info === null) sessionLost();
  }
  if (!response.ok) throw new ApiError(body.message || `HTTP ${response.status}`, response.status, body);
  return body;
}

// The ORM methods every model has, by name.
export const orm = {
  searchRead: (model, domain, fields, options = {}) =>
    call(model, "search_read", { domain, fields, ...options }),
  searchCount: (model, domain, options = {}) => call(model, "search_count", { domain, ...options }),
  read: (model, ids, fields) => call(model, "read", { ids, fields }),
  create: (model, values) => call(model, "create", { vals_list: [values] }).then((ids) => ids[0]),
  write: (model, ids, values) => call(model, "write", { ids, vals: values }),
  unlink: (model, ids) => call(model, "unlink", { ids }),
  copy: (model, id) => call(model, "copy", { ids: [id] }),
  defaultGet: (model, fields) => call(model, "default_get", { fields }),
  nameSearch: (model, name, domain = [], limit = 8) =>
    call(model, "name_search", { name, domain, operator: "ilike", limit }),
  method: (model, method, ids, params = {}) => call(model, method, { ids, ...params }),
};

const FIELD_ATTRIBUTES = ["type", "string", "relation", "selection", "readonly", "required", "help",
  "store", "sortable", "relation_field"];
const fieldsCache = new Map();

// fields_get of a model, asked once per page load.
export function fieldsGet(model) {
  if (!fieldsCache.has(model)) {
    const promise = call(model, "fields_get", { attributes: FIELD_ATTRIBUTES });
    promise.catch(() => fieldsCache.delete(model));
    fieldsCache.set(model, promise);
  }
  return fieldsCache.get(model);
}

// Forgets what fields_get said (after a model or field was created or changed).
export function forgetFields(model) {
  if (model) fieldsCache.delete(model);
  else fieldsCache.clear();
}
