"""The web interface's files, served by the server (src/api/static_files.h): the page and its
assets, their caching, gzip, the security headers, and nothing outside the built directory."""

import gzip
import http.client
import os
import re

import pytest

from helpers import ROOT


def _get(server, path, headers=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(module_server):
    assert os.path.exists(os.path.join(ROOT, "web", "dist", "index.html")), \
        "the web interface is not built (make build runs scripts/build-web)"
    return module_server


def _assets(page):
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.decode())


def test_the_page_is_served_at_the_root_with_its_protections(server):
    status, headers, page = _get(server, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'<div id="app">' in page
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-cache"
    assert headers["etag"].startswith('"')
    assert _get(server, "/index.html")[2] == page


def test_assets_are_immutable_and_typed(server):
    _, _, page = _get(server, "/")
    assets = _assets(page)
    assert any(a.endswith(".js") for a in assets)
    for a in assets:
        status, headers, body = _get(server, a)
        assert status == 200 and body
        assert "immutable" in headers["cache-control"]
        assert headers["content-type"].startswith(
            "text/javascript" if a.endswith(".js") else "text/css")


def test_gzip_for_clients_that_accept_it(server):
    _, _, page = _get(server, "/")
    js = next(a for a in _assets(page) if a.endswith(".js"))
    _, plain_headers, plain = _get(server, js)
    status, headers, body = _get(server, js, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == plain and len(body) < len(plain)
    assert "content-encoding" not in plain_headers


def test_a_copy_the_browser_has_is_304_without_a_body(server):
    _, headers, _ = _get(server, "/")
    status, h304, body = _get(server, "/", {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and h304["etag"] == headers["etag"]
    assert "content-length" not in h304
    assert _get(server, "/", {"If-None-Match": '"something else"'})[0] == 200


def test_head_sends_the_headers_only(server):
    status, headers, body = _get(server, "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


@pytest.mark.parametrize("path", ["/assets/../index.html", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/../../etc/passwd", "/assets/nothing.js", "/assets/",
                                  "/index.html.gz", "/package.json", "/src/main.jsx",
                                  "/assets/%00.js", "/nothing"])
def test_nothing_else_is_served(server, path):
    status, headers, body = _get(server, path)
    assert status == 404, (path, body[:200])


def test_without_a_build_the_root_says_how_to_make_one(server_factory, tmp_path):
    s = server_factory(extra_args=("--web-root", str(tmp_path / "nothing here")))
    status, headers, body = _get(s, "/")
    assert status == 503 and b"make build" in body
    assert _get(s, "/assets/app.js")[0] == 404
    assert _get(s, "/health")[0] == 200
