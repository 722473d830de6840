"""Database down: the API answers 503 with a JSON body at once, and nothing is half-written.

SQLite "down" is a database another process holds locked (a backup, a stuck job). PostgreSQL
down is a server that went away: this test puts a TCP proxy between the app and the server
and cuts it (connections dropped, new ones refused or never answered), then restores it.
The answer must come within COOKIECONSENT_DB_TIMEOUT (1 s); the tests allow 5 s for a loaded
CI machine and print what they measured.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time

import pytest
from server_processes import postgres_database
from sqlalchemy import func, select

from cookieconsent.extensions import db
from cookieconsent.ledger import audit
from cookieconsent.models import ConsentEvent

PATIENCE = 5.0
ORIGIN = "https://shop.example.kz"  # the site's own origin (conftest's make_site)


def timed(call):
    """Run ``call`` in a thread; its result and seconds, or fail if it hangs."""
    box = {}

    def run():
        start = time.monotonic()
        try:
            box["result"] = call()
        except BaseException as error:  # re-raised in the test's thread
            box["error"] = error
        box["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PATIENCE)
    assert not thread.is_alive(), f"no answer within {PATIENCE} s: the request hangs"
    if "error" in box:
        raise box["error"]
    return box["result"], box["seconds"]


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.is_json
    assert response.json["error"] and response.json["fields"] == {}
    assert int(response.headers["Retry-After"]) > 0
    # The banner on the site's page reads it, and waits as told, instead of seeing a
    # network error.
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "Retry-After"


@pytest.fixture
def stored():
    def count() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count(ConsentEvent.id)))

    return count


class TestSQLiteLocked:
    @pytest.fixture
    def app_config(self, app_config, tmp_path):
        if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            pytest.skip("the SQLite case")
        return app_config | {"LEDGER_KEYS": str(tmp_path / "keys.json")}

    def test_a_locked_database_answers_503_then_recovers(self, app, client, consent_body, stored):
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        assert client.post("/api/v1/consents", json=consent_body()).status_code == 201
        holder = sqlite3.connect(path, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            body = consent_body()
            response, seconds = timed(
                lambda: client.post("/api/v1/consents", json=body, headers={"Origin": ORIGIN})
            )
            assert_unavailable(response)
        finally:
            holder.rollback()
            holder.close()
        print(f"\nSQLite locked: 503 after {seconds:.2f} s")
        assert client.post("/api/v1/consents", json=consent_body()).status_code == 201
        assert stored() == 2
        assert audit.verify().ok


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut ("down") and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.mode = "up"
        self.pairs: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode in ("blackhole", "freeze"):
                self.pairs.append(client)  # accepted, never answered
                continue
            if self.mode == "refuse":
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.pairs += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                if self.mode == "freeze":
                    continue  # the server hangs: bytes go in, nothing comes back
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self, mode: str) -> None:
        """The server goes away: open connections drop; new ones are refused or hang.

        ``freeze`` keeps open connections open but silent, as a stopped server or a pooler in
        front of a dead one would.
        """
        self.mode = mode
        if mode == "freeze":
            return
        for sock in self.pairs:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.pairs = []

    def restore(self) -> None:
        self.cut("up")

    def close(self) -> None:
        self.cut("refuse")
        self.listener.close()


class TestPostgreSQLDown:
    @pytest.fixture
    def proxy(self):
        url = os.environ.get("COOKIECONSENT_TEST_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            pytest.skip("PostgreSQL: set COOKIECONSENT_TEST_DATABASE_URL")
        with postgres_database(url) as own:
            host_port = own.split("@", 1)[1].split("/", 1)[0]
            host, _, port = host_port.partition(":")
            proxy = Proxy((host, int(port or 5432)))
            proxy.url = own.replace(host_port, f"127.0.0.1:{proxy.port}")
            yield proxy
            proxy.close()

    @pytest.fixture
    def _schema(self):
        """This class builds its own database instead of the suite's."""

    @pytest.fixture
    def app_config(self, app_config, proxy, tmp_path):
        return app_config | {
            "SQLALCHEMY_DATABASE_URI": proxy.url,
            "LEDGER_KEYS": str(tmp_path / "keys.json"),
        }

    @pytest.fixture
    def app(self, app_config):
        from cookieconsent import create_app

        app = create_app(app_config)
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()

    @pytest.mark.parametrize("mode", ["refuse", "blackhole", "freeze"])
    def test_a_lost_server_answers_503_then_recovers(
        self, app, client, proxy, consent_body, stored, mode
    ):
        assert client.post("/api/v1/consents", json=consent_body()).status_code == 201
        body = consent_body()
        db.session.remove()  # the fixtures' session would hold a connection across the cut
        proxy.cut(mode)
        timings = []
        # The consent fails after the view knew its site, the configuration before.
        for request in (
            lambda: client.post("/api/v1/consents", json=body, headers={"Origin": ORIGIN}),
            lambda: client.get("/api/v1/sites/shop/config", headers={"Origin": ORIGIN}),
        ):
            response, seconds = timed(request)
            assert_unavailable(response)
            timings.append(seconds)
        page, _ = timed(lambda: client.get("/admin/login"))
        assert page.status_code == 503 and page.mimetype == "text/html"
        print(f"\nPostgreSQL {mode}: 503 after " + ", ".join(f"{s:.2f} s" for s in timings))
        proxy.restore()
        again = client.post("/api/v1/consents", json=body)
        assert again.status_code == 201, again.json
        assert stored() == 2
        assert audit.verify().ok
