"""c15t's backend (``@c15t/backend`` on PostgreSQL) beside our write path, in the same run.

    bench/run --peers-backend            # or: python -m bench.peers_backend --seconds 10

The backend is installed with npm into ``bench/out/c15t`` (git-ignored) with kysely, pg and
Hono's Node server, its schema created by its own migrator, and started as one Node process
(its way to run). wrk posts a cookie-banner consent to its ``POST /subjects`` and ours to
``POST /api/v1/consents`` (gunicorn, gunicorn.conf.py), each on a PostgreSQL database of its
own, in turn: ours, c15t, ours, c15t; the row gives the medians and c15t / ours.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import api_paths, load, servers
from .report import Row

C15T_DIR = servers.OUT / "c15t"
PACKAGES = ("@c15t/backend", "kysely", "pg", "@hono/node-server")
SERVER = """
import { c15tInstance } from '@c15t/backend';
import { kyselyAdapter } from '@c15t/backend/db/adapters/kysely';
import { DB } from '@c15t/backend/db/schema';
import { migrator } from '@c15t/backend/db/migrator';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { serve } from '@hono/node-server';

const db = new Kysely({ dialect: new PostgresDialect({
  pool: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }) }) });
const adapter = kyselyAdapter({ db, provider: 'postgresql' });
if (process.argv[2] === 'migrate') {
  const result = await migrator({ db: DB.client(adapter), schema: 'latest' });
  if (result && result.execute) await result.execute();
  process.exit(0);
}
const c15t = c15tInstance({ appName: 'bench', basePath: '/', adapter,
  trustedOrigins: ['*'], advanced: { disableGeoLocation: true }, logger: { level: 'error' } });
serve({ fetch: (request) => c15t.handler(request), port: Number(process.env.PORT),
        hostname: '127.0.0.1' });
"""
#: What its banner posts for a visitor who chose: the same decision as ours.
SUBJECT = {
    "type": "cookie_banner",
    "domain": "shop.example.kz",
    "subjectId": "sub_2bench",
    "givenAt": 1764600000000,
    "preferences": {"necessary": True, "functionality": True, "measurement": False},
}


def install(log=print) -> str:
    """Install the backend (once); its version."""
    package = C15T_DIR / "node_modules" / "@c15t" / "backend" / "package.json"
    if not package.exists():
        C15T_DIR.mkdir(parents=True, exist_ok=True)
        (C15T_DIR / "package.json").write_text('{"type": "module", "private": true}\n')
        log(f"  npm install {' '.join(PACKAGES)} into {C15T_DIR}")
        subprocess.run(["npm", "install", "--prefix", str(C15T_DIR), "--no-audit", "--no-fund",
                        "--loglevel=error", *PACKAGES], check=True, timeout=900,
                       stdout=subprocess.DEVNULL)
    (C15T_DIR / "server.mjs").write_text(SERVER)
    return json.loads(package.read_text())["version"]


class C15t:
    """The backend on a free port, on ``dsn``; stopped when the block ends."""

    def __init__(self, dsn: str):
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = os.environ | {"DATABASE_URL": dsn, "PORT": str(self.port),
                                 "NODE_ENV": "production"}
        self.log_path = servers.OUT / "c15t.log"

    def __enter__(self) -> C15t:
        subprocess.run(["node", "server.mjs", "migrate"], cwd=C15T_DIR, env=self.env,
                       check=True, timeout=120, capture_output=True)
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(["node", "server.mjs"], cwd=C15T_DIR, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                post(self.url + "/subjects", SUBJECT)
                return self
            except (OSError, urllib.error.HTTPError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    why = f"c15t's backend did not start; see {self.log_path}"
                    raise RuntimeError(why) from None
                time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def measure(workdir: Path, *, seconds: float, connections: int, log=print) -> list[Row]:
    version = install(log)
    ours_body, theirs_body = json.dumps(api_paths.CONSENT), json.dumps(SUBJECT)
    ours, theirs = [], []
    with (
        servers.Database("postgresql", workdir) as our_db,
        servers.Database("postgresql", workdir) as their_db,
    ):
        servers.prepare(our_db.url)
        with (
            servers.Gunicorn("wsgi:app", servers.app_env(our_db.url), "app-vs-c15t") as app,
            C15t(their_db.dsn) as c15t,
        ):
            for url, path, body, headers, results in (
                (app.url, "/api/v1/consents", ours_body, api_paths.HEADERS, ours),
                (c15t.url, "/subjects", theirs_body, {"Content-Type": "application/json"},
                 theirs),
            ) * 2:
                load.post(url + path, body, headers, seconds=1, connections=connections)
                results.append(load.post(url + path, body, headers, seconds=seconds,
                                         connections=connections))
                log(f"  {path}: {results[-1]}")
    bench = f"write: c15t {version} / postgresql"
    rps = [statistics.median(r.rps for r in results) for results in (theirs, ours)]
    p99 = [statistics.median(r.p99_ms for r in results) for results in (theirs, ours)]
    errors = sum(r.errors for r in theirs), sum(r.errors for r in ours)
    return [
        Row(bench, "requests/s (POST /subjects)", rps[0], "req/s",
            "ours (POST /api/v1/consents)", rps[1],
            note="one Node process (its way to run) against our gunicorn.conf.py; "
                 "medians of two runs each, alternating"),
        Row(bench, "p99 latency", p99[0], "ms", "ours", p99[1]),
        Row(bench, "errors", errors[0], "errors", "ours", errors[1]),
    ]


def main() -> None:
    import tempfile

    from .report import table

    parser = argparse.ArgumentParser(prog="python -m bench.peers_backend", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        servers.use_workdir(Path(workdir))
        print(table(measure(Path(workdir), seconds=args.seconds, connections=args.connections)))


if __name__ == "__main__":
    main()
