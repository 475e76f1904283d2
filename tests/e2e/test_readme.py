"""Every example in README.md and docs/*.md runs as written, in order, on a fresh demo.

The convention, for whoever writes the documentation. Every fenced block has an info string,
and the first word says what the block is:

- ```` ```sh ```` — commands. The blocks of one document run in order in one `bash` session
  (variables and functions carry over from block to block), in a fresh folder, against a fresh
  `autorules serve --demo` started for that document alone. `AUTORULES` holds the server's
  address (`http://127.0.0.1:<port>`) and `KEY` the admin's API key; a document's first block
  sets them with defaults for a reader (`export AUTORULES=${AUTORULES:-http://127.0.0.1:8069}`),
  which keep the test's values. The server sends email to a test SMTP server
  (tests/support/smtp_server.py) that writes what it receives to `mails/` in the working folder;
  its address is in `AUTORULES_SMTP_URL` (`smtp://127.0.0.1:<port>`, which `autorules` commands
  read). `autorules` on the PATH is the binary under test, and the server's database is
  `var/autorules.db` in the block's working folder, the default of every `autorules` command.
  Every command of the block must succeed (a failing command fails the test, including a failing
  part of a pipeline); a command whose failure is the example ends with `|| echo "exit status $?"`.
- ```` ```sh no-test ```` — commands not run by the test (they build, install, or serve until
  stopped). The words after `no-test` are free; the text around the block says why.
- ```` ```output ```` — what the `sh` block just before it prints (standard output and error
  together), right after it (blank lines only in between). `...` stands for any text, on one
  line or across lines (ids, dates, secrets). A `sh` block with no `output` block after it must
  print nothing. ```` ```output eventually ```` is a result that takes a moment (a delivery
  through the outbox): the block before it is run again until its output matches, for at most
  30 seconds, so it must only read.
- ```` ```json ```` — a file's contents or a value shown as an example: it must parse as JSON.
- ```` ```text ```` — anything else shown as it is (diagrams, folder listings); not run.

Any other info string, or none, fails the test: nothing is skipped by guessing.
"""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest

from helpers import ADMIN_KEY, BIN, ROOT, Server, SmtpSink

DOCUMENTS = ["README.md"] + sorted(
    os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))

BLOCK_TIMEOUT = 60.0  # seconds one block may run
EVENTUALLY = 30.0  # seconds an `output eventually` result may take
KINDS = {"sh", "output", "json", "text"}


class Block:
    def __init__(self, doc, line, end_line, info, text):
        self.doc = doc
        self.line = line  # of the opening fence, 1-based
        self.end_line = end_line  # of the closing fence, 1-based
        words = info.split()
        self.kind = words[0] if words else ""
        self.flags = words[1:]
        self.text = text
        self.output = None  # the `output` block that follows a `sh` block

    @property
    def where(self):
        return f"{self.doc}:{self.line}"

    @property
    def runs(self):
        return self.kind == "sh" and "no-test" not in self.flags


def parse_blocks(doc):
    """The fenced blocks of a document, in order; an `output` block attached to its `sh` block."""
    with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(2), m.group(3).strip(), i
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*" + fence + r"\s*$", lines[i]):
            body.append(lines[i][len(m.group(1)):] if lines[i].startswith(m.group(1)) else lines[i])
            i += 1
        assert i < len(lines), f"{doc}:{start + 1}: the block is never closed"
        i += 1
        blocks.append(Block(doc, start + 1, i, info, "\n".join(body)))
    return blocks, lines


def check_blocks(doc):
    """Checks the info strings and attaches each output block; returns the blocks."""
    blocks, lines = parse_blocks(doc)
    previous = None
    for b in blocks:
        assert b.kind in KINDS, (
            f"{b.where}: a fenced block must say what it is (```sh, ```sh no-test, ```output, "
            f"```json or ```text; see tests/e2e/test_readme.py), not ```{b.kind}")
        if b.kind == "output":
            between = lines[previous.end_line:b.line - 1] if previous else []
            assert previous is not None and previous.runs and not any(s.strip() for s in between), (
                f"{b.where}: an output block must follow the sh block it shows, with only blank "
                f"lines in between")
            assert previous.output is None, f"{b.where}: a second output block for {previous.where}"
            assert set(b.flags) <= {"eventually"}, f"{b.where}: unknown flags {b.flags}"
            previous.output = b
        elif b.kind == "sh":
            assert not b.flags or b.flags[0] == "no-test", f"{b.where}: unknown flags {b.flags}"
        elif b.kind == "json":
            try:
                json.loads(b.text)
            except ValueError as e:
                pytest.fail(f"{b.where}: a json block that is not JSON: {e}")
        previous = b
    return blocks


def matches(expected, actual):
    """Whether `actual` is what `expected` shows, `...` standing for any text."""
    def norm(s):
        return "\n".join(line.rstrip() for line in s.strip("\n").split("\n")).strip("\n")
    pattern = ".*?".join(re.escape(part) for part in norm(expected).split("..."))
    return re.fullmatch(pattern, norm(actual), re.DOTALL) is not None


class Shell:
    """One bash session: blocks run in it one after the other, sharing variables and functions."""

    def __init__(self, cwd, env, scratch):
        self.scratch = scratch
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=cwd, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.count = 0
        self.proc.stdin.write("set -E -o pipefail\n")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, code, timeout=BLOCK_TIMEOUT):
        """Runs one block; returns (what it printed, whether every command succeeded)."""
        self.count += 1
        script = os.path.join(self.scratch, f"block{self.count}.sh")
        out = os.path.join(self.scratch, f"block{self.count}.out")
        with open(script, "w") as f:
            f.write(code + "\n")
        done = f"__autorules_block_{self.count}_done__"
        # The ERR trap sees every failing command (functions and substitutions inherit it: -E).
        self.proc.stdin.write(
            f"__failed=0; trap '__failed=1' ERR; source '{script}' > '{out}' 2>&1 < /dev/null; "
            f"trap - ERR; echo \"{done} $__failed\"\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                raise AssertionError(f"the block did not finish within {timeout:.0f} s") from None
            if line is None:
                raise AssertionError("the shell exited (did the block call exit?)")
            if line.startswith(done):
                failed = line.split()[1] != "0"
                break
        with open(out, errors="replace") as f:
            return f.read(), not failed

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def show(block, printed):
    return (f"{block.where}:\n{block.text}\n--- expected (the output block) ---\n"
            f"{block.output.text if block.output else '(nothing)'}\n--- printed ---\n{printed}")


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_every_example_runs_as_written(doc, tmp_path):
    blocks = check_blocks(doc)
    runnable = [b for b in blocks if b.runs]
    if not runnable:
        return
    assert shutil.which("curl"), "the examples need curl (scripts/install-deps installs it)"
    work = tmp_path / "work"
    scratch = tmp_path / "shell"
    (work / "var").mkdir(parents=True)
    scratch.mkdir()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(BIN), bindir / "autorules")
    sink = SmtpSink(str(work / "mails"), str(tmp_path / "smtp_server.log")).start()
    try:
        server = Server(str(work), demo=True, db=str(work / "var" / "autorules.db"),
                        extra_args=["--smtp-url", sink.url]).start()
    except BaseException:
        sink.stop()
        raise
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    env.update(PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}", LC_ALL="C.UTF-8",
               AUTORULES=f"http://127.0.0.1:{server.port}", KEY=ADMIN_KEY, AUTORULES_SMTP_URL=sink.url)
    shell = Shell(str(work), env, str(scratch))
    try:
        for block in runnable:
            printed, ok = shell.run(block.text)
            assert ok, f"a command failed\n{show(block, printed)}"
            expected = block.output.text if block.output else ""
            if block.output and "eventually" in block.output.flags:
                deadline = time.monotonic() + EVENTUALLY
                while not matches(expected, printed) and time.monotonic() < deadline:
                    time.sleep(0.2)
                    printed, ok = shell.run(block.text)
                    assert ok, f"a command failed\n{show(block, printed)}"
            assert matches(expected, printed), f"the output differs\n{show(block, printed)}"
    finally:
        shell.close()
        server.stop()
        sink.stop()
