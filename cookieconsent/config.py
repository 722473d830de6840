"""Settings, read only from ``COOKIECONSENT_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from .strength import is_simple_pattern

PREFIX = "COOKIECONSENT_"
ROOT = Path(__file__).resolve().parent.parent

#: Every variable the server reads, with its default and what it is for. The README's
#: configuration table is written from this list; an unknown COOKIECONSENT_* variable is a
#: start-up error, so a typo cannot silently fall back to a default.
SETTINGS: dict[str, tuple[str | None, str]] = {
    "ENV": ("production", "`production`, `development` or `testing`."),
    "SECRET_KEY": (None, "Signs operator sessions and CSRF tokens. Required in production."),
    "DATABASE_URL": (None, "SQLAlchemy URL; default: SQLite in the instance folder."),
    "REDIS_URL": (None, "Rate-limit storage shared by all processes; default: in memory."),
    "PROXY_COUNT": ("0", "How many reverse proxies set X-Forwarded-For in front of the app."),
    "RATE_LIMIT": ("60 per minute", "Limit on each public POST per client IP."),
    "LOGIN_RATE_LIMIT": ("10 per minute", "Limit on operator login attempts per client IP."),
    "LOGIN_ACCOUNT_LIMIT": (
        "5 per 15 minutes",
        "Failed logins to one e-mail address after which it waits until the window ends, "
        "whatever the client's address; counted in the database, so across every worker.",
    ),
    "SESSION_IDLE_MINUTES": ("30", "A console session ends after this many minutes unused."),
    "SESSION_MAX_HOURS": ("12", "A console session ends this many hours after its login."),
    "SESSION_SECURE": (None, "Secure session cookie; default: on in production."),
    "DB_TIMEOUT": ("1", "Seconds to wait for the database before answering 503."),
    "LEDGER_KEYS": (
        None,
        "Path of the ledger keyring (seals and checkpoint keys); default: "
        "instance/ledger_keys.json, created on first use. Copy it to every host.",
    ),
    "SITE_CACHE_SECONDS": (
        "5",
        "How long a worker keeps what the API knows of a site (keys, origins, policy in "
        "force) before reading it again; changes made in the same process apply at once.",
    ),
    "LEDGER_CHECKPOINT_SECONDS": (
        "600",
        "Longest a new row waits before a worker signs a ledger checkpoint over it (or 1000 "
        "rows wait); 0: only `flask ledger checkpoint` (cron) does.",
    ),
}
#: Read by the test suite, not by the server.
IGNORED = {"TEST_DATABASE_URL"}
LANGUAGES = ("kk", "ru", "en")
WEAK_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test"}
#: A production SECRET_KEY has at least this many characters, and this many different ones.
SECRET_KEY_LENGTH = 32
SECRET_KEY_DISTINCT = 8


class ConfigError(RuntimeError):
    """The environment does not describe a server that may start."""


def load(instance_path: str, overrides: dict | None = None, environ=None) -> dict:
    """Build the Flask config: defaults, then the environment, then ``overrides``.

    Unknown or unsafe values are refused with :class:`ConfigError`.
    """
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    unknown = sorted(
        name
        for name in environ
        if name.startswith(PREFIX) and name[len(PREFIX) :] not in SETTINGS | dict.fromkeys(IGNORED)
    )
    if unknown:
        raise ConfigError(f"Unknown setting(s): {', '.join(unknown)}. See the README's table.")

    def get(name: str) -> str | None:
        return environ.get(PREFIX + name) or SETTINGS[name][0]

    env = overrides.get("ENV") or get("ENV")
    if env not in {"production", "development", "testing"}:
        raise ConfigError(f"{PREFIX}ENV must be production, development or testing, not {env!r}.")

    database_url = (
        overrides.get("SQLALCHEMY_DATABASE_URI")
        or get("DATABASE_URL")
        or "sqlite:///" + os.path.join(instance_path, "cookieconsent.sqlite3")
    )
    secure = get("SESSION_SECURE")
    session_max = timedelta(hours=float(get("SESSION_MAX_HOURS")))
    config = {
        "ENV": env,
        "SECRET_KEY": _secret_key(
            overrides.get("SECRET_KEY") or get("SECRET_KEY"), env, instance_path
        ),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url, float(get("DB_TIMEOUT"))),
        "REDIS_URL": get("REDIS_URL"),
        "PROXY_COUNT": int(get("PROXY_COUNT")),
        "RATE_LIMIT": get("RATE_LIMIT"),
        "LOGIN_RATE_LIMIT": get("LOGIN_RATE_LIMIT"),
        "LOGIN_ACCOUNT_LIMIT": get("LOGIN_ACCOUNT_LIMIT"),
        "SESSION_IDLE_SECONDS": float(get("SESSION_IDLE_MINUTES")) * 60,
        "SESSION_MAX_SECONDS": session_max.total_seconds(),
        # Flask refuses a signed session cookie older than this, whatever it holds.
        "PERMANENT_SESSION_LIFETIME": session_max,
        "LEDGER_KEYS": get("LEDGER_KEYS"),
        "SITE_CACHE_SECONDS": float(get("SITE_CACHE_SECONDS")),
        "LEDGER_CHECKPOINT_SECONDS": float(get("LEDGER_CHECKPOINT_SECONDS")) or None,
        "SESSION_COOKIE_SECURE": env == "production" if secure is None else secure == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    }
    return config | overrides


def _secret_key(value: str | None, env: str, instance_path: str) -> str:
    if value:
        if env == "production" and (
            len(value) < SECRET_KEY_LENGTH
            or value.lower() in WEAK_KEYS
            or is_simple_pattern(value, min_distinct=SECRET_KEY_DISTINCT)
        ):
            raise ConfigError(
                f"{PREFIX}SECRET_KEY is too weak: use at least {SECRET_KEY_LENGTH} random "
                f"characters, at least {SECRET_KEY_DISTINCT} of them different, not a "
                "repeated piece or a run like abcd..., e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return value
    if env == "production":
        raise ConfigError(
            f"{PREFIX}SECRET_KEY is not set. In production it must be at least 32 random "
            "characters; set COOKIECONSENT_ENV=development to have one generated for you."
        )
    # Development keeps a generated key so sessions survive restarts.
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _engine_options(url: str, timeout: float) -> dict:
    if url.startswith("sqlite"):
        # sqlite3's timeout is SQLite's busy timeout: how long a writer waits for the lock.
        return {"connect_args": {"timeout": timeout}}
    if url.startswith("postgresql"):
        return {
            # database.py pings each connection at checkout, within the timeout (SQLAlchemy's
            # own pre-ping would wait forever on a server that accepts but never answers).
            "pool_pre_ping": False,
            "pool_timeout": timeout,
            "connect_args": {
                "connect_timeout": max(1, int(timeout)),
                # A peer that stops acknowledging (network cut) fails the socket in time.
                "tcp_user_timeout": int(timeout * 1000),
                # A statement stuck on a lock must not hold a worker forever.
                "options": "-c statement_timeout=15000",
            },
        }
    return {}
