"""Helpers of the end-to-end tests: the server process, a JSON-2 client, a real SMTP server,
error checks.

The binary is $AUTORULES_BIN, else build/release/src/cli/autorules, else build/dev/src/cli/autorules.
Every server listens on 127.0.0.1 only, on a port the kernel picks (`--http-port 0`; the server
announces it), with its database and files in a temporary folder.
"""

import atexit
import email
import email.policy
import glob
import json
import os
import re
import select
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES_PATH = os.path.join(ROOT, "modules")
ADMIN_KEY = "0123456789abcdef0123456789abcdef01234567"  # 40 hex digits, like Odoo's keys
ADMIN_PASSWORD = "admin password of the tests"
# The built web interface the servers serve: web/dist, or another build (`node web/build.mjs DIR`)
# named by AUTORULES_TEST_WEB_ROOT.
DEFAULT_WEB_ROOT = os.path.join(ROOT, "web", "dist")
WEB_ROOT = os.environ.get("AUTORULES_TEST_WEB_ROOT", DEFAULT_WEB_ROOT)
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0

# The keys of every JSON-2 error body (Odoo's error object).
ERROR_KEYS = {"name", "message", "arguments", "context", "debug"}


def find_binary():
    env = os.environ.get("AUTORULES_BIN")
    if env:
        return env
    for preset in ("release", "dev"):
        path = os.path.join(ROOT, "build", preset, "src", "cli", "autorules")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return os.path.join(ROOT, "build", "dev", "src", "cli", "autorules")


BIN = find_binary()


class Client:
    """A small JSON-2 client: call() for the API, request() for anything raw."""

    def __init__(self, host, port, key=ADMIN_KEY):
        self.host = host
        self.port = port
        self.key = key
        self.base = f"http://{host}:{port}"

    def request(self, method, path, body=None, headers=None, timeout=30):
        """Raw HTTP: returns (status, headers, body bytes). body may be bytes, str or None."""
        if isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def post_raw(self, model, method, body, key=None, headers=None):
        """POST a raw body to /json/2/<model>/<method>; returns (status, parsed JSON or raw bytes)."""
        h = {"Content-Type": "application/json"}
        if key is not False:
            h["Authorization"] = f"bearer {key or self.key}"
        h.update(headers or {})
        status, _, data = self.request("POST", f"/json/2/{model}/{method}", body, h)
        return status, _parse(data)

    def call(self, model, method, key=None, **params):
        """POST /json/2/<model>/<method> with the named parameters; (status, parsed JSON).

        `key` is the API key (default: this client's); use call_with() for a parameter named key."""
        return self.post_raw(model, method, json.dumps(params), key=key)

    def call_with(self, model, method, params, key=None):
        """call() with the parameters as a dict (for methods with a parameter named `key`)."""
        return self.post_raw(model, method, json.dumps(params), key=key)

    def ok(self, model, method, key=None, **params):
        """call() that must succeed; returns the result."""
        status, result = self.call(model, method, key=key, **params)
        assert status == 200, f"{model}/{method}({params}) -> {status} {result}"
        return result

    def get(self, path, headers=None, auth=False):
        """GET; auth=True sends this client's API key (Authorization: bearer <key>)."""
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = f"bearer {self.key}"
        status, hdrs, data = self.request("GET", path, None, headers)
        return status, hdrs, data

    def with_key(self, key):
        return Client(self.host, self.port, key)


def _parse(data):
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data


LIVE_SERVERS = []  # servers started and not yet stopped (killed at exit; logs shown on failures)


@atexit.register
def _kill_leftovers():
    for s in list(LIVE_SERVERS):
        s.kill()


class Server:
    """One `autorules serve` process on its own database in a temp folder."""

    def __init__(self, workdir, demo=False, extra_args=(), db=None, env=None):
        self.workdir = workdir
        self.db = db or os.path.join(workdir, "a.db")
        self.demo = demo
        self.extra_args = list(extra_args)
        self.env_extra = env or {}
        self.proc = None
        self.port = None
        self.output_path = None
        self._out = None

    @property
    def args(self):
        args = [BIN, "serve", "--db", f"sqlite:{self.db}", "--http-interface", "127.0.0.1",
                "--http-port", "0", "--modules-path", MODULES_PATH]
        if self.demo:
            args.append("--demo")
        if WEB_ROOT != DEFAULT_WEB_ROOT:
            args += ["--web-root", WEB_ROOT]
        return args + self.extra_args

    def output(self):
        try:
            with open(self.output_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        assert os.path.exists(BIN), f"no autorules binary at {BIN} (set AUTORULES_BIN)"
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("AUTORULES_"):
                del env[k]
        env["AUTORULES_ADMIN_KEY"] = ADMIN_KEY
        env["AUTORULES_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        env.update(self.env_extra)
        n = 0
        while os.path.exists(os.path.join(self.workdir, f"server{n}.log")):
            n += 1
        self.output_path = os.path.join(self.workdir, f"server{n}.log")
        self._out = open(self.output_path, "wb")
        self.proc = subprocess.Popen(self.args, cwd=self.workdir, env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        LIVE_SERVERS.append(self)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"autorules exited with {self.proc.returncode} at start:\n{self.output()}")
            if self.port is None:
                m = re.search(r"serving \S+ on http://127\.0\.0\.1:(\d+)", self.output())
                if m:
                    self.port = int(m.group(1))
            if self.port is not None:
                try:
                    status, _, _ = Client("127.0.0.1", self.port).get("/health")
                    if status == 200:
                        return self
                except OSError:
                    pass
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"autorules did not answer GET /health within {START_TIMEOUT}s:\n{self.output()}")

    def client(self, key=ADMIN_KEY):
        return Client("127.0.0.1", self.port, key)

    def stop(self, check=True):
        """SIGTERM; asserts a clean exit (status 0) within STOP_TIMEOUT seconds."""
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            if code == -signal.SIGKILL:
                code = None  # killed on purpose (kill())
            self._close()
            if check and code not in (None, 0):
                pytest.fail(f"autorules had already exited with {code}:\n{self.output()}")
            return code
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            self._close()
            pytest.fail(f"autorules did not stop within {STOP_TIMEOUT}s of SIGTERM:\n{self.output()}")
        self._close()
        if check:
            assert code == 0, f"autorules exited with {code} after SIGTERM:\n{self.output()}"
        return code

    def kill(self):
        """SIGKILL (a crash); the server then counts as stopped."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
        self._close()

    def _close(self):
        if self in LIVE_SERVERS:
            LIVE_SERVERS.remove(self)
        if self._out is not None:
            self._out.close()
            self._out = None


SMTP_SERVER = os.path.join(ROOT, "tests", "support", "smtp_server.py")
SMTP_PYTHON = "/usr/bin/python3"  # the interpreter with aiosmtpd (see the script's header)


class SmtpSink:
    """A real SMTP server, tests/support/smtp_server.py, in a process of its own on 127.0.0.1:
    what it received is read back from its folder (a message counts once its .json sidecar
    exists). stop() ends it."""

    def __init__(self, directory, log, port=0, extra_args=()):
        self.dir = directory
        self.log = log
        self.port = port
        self.extra_args = list(extra_args)
        self.proc = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [SMTP_PYTHON, SMTP_SERVER, self.dir, "--port", str(self.port), *self.extra_args],
                stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.stop()
            pytest.fail(f"the SMTP server did not start: {line!r}\n{self.output()}")
        self.port = int(line)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc is not None:
            self.proc.stdout.close()

    def output(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def received(self, rcpt=None):
        """[(envelope, raw bytes, parsed message)] in order of arrival, for `rcpt` if given."""
        out = []
        for sidecar in sorted(glob.glob(os.path.join(self.dir, "*.json"))):
            with open(sidecar) as f:
                envelope = json.load(f)
            if rcpt is not None and rcpt not in envelope["rcpt_tos"]:
                continue
            with open(sidecar[:-len(".json")] + ".eml", "rb") as f:
                raw = f.read()
            out.append((envelope, raw, email.message_from_bytes(raw, policy=email.policy.default)))
        return out

    def wait_for(self, rcpt, n=1, timeout=30.0):
        """received(rcpt) once it holds at least n messages; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received(rcpt)
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                pytest.fail(f"{len(got)} email(s) to {rcpt} at the SMTP server after {timeout:.0f} s, "
                            f"not {n}:\n{self.output()}")
            time.sleep(0.1)


def assert_error(response, status, name=None, *fragments):
    """Checks an error response: the status, Odoo's error object, its name and its message.

    `name` is one exception name or a tuple of acceptable ones; every fragment must appear in the
    message (case-insensitive)."""
    got_status, body = response
    assert got_status == status, f"expected {status}, got {got_status}: {body!r}"
    assert isinstance(body, dict), f"error body is not a JSON object: {body!r}"
    assert ERROR_KEYS <= set(body), f"error body lacks {ERROR_KEYS - set(body)}: {body}"
    assert isinstance(body["name"], str) and body["name"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["arguments"], list)
    assert isinstance(body["context"], dict)
    assert isinstance(body["debug"], str)
    if name is not None:
        names = (name,) if isinstance(name, str) else tuple(name)
        assert body["name"] in names, f"error name {body['name']!r} is not one of {names}: {body}"
    for frag in fragments:
        assert frag.lower() in body["message"].lower(), f"{frag!r} not in message {body['message']!r}"
    return body


def eventually(check, what, timeout=30.0):
    """Calls check() until it returns something true; fails naming `what` after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {timeout:.0f} s for {what}")
        time.sleep(0.05)
