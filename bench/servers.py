"""Databases and gunicorn servers made for one benchmark run and removed after it."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
#: Where the benchmarks may create (and drop) a database of their own.
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET_KEY = secrets.token_urlsafe(48)
#: The one site every benchmark writes to, and the page that embeds it.
#: The ledger keyring of this run (set by :func:`use_workdir`), shared by every process.
KEYRING: Path | None = None
SITE_KEY = "bench"
SITE_ORIGIN = "https://shop.example.kz"


def gunicorn_config() -> tuple[list[str], str]:
    """The gunicorn options the README recommends, and where they come from.

    The project's ``gunicorn.conf.py`` when it exists; otherwise the rule of thumb it would
    encode (2 x cores + 1 sync workers), so that the floor and the app still share one setup.
    """
    conf = ROOT / "gunicorn.conf.py"
    if conf.exists():
        return ["-c", str(conf)], "gunicorn.conf.py"
    workers = 2 * (os.cpu_count() or 1) + 1
    return ["--workers", str(workers), "--worker-class", "sync"], f"{workers} sync workers"


def use_workdir(workdir: Path) -> None:
    """Keep this run's files (SQLite databases, the ledger keyring) in ``workdir``."""
    global KEYRING
    KEYRING = Path(workdir) / "ledger_keys.json"


def _has_setting(name: str) -> bool:
    from cookieconsent import config

    return name in config.BY_NAME


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Database:
    """A SQLite file or a PostgreSQL database named for this process, dropped on exit."""

    def __init__(self, engine: str, workdir: Path):
        self.engine = engine
        self.name = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.path = workdir / f"{self.name}.sqlite3"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database."""
        if self.engine == "sqlite":
            return f"sqlite:///{self.path}"
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        return base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + self.name

    @property
    def dsn(self) -> str:
        """The libpq connection string, for psql and psycopg."""
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def __enter__(self) -> Database:
        if self.engine == "postgresql":
            self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)

    def dump_command(self, query: str) -> list[str]:
        """The database's own CSV dump of ``query``, written to standard output."""
        if self.engine == "sqlite":
            return ["sqlite3", "-csv", "-header", str(self.path), query]
        return ["psql", "-X", "-q", self.dsn, "-c", f"COPY ({query}) TO STDOUT WITH CSV HEADER"]

    @staticmethod
    def _admin(statement: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)


def postgres_available() -> str | None:
    """None when PostgreSQL answers, otherwise why it cannot be used."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {error}".strip()
    return None


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production server on ``database_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKIECONSENT_")}
    env |= {
        "COOKIECONSENT_ENV": "production",
        "COOKIECONSENT_SECRET_KEY": SECRET_KEY,
        "COOKIECONSENT_DATABASE_URL": database_url,
        # Every request comes from 127.0.0.1: the limiter still runs, but never refuses.
        "COOKIECONSENT_RATE_LIMIT": "100000000 per minute",
    }
    if _has_setting("CONSENT_RATE_LIMIT"):
        env["COOKIECONSENT_CONSENT_RATE_LIMIT"] = "100000000 per minute"
    if KEYRING is not None and _has_setting("LEDGER_KEYS"):
        env["COOKIECONSENT_LEDGER_KEYS"] = str(KEYRING)
    return env | extra


def make_app(database_url: str):
    """A production app on ``database_url``, for setting up data in this process."""
    from cookieconsent import create_app

    config = {
        "ENV": "production", "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_url,
    }
    if KEYRING is not None:
        config["LEDGER_KEYS"] = str(KEYRING)
    return create_app(config)


def prepare(database_url: str) -> None:
    """Create the schema and the benchmark site with a published policy in kk, ru, en."""
    from cookieconsent.extensions import db
    from cookieconsent.sites import policies, registry

    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        site = registry.create_site(SITE_KEY, "Benchmark shop", [SITE_ORIGIN])
        registry.add_metrika(site, 12345678)
        texts = {
            lang: {"title": f"Cookies ({lang})", "body": f"The cookie policy, in {lang}. " * 40}
            for lang in site.languages
        }
        policies.publish(policies.draft(site, texts, significant=True))
        db.session.commit()
        db.engine.dispose()


def _stat(pid: int) -> list[int]:
    """The numeric fields of /proc/PID/stat after the command's name; zeros for an ended one."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a worker that ended meanwhile: its time is in the master's children
        return [0] * 20
    return [int(field) if field.lstrip("-").isdigit() else 0 for field in fields]


class Gunicorn:
    """One gunicorn master on a free loopback port, stopped when the block ends."""

    def __init__(self, app_spec: str, env: dict[str, str], label: str):
        self.app_spec = app_spec
        self.env = env
        self.label = label
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = OUT / f"gunicorn-{label}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        options, _ = gunicorn_config()
        OUT.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), *options, "--bind", f"127.0.0.1:{self.port}",
             self.app_spec],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def cpu_seconds(self) -> float:
        """CPU (user and system) used so far by the master and its workers, also those that
        ended (a worker recycled after ``max_requests`` counts in the master's children)."""
        ticks = os.sysconf("SC_CLK_TCK")
        master = self.process.pid
        pids = []
        for task in Path(f"/proc/{master}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
        total = sum(_stat(master)[11:15])  # utime, stime, and the ended workers' cutime, cstime
        for pid in pids:
            total += sum(_stat(pid)[11:13])
        return total / ticks

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.label}) exited; see {self.log_path}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # it answers; a 404 is an answer
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn ({self.label}) did not answer in {timeout} s")

    def worker_pids(self) -> list[int]:
        """The worker processes of this master."""
        pids: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            pids += [int(pid) for pid in task.read_text().split()]
        return pids

    def peak_rss_mb(self) -> float:
        """The highest peak resident memory (VmHWM) of any worker, in MiB."""
        return max((peak_rss_mb(pid) for pid in self.worker_pids()), default=0.0)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process, in MiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


#: Starts the measured command from a small process: a child's peak RSS (``ru_maxrss``)
#: includes the memory of the process that forked it, so it must not be this big one.
_LAUNCHER = """
import json, os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"maxrss_kb": usage.ru_maxrss}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command: list[str], stdout=subprocess.DEVNULL, **kwargs):
    """Run ``command`` to its end; return ``(seconds, peak RSS in MiB, exit code, stderr)``.

    Standard output goes to ``stdout`` (a file or DEVNULL), never to a pipe we would have to
    drain while waiting.
    """
    import json
    import tempfile

    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as usage:
        started = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-S", "-c", _LAUNCHER, usage.name, *command],
            stdout=stdout, stderr=errors, **kwargs,
        )
        elapsed = time.perf_counter() - started
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace")
        text = usage.read()
    peak = json.loads(text)["maxrss_kb"] / 1024 if text else 0.0
    return elapsed, peak, code, message
