"""CPU time per request in one process, against the floor: where a request's time goes.

The load benchmark (``api_paths.py``) measures what operators compare, but its requests per
second move with everything else on a shared machine. Here the Flask test client sends the
same requests in this one process and CPU time is counted (``time.process_time``: user and
system, so SQLite's fsync counts), best of seven rounds. The rows show what each layer adds:

* floor: the bare Flask app of ``floor.py``;
* empty verify: a verify with ``{}``, answered 422 before any database work: the rate limit,
  CORS, security headers, the locale hook and the JSON error;
* verify: a real receipt;
* write: a consent, committed.

    .venv/bin/python -m bench.cpu_per_request             # SQLite in a temp folder
    .venv/bin/python -m bench.cpu_per_request --profile verify   # and cProfile's top entries
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path

from . import api_paths, servers

ROUNDS = 7


def per_request(client, path: str, body: str, n: int) -> tuple[float, int]:
    """Best microseconds of CPU per request over the rounds, and the last status code."""
    for _ in range(20):
        client.post(path, data=body, headers=api_paths.HEADERS)
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(n):
            status = client.post(path, data=body, headers=api_paths.HEADERS).status_code
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_per_request", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="per round (default 300)")
    parser.add_argument("--profile", choices=["verify", "write"])
    args = parser.parse_args(argv)

    from .floor import app as floor

    with tempfile.TemporaryDirectory() as workdir:
        servers.use_workdir(Path(workdir))
        url = f"sqlite:///{workdir}/bench.sqlite3"
        servers.prepare(url)
        app = servers.make_app(url)
        # Counted as in production, with a limit no request reaches.
        app.config["RATE_LIMIT"] = "100000000 per minute"
        app.config["CONSENT_RATE_LIMIT"] = "100000000 per minute"
        client = app.test_client()
        consent = json.dumps(api_paths.CONSENT)
        answer = client.post("/api/v1/consents", data=consent, headers=api_paths.HEADERS)
        verify = json.dumps({"receipt": answer.get_json()["receipt"]})
        rows = [
            ("floor", floor.test_client(), "/api/v1/receipts/verify", verify),
            ("empty verify", client, "/api/v1/receipts/verify", "{}"),
            ("verify", client, "/api/v1/receipts/verify", verify),
            ("write", client, "/api/v1/consents", consent),
        ]
        base = None
        for label, test_client, path, body in rows:
            micros, status = per_request(test_client, path, body, args.requests)
            base = base or micros
            print(f"{label:<13} {micros:7.0f} µs  ({status})  {micros / base:5.2f}x the floor")
        if args.profile:
            path, body = {"verify": rows[2][2:], "write": rows[3][2:]}[args.profile]
            profiler = cProfile.Profile()
            profiler.runcall(per_request, client, path, body, args.requests // ROUNDS + 1)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("cookieconsent", 30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
