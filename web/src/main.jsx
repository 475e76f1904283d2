// The interface's entry point: the login page, then the application shell and its places.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { login, logout, onSessionLost, sessionInfo } from "./api.js";
import { link, useLocation } from "./router.js";
import { Notifications } from "./ui/notify.jsx";
import { setDevMode, useDevMode } from "./ui/devmode.js";
import { RulesPage } from "./rules/page.jsx";
import { RecordsPage } from "./records/page.jsx";
import { JobsPage } from "./admin/jobs.jsx";
import { LogsPage } from "./admin/logs.jsx";
import { UsersPage } from "./admin/users.jsx";
import { MessagingPage } from "./admin/providers.jsx";
import { AccountPage } from "./admin/account.jsx";
import "./style.css";

function LoginPage({ onLogin, expired }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(expired ? "Your session has ended. Log in again." : "");
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      onLogin(await login(user, password));
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">autorules</h1>
        <label for="login">Login</label>
        <input id="login" name="login" autocomplete="username" required autofocus
               value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required
               value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>Log in</button>
      </form>
    </main>
  );
}

// The places of the interface; `admin` ones are for administrators only (the server refuses
// the others' calls anyway: the menu only avoids offering what would fail).
const PLACES = [
  { key: "rules", label: "Automation Rules", admin: true, page: RulesPage },
  { key: "jobs", label: "Scheduled Jobs", admin: true, page: JobsPage },
  { key: "records", label: "Records", page: RecordsPage },
  { key: "logs", label: "Logs", admin: true, page: LogsPage },
  { key: "messaging", label: "Messaging", admin: true, page: MessagingPage },
  { key: "users", label: "Users", admin: true, page: UsersPage },
  { key: "account", label: "My Account", page: AccountPage },
];

function Shell({ session, onLogout }) {
  const where = useLocation();
  const devMode = useDevMode();
  const places = PLACES.filter((p) => !p.admin || session.is_system);
  // An administrator's place opened by URL still shows: its page shows the server's refusal.
  const place = PLACES.find((p) => p.key === where.parts[0]) || places[0];
  const Page = place.page;
  return (
    <div class="shell">
      <header>
        <a class="brand" href="#/">autorules</a>
        <nav aria-label="Main">
          {places.map((p) => (
            <a key={p.key} href={link(p.key)} aria-current={p === place ? "page" : undefined}>{p.label}</a>
          ))}
        </nav>
        <div class="session">
          <label class="devmode" title="Shows technical names, domains as text and Before Update Domain">
            <input type="checkbox" checked={devMode} onChange={(e) => setDevMode(e.currentTarget.checked)} />
            Developer mode
          </label>
          <span class="user" data-test="user">{session.name}</span>
          <button type="button" class="secondary" onClick={onLogout}>Log out</button>
        </div>
      </header>
      <main class="page">
        <Page where={{ ...where, parts: where.parts.slice(1) }} session={session} />
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState(undefined); // undefined: not known yet
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    sessionInfo().then(setSession, () => setSession(null));
    onSessionLost(() => { setExpired(true); setSession(null); });
  }, []);

  if (session === undefined) return null;
  return (
    <>
      {session
        ? <Shell session={session} onLogout={async () => { await logout().catch(() => {}); setExpired(false); setSession(null); }} />
        : <LoginPage expired={expired} onLogin={(info) => { setExpired(false); setSession(info); }} />}
      <Notifications />
    </>
  );
}

render(<App />, document.getElementById("app"));
