"""The supported production setup: nginx (deploy/nginx/, as shipped) in front of gunicorn.

gunicorn runs as in production (gunicorn.conf.py, COOKIECONSENT_PROXY_COUNT=1) on SQLite, or
on PostgreSQL when COOKIECONSENT_TEST_DATABASE_URL is set, with one worker of 4 threads (a
worker whose threads are all busy still accepts connections, so with several workers the
number of sockets an attack needs varies from run to run; one worker makes it exact); nginx
runs the shipped files with loopback ports. Through nginx: the banner, a consent whose stored
address is the client's network whatever headers the client forges, the body limits, slow
clients that cannot starve gunicorn; and, against the same gunicorn without nginx, that the
same slow clients do starve it.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import ssl
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from proxy_processes import Nginx, SlowClients, nginx_binary
from server_processes import Gunicorn, flask_cli, postgres_database, prepare, server_env

pytestmark = pytest.mark.slow

WORKERS, THREADS = 1, 4
#: How long an ordinary request may take while slow clients trickle: generous for a loaded
#: CI machine; a starved gunicorn never answers within it.
PATIENCE = 8.0
CONSENT = {
    "site": "shop",
    "revision": 1,
    "language": "ru",
    "method": "banner",
    "action": "accept_all",
    "choices": {"functional": True, "analytics": True},
    "url": "https://shop.example.kz/",
    "gpc": False,
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    admin_url = os.environ.get("COOKIECONSENT_TEST_DATABASE_URL")
    if request.param == "sqlite":
        if admin_url:
            pytest.skip("SQLite's run is in the SQLite pass of the suite")
        yield f"sqlite:///{tmp_path_factory.mktemp('proxy') / 'proxy.sqlite3'}"
        return
    if not admin_url:
        pytest.skip("PostgreSQL: set COOKIECONSENT_TEST_DATABASE_URL")
    with postgres_database(admin_url) as url:
        yield url


@pytest.fixture(scope="module")
def stack(database_url, tmp_path_factory):
    """``(gunicorn, nginx, env)``: the production pair, nginx in front."""
    nginx_binary()  # before anything starts: skip, or in CI fail, without nginx
    workdir = tmp_path_factory.mktemp("stack")
    prepare(database_url, workdir)
    env = server_env(
        database_url,
        workdir,
        COOKIECONSENT_PROXY_COUNT="1",
        COOKIECONSENT_RATE_LIMIT="100000 per minute",
        COOKIECONSENT_CONSENT_RATE_LIMIT="100000 per minute",
    )
    gunicorn = Gunicorn(env, workdir / "gunicorn.log", workers=WORKERS, threads=THREADS)
    nginx = Nginx(workdir, gunicorn.port)
    # As docs/deploy.md says: the public address is nginx's TLS one.
    env["COOKIECONSENT_PUBLIC_URL"] = nginx.tls_url
    try:
        gunicorn.start()
        nginx.start()
        yield gunicorn, nginx, env
    finally:
        nginx.stop()
        gunicorn.stop()


def call(url, method="GET", body=None, headers=None, source="127.0.0.1", timeout=PATIENCE):
    """``(status, headers, body)`` of one request, sent from the loopback address ``source``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn = http.client.HTTPSConnection(
            parts.hostname,
            parts.port,
            timeout=timeout,
            source_address=(source, 0),
            context=context,
        )
    else:
        conn = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout, source_address=(source, 0)
        )
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json"} | (headers or {}) if data else headers or {}
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=data, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        conn.close()


def record_and_read_ip(base, source, forged):
    """Record a consent from ``source`` with ``forged`` headers; the address the proof shows."""
    status, _, body = call(base + "/api/v1/consents", "POST", CONSENT, forged, source=source)
    assert status == 201, body
    consent = json.loads(body)
    status, _, body = call(
        f"{base}/api/v1/consents/{consent['consent_id']}/proof",
        "POST",
        {"receipt": consent["receipt"]},
    )
    assert status == 200, body
    return json.loads(body)["events"][0]["ip"]


def server_of(script: bytes) -> str:
    """The consent server's URL the banner script sends decisions to."""
    return re.search(r'"server":"([^"]*)"', script.decode()).group(1)


FORGED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Real-IP": "203.0.113.8",
}


def test_banner_and_consent_through_nginx(stack):
    gunicorn, nginx, env = stack
    # The banner script over TLS, naming the public address for its API, and HSTS.
    status, headers, script = call(nginx.tls_url + "/embed/shop.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"].startswith("public, max-age=300")
    assert server_of(script) == nginx.tls_url
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    # Whatever Host or X-Forwarded-* a client sends.
    status, _, script = call(
        nginx.url + "/embed/shop.js", headers={"Host": "evil.example"} | FORGED
    )
    assert status == 200 and server_of(script) == nginx.tls_url
    assert "evil.example" not in script.decode()

    # The pinned tag the CLI prints loads through nginx, cached for a year, with the bytes its
    # integrity hash names; an outdated version answers 404.
    printed = flask_cli(env, "sites", "embed", "shop")
    assert printed.returncode == 0, printed.stderr
    src, integrity = re.search(r'src="([^"]+)" integrity="([^"]+)"', printed.stdout).groups()
    assert re.fullmatch(re.escape(nginx.tls_url) + r"/embed/shop/[0-9a-f]{16}\.js", src)
    status, headers, pinned = call(src)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(pinned).digest()).decode()
    status, headers, _ = call(nginx.tls_url + "/embed/shop/0123456789abcdef.js")
    assert status == 404 and "immutable" not in headers.get("Cache-Control", "")

    # Plain HTTP on the public port only redirects to https, on the server's own name.
    status, headers, _ = call(
        f"http://127.0.0.1:{nginx.redirect_port}/embed/shop.js", headers={"Host": "evil.example"}
    )
    assert status == 301 and headers["Location"] == "https://127.0.0.1/embed/shop.js"


@pytest.mark.parametrize("source", ["127.0.0.1", "127.45.67.89"])
def test_the_stored_address_is_the_clients_network(stack, source):
    """nginx replaces a forged X-Forwarded-For: the proof shows the client's /24.

    From 127.45.67.89 the client's network (127.45.67.0) differs from nginx's own address
    (127.0.0.1), so neither the forged value nor the proxy's address can pass for it.
    """
    gunicorn, nginx, _ = stack
    expected = source.rsplit(".", 1)[0] + ".0"
    assert record_and_read_ip(nginx.url, source, FORGED) == expected
    # Straight to gunicorn (which trusts one proxy) the forged header wins: that is why
    # gunicorn listens on loopback only.
    assert record_and_read_ip(gunicorn.url, source, FORGED) == "203.0.113.0"


def test_body_limits(stack):
    gunicorn, nginx, _ = stack
    big = b'{"site": "' + b"x" * 100_000 + b'"}'
    status, headers, body = call(
        nginx.url + "/api/v1/consents", "POST", big, {"Origin": "https://shop.example.kz"}
    )
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    # The banner on the shop's page can read it, and so does not send it again.
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(body)["fields"] == {"body": "At most 16384 bytes."}
    # The console takes larger forms (policy texts), up to the app's own limit of 256 KiB.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = call(nginx.url + "/admin/login", "POST", b"a=" + b"x" * 100_000, form)
    assert status not in (413, 502, 504), status
    status, _, _ = call(nginx.url + "/admin/login", "POST", b"a=" + b"x" * 300_000, form)
    assert status == 413
    # nginx refused them before gunicorn saw a byte.
    assert not re.search(
        r'"POST /(api/v1/consents|admin/login) HTTP/1\.\d" 413', gunicorn.log.read_text()
    )


def probe(base) -> list:
    """Ordinary requests of visitors' pages, sent at once; each one's status, or its error."""

    def one(method, path, body):
        started = time.monotonic()
        try:
            status = call(base + path, method, body)[0]
        except OSError as error:  # the timeout of PATIENCE seconds, or a refusal
            status = type(error).__name__
        return path, status, round(time.monotonic() - started, 2)

    requests = [
        ("GET", "/embed/shop.js", None),
        ("POST", "/api/v1/consents", CONSENT),
        ("GET", "/api/v1/sites/shop/config", None),
    ]
    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(lambda request: one(*request), requests))


def test_slow_clients_wait_on_nginx_not_on_gunicorn(stack):
    gunicorn, nginx, _ = stack
    count = 3 * WORKERS * THREADS  # three slow clients for every thread gunicorn has
    slow = SlowClients(nginx.port, count).start()
    try:
        time.sleep(1)  # every slow client has sent its headers and started its body
        behind_nginx = probe(nginx.url)
        waiting = slow.waiting()
    finally:
        slow.stop()
    assert not slow.failed, slow.failed
    assert waiting == count  # the slow requests were still being sent, none cut off
    assert [status for _, status, _ in behind_nginx] == [200, 201, 200], behind_nginx
    # nginx never passed an unfinished request on.
    assert "/api/v1/receipts/verify" not in gunicorn.log.read_text()

    # The same gunicorn, the same slow clients, no nginx: nothing else is answered.
    slow = SlowClients(gunicorn.port, count).start()
    try:
        time.sleep(1)
        bare = probe(gunicorn.url)
        waiting = slow.waiting()
    finally:
        slow.stop()
    assert waiting == count
    assert all(not isinstance(status, int) for _, status, _ in bare), bare

    # Once they are gone gunicorn answers again.
    assert wait_for_answer(gunicorn.url + "/api/v1/openapi.json") == 200
    print(f"\nbehind nginx: {behind_nginx}\nbare gunicorn: {bare}")


def wait_for_answer(url, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call(url, timeout=2)[0]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_api_answers_json_503_while_gunicorn_is_down(stack):
    gunicorn, nginx, _ = stack
    gunicorn.stop()
    try:
        status, headers, body = call(
            nginx.url + "/api/v1/consents", "POST", CONSENT, {"Origin": "https://shop.example.kz"}
        )
        assert status == 503, body
        assert int(headers["Retry-After"]) > 0
        # Readable by the banner, Retry-After included: it waits as long as it is told.
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert headers["Access-Control-Expose-Headers"] == "Retry-After"
        assert set(json.loads(body)) == {"error", "fields"}
    finally:
        gunicorn.start()
    assert call(nginx.url + "/api/v1/consents", "POST", CONSENT)[0] == 201


def test_nginx_logs_hold_no_client_address_or_query(stack):
    gunicorn, nginx, _ = stack
    status, _, _ = call(
        nginx.url + "/embed/shop.js?email=aigerim%40example.kz", source="127.45.67.89"
    )
    assert status == 200
    access = (nginx.workdir / "cookieconsent.access.log").read_text()
    assert "GET /embed/shop.js HTTP/1.1" in access
    assert "127.45.67.89" not in access and "127.0.0.1" not in access
    assert "aigerim" not in access
