// Users (#/users, #/users/<id>, #/users/new): the list of users, a user's form (name, login,
// email, groups), archiving, setting a password for someone, and their API keys and open
// sessions. Managing users is for administrators: the page asks the server first and shows its
// answer to anyone else.
import { useState } from "preact/hooks";
import { call, fieldsGet, login, orm } from "../api.js";
import { link, navigate } from "../router.js";
import { ConfirmDialog, Dialog } from "../ui/dialog.jsx";
import { Many2ManyTags, toWriteValues } from "../ui/fields.jsx";
import { formatDatetime } from "../ui/format.js";
import { notify } from "../ui/notify.jsx";
import { Pager, RecordTable } from "../ui/table.jsx";
import { ApiKeys } from "./account.jsx";
import { Badge, ErrorAlert, updateQuery, SearchBox, anyFieldLike, useLoad } from "./common.jsx";

const MODEL = "res.users";
const LIMIT = 80;
const SHOW = {
  active: [],
  archived: [["active", "=", false]],
  all: [["active", "in", [true, false]]],
};

export function UsersPage({ where, session }) {
  // Whether this user may manage users: the server's own answer (and its message when not).
  const allowed = useLoad(() => call(MODEL, "check_access_rights", { operation: "write" }), []);
  const [id] = where.parts;
  if (allowed.error) {
    return (
      <section aria-labelledby="users-title">
        <div class="control"><h1 id="users-title">Users</h1></div>
        <ErrorAlert error={allowed.error} testId="access-error" />
      </section>
    );
  }
  if (allowed.value === undefined) return <p class="muted">Loading...</p>;
  if (id === "new") return <UserForm key="new" session={session} />;
  if (id !== undefined) {
    if (!/^\d+$/.test(id)) return <ErrorAlert error={{ message: `"${id}" is not a user's number.` }} />;
    return <UserForm key={id} id={Number(id)} session={session} />;
  }
  return <UserList query={where.query} />;
}

// Every group by id, with what it includes, for tags and explanations.
function loadGroups() {
  return orm.searchRead("res.groups", [], ["name", "comment", "implied_ids"], { order: "name" })
    .then((rows) => Object.fromEntries(rows.map((g) => [g.id, g])));
}

function UserList({ query }) {
  const search = query.q || "";
  const show = SHOW[query.show] ? query.show : "active";
  const order = query.order || "name asc";
  const offset = Math.max(0, parseInt(query.offset || "0", 10) || 0);
  const setQuery = (changes) => updateQuery(["users"], changes);
  const data = useLoad(async () => {
    const domain = [...SHOW[show], ...anyFieldLike(["name", "login"], search)];
    const [fields, rows, total, groups] = await Promise.all([
      fieldsGet(MODEL),
      orm.searchRead(MODEL, domain, ["name", "login", "group_ids", "active"], { offset, limit: LIMIT, order }),
      orm.searchCount(MODEL, domain),
      loadGroups(),
    ]);
    return { fields, rows, total, groups };
  }, [search, show, order, offset]);
  const value = data.value;
  const columns = [
    { name: "name", render: (u) => <a href={link("users", u.id)}>{u.name}</a> },
    { name: "login" },
    { name: "group_ids", label: "Groups", render: (u) => (
      <span class="tags">{u.group_ids.map((g) => <span class="tag" key={g}>{value.groups[g] ? value.groups[g].name : `#${g}`}</span>)}</span>) },
    { name: "active", label: "Status", render: (u) => (u.active
      ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Archived</Badge>) },
  ];
  return (
    <section aria-labelledby="users-title">
      <div class="control">
        <h1 id="users-title">Users</h1>
        <a class="button" href={link("users", "new")}>New User</a>
        <SearchBox value={search} label="Search users" placeholder="Search by name or login..."
                   onSearch={(q) => setQuery({ q, offset: "" })} />
        <span class="inline filter">
          <label for="users-show">Show</label>
          <select id="users-show" value={show} onChange={(e) => setQuery({ show: e.currentTarget.value, offset: "" })}>
            <option value="active">Active users</option>
            <option value="archived">Archived users</option>
            <option value="all">All users</option>
          </select>
        </span>
        {value && <Pager offset={offset} limit={LIMIT} total={value.total}
                         onChange={(o) => setQuery({ offset: o ? String(o) : "" })} />}
      </div>
      <ErrorAlert error={data.error} />
      {value && (
        <RecordTable fields={value.fields} columns={columns} rows={value.rows} testId="users"
                     sort={order} onSort={(o) => setQuery({ order: o, offset: "" })}
                     onOpen={(u) => navigate("users", u.id)}
                     empty={search ? "No user matches this search." : "No users."} />
      )}
      {!value && data.loading && <p class="muted">Loading...</p>}
    </section>
  );
}

// The id of a record by its external id ("base.group_user"), or null.
async function xmlid(module, name) {
  const rows = await orm.searchRead("ir.model.data", [["module", "=", module], ["name", "=", name]], ["res_id"], { limit: 1 })
    .catch(() => []);
  return rows.length ? rows[0].res_id : null;
}

function UserForm({ id, session }) {
  const isNew = id === undefined;
  const [changes, setChanges] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState(null); // "password" | "archive"
  const [tab, setTab] = useState("keys");

  const data = useLoad(async () => {
    const [fields, groups] = await Promise.all([fieldsGet(MODEL), loadGroups()]);
    if (isNew) {
      // New users are internal users unless chosen otherwise, as the server makes them.
      const internal = await xmlid("base", "group_user");
      return { fields, groups, record: { name: "", login: "", email: "", group_ids: internal ? [internal] : [], active: true } };
    }
    const [row] = await orm.read(MODEL, [id], ["name", "login", "group_ids", "active", "partner_id", "share"]);
    if (!row) return { fields, groups, record: null };
    const [partner] = row.partner_id ? await orm.read("res.partner", [row.partner_id[0]], ["email"]) : [{}];
    return { fields, groups, record: { ...row, email: (partner && partner.email) || "" } };
  }, [id]);

  const crumbs = (name) => (
    <h1 id="user-title" class="breadcrumb">
      <a href={link("users")}>Users</a>{name !== undefined && <> / <span>{name || "New"}</span></>}
    </h1>
  );
  if (!data.value) {
    return <><div class="control">{crumbs()}</div>{data.error ? <ErrorAlert error={data.error} /> : <p class="muted">Loading...</p>}</>;
  }
  const { fields, groups, record } = data.value;
  if (!record) {
    return <><div class="control">{crumbs()}</div><ErrorAlert error={{ message: `The user #${id} does not exist.` }} /></>;
  }
  const values = { ...record, ...changes };
  const dirty = Object.keys(changes).length > 0;
  const set = (name) => (value) => setChanges((c) => ({ ...c, [name]: value }));
  const isSelf = !isNew && id === session.uid;

  async function save(e) {
    e.preventDefault();
    if (isNew && (values.password || "") !== (values.password_confirm || "")) {
      setError({ message: "The password and its confirmation differ." });
      return;
    }
    setBusy(true);
    setError(null);
    const { email, password, password_confirm: _, ...own } = changes;
    try {
      let userId = id;
      if (isNew) {
        const vals = toWriteValues(fields, { name: values.name, login: values.login, group_ids: values.group_ids });
        if (password) vals.password = password;
        userId = await orm.create(MODEL, vals);
      } else if (Object.keys(own).length) {
        await orm.write(MODEL, [id], toWriteValues(fields, own));
      }
      // The email is the user's contact's (their partner): where their notifications go.
      if (email !== undefined) {
        const [row] = await orm.read(MODEL, [userId], ["partner_id"]);
        try {
          await orm.write("res.partner", [row.partner_id[0]], { email: email.trim() || false });
        } catch (err) {
          if (isNew) {
            notify("The user is created, but the email was not saved.", "error");
            navigate("users", userId);
          }
          throw err;
        }
      }
      setChanges({});
      notify(isNew ? "User created." : "Saved.");
      if (isNew) navigate("users", userId);
      else await data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function setActive(active) {
    setError(null);
    try {
      await orm.write(MODEL, [id], { active });
      notify(active ? `${record.name} is active again.` : `${record.name} is archived.`);
    } catch (err) {
      setError(err);
    }
    data.reload();
  }

  // The groups chosen, each with what it is for and what it includes.
  const chosen = (values.group_ids || []).map((g) => groups[g]).filter(Boolean);

  return (
    <>
      <form onSubmit={save} aria-labelledby="user-title">
        <div class="control">
          {crumbs(record.name)}
          <button type="submit" disabled={busy || (!isNew && !dirty)}>{isNew ? "Create" : "Save"}</button>
          {dirty && <button type="button" class="secondary" disabled={busy}
                            onClick={() => { setChanges({}); setError(null); }}>Discard</button>}
          {!isNew && <button type="button" class="secondary" onClick={() => setDialog("password")}>Set Password</button>}
          {!isNew && (record.active
            ? <button type="button" class="secondary" onClick={() => setDialog("archive")}>Archive</button>
            : <button type="button" class="secondary" onClick={() => setActive(true)}>Unarchive</button>)}
        </div>
        <ErrorAlert error={error} testId="save-error" />
        <div class="sheet">
          {!isNew && !record.active && <span class="ribbon">Archived</span>}
          <div class="title">
            <label for="user-name" class="sr-only">Name</label>
            <input id="user-name" required placeholder="Name" value={values.name}
                   onInput={(e) => set("name")(e.currentTarget.value)} />
          </div>
          <div class="form-grid">
            <label for="user-login">Login</label>
            <div>
              <input id="user-login" class="medium" required autocomplete="off" value={values.login}
                     onInput={(e) => set("login")(e.currentTarget.value)} />
              <p class="help">What the user types to log in.</p>
            </div>

            <label for="user-email">Email</label>
            <input id="user-email" class="medium" type="email" autocomplete="off" value={values.email}
                   onInput={(e) => set("email")(e.currentTarget.value)} />

            <label for="user-groups">Groups</label>
            <div>
              <Many2ManyTags id="user-groups" model="res.groups" label="Groups" value={values.group_ids || []}
                             onChange={set("group_ids")} testId="group_ids" />
              <ul class="help group-help">
                {chosen.map((g) => (
                  <li key={g.id}>
                    <strong>{g.name}</strong>{g.comment ? `: ${g.comment}` : ""}
                    {g.implied_ids.length > 0 && ` Includes ${g.implied_ids.map((i) => (groups[i] ? groups[i].name : `#${i}`)).join(", ")}.`}
                  </li>
                ))}
                {chosen.length === 0 && <li>Without a group the user is a portal user: they reach no business data.</li>}
              </ul>
            </div>

            {isNew && (
              <>
                <label for="user-password">Password</label>
                <div>
                  <input id="user-password" type="password" autocomplete="new-password" value={values.password || ""}
                         onInput={(e) => set("password")(e.currentTarget.value)} />
                  <p class="help">Optional: without one the user cannot log in until it is set.</p>
                </div>
                <label for="user-password-confirm">Confirm Password</label>
                <input id="user-password-confirm" type="password" autocomplete="new-password"
                       value={values.password_confirm || ""} required={!!values.password}
                       onInput={(e) => set("password_confirm")(e.currentTarget.value)} />
              </>
            )}
          </div>
        </div>
      </form>

      {!isNew && (
        <div class="sheet">
          <div class="tabs" role="tablist" aria-label="User details">
            {[["keys", "API Keys"], ["sessions", "Sessions"]].map(([key, label]) => (
              <button key={key} type="button" role="tab" id={`user-tab-${key}`} aria-selected={tab === key}
                      aria-controls="user-tab-panel" onClick={() => setTab(key)}>{label}</button>
            ))}
          </div>
          <div class="tab-panel" role="tabpanel" id="user-tab-panel" aria-labelledby={`user-tab-${tab}`}>
            {tab === "keys" && <ApiKeys userId={id} session={session} isSelf={isSelf} />}
            {tab === "sessions" && <Sessions userId={id} isSelf={isSelf} />}
          </div>
        </div>
      )}

      {dialog === "password" && (
        <SetPasswordDialog user={record} session={session} isSelf={isSelf} onClose={() => setDialog(null)} />
      )}
      {dialog === "archive" && (
        <ConfirmDialog title={`Archive ${record.name}?`} confirmLabel="Archive" danger
                       message="They can no longer log in, their open sessions end and their API keys stop working. Unarchive them to undo this."
                       onConfirm={() => setActive(false)} onClose={() => setDialog(null)} />
      )}
    </>
  );
}

// The minimum length of passwords, from the system parameter the server checks (8 when unset);
// null when it cannot be read.
function useMinLength() {
  const param = useLoad(() => call("ir.config_parameter", "get_param", { key: "auth_password_policy.minlength" }), []);
  if (param.error || param.value === undefined) return null;
  const n = parseInt(param.value, 10);
  return n > 0 ? n : 8;
}

// An administrator gives a user a new password (never shown again). The server's rules apply;
// its message says which one a password breaks.
function SetPasswordDialog({ user, session, isSelf, onClose }) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const minLength = useMinLength();
  const mismatch = confirm !== "" && password !== confirm;

  async function submit(e) {
    e.preventDefault();
    if (password !== confirm) {
      setError({ message: "The two passwords differ." });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await orm.write(MODEL, [user.id], { password });
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    if (isSelf) {
      // A new password ends the user's sessions, this one included: open a new one with it.
      await login(session.username, password.trim()).catch(() => {});
    }
    notify(`${user.name}'s password is set; their open sessions were ended.`);
    onClose();
  }

  return (
    <Dialog title={`Set the password of ${user.name}`} onClose={onClose} size="small" testId="set-password"
            footer={<>
              <button type="submit" form="set-password-form" disabled={busy}>{busy ? "Setting..." : "Set Password"}</button>
              <button type="button" class="secondary" onClick={onClose}>Cancel</button>
            </>}>
      <form id="set-password-form" onSubmit={submit} class="stack">
        <input type="text" name="username" autocomplete="username" value={user.login} hidden readOnly />
        <label for="new-password">New password</label>
        <input id="new-password" type="password" autocomplete="new-password" required autofocus value={password}
               onInput={(e) => setPassword(e.currentTarget.value)} />
        <label for="new-password-confirm">Confirm new password</label>
        <input id="new-password-confirm" type="password" autocomplete="new-password" required value={confirm}
               aria-invalid={mismatch} aria-describedby="new-password-mismatch"
               onInput={(e) => setConfirm(e.currentTarget.value)} />
        <p id="new-password-mismatch" class="field-error">{mismatch ? "Does not match the new password." : ""}</p>
        <p class="help">
          {minLength ? `At least ${minLength} characters. ` : ""}
          The user's open sessions end; they log in with the new password.
        </p>
        <ErrorAlert error={error} testId="password-error" />
      </form>
    </Dialog>
  );
}

// The user's open sessions in browsers: where from, when last used; each can be ended.
function Sessions({ userId, isSelf }) {
  const [ending, setEnding] = useState(null);
  const [error, setError] = useState(null);
  const rows = useLoad(() => orm.searchRead("res.users.session", [["user_id", "=", userId]],
    ["create_date", "last_seen", "ip_address", "user_agent"], { order: "last_seen desc" }), [userId]);

  async function end(session) {
    setError(null);
    try {
      await orm.unlink("res.users.session", [session.id]);
      notify("The session is ended.");
    } catch (e) {
      setError(e);
    }
    rows.reload();
  }

  const columns = [
    { name: "last_seen", label: "Last Seen", render: (s) => formatDatetime(s.last_seen) },
    { name: "create_date", label: "Opened", render: (s) => formatDatetime(s.create_date) },
    { name: "ip_address", label: "Address", render: (s) => s.ip_address || "" },
    { name: "user_agent", label: "Browser", render: (s) => <span class="log-message">{s.user_agent || ""}</span> },
    { name: "end", label: <span class="hidden-label">Actions</span>, render: (s) => (
      <button type="button" class="secondary small" aria-label={`End the session from ${s.ip_address || "?"}`}
              onClick={() => setEnding(s)}>End</button>) },
  ];
  return (
    <div data-test="sessions">
      <ErrorAlert error={error || rows.error} />
      {rows.value && <RecordTable fields={{}} columns={columns} rows={rows.value} empty="No open session." />}
      {ending && (
        <ConfirmDialog title="End this session?" confirmLabel="End Session" danger
                       message={isSelf
                         ? "The browser using it is logged out. If it is this one, you will have to log in again."
                         : "The browser using it is logged out."}
                       onConfirm={() => end(ending)} onClose={() => setEnding(null)} />
      )}
    </div>
  );
}
