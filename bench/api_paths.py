"""Benchmarks 1 and 2: the consent write and the receipt verify against the bare-Flask floor.

Both servers run under gunicorn with the same options (the project's ``gunicorn.conf.py``),
side by side, and wrk sends them the same requests in turn: floor, app, floor, app. Each
ratio compares two runs made a few seconds apart, so the noise of the shared machine touches
both alike.
"""

from __future__ import annotations

import json
import urllib.request

from sqlalchemy import create_engine, text

from . import load, servers
from .report import Row

#: What the banner sends: a cross-origin "simple" POST with a text/plain JSON body.
CONSENT = {
    "site": servers.SITE_KEY,
    "revision": 1,
    "choices": {"functional": True, "analytics": False},
    "language": "kk",
    "method": "banner",
    "action": "custom",
    "url": servers.SITE_ORIGIN + "/catalog/phones",
    "gpc": False,
}
HEADERS = {
    "Content-Type": "text/plain;charset=UTF-8",
    "Origin": servers.SITE_ORIGIN,
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36",
}
WRITE_GOAL = 0.5
VERIFY_GOAL = 0.8


def _receipt(url: str) -> str:
    request = urllib.request.Request(
        url + "/api/v1/consents", data=json.dumps(CONSENT).encode(), headers=HEADERS
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["receipt"]


def _stored(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM consent_event"))
    engine.dispose()
    return count


def measure(engine: str, workdir, *, seconds: float, connections: int, log=print) -> list[Row]:
    """Both paths on one database engine, each against the floor."""
    rows: list[Row] = []
    with servers.Database(engine, workdir) as database:
        servers.prepare(database.url)
        env = servers.app_env(database.url)
        with (
            servers.Gunicorn("bench.floor:app", env, f"floor-{engine}") as floor,
            servers.Gunicorn("wsgi:app", env, f"app-{engine}") as app,
        ):
            verify_body = json.dumps({"receipt": _receipt(app.url)})
            paths = [
                ("write", "/api/v1/consents", json.dumps(CONSENT), WRITE_GOAL),
                ("verify", "/api/v1/receipts/verify", verify_body, VERIFY_GOAL),
            ]
            for name, path, body, goal in paths:
                results, cpu = {}, {}
                for label, server in (("floor", floor), ("app", app)):
                    # A short warm-up: first requests import lazily and fill the pools.
                    load.post(server.url + path, body, HEADERS, seconds=1,
                              connections=connections)
                    started = server.cpu_seconds()
                    results[label] = load.post(
                        server.url + path, body, HEADERS, seconds=seconds,
                        connections=connections,
                    )
                    used = server.cpu_seconds() - started
                    cpu[label] = used * 1000 / max(results[label].requests, 1)
                    log(f"  {name}/{engine} {label}: {results[label]}, "
                        f"{cpu[label]:.2f} ms of the workers' CPU per request")
                rows += _rows(f"{name} / {engine}", results["app"], results["floor"], goal)
                # What bounds the ratio when the CPU is what runs out: the workers' CPU per
                # request (the database server's, on PostgreSQL, is not in it).
                rows.append(Row(f"{name} / {engine}", "workers' CPU per request", cpu["app"],
                                "ms", "bare Flask", cpu["floor"]))
            rows[0].note = f"{_stored(database.url):,} events stored by the write runs"
    return rows


def _rows(bench: str, app: load.LoadResult, floor: load.LoadResult, goal: float) -> list[Row]:
    ratio = app.rps / floor.rps if floor.rps else 0.0
    return [
        Row(bench, "requests/s", app.rps, "req/s", "bare Flask", floor.rps,
            goal=f"ratio ≥ {goal}", ok=ratio >= goal),
        Row(bench, "p50 latency", app.p50_ms, "ms", "bare Flask", floor.p50_ms),
        Row(bench, "p99 latency", app.p99_ms, "ms", "bare Flask", floor.p99_ms),
        Row(bench, "errors", app.errors, "errors", "bare Flask", floor.errors,
            goal="0", ok=app.errors == 0,
            note="" if not app.errors else f"{app.errors} of {app.requests} requests failed"),
    ]
