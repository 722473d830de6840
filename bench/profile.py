"""Profile the server under the benchmark's load with py-spy, and say where the time goes.

    .venv/bin/python -m bench.profile write --engine sqlite --seconds 10
    .venv/bin/python -m bench.profile verify --engine postgresql

py-spy samples every gunicorn worker while wrk sends the same requests as the benchmark. The
collapsed stacks land in ``bench/out/profile-<path>-<engine>.txt`` (open them in speedscope or
flamegraph.pl); the functions of the most samples, inclusive and exclusive, are printed.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import api_paths, load, servers

PATHS = {"write": "/api/v1/consents", "verify": "/api/v1/receipts/verify"}


def py_spy() -> str:
    path = shutil.which("py-spy") or str(servers.VENV_BIN / "py-spy")
    if not Path(path).exists():
        raise SystemExit("py-spy is missing: .venv/bin/pip install py-spy (bench/run does it)")
    return path


def record(pid: int, seconds: float, output: Path, idle: bool) -> subprocess.Popen:
    """Start py-spy on ``pid`` and its children, writing collapsed stacks to ``output``."""
    command = [py_spy(), "record", "--pid", str(pid), "--subprocesses", "--format", "raw",
               "--rate", "200", "--duration", str(round(seconds)), "--output", str(output),
               "--nonblocking"]
    if idle:
        command.append("--idle")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def summarize(collapsed: Path, top: int = 25, own: str = "cookieconsent") -> str:
    """The functions holding most samples: inclusive (on the stack) and exclusive (on top)."""
    inclusive: collections.Counter = collections.Counter()
    exclusive: collections.Counter = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            exclusive[frames[-1]] += n
    if not total:
        return "no samples"
    lines = [f"{total} samples", "", "inclusive (the function or what it called):"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", f"inclusive, {own} only:"]
    mine = [(f, n) for f, n in inclusive.most_common() if own in f][:top]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in mine]
    lines += ["", "exclusive (on top of the stack):"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", choices=sorted(PATHS))
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--idle", action="store_true", help="also count threads that wait")
    args = parser.parse_args(argv)

    servers.OUT.mkdir(parents=True, exist_ok=True)
    output = servers.OUT / f"profile-{args.path}-{args.engine}.txt"
    with tempfile.TemporaryDirectory() as workdir, \
            servers.Database(args.engine, Path(workdir)) as database:
        servers.prepare(database.url)
        env = servers.app_env(database.url)
        with servers.Gunicorn("wsgi:app", env, f"profile-{args.engine}") as app:
            body = json.dumps(api_paths.CONSENT)
            if args.path == "verify":
                body = json.dumps({"receipt": api_paths._receipt(app.url)})
            url = app.url + PATHS[args.path]
            load.post(url, body, api_paths.HEADERS, seconds=1, connections=args.connections)
            spy = record(app.process.pid, args.seconds + 2, output, args.idle)
            result = {}
            runner = threading.Thread(target=lambda: result.setdefault("load", load.post(
                url, body, api_paths.HEADERS, seconds=args.seconds,
                connections=args.connections)))
            runner.start()
            runner.join()
            _, errors = spy.communicate(timeout=args.seconds + 60)
    print(f"load while profiled: {result['load']}")
    if not output.exists():
        print(errors.decode(), file=sys.stderr)
        return 1
    print(summarize(output))
    print(f"\ncollapsed stacks: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
