// The interface's entry point: the login page, then the application shell.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { login, logout, sessionInfo } from "./api.js";
import "./style.css";

function LoginPage({ onLogin }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
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

function Shell({ session, onLogout }) {
  return (
    <div class="shell">
      <header>
        <strong>autorules</strong>
        <span class="user" data-test="user">{session.name}</span>
        <button type="button" onClick={onLogout}>Log out</button>
      </header>
    </div>
  );
}

function App() {
  const [session, setSession] = useState(undefined); // undefined: not known yet

  useEffect(() => {
    sessionInfo().then(setSession, () => setSession(null));
  }, []);

  if (session === undefined) return null;
  if (!session) return <LoginPage onLogin={setSession} />;
  return <Shell session={session} onLogout={async () => { await logout(); setSession(null); }} />;
}

render(<App />, document.getElementById("app"));
