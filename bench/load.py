"""Load from wrk (Debian's package), bounded in time, only ever against 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit

#: wrk calls ``done`` once at the end; it prints one JSON line that we parse, so that no
#: figure depends on wrk's human-readable report.
SCRIPT = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
%(headers)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,' ..
    '"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: Connection errors, timeouts and answers other than 2xx/3xx.
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: bench/run installs Debian's package")
    return path


def post(
    url: str,
    body: str,
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
) -> LoadResult:
    """POST ``body`` to ``url`` for ``seconds`` over ``connections`` connections."""
    host = urlsplit(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"load is only ever sent to this machine, not to {host}")
    lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(SCRIPT % {"body": body, "headers": lines})
        script.flush()
        result = subprocess.run(
            [wrk_path(), "--latency", f"-t{threads}", f"-c{connections}",
             f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script.name, url],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    for line in result.stdout.splitlines():
        if line.startswith("WRK-RESULT "):
            data = json.loads(line.removeprefix("WRK-RESULT "))
            break
    else:
        raise RuntimeError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )
