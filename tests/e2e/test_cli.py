"""The command line as a newcomer meets it: the admin key file of each database, the start-up
message, the help's defaults, an address in use, the installed layout, and failures of webhooks in
the server's log."""

import json
import os
import shutil
import socket
import stat
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from helpers import BIN, MODULES_PATH, Client, assert_error

NO_FIXED_KEY = {"AUTORULES_ADMIN_KEY": "", "AUTORULES_ADMIN_PASSWORD": ""}


def key_in(path):
    with open(path) as f:
        return f.read().strip()


def health_with(server, key):
    status, _body = server.client(key).call("res.users", "search_count", domain=[])[:2]
    return status


def test_each_database_has_its_own_key_file_and_a_restart_keeps_it(server_factory, tmp_path):
    a = server_factory(db=str(tmp_path / "a.db"), env=NO_FIXED_KEY)
    a_file = tmp_path / "a.db.admin.key"
    assert a_file.exists(), a.output()
    assert f"created the admin API key (login 'admin') in {a_file}" in a.output()
    a_key = key_in(a_file)
    assert health_with(a, a_key) == 200
    a.stop()

    b = server_factory(db=str(tmp_path / "b.db"), env=NO_FIXED_KEY)
    b_key = key_in(tmp_path / "b.db.admin.key")
    assert b_key != a_key
    assert health_with(b, b_key) == 200
    assert health_with(b, a_key) == 401
    b.stop()

    # The first database again: its file was not touched, and its key still works.
    assert key_in(a_file) == a_key
    again = server_factory(db=str(tmp_path / "a.db"), env=NO_FIXED_KEY)
    assert health_with(again, a_key) == 200
    assert str(a_file) in again.output()
    assert "created the admin API key" not in again.output()
    assert not (tmp_path / "admin.key").exists()


def test_the_admins_files_are_named_after_the_database_file_not_the_urls_options(server_factory,
                                                                                tmp_path):
    s = server_factory(db=str(tmp_path / "opts.db") + "?synchronous=normal", env=NO_FIXED_KEY)
    key_file = tmp_path / "opts.db.admin.key"
    assert key_file.exists(), s.output()
    assert health_with(s, key_in(key_file)) == 200
    assert sorted(p.name for p in tmp_path.iterdir() if "admin" in p.name) == [
        "opts.db.admin.key", "opts.db.admin.password"]


def test_the_key_file_is_readable_by_its_owner_only(server_factory, tmp_path):
    server_factory(db=str(tmp_path / "own.db"), env=NO_FIXED_KEY)
    mode = stat.S_IMODE(os.stat(tmp_path / "own.db.admin.key").st_mode)
    assert mode == 0o600, oct(mode)


def test_a_key_file_from_an_earlier_version_is_moved_beside_its_database(server_factory, tmp_path):
    s = server_factory(db=str(tmp_path / "old.db"), env=NO_FIXED_KEY)
    key = key_in(tmp_path / "old.db.admin.key")
    s.stop()
    # As an earlier version left it: admin.key in the folder.
    os.rename(tmp_path / "old.db.admin.key", tmp_path / "admin.key")
    s = server_factory(db=str(tmp_path / "old.db"), env=NO_FIXED_KEY)
    assert key_in(tmp_path / "old.db.admin.key") == key
    assert not (tmp_path / "admin.key").exists()
    assert "moved the admin API key" in s.output()
    assert health_with(s, key) == 200


def test_a_folder_key_of_another_database_is_left_alone(server_factory, tmp_path):
    other = server_factory(db=str(tmp_path / "other.db"), env=NO_FIXED_KEY)
    other.stop()
    os.rename(tmp_path / "other.db.admin.key", tmp_path / "admin.key")
    mine = server_factory(db=str(tmp_path / "mine.db"), env=NO_FIXED_KEY)
    mine.stop()
    os.remove(tmp_path / "mine.db.admin.key")  # lost: the database has keys but no file
    mine = server_factory(db=str(tmp_path / "mine.db"), env=NO_FIXED_KEY)
    # admin.key is other.db's: neither moved nor overwritten; the user is told what to do.
    assert (tmp_path / "admin.key").exists()
    assert not (tmp_path / "mine.db.admin.key").exists()
    assert "does not hold an admin API key of this database" in mine.output()
    assert "autorules apikey new --user admin" in mine.output()


def test_start_up_says_where_the_key_the_api_and_its_reference_are(server_factory, tmp_path):
    s = server_factory(db=str(tmp_path / "w.db"), env=NO_FIXED_KEY)
    out = s.output()
    base = f"http://127.0.0.1:{s.port}"
    assert f"serving sqlite:{tmp_path / 'w.db'} on {base}" in out
    assert f"{base}/doc" in out
    assert f"$(cat {tmp_path / 'w.db.admin.key'})" in out
    # The suggested call works as printed.
    line = next(l for l in out.splitlines() if "/json/2/" in l)
    url = line.split()[-1]
    body = out[out.index("-d '") + 4:]
    body = body[:body.index("'")]
    status, result = Client("127.0.0.1", s.port, key_in(tmp_path / "w.db.admin.key")).call(
        *url.split("/json/2/")[1].split("/"), **json.loads(body))[:2]
    assert status == 200 and isinstance(result, list), result


def test_serve_help_shows_the_defaults():
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    for option, default in (("--http-interface", "127.0.0.1"), ("--http-port", "8069"),
                            ("--script-timeout", "5"), ("--http-header-timeout", "10")):
        line = next(l for l in out.splitlines() if option in l)
        assert f"={default} " in line, line


def test_an_address_in_use_is_reported_before_anything_is_created(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
        r = subprocess.run([BIN, "serve", "--db", f"sqlite:{tmp_path / 'new' / 'x.db'}",
                            "--http-interface", "127.0.0.1", "--http-port", str(port),
                            "--modules-path", MODULES_PATH],
                           capture_output=True, text=True, timeout=30, env=env, cwd=tmp_path)
    finally:
        taken.close()
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr
    assert not (tmp_path / "new").exists()
    assert os.listdir(tmp_path) == []


def test_the_installed_layout_finds_its_apps(tmp_path, server_factory):
    # As `make install` lays it out: <prefix>/bin/autorules, <prefix>/share/autorules/modules.
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy(BIN, prefix / "bin" / "autorules")
    shutil.copytree(MODULES_PATH, prefix / "share" / "autorules" / "modules")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    env["AUTORULES_ADMIN_KEY"] = "0123456789abcdef0123456789abcdef01234567"
    proc = subprocess.Popen([str(prefix / "bin" / "autorules"), "serve", "--demo",
                             "--http-interface", "127.0.0.1", "--http-port", "0"],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        port = None
        for line in proc.stdout:
            if "serving" in line:
                port = int(line.rsplit(":", 1)[1])
                break
        assert port, "the installed server did not start"
        api = Client("127.0.0.1", port)
        status, count = api.call("sale.order", "search_count", domain=[])[:2]
        assert status == 200 and count > 0
        assert (work / "var" / "autorules.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(400)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_failing_webhooks_are_in_the_server_log_without_log_calls(server_factory):
    receiver = HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        s = server_factory(extra_args=["--delivery-retry-base", "0.1"])
        api = s.client()
        model = api.ok("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
        # Incoming: a record getter that fails, on a rule that does not log its calls.
        rule = api.ok("base.automation", "create", vals_list=[{
            "name": "Hook in", "model_id": model, "trigger": "on_webhook",
            "record_getter": "model.browse(int(payload['nope']))",
            "action_server_ids": [[0, 0, {"name": "Noop", "state": "code", "code": "pass"}]]}])[0]
        url = api.ok("base.automation", "read", ids=[rule], fields=["url"])[0]["url"]
        path = url[url.index("/web/hook/"):]
        status = api.request("POST", path, b'{"a": 1}', {"Content-Type": "application/json"})[0]
        assert status == 500
        # Outgoing: a receiver answering 400 (not retried).
        api.ok("base.automation", "create", vals_list=[{
            "name": "Hook out", "model_id": model, "trigger": "on_create",
            "action_server_ids": [[0, 0, {
                "name": "Tell", "state": "webhook",
                "webhook_url": f"http://127.0.0.1:{receiver.server_port}/in?token=s3cret"}]]}])
        api.ok("res.partner", "create", vals_list=[{"name": "Someone"}])
        deadline = time.monotonic() + 20
        while "outbox: message" not in s.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        out = s.output()
        assert f"webhook of rule #{rule} (Hook in)" in out and "record_getter failed" in out, out
        assert f"to http://127.0.0.1:{receiver.server_port}, attempt 1: HTTP 400" in out, out
        assert "s3cret" not in out
    finally:
        receiver.shutdown()
