"""Rate limits per client network: every public POST of the API, and the console's login.

Counters live in Redis when ``COOKIECONSENT_REDIS_URL`` is set, so that every worker and every
host counts together, and in memory otherwise. A client is keyed by a keyed hash of its
address (IPv6 by its /64, which one subscriber usually holds), so neither Redis nor a log
line ever holds a full IP address.

The counting is the ``limits`` library's fixed window. It is called directly rather than
through Flask-Limiter: every consent and every verify passes through here, and Flask-Limiter's
per-request work (finding the limits of the route, evaluating them, adding headers) cost more
than a quarter of the verify path's CPU under load (bench/RESULTS.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time

from flask import Blueprint, Flask, current_app, g, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from .network import client_ip

log = logging.getLogger("cookieconsent.ratelimit")
MESSAGE = "Too many requests from your network; try again later."
#: After the shared storage failed, count in memory this long before trying it again.
RETRY_STORAGE_SECONDS = 30


class Limits:
    """The app's counters: the configured storage, and memory while that one is down."""

    def __init__(self, app: Flask):
        self.enabled = app.config.get("RATELIMIT_ENABLED", True)
        self.prefix = app.config.get("RATELIMIT_KEY_PREFIX", "cookieconsent")
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
        self.storage = storage_from_string(uri)
        self.shared = FixedWindowRateLimiter(self.storage)
        self.memory = (
            self.shared
            if isinstance(self.storage, MemoryStorage)
            else FixedWindowRateLimiter(MemoryStorage())
        )
        self.shared_down_until = 0.0
        self.lock = threading.Lock()

    def _strategy(self) -> FixedWindowRateLimiter:
        return self.memory if time.monotonic() < self.shared_down_until else self.shared

    def hit(self, item: RateLimitItem, *identifiers: str) -> tuple[bool, int]:
        """Count one request; ``(allowed, seconds until the window resets)``."""
        keys = (self.prefix, *identifiers)
        strategy = self._strategy()
        try:
            allowed = strategy.hit(item, *keys)
            reset_at = strategy.get_window_stats(item, *keys).reset_time if not allowed else 0
        except self.storage.base_exceptions:
            # Redis down must not stop consents being recorded: count in memory meanwhile.
            with self.lock:
                self.shared_down_until = time.monotonic() + RETRY_STORAGE_SECONDS
            log.warning("rate-limit storage unavailable; counting in memory for a while")
            allowed = self.memory.hit(item, *keys)
            reset_at = self.memory.get_window_stats(item, *keys).reset_time if not allowed else 0
        return allowed, max(1, math.ceil(reset_at - time.time()))


def init_app(app: Flask) -> None:
    app.extensions["cookieconsent.ratelimit"] = Limits(app)


@functools.lru_cache(maxsize=16)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


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
    limits: Limits = current_app.extensions["cookieconsent.ratelimit"]
    if not limits.enabled:
        return
    allowed, seconds = limits.hit(_parsed(current_app.config[setting]), name, client_key())
    if not allowed:
        g.retry_after = seconds
        raise TooManyRequests(MESSAGE)


def limit_posts(bp: Blueprint) -> None:
    """Limit each POST view of ``bp``, present and future, to ``RATE_LIMIT`` per client."""

    @bp.before_request
    def limit():
        if request.method == "POST":
            check(request.endpoint or bp.name, "RATE_LIMIT")


def retry_after() -> int:
    """Seconds until the limit that was just exceeded lets this client in again."""
    return g.get("retry_after", 60)
