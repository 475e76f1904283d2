// My Account (#/account): the logged-in user's name and login, changing their own password, and
// their API keys (made here, shown once, revoked here). Every user has this page; what it may
// do is what the server lets that user do. The API key pieces are also used by a user's form.
import { useEffect, useRef, useState } from "preact/hooks";
import { call, login, orm } from "../api.js";
import { link } from "../router.js";
import { ConfirmDialog, Dialog } from "../ui/dialog.jsx";
import { formatDatetime, parseUtc } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { RecordTable } from "../ui/table.jsx";
import { Badge, ErrorAlert, errorText, useLoad, utcInDays } from "./common.jsx";

export function AccountPage({ session }) {
  const me = useLoad(async () => {
    const [row] = await orm.read("res.users", [session.uid], ["name", "login", "all_group_ids"]);
    const groups = row && row.all_group_ids.length
      ? await orm.read("res.groups", row.all_group_ids, ["name", "api_key_duration"]) : [];
    return { ...row, groups };
  }, [session.uid]);
  const user = me.value;
  return (
    <section aria-labelledby="account-title" class="account">
      <div class="control">
        <h1 id="account-title">My Account</h1>
        {session.is_system && <a href={link("users", session.uid)}>Edit in Users</a>}
      </div>
      <ErrorAlert error={me.error} />
      <div class="sheet">
        <dl class="facts" data-test="me">
          <dt>Name</dt><dd data-test="my-name">{user ? user.name : session.name}</dd>
          <dt>Login</dt><dd data-test="my-login">{user ? user.login : session.username}</dd>
          {user && <><dt>Groups</dt><dd class="tags">{user.groups.map((g) => <span class="tag" key={g.id}>{g.name}</span>)}</dd></>}
        </dl>
      </div>
      <div class="sheet">
        <h2 class="subtitle">Change password</h2>
        <ChangePassword session={session} />
      </div>
      <div class="sheet">
        <h2 class="subtitle">API keys</h2>
        <p class="help">
          A key lets a script or another system call this server's API as you, with your rights:
          send it as <code>Authorization: bearer &lt;key&gt;</code>. Revoke a key you no longer use.
        </p>
        <ApiKeys userId={session.uid} session={session} isSelf
                 maxDays={user && !session.is_system ? longestKeyLife(user.groups) : null} />
      </div>
    </section>
  );
}

// The longest life, in days, the server allows the keys of a user of these groups (a user who is
// not an administrator must give their keys an expiration date within it; one day when none of
// their groups says).
function longestKeyLife(groups) {
  const days = Math.max(0, ...groups.map((g) => g.api_key_duration || 0));
  return days > 0 ? days : 1;
}

function ChangePassword({ session }) {
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const mismatch = confirm !== "" && next !== confirm;

  async function submit(e) {
    e.preventDefault();
    if (next !== confirm) {
      setError({ message: "The new password and its confirmation differ." });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call("res.users", "change_password", { old_passwd: old, new_passwd: next });
    } catch (err) {
      // A wrong current password is answered 401 "Access Denied".
      setError(err.status === 401
        ? { message: `The current password is not right (the server answered: ${errorText(err)}).` }
        : err);
      setBusy(false);
      return;
    }
    // A password change ends every session of the user, this one included: log in again with
    // the new password (which the server stores without surrounding spaces), so the page stays.
    try {
      await login(session.username, next.trim());
      notify("Your password is changed. Your other sessions were logged out.");
    } catch (err) {
      notify("Your password is changed. Log in again with it.", "error");
    }
    setOld("");
    setNext("");
    setConfirm("");
    setBusy(false);
  }

  return (
    <form onSubmit={submit} class="form-grid narrow" data-test="change-password">
      {/* The login, for password managers. */}
      <input type="text" name="username" autocomplete="username" value={session.username} hidden readOnly />
      <label for="pw-old">Current password</label>
      <input id="pw-old" type="password" autocomplete="current-password" required value={old}
             onInput={(e) => setOld(e.currentTarget.value)} />
      <label for="pw-new">New password</label>
      <input id="pw-new" type="password" autocomplete="new-password" required value={next}
             onInput={(e) => setNext(e.currentTarget.value)} />
      <label for="pw-confirm">Confirm new password</label>
      <div>
        <input id="pw-confirm" type="password" autocomplete="new-password" required value={confirm}
               aria-invalid={mismatch} aria-describedby="pw-confirm-error"
               onInput={(e) => setConfirm(e.currentTarget.value)} />
        <p id="pw-confirm-error" class="field-error">{mismatch ? "Does not match the new password." : ""}</p>
      </div>
      <div class="wide">
        <ErrorAlert error={error} testId="password-error" />
        <button type="submit" disabled={busy}>{busy ? "Changing..." : "Change Password"}</button>
      </div>
    </form>
  );
}

function isExpired(key) {
  const d = parseUtc(key.expiration_date);
  return !!d && d.getTime() <= Date.now();
}

// The API keys of a user: listed, made and revoked. `isSelf`: the keys of the logged-in user
// (made without naming the user); `maxDays`: the longest life the server allows them, when it
// requires an expiration date.
export function ApiKeys({ userId, session, isSelf, maxDays }) {
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState(null);
  const [error, setError] = useState(null);
  // res.users.apikeys is for administrators; everyone reads their own keys with own_keys.
  const keys = useLoad(() => (isSelf
    ? call("res.users.apikeys", "own_keys", {})
    : orm.searchRead("res.users.apikeys", [["user_id", "=", userId]],
      ["name", "create_date", "expiration_date", "scope"], { order: "id desc" })), [userId, isSelf]);

  async function revoke(key) {
    setError(null);
    try {
      await orm.method("res.users.apikeys", "revoke", [key.id]);
      notify(`The key "${key.name}" is revoked.`);
    } catch (e) {
      setError(e);
    }
    keys.reload();
  }

  const columns = [
    { name: "name", label: "Description" },
    { name: "create_date", label: "Created", render: (k) => formatDatetime(k.create_date) },
    { name: "expiration_date", label: "Expires", render: (k) => (
      k.expiration_date
        ? <span class="inline">{formatDatetime(k.expiration_date)}{isExpired(k) && <Badge tone="danger">expired</Badge>}</span>
        : <span class="muted">Never</span>) },
    { name: "revoke", label: <span class="hidden-label">Actions</span>, render: (k) => (
      <button type="button" class="secondary small" aria-label={`Revoke ${k.name}`}
              onClick={() => setRevoking(k)}>Revoke</button>) },
  ];

  return (
    <div data-test="api-keys">
      <div class="inline toolbar">
        <button type="button" onClick={() => setCreating(true)}>New API Key</button>
      </div>
      <ErrorAlert error={error} testId="keys-error" />
      <ErrorAlert error={keys.error} />
      {keys.value && (
        <RecordTable fields={{}} columns={columns} rows={keys.value} testId="keys"
                     empty="No API key yet." />
      )}
      {creating && (
        <NewKeyDialog userId={isSelf ? null : userId} maxDays={maxDays}
                      onClose={() => { setCreating(false); keys.reload(); }} />
      )}
      {revoking && (
        <ConfirmDialog title="Revoke the API key?" danger confirmLabel="Revoke"
                       message={`"${revoking.name}" stops working at once: whatever uses it will be refused. This cannot be undone.`}
                       onConfirm={() => revoke(revoking)} onClose={() => setRevoking(null)} />
      )}
    </div>
  );
}

// Makes a key, then shows it once with a Copy button.
function NewKeyDialog({ userId, maxDays, onClose }) {
  const [name, setName] = useState("");
  const [days, setDays] = useState(maxDays ? String(Math.min(30, maxDays)) : "");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState("");
  const keyInput = useRef(null);
  const nameInput = useRef(null);
  useEffect(() => { (key ? keyInput : nameInput).current?.focus(); }, [key]);

  async function submit(e) {
    e.preventDefault();
    const count = days.trim() === "" ? null : Number(days);
    if (count !== null && !(count > 0)) {
      setError({ message: "The duration is a number of days above zero, or empty for a key that never expires." });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const params = { name: name.trim() };
      if (count !== null) params.expiration_date = utcInDays(count);
      if (userId) params.user_id = userId;
      setKey(await call("res.users.apikeys", "generate", params));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(key);
      notify("The key is copied.");
    } catch (e) {
      // No clipboard access (an insecure page, a refusal): select it for Ctrl+C.
      keyInput.current.focus();
      keyInput.current.select();
      const copied = document.execCommand && document.execCommand("copy");
      notify(copied ? "The key is copied." : "The key is selected: press Ctrl+C (⌘C) to copy it.");
    }
  }

  if (key) {
    return (
      <Dialog title="Your new API key" onClose={onClose} testId="new-key"
              footer={<button type="button" onClick={onClose}>Done</button>}>
        <p class="alert warning" role="alert">
          Copy this key now and keep it somewhere safe: it will not be shown again. If you lose
          it, revoke it and make a new one.
        </p>
        <label for="new-key-value">API key</label>
        <div class="inline key-value">
          <input id="new-key-value" ref={keyInput} readOnly value={key} data-test="key-value"
                 onFocus={(e) => e.currentTarget.select()} spellcheck={false} autocomplete="off" />
          <button type="button" onClick={copy}>Copy</button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="New API key" onClose={onClose} size="small" testId="new-key"
            footer={<>
              <button type="submit" form="new-key-form" disabled={busy}>{busy ? "Making..." : "Make Key"}</button>
              <button type="button" class="secondary" onClick={onClose}>Cancel</button>
            </>}>
      <form id="new-key-form" onSubmit={submit} class="stack">
        <label for="key-name">Description</label>
        <input id="key-name" ref={nameInput} required value={name} placeholder="What will use it, e.g. Billing sync"
               onInput={(e) => setName(e.currentTarget.value)} />
        <label for="key-days">Duration in days</label>
        <input id="key-days" type="number" min="1" step="1" required={!!maxDays}
               value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        <p class="help">
          {maxDays
            ? `Your keys must expire: at most ${maxDays} days from now.`
            : "Leave empty for a key that never expires."}
        </p>
        <ErrorAlert error={error} testId="key-error" />
      </form>
    </Dialog>
  );
}
