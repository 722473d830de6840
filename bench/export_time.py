"""Benchmark 4: the streamed CSV export of a site's log against the database's own dump.

The export is downloaded from a gunicorn server (the recommended configuration) through
``GET /api/v1/sites/<key>/consents?format=csv`` with a bearer token; the baseline is
``sqlite3 -csv`` or psql's ``COPY (...) TO STDOUT WITH CSV`` of the same rows. The peak memory
is the highest VmHWM of any gunicorn worker, read after the download.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

from . import servers
from .report import Row

TIME_GOAL = 3.0
MEMORY_GOAL_MB = 200


def create_token(database_url: str) -> str:
    """An export token for the benchmark site (the admin console's own function)."""
    from sqlalchemy import select

    from cookieconsent.accounts import users
    from cookieconsent.extensions import db
    from cookieconsent.models import Site

    app = servers.make_app(database_url)
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == servers.SITE_KEY))
        _, token = users.create_token("benchmark", site=site)
        db.session.commit()
        db.engine.dispose()
    return token


def site_id(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        value = conn.scalar(text("SELECT id FROM site WHERE key = :k"), {"k": servers.SITE_KEY})
    engine.dispose()
    return value


def download(url: str, token: str) -> tuple[float, int, int]:
    """Fetch ``url`` to nowhere; return seconds, bytes and lines received."""
    headers = {"Authorization": f"Bearer {token}"}
    if shutil.which("curl"):
        # curl costs the shared CPU less than a Python HTTP client would; we only count.
        started = time.perf_counter()
        size = lines = 0
        with subprocess.Popen(
            ["curl", "-sS", "--fail", "-H", f"Authorization: Bearer {token}", url],
            stdout=subprocess.PIPE,
        ) as curl:
            while chunk := curl.stdout.read(1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
        if curl.returncode:
            raise RuntimeError(f"curl failed ({curl.returncode}) on {url}")
        return time.perf_counter() - started, size, lines
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, size, lines


def measure(database: servers.Database, events: int, log=print) -> list[Row]:
    """Export ``events`` events as CSV through the API, and dump them with the database."""
    token = create_token(database.url)
    query = f"SELECT * FROM consent_event WHERE site_id = {site_id(database.url)} ORDER BY id"
    with open("/dev/null", "wb") as sink:
        dump_seconds, dump_mb, code, errors = servers.run_measured(
            database.dump_command(query), stdout=sink
        )
    if code:
        raise RuntimeError(f"the database's dump failed: {errors}")
    log(f"  dump ({database.engine}): {dump_seconds:.1f} s, {dump_mb:.0f} MB")
    env = servers.app_env(database.url)
    with servers.Gunicorn("wsgi:app", env, f"export-{database.engine}") as app:
        url = f"{app.url}/api/v1/sites/{servers.SITE_KEY}/consents?format=csv"
        resting = app.peak_rss_mb()
        seconds, size, lines = download(url, token)
        peak = app.peak_rss_mb()
    log(f"  export ({database.engine}): {seconds:.1f} s, {size / 1e6:.0f} MB, "
        f"{lines - 1:,} rows, worker peak {peak:.0f} MB")
    bench = f"export / {database.engine}"
    complete = lines - 1 >= events
    return [
        Row(bench, "CSV export time", seconds, "s",
            "sqlite3 -csv" if database.engine == "sqlite" else "COPY TO STDOUT", dump_seconds,
            goal=f"ratio ≤ {TIME_GOAL:g}", ok=seconds <= TIME_GOAL * dump_seconds and complete,
            note=f"{lines - 1:,} rows, {size / 1e6:.0f} MB of CSV"
            + ("" if complete else f"; INCOMPLETE, {events:,} expected")),
        Row(bench, "peak memory (worker)", peak, "MB", "worker before the export", resting,
            goal=f"< {MEMORY_GOAL_MB} MB", ok=peak < MEMORY_GOAL_MB),
    ]
