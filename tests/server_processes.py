"""Real server processes for the durability and several-hosts tests: gunicorn, load, a DB.

Not fixtures of the whole suite: only tests that start processes (marked ``slow``) use this.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, workdir: Path, **extra: str) -> dict:
    """The environment of a production server on ``database_url``, keys in ``workdir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKIECONSENT_")}
    return (
        env
        | {
            "COOKIECONSENT_ENV": "production",
            "COOKIECONSENT_SECRET_KEY": secrets.token_urlsafe(48),
            "COOKIECONSENT_DATABASE_URL": database_url,
            "COOKIECONSENT_LEDGER_KEYS": str(workdir / "ledger_keys.json"),
            "COOKIECONSENT_LEDGER_CHECKPOINT_SECONDS": "0.5",
            "PYTHONUNBUFFERED": "1",
        }
        | extra
    )


def prepare(database_url: str, workdir: Path, site_key: str = "shop") -> None:
    """Create the schema and a site with a published policy, as an operator would."""
    from cookieconsent import create_app
    from cookieconsent.extensions import db
    from cookieconsent.sites import policies, registry

    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LEDGER_KEYS": str(workdir / "ledger_keys.json"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        site = registry.create_site(site_key, "Shop", ["https://shop.example.kz"])
        texts = {lang: {"title": "Policy", "body": f"Cookies ({lang})."} for lang in site.languages}
        policies.publish(policies.draft(site, texts, significant=True))
        db.session.commit()
        db.engine.dispose()


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` in its own process group."""

    def __init__(self, env: dict, log: Path, workers: int = 3, threads: int = 4):
        self.env, self.log, self.workers, self.threads = env, log, workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/api/v1/openapi.json", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill_workers(self) -> int:
        """SIGKILL every worker (the master starts new ones); how many were killed."""
        pids = self.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return len(pids)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: a crash of the whole server."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Load:
    """Threads that record consents against some servers until stopped.

    ``acked`` holds every consent id answered with 201; ``unknown`` counts requests whose
    answer was lost (connection reset by a killed worker): those may or may not be stored.
    """

    def __init__(self, urls, threads: int = 6, site: str = "shop"):
        self.urls = list(urls)
        self.threads = threads
        self.site = site
        self.acked: list[str] = []
        self.statuses: dict[int, int] = {}
        self.unknown = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def _one(self, url: str) -> None:
        body = json.dumps(
            {
                "site": self.site,
                "revision": 1,
                "language": "ru",
                "method": "banner",
                "action": "custom",
                "choices": {"functional": True, "analytics": False},
                "url": "https://shop.example.kz/",
                "gpc": False,
            }
        ).encode()
        request = urllib.request.Request(
            url + "/api/v1/consents", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, payload = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            status, payload = error.code, None
        except (OSError, http.client.HTTPException, ValueError):
            # Reset, refused or cut short by a killed worker: the answer is unknown.
            with self._lock:
                self.unknown += 1
            time.sleep(0.05)
            return
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 201:
                self.acked.append(payload["consent_id"])

    def _run(self, index: int) -> None:
        n = index
        while not self._stop.is_set():
            self._one(self.urls[n % len(self.urls)])
            n += 1

    def start(self) -> Load:
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def wait_for(self, acked: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < acked:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.acked)} consents acknowledged: {self.statuses}")
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(15)


def flask_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def stored_counts(database_url: str) -> dict[str, int]:
    """How many 'given' events each consent id has in the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT consent_id, count(*) FROM consent_event WHERE event_type = 'given' "
                    "GROUP BY consent_id"
                )
            ).all()
    finally:
        engine.dispose()
    return dict(rows)


def checkpoints(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ledger_checkpoint")).scalar()
    finally:
        engine.dispose()


@contextmanager
def postgres_database(admin_url: str):
    """A PostgreSQL database of this test's own, dropped afterwards; yields its URL."""
    if admin_url.startswith("postgresql://"):
        admin_url = "postgresql+psycopg://" + admin_url.removeprefix("postgresql://")
    name = f"cc_trust_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def sqlite_server(workdir: Path, workers: int = 1, threads: int = 2) -> Gunicorn:
    """A production gunicorn on an SQLite database in ``workdir``, started; its log there."""
    database_url = f"sqlite:///{workdir / 'server.sqlite3'}"
    prepare(database_url, workdir)
    env = server_env(database_url, workdir, COOKIECONSENT_RATE_LIMIT="100000 per minute")
    return Gunicorn(env, workdir / "gunicorn.log", workers=workers, threads=threads).start()


def process_io(pid: int) -> dict[str, int]:
    """The kernel's count of bytes ``pid`` read and wrote (sockets and files alike) and its
    peak memory (KiB); reading it also resets the peak."""
    counts = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        name, value = line.split(":")
        counts[name] = int(value)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM", "VmRSS")):
            counts[line.split(":")[0]] = int(line.split()[1])
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak starts again from now
    return counts


def raw_request(port: int, head: bytes, body=(), half_close: bool = False):
    """Send ``head``, then each piece of ``body`` (any iterable of bytes) until the server
    answers or drops the connection; the answer as ``(status, headers, body)`` and the bytes
    of ``body`` sent. ``half_close`` ends the sending side after ``body``, as a client that
    goes away would."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        try:
            for piece in body:
                if select.select([sock], [], [], 0)[0]:
                    break  # answered already: stop sending
                sock.sendall(piece)
                sent += len(piece)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed after answering; the answer is read below
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, dict(answer.getheaders()), answer.read(), sent


def chunked(pieces):
    """``pieces`` as HTTP/1.1 chunks, then the last chunk."""
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"
