"""Rate limits per client network: every public POST of the API (and the console's login).

Counters live in Redis when ``COOKIECONSENT_REDIS_URL`` is set, so that every worker and every
host counts together, and in memory otherwise. A client is keyed by a keyed hash of its
address (IPv6 by its /64, which one subscriber usually holds), so neither Redis nor a log
line ever holds a full IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time

from flask import Blueprint, Flask, current_app

from .extensions import limiter
from .network import client_ip


def configure(app: Flask) -> None:
    """Storage and failure behaviour; call before ``limiter.init_app``."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "cookieconsent")
    # Redis down must not stop consents being recorded: count in memory until it is back.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)


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


def limit_posts(bp: Blueprint) -> None:
    """Limit every POST view of ``bp``, present and future, to ``RATE_LIMIT`` per client."""
    limiter.limit(
        lambda: current_app.config["RATE_LIMIT"],
        key_func=client_key,
        methods=["POST"],
        error_message="Too many requests from your network; try again later.",
    )(bp)


def retry_after() -> int:
    """Seconds until the limit that was just exceeded lets this client in again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
