# The web UI's static files (WEB_ROOT, api/web_api.c over http/staticfile.h): types, validators and
# 304s, HEAD, client-side routes answered with index.html, and no way out of the root: "..", its
# percent-encoded and backslash spellings, dotfiles, NUL bytes and symlinks that lead outside. Then
# the real web/: every ES module index.html pulls in is served, and the vendored Socket.IO client
# is the version the tests pin.
import hashlib
import json
import os
import re
import time

import pytest
import requests

from conftest import REPO, RawConn, assert_error, raw_request

INDEX = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>index</body></html>'
SECRET = b"root:x:0:0:secret outside the web root\n"
FILES = {
    "index.html": INDEX,
    "app.js": b"export const x = 1;\n",
    "styles.css": b"body { color: #111; }\n",
    "data.json": b'{"a": 1}\n',
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    "img.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 32,
    "sub/index.html": b"<p>sub index</p>",
    "sub/page.html": b"<p>sub page</p>",
    "\u7b80\u5386.txt": "简历 résumé\n".encode(),
    ".hidden": b"hidden\n",
    "vendor/VERSIONS": b"v 1\n",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    base = tmp_path_factory.mktemp("webroot")
    outside = base / "secret.txt"
    outside.write_bytes(SECRET)
    www = base / "www"
    for name, data in FILES.items():
        p = www / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (www / "escape").symlink_to(outside)
    (www / "escape.txt").symlink_to(outside)
    (www / "escdir").symlink_to(base)
    (www / "inside.js").symlink_to(www / "app.js")  # a symlink within the root is fine
    os.mkfifo(www / "pipe.txt")  # opening it for reading would wait for a writer
    return www


@pytest.fixture(scope="module")
def web(module_factory, root):
    return module_factory(WEB_ROOT=str(root))


def get(srv, path, method="GET", headers=None):
    """One request with the path sent exactly as given (no client-side normalisation)."""
    return raw_request(srv.port, method, path, headers=headers)


def test_index_and_headers(web):
    status, h, body = get(web, "/")
    assert status == 200 and body == INDEX
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["content-length"] == str(len(INDEX))
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', h["etag"]), h
    assert h["last-modified"].endswith(" GMT")
    assert h["cache-control"] == "no-cache"
    assert h["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in h["content-security-policy"] and "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY"
    assert get(web, "/index.html")[2] == INDEX


@pytest.mark.parametrize("path,ctype", [
    ("/app.js", "text/javascript; charset=utf-8"),
    ("/styles.css", "text/css; charset=utf-8"),
    ("/data.json", "application/json; charset=utf-8"),
    ("/logo.svg", "image/svg+xml"),
    ("/img.png", "image/png"),
    ("/vendor/VERSIONS", "application/octet-stream"),
    ("/%E7%AE%80%E5%8E%86.txt", "text/plain; charset=utf-8"),
    ("/inside.js", "text/javascript; charset=utf-8"),
])
def test_types(web, path, ctype):
    status, h, body = get(web, path)
    assert status == 200, (path, status, body[:200])
    assert h["content-type"] == ctype
    assert "content-security-policy" not in h  # only pages carry the page policy


def test_directories_and_client_routes(web):
    assert get(web, "/sub/")[2] == b"<p>sub index</p>"
    assert get(web, "/sub")[2] == b"<p>sub index</p>"
    assert get(web, "/sub/page.html")[2] == b"<p>sub page</p>"
    # extension-less paths that name no file are the UI's routes: index.html
    for path in ("/resumes", "/resumes/12", "/interviews/new", "/reports/3/", "/history?x=1", "/vendor", "/sub/missing/"):
        status, h, body = get(web, path)
        assert status == 200 and body == INDEX, (path, status)
        assert h["content-type"] == "text/html; charset=utf-8"
    # a missing file is a 404 in the API's envelope, never the page
    for path in ("/missing.js", "/sub/missing.css", "/img.png/x.png"):
        status, h, body = get(web, path)
        assert status == 404, (path, status, body[:100])
        assert json.loads(body)["success"] is False


def test_api_paths_never_fall_back(web):
    for path in ("/api", "/api/", "/api/v1/nope", "/api/v1/resumes/abc"):
        status, h, body = get(web, path)
        assert status == 404 and h["content-type"].startswith("application/json"), (path, status)
    # other methods are not static requests
    status, _, body = get(web, "/", method="POST")
    assert status == 404 and json.loads(body)["success"] is False
    assert get(web, "/", method="DELETE")[0] == 404


TRAVERSALS = [
    "/../etc/passwd",
    "/../../../../../../etc/passwd",
    "/..",
    "/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/.%2e/.%2e/etc/passwd",
    "/%2e%2e%2fetc%2fpasswd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/%252e%252e/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "//etc/passwd",
    "/./index.html",
    "/escape.txt",
    "/escdir/secret.txt",
    "/.hidden",
    "/%2ehidden",
    "/index.html%00.js",
    "/%00",
    "/sub/%2e",
    "/pipe.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_way_out(web, path):
    status, h, body = get(web, path)
    assert SECRET not in body and b"root:" not in body and b"hidden" not in body, (path, status, body[:200])
    assert status in (400, 404), (path, status, body[:200])


def test_symlink_out_without_extension_is_a_route(web):
    # "/escape" names a symlink to a file outside the root: not served; as an extension-less path
    # it is a client route, so the page comes back instead
    status, _, body = get(web, "/escape")
    assert status == 200 and body == INDEX
    # what counts is where a path resolves: out through a symlink and back in is inside
    status, _, body = get(web, "/escdir/www/app.js")
    assert status == 200 and body == FILES["app.js"]


def test_conditional_requests(web, root):
    status, h, body = get(web, "/app.js")
    etag, modified = h["etag"], h["last-modified"]

    status, h2, body = get(web, "/app.js", headers={"If-None-Match": etag})
    assert status == 304 and body == b""
    assert h2["etag"] == etag and h2["cache-control"] == "no-cache"
    assert "content-length" not in h2
    assert get(web, "/app.js", headers={"If-None-Match": f'"x", W/{etag}'})[0] == 304
    assert get(web, "/app.js", headers={"If-None-Match": "*"})[0] == 304
    assert get(web, "/app.js", headers={"If-None-Match": '"other"'})[0] == 200
    assert get(web, "/app.js", headers={"If-Modified-Since": modified})[0] == 304
    assert get(web, "/app.js", headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})[0] == 200
    assert get(web, "/app.js", headers={"If-Modified-Since": "garbage"})[0] == 200
    # If-None-Match decides over If-Modified-Since
    assert get(web, "/app.js", headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    # a 304 for a client route validates index.html
    assert get(web, "/history", headers={"If-None-Match": get(web, "/")[1]["etag"]})[0] == 304

    # an edited file gets a new validator
    time.sleep(0.01)
    p = root / "app.js"
    p.write_bytes(b"export const x = 2;\n")
    try:
        status, h3, body = get(web, "/app.js", headers={"If-None-Match": etag})
        assert status == 200 and body == b"export const x = 2;\n"
        assert h3["etag"] != etag
    finally:
        p.write_bytes(FILES["app.js"])


def test_head(web):
    conn = RawConn(web.port)
    try:
        conn.send("HEAD /styles.css HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /data.json HTTP/1.1\r\nHost: x\r\n\r\n")
        head = conn.read_response(head_request=True)
        assert head.status == 200
        assert head.header("Content-Length") == str(len(FILES["styles.css"]))
        assert head.header("Content-Type") == "text/css; charset=utf-8"
        assert head.header("ETag")
        # no body followed the HEAD answer: the next response starts right after its headers
        nxt = conn.read_response()
        assert nxt.status == 200 and nxt.body == FILES["data.json"]
    finally:
        conn.close()
    status, h, body = get(web, "/resumes/5", method="HEAD")
    assert status == 200 and body == b"" and h["content-length"] == str(len(INDEX))


def test_static_files_are_not_rate_limited(server_factory, root):
    srv = server_factory(WEB_ROOT=str(root), RATELIMIT_ENABLED="true", RATELIMIT_DEFAULT="3 per minute")
    for _ in range(8):
        status, h, _ = get(srv, "/app.js")
        assert status == 200 and "x-ratelimit-limit" not in h
    codes = [requests.get(srv.api + "/interviews/stats", timeout=5).status_code for _ in range(5)]
    assert 429 in codes, codes


def test_missing_web_root(server_factory, tmp_path):
    srv = server_factory(WEB_ROOT=str(tmp_path / "nope"))
    status, h, body = get(srv, "/")
    assert status == 404 and json.loads(body)["success"] is False
    assert requests.get(srv.base + "/healthz", timeout=5).status_code == 200


# ---- the real web/ ----

WEB = os.path.join(REPO, "web")
IMPORT = re.compile(r"""(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}/[^'"]+)['"]""")


@pytest.fixture(scope="module")
def ui(module_factory):
    return module_factory(WEB_ROOT=WEB)


def test_ui_modules_all_served(ui):
    r = requests.get(ui.base + "/", timeout=5)
    assert r.status_code == 200
    assert '<script src="/app.js" type="module"></script>' in r.text
    assert '<script src="/vendor/socket.io.min.js" defer></script>' in r.text
    assert 'href="/styles.css"' in r.text
    # follow every static import from the entry point, as the browser does
    seen, todo = set(), ["/app.js"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        m = requests.get(ui.base + url, timeout=5)
        assert m.status_code == 200, url
        assert m.headers["Content-Type"] == "text/javascript; charset=utf-8", url
        for rel in IMPORT.findall(m.text):
            todo.append(os.path.normpath(os.path.join(os.path.dirname(url), rel)))
    assert {"/js/api.js", "/js/session.js", "/js/realtime.js", "/js/voice.js", "/js/charts.js",
            "/js/i18n/en.js", "/js/i18n/zh.js", "/js/views/report.js", "/js/views/history.js"} <= seen
    for path in ("/styles.css", "/favicon.svg", "/vendor/socket.io.min.js"):
        assert requests.get(ui.base + path, timeout=5).status_code == 200, path


def test_vendored_socketio_client_matches_the_pin():
    with open(os.path.join(WEB, "vendor", "VERSIONS")) as f:
        line = next(x for x in f if x.startswith("socket.io-client "))
    _, version, _, sha = line.split()
    with open(os.path.join(WEB, "vendor", "package.json")) as f:
        assert json.load(f)["dependencies"]["socket.io-client"] == version
    with open(os.path.join(REPO, "tests", "realtime-js", "package.json")) as f:
        assert json.load(f)["dependencies"]["socket.io-client"] == version
    with open(os.path.join(WEB, "vendor", "socket.io.min.js"), "rb") as f:
        data = f.read()
    assert hashlib.sha256(data).hexdigest() == sha
    assert f"Socket.IO v{version}".encode() in data[:200]


def test_ui_errors_are_api_json(ui):
    assert_error(requests.get(ui.base + "/api/v1/nothing", timeout=5), 404)
