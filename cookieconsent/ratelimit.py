"""Rate limits per client network: every public POST of the API, and the console's login.

The banner's decisions have a limit of their own, far higher: behind a mobile carrier's NAT
many visitors share one address, and each decides once. docs/trust.md says why the figure is
what it is.

Counters live in Redis when ``COOKIECONSENT_REDIS_URL`` is set, so that every worker and every
host counts together, and in memory otherwise. A client is keyed by a keyed hash of its
address (IPv6 by its /64, which one subscriber usually holds), so neither Redis nor a log
line ever holds a full IP address.

A limit is a fixed window: "60 per minute" counts the requests of each clock minute. That is
one INCR in Redis, or one dictionary update in memory. Every consent and every verify passes
through here, and the rate-limit libraries measured in bench/RESULTS.md cost far more per
request (Flask-Limiter's route bookkeeping; the memory store's expiry timer thread).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import re
import threading
import time
from typing import NamedTuple

from flask import Blueprint, Flask, current_app, g, request
from werkzeug.exceptions import TooManyRequests

from .config import setting_error
from .network import client_ip

log = logging.getLogger("cookieconsent.ratelimit")
MESSAGE = "Too many requests from your network; try again later."
#: After Redis failed, count in memory this long before trying Redis again.
RETRY_REDIS_SECONDS = 30
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


class Limit(NamedTuple):
    count: int
    seconds: int


def parse(text: str) -> Limit:
    """``"60 per minute"``, ``"1000/day"``, ``"5 per 10 seconds"``; ValueError otherwise."""
    match = _LIMIT.match(text.lower())
    if not match or int(match[1]) < 1:
        raise ValueError(f"not a rate limit: {text!r} (write e.g. '60 per minute')")
    return Limit(int(match[1]), int(match[2] or 1) * UNITS[match[3]])


class MemoryCounters:
    """Fixed windows in this process's memory."""

    def __init__(self):
        #: key -> (window number, requests counted in it, when it ends)
        self.windows: dict[str, tuple[int, int, float]] = {}
        self.lock = threading.Lock()
        self.next_sweep = 0.0

    def hit(self, key: str, window: int, seconds: int) -> int:
        now = time.time()
        with self.lock:
            if now >= self.next_sweep:
                # Forget windows that ended, so memory holds only the clients of the moment.
                self.windows = {k: v for k, v in self.windows.items() if v[2] > now}
                self.next_sweep = now + 60
            start, count, _ = self.windows.get(key, (window, 0, 0.0))
            count = count + 1 if start == window else 1
            self.windows[key] = (window, count, (window + 1) * seconds)
        return count


class RedisCounters:
    """Fixed windows in Redis, shared by every worker and host."""

    def __init__(self, url: str):
        import redis

        self.errors = (redis.RedisError, OSError)
        # A Redis that does not answer must not hold the visitor's request for long.
        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def hit(self, key: str, window: int, seconds: int) -> int:
        name = f"{key}:{window}"
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, seconds + 1)
        count, _ = pipe.execute()
        return count


class Limiter:
    def __init__(self, app: Flask):
        self.enabled = app.config.get("RATELIMIT_ENABLED", True)
        self.prefix = app.config.get("RATELIMIT_KEY_PREFIX", "cookieconsent")
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL")
        self.memory = MemoryCounters()
        self.shared = RedisCounters(uri) if uri and uri.startswith("redis") else None
        self.redis_down_until = 0.0
        self.limits: dict[str, Limit] = {}
        settings = ("RATE_LIMIT", "CONSENT_RATE_LIMIT", "LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_LIMIT")
        for setting in settings:
            self.limit(app.config, setting)

    def limit(self, config, setting: str) -> Limit:
        text = config[setting]
        limit = self.limits.get(text)
        if limit is None:
            try:
                limit = self.limits[text] = parse(text)
            except ValueError as error:
                raise setting_error(setting, f"is {error}.") from None
        return limit

    def hit(self, key: str, limit: Limit) -> tuple[bool, int]:
        """Count one request of ``key``: ``(allowed, seconds until its window ends)``."""
        now = time.time()
        window = int(now // limit.seconds)
        retry_after = max(1, math.ceil((window + 1) * limit.seconds - now))
        key = f"{self.prefix}:{key}:{limit.count}/{limit.seconds}"
        if self.shared is not None and time.monotonic() >= self.redis_down_until:
            try:
                return self.shared.hit(key, window, limit.seconds) <= limit.count, retry_after
            except self.shared.errors:
                # Redis down must not stop consents being recorded: count in memory meanwhile.
                self.redis_down_until = time.monotonic() + RETRY_REDIS_SECONDS
                log.warning("rate limits: Redis unavailable; counting in memory for a while")
        return self.memory.hit(key, window, limit.seconds) <= limit.count, retry_after


def init_app(app: Flask) -> None:
    app.extensions["cookieconsent.ratelimit"] = Limiter(app)


def client_key() -> str:
    """The rate-limit key of this request's client: a keyed hash of its network."""
    address = client_ip()
    try:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        network = (
            str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
        )
    except ValueError:
        network = address
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"ratelimit:" + network.encode(), hashlib.sha256).hexdigest()[:32]


def check(name: str, setting: str) -> None:
    """Count this request against the limit in config ``setting``; 429 once it is spent."""
    limiter: Limiter = current_app.extensions["cookieconsent.ratelimit"]
    if not limiter.enabled:
        return
    allowed, retry_after = limiter.hit(
        f"{name}:{client_key()}", limiter.limit(current_app.config, setting)
    )
    if not allowed:
        g.retry_after = retry_after
        raise TooManyRequests(MESSAGE)


def limit_posts(bp: Blueprint, settings: dict[str, str] | None = None) -> None:
    """Limit each POST view of ``bp``, present and future, per client: to the limit in the
    setting ``settings`` names for its endpoint, else to ``RATE_LIMIT``."""
    settings = settings or {}

    @bp.before_request
    def limit():
        if request.method == "POST":
            endpoint = request.endpoint or bp.name
            check(endpoint, settings.get(endpoint, "RATE_LIMIT"))


def retry_after() -> int:
    """Seconds until the limit that was just exceeded lets this client in again."""
    return g.get("retry_after", 60)
