"""The embed script's cold start and its rebuilds, timed as a visitor's browser sees them.

* cold start: a fresh gunicorn worker's first ``/embed/<key>.js`` against the same worker's
  warm requests (median of several fresh workers; the release's build is already in the
  instance folder, as it is for every worker after the first of a release);
* a site visited every ``interval`` seconds (30 in a full run, past the 5 s the script used
  to be kept): the time of each visit against back-to-back requests.

    python -m bench.embed_times [--interval 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from . import servers
from .report import Row

FRESH_WORKERS = 3
WARM_REQUESTS = 30


def get(url: str) -> float:
    """Milliseconds to fetch ``url`` in full, gzipped as a browser asks for it."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def warm(url: str) -> float:
    return statistics.median(get(url) for _ in range(WARM_REQUESTS))


def measure(engine: str = "postgresql", workdir: Path | None = None, *, interval: float = 30,
            visits: int = 3, log=print) -> list[Row]:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="cookieconsent-embed-"))
    with servers.Database(engine, workdir) as database:
        servers.prepare(database.url)
        # One worker: its first request is the one measured, not a sibling's.
        # As in production: the public address set, which tells a worker the host its
        # scripts are built for before any request names it.
        env = servers.app_env(database.url, WEB_CONCURRENCY="1",
                              COOKIECONSENT_PUBLIC_URL="http://127.0.0.1")
        path = f"/embed/{servers.SITE_KEY}.js"
        firsts, warms = [], []
        for n in range(FRESH_WORKERS + 1):
            with servers.Gunicorn("wsgi:app", env, f"embed-{engine}") as app:
                first = get(app.url + path)  # the worker has answered "/" only
                if n:  # the very first worker may have built the release's banner
                    firsts.append(first)
                    warms.append(warm(app.url + path))
        log(f"  embed/{engine} first of a fresh worker {firsts} ms, warm {warms} ms")
        with servers.Gunicorn("wsgi:app", env, f"embed-{engine}") as app:
            back_to_back = warm(app.url + path)
            spaced = []
            for _ in range(visits):
                time.sleep(interval)
                spaced.append(get(app.url + path))
        log(f"  embed/{engine} every {interval:g} s: {spaced} ms, back to back {back_to_back} ms")
    bench = f"embed / {engine}"
    first, warmed = statistics.median(firsts), statistics.median(warms)
    return [
        Row(bench, "first request of a fresh worker", first, "ms", "same worker, warm",
            warmed, goal="ratio ≤ 2", ok=first <= 2 * warmed,
            note=f"median of {FRESH_WORKERS} fresh workers (the release's build already in "
                 f"the instance folder); each: {', '.join(f'{v:.1f}' for v in firsts)} ms"),
        Row(bench, f"site visited every {interval:g} s: time per request",
            statistics.median(spaced), "ms", "back to back", back_to_back,
            note=f"{visits} visits: {', '.join(f'{v:.1f}' for v in spaced)} ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.embed_times", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--interval", type=float, default=30)
    parser.add_argument("--visits", type=int, default=3)
    args = parser.parse_args()
    from .report import table

    with tempfile.TemporaryDirectory() as workdir:
        servers.use_workdir(Path(workdir))
        rows = measure(args.engine, Path(workdir), interval=args.interval, visits=args.visits)
    print(table(rows))


if __name__ == "__main__":
    main()
