"""Fixtures of the end-to-end tests: servers (the real binary) and clients. See helpers.py."""

import tempfile
import threading

import pytest

from helpers import BIN, LIVE_SERVERS, Server
from browser import browser, chromium, web_server  # noqa: F401 (fixtures of the web tests)


@pytest.fixture(scope="session")
def binary():
    return BIN


@pytest.fixture
def server_factory(tmp_path):
    """Starts servers on demand (in this test's temp dir); stops them all at the end."""
    servers = []

    def start(demo=False, extra_args=(), db=None, env=None, workdir=None):
        wd = workdir or str(tmp_path)
        s = Server(wd, demo=demo, extra_args=extra_args, db=db, env=env).start()
        servers.append(s)
        return s

    yield start
    errors = []
    for s in servers:
        try:
            s.stop()
        except BaseException as e:  # pytest.fail raises a BaseException subclass
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))


def _server_fixture(demo):
    with tempfile.TemporaryDirectory(prefix="autorules-e2e-") as d:
        s = Server(d, demo=demo).start()
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture(scope="session")
def demo_server():
    """One demo server for the whole session: read-only tests only."""
    yield from _server_fixture(demo=True)


@pytest.fixture(scope="session")
def demo(demo_server):
    return demo_server.client()


@pytest.fixture(scope="module")
def module_server():
    """A fresh server (no demo data) per test module, for tests that change things."""
    yield from _server_fixture(demo=False)


@pytest.fixture(scope="module")
def api(module_server):
    return module_server.client()


@pytest.fixture(scope="module")
def module_demo_server():
    """A fresh demo server per test module, for tests that change demo records."""
    yield from _server_fixture(demo=True)


@pytest.fixture
def fresh(server_factory):
    """A fresh server (no demo data) for one test."""
    return server_factory().client()


_counter = [0]
_counter_lock = threading.Lock()


@pytest.fixture
def unique():
    """unique('x_model') -> 'x_model_7': names that never collide on shared servers."""

    def make(prefix):
        with _counter_lock:
            _counter[0] += 1
            return f"{prefix}_{_counter[0]}"

    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item (rep_setup, rep_call, rep_teardown), for
    fixtures that act on failure (the browser's screenshot); on a failure, shows the end of the
    output of the servers running (500s are explained there)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.failed and call.when == "call":
        for s in LIVE_SERVERS:
            lines = s.output().splitlines()
            report.sections.append((f"autorules output ({s.db}, last lines)", "\n".join(lines[-15:])))
