// Calls to the server: Odoo's /web/session routes and JSON-2 with the session's CSRF token.

let csrfToken = "";

export class ApiError extends Error {
  constructor(message, status, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

async function rpc(route, params = {}) {
  const response = await fetch(`/web/session/${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
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
  const response = await fetch("/web/session/destroy", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
    credentials: "same-origin",
    body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: {}, id: Date.now() }),
  });
  csrfToken = "";
  await response.json();
}

// POST /json/2/<model>/<method> with named parameters.
export async function call(model, method, params = {}) {
  const response = await fetch(`/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
    credentials: "same-origin",
    body: JSON.stringify(params),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body.message || `HTTP ${response.status}`, response.status, body);
  return body;
}
