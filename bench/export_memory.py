"""Peak memory of the server while it exports 100,000 consent events through the API.

Generates the events in a temporary SQLite database, starts the server in a process of its
own, exports 1,000 (baseline), 10,000 and 100,000 rows as CSV and JSON Lines through
``GET /api/v1/sites/<key>/consents`` with a bearer token, and prints the server's peak
resident memory (VmHWM) after each. A streamed export keeps the peak flat: the 100,000-row
export should need about what the 1,000-row one did, far less than the size of its body.

    .venv/bin/python bench/export_memory.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(url: str, rows: int) -> str:
    """Create the schema, a site and ``rows`` events; return an export token."""
    from sqlalchemy import insert

    from cookieconsent import create_app
    from cookieconsent.accounts import users
    from cookieconsent.extensions import db
    from cookieconsent.models import ConsentEvent
    from cookieconsent.sites import registry

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "ENV": "development", "SECRET_KEY": "bench-" + "x" * 40}
    )
    with app.app_context():
        db.create_all()
        site = registry.create_site("bench", "Bench", ["https://bench.example.kz"])
        _, token = users.create_token("bench", site)
        db.session.commit()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        batch = []
        for i in range(rows):
            analytics = i % 3 == 0
            batch.append(
                {
                    "consent_id": uuid.uuid4().hex,
                    "site_id": site.id,
                    "kind": "cookie",
                    "event_type": "given",
                    "action": ("accept_all", "reject_all", "custom")[i % 3],
                    "method": "banner",
                    "created_at": start + timedelta(seconds=i),
                    "choices": {"essential": True, "functional": analytics, "analytics": analytics},
                    "services": ["yandex-metrika"] if analytics else [],
                    "revision": 1,
                    "language": ("kk", "ru", "en")[i % 3],
                    "url": f"https://bench.example.kz/catalog/{i}",
                    "ip": "203.0.113.0",
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0",
                    "gpc": False,
                    "subject_hashes": [],
                }
            )
            if len(batch) == 10_000:
                db.session.execute(insert(ConsentEvent), batch)
                batch = []
        if batch:
            db.session.execute(insert(ConsentEvent), batch)
        db.session.commit()
        db.engine.dispose()
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmHWM", "VmRSS"}:
            fields[name] = int(value.split()[0])
    return fields


def fetch(base: str, token: str, query: str) -> tuple[int, int, float, bytes]:
    """Read an export in chunks; return (rows, bytes, seconds, first 1 MiB)."""
    request = urllib.request.Request(base + query, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    size, lines, head = 0, 0, b""
    with urllib.request.urlopen(request) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
            if len(head) < 1 << 20:
                head += chunk
    return lines, size, time.perf_counter() - started, head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        t0 = time.perf_counter()
        token = generate(url, args.rows)
        print(f"generated {args.rows:,} events in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        env = os.environ | {
            "COOKIECONSENT_DATABASE_URL": url,
            "COOKIECONSENT_ENV": "development",
            "COOKIECONSENT_SECRET_KEY": "bench-" + "x" * 40,
        }
        env.pop("COOKIECONSENT_TEST_DATABASE_URL", None)
        code = (
            "from werkzeug.serving import run_simple; from cookieconsent import create_app; "
            f"run_simple('127.0.0.1', {port}, create_app(), threaded=False)"
        )
        server = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1/sites/bench/consents"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json")
                    break
                except OSError:
                    time.sleep(0.1)
            start = datetime(2026, 1, 1, tzinfo=UTC)

            def until(n: int) -> str:
                end = start + timedelta(seconds=n)
                return "&to=" + end.strftime("%Y-%m-%dT%H:%M:%SZ")

            runs = [
                ("baseline", 1_000, "csv"),
                ("10k", 10_000, "csv"),
                ("all", args.rows, "csv"),
                ("all", args.rows, "jsonl"),
            ]
            print(
                f"{'export':<10}{'format':<8}{'rows':>10}{'MiB sent':>10}{'seconds':>9}"
                f"{'peak RSS MiB':>14}"
            )
            peaks = {}
            for name, n, fmt in runs:
                query = f"?format={fmt}" + (until(n) if n < args.rows else "")
                lines, size, seconds, head = fetch(base, token, query)
                rows = lines - (1 if fmt == "csv" else 0)
                assert rows == n, (rows, n)
                if fmt == "csv":
                    parsed = list(csv.reader(io.StringIO(head.decode("utf-8", "ignore"))))
                    assert parsed[0][1] == "consent_id"
                peak = memory_kib(server.pid)["VmHWM"] / 1024
                peaks[(name, fmt)] = (peak, size)
                mib = size / 2**20
                print(f"{name:<10}{fmt:<8}{rows:>10,}{mib:>10.1f}{seconds:>9.2f}{peak:>14.1f}")
            base_peak = peaks[("baseline", "csv")][0]
            all_peak, all_size = peaks[("all", "csv")]
            held = (base_peak + all_size / 2**20) / base_peak
            print(
                f"\npeak growth from {1_000:,} to {args.rows:,} rows: "
                f"{all_peak - base_peak:+.1f} MiB (x{all_peak / base_peak:.2f} of baseline); "
                f"the CSV body is {all_size / 2**20:.1f} MiB, "
                f"so holding it in memory would cost at least x{held:.2f}"
            )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
