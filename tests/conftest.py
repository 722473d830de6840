"""Fixtures: an app on SQLite (or PostgreSQL when COOKIECONSENT_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os

import pytest
from admin_helpers import PASSWORD, login
from banner_support import COUNTER, Trackers, host_page
from sqlalchemy import create_engine, text

from cookieconsent import create_app
from cookieconsent.accounts import users
from cookieconsent.consents import decisions
from cookieconsent.extensions import db

# The same Chromium and flags as the scanner: Debian's, with no calls home.
from cookieconsent.scanner.browser import CHROMIUM, CHROMIUM_ARGS
from cookieconsent.sites import snapshots


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("COOKIECONSENT_TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def _test_config(database_url: str, instance) -> dict:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
    }


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override entries here (in a fixture of your own) before ``app`` is built."""
    return _test_config(database_url, tmp_path)


@pytest.fixture
def app(_schema, app_config):
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_site(app):
    """A factory for sites with a published cookie policy in kk, ru and en."""
    from cookieconsent.sites import policies, registry

    def make(key="shop", origins=("https://shop.example.kz",), metrika=None, policy=True):
        site = registry.create_site(key, key.title(), list(origins))
        if metrika:
            registry.add_metrika(site, metrika)
        if policy:
            texts = {lang: {"title": f"Policy {lang}", "body": f"Cookie policy of {key} ({lang})."}
                     for lang in site.languages}
            policies.publish(policies.draft(site, texts, significant=True))
        db.session.commit()
        return site

    return make


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def consent_body(site):
    """A valid consent POST body for ``site``; pass overrides as keyword arguments."""

    def body(**overrides):
        data = {
            "site": site.key,
            "revision": 1,
            "choices": {"functional": True, "analytics": False},
            "language": "kk",
            "method": "banner",
            "action": "custom",
            "url": "https://shop.example.kz/catalog?utm_source=x#top",
            "gpc": False,
        }
        return data | overrides

    return body


# --- Live servers and a real browser -------------------------------------------------------



class _Server:
    """A WSGI app served from a thread on a free loopback port."""

    def __init__(self, wsgi_app, host: str = "127.0.0.1"):
        import threading

        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def live_server(app):
    """The consent server, reachable at ``live_server.url`` (http://127.0.0.1:PORT)."""
    server = _Server(app)
    yield server
    server.stop()


class HostSite:
    """Another origin (http://localhost:PORT) serving the pages a test gives it."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.headers: dict[str, dict] = {}
        self.posts: list[dict] = []
        self._server = _Server(self._wsgi, host="localhost")
        self.url = self._server.url

    def page(self, path: str, html: str, headers: dict | None = None) -> str:
        """Serve ``html`` at ``path`` and return its full URL."""
        self.pages[path] = html
        self.headers[path] = headers or {}
        return self.url + path

    def _wsgi(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        if request.method == "POST":
            self.posts.append({"path": request.path, "form": request.form.to_dict()})
            response = Response("<!doctype html><p>Thank you</p>", mimetype="text/html")
        elif request.path in self.pages:
            response = Response(self.pages[request.path], mimetype="text/html",
                                headers=self.headers[request.path])
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


@pytest.fixture
def host_site():
    server = HostSite()
    yield server
    server._server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; a skip on a machine without it, never in CI."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is not installed; browser tests need Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def admin(app):
    """An admin of the console (password ``PASSWORD``)."""
    operator = users.create_operator("boss@shop.kz", PASSWORD, "admin")
    db.session.commit()
    return operator


@pytest.fixture
def viewer(app, site):
    """A viewer who may see ``site`` only."""
    operator = users.create_operator("viewer@shop.kz", PASSWORD, "viewer", [site])
    db.session.commit()
    return operator


@pytest.fixture
def admin_client(app, client):
    users.create_operator("boss@shop.kz", PASSWORD, "admin")
    db.session.commit()
    login(client, "boss@shop.kz")
    return client


@pytest.fixture
def recorded(client, site, consent_body):
    """A consent recorded through the public API, the way a visitor's banner does it."""

    def record(ua="Mozilla/5.0", **overrides):
        response = client.post(
            "/api/v1/consents",
            json=consent_body(**overrides),
            headers={"Origin": "https://shop.example.kz", "User-Agent": ua},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return record


# --- A shop page with the banner, for the browser tests of the banner ---------------------


@pytest.fixture
def shop(make_site, host_site):
    site = make_site(origins=[host_site.url], metrika=COUNTER)
    host_site.page("/video", "<!doctype html><title>Video</title><p>video</p>")
    return site


@pytest.fixture
def trackers(page):
    return Trackers(page)


@pytest.fixture
def server_requests(page, live_server):
    seen: list = []
    page.on("request", lambda r: seen.append(r) if r.url.startswith(live_server.url) else None)
    return seen


@pytest.fixture
def open_shop(page, live_server, host_site, shop, trackers):
    """Open the shop's page (in ``lang``) and wait until the banner's script has run."""

    def open_(lang="ru", path="/", **kwargs):
        url = host_site.page(path, host_page(live_server.url, shop.key, lang=lang, **kwargs))
        page.goto(url)
        page.wait_for_function("window.cookieconsent !== undefined")
        return url

    return open_


# --- The ledger: decisions recorded directly, tampering by SQL ----------------------------


@pytest.fixture
def record(site, consent_body):
    """Record ``n`` decisions through the API's domain function; their row ids."""

    def make(n=1, **overrides):
        ids = []
        for _ in range(n):
            data = consent_body(**overrides) | {"previous_consent_id": None}
            snapshot = snapshots.get(site.key)
            event, _ = decisions.record_decision(
                snapshot, data, ip="203.0.113.0", user_agent="UA/1"
            )
            db.session.commit()
            ids.append(event.id)
        return ids

    return make


@pytest.fixture
def sql():
    def run(statement, **params):
        db.session.execute(text(statement), params)
        db.session.commit()
        db.session.expire_all()

    return run
