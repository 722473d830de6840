"""Settings, read only from ``COOKIECONSENT_*`` environment variables.

Each setting is defined once, in ``SETTINGS`` below: its name, default, meaning and how its
text is read. ``docs/settings.md`` is written from these definitions
(``scripts/settings-doc``) and a test fails when the two differ. An unknown
``COOKIECONSENT_*`` variable is a start-up error, so a typo cannot silently fall back to a
default; every error about a setting names it and points to the table.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click

from .strength import is_simple_pattern

PREFIX = "COOKIECONSENT_"
PACKAGE = Path(__file__).resolve().parent
#: The checkout: the repository's root, one level above the package.
ROOT = PACKAGE.parent
#: Where the banner (static/), the catalogs (translations/) and the migrations are: inside the
#: package when it was installed from a wheel (setup.py copies them in), else the checkout's
#: root, where they are kept and edited (also for an editable install).
DATA = PACKAGE if (PACKAGE / "static").is_dir() else ROOT
SETTINGS_DOC = "docs/settings.md"
LANGUAGES = ("kk", "ru", "en")
#: The most a console form (or any route without a limit of its own) may send, in bytes; the
#: API allows less (``api/blueprint.py``). Not a setting: no form needs more, and a proxy in front
#: may allow less.
FORM_BODY_LIMIT = 256 * 1024
#: A production SECRET_KEY: this long, with this many different characters at least.
SECRET_KEY_LENGTH = 32
SECRET_KEY_DISTINCT = 8
WEAK_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test"}


class ConfigError(click.ClickException, RuntimeError):
    """The environment does not describe a server that may start.

    A ``ClickException``: a ``flask`` command started with a bad setting says so in one line
    ("Error: COOKIECONSENT_SECRET_KEY is not set ...") instead of a traceback.
    """


def setting_error(name: str, message: str) -> ConfigError:
    """An error about the setting ``name``, naming its variable and the table that explains it."""
    return ConfigError(f"{PREFIX}{name} {message} See {SETTINGS_DOC}.")


def _choice(*allowed: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {text!r}.")
        return text

    return read


def _number(kind: type, minimum: float) -> Callable[[str], float]:
    def read(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"must be a number, not {text!r}.") from None
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, not {text!r}.")
        return value

    return read


def _switch(text: str) -> bool:
    if text not in {"0", "1"}:
        raise ValueError(f"must be 1 (on) or 0 (off), not {text!r}.")
    return text == "1"


def _origin(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"must be an address such as https://consent.shop.kz, not {text!r}.")
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"must be an origin, without a path, query or user: not {text!r}.")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    doc: str
    #: Reads the variable's text; a ValueError becomes a ConfigError naming the setting.
    read: Callable[[str], object] = str
    #: What the table says when there is no default text (``default`` is None).
    default_doc: str = "none"


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "production", "What kind of server this is.",
            _choice("production", "development", "testing")),
    Setting("SECRET_KEY", None,
            "Signs operator sessions and CSRF tokens: at least 32 random characters. Required "
            "in production; in development one is generated and kept in the instance folder.",
            default_doc="generated in development"),
    Setting("PUBLIC_URL", None,
            "The server's address as visitors reach it, e.g. `https://consent.shop.kz`. The "
            "embed script, the console, every absolute link and the CLI use it, and a request's "
            "`Host` or `X-Forwarded-Host` is then never used. Set it in production.",
            _origin, default_doc="the request's host; the CLI: http://127.0.0.1:5000"),
    Setting("DATABASE_URL", None,
            "SQLAlchemy URL, e.g. `postgresql://user@host/cookieconsent`.",
            default_doc="SQLite in the instance folder"),
    Setting("REDIS_URL", None, "Rate-limit counters shared by all processes and hosts.",
            default_doc="counters in each process's memory"),
    Setting("PROXY_COUNT", "0",
            "How many reverse proxies set `X-Forwarded-For`, `-Proto` and `-Host` in front of "
            "the app; 0 trusts none of them.", _number(int, 0)),
    Setting("RATE_LIMIT", "60 per minute",
            "Limit on each public POST per client network but the banner's decisions: "
            "`N per [M] minute` (or second, hour, day), e.g. `1000/day`."),
    Setting("CONSENT_RATE_LIMIT", "1200 per minute",
            "Limit on the banner's decisions (record, withdraw) per client network, in place of "
            "`RATE_LIMIT`: a mobile carrier puts many visitors behind one address (see "
            "docs/trust.md)."),
    Setting("LOGIN_RATE_LIMIT", "10 per minute",
            "Limit on operator login attempts per client network."),
    Setting("LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes",
            "Failed logins to one e-mail address after which it waits until the window ends, "
            "whatever the client's address; counted in the database, so across every worker."),
    Setting("SESSION_IDLE_MINUTES", "30", "A console session ends after this many minutes unused.",
            _number(float, 1)),
    Setting("SESSION_MAX_HOURS", "12", "A console session ends this many hours after its login.",
            _number(float, 0.1)),
    Setting("SESSION_SECURE", None, "Secure session cookie: 1 or 0.", _switch,
            default_doc="1 in production"),
    Setting("DB_TIMEOUT", "1", "Seconds to wait for the database before answering 503.",
            _number(float, 0.01)),
    Setting("LEDGER_KEYS", None,
            "Path of the ledger keyring (seals and checkpoint keys), created on first use. "
            "Copy it to every host and back it up.",
            default_doc="ledger_keys.json in the instance folder"),
    Setting("SITE_CACHE_SECONDS", "5",
            "How long a worker keeps what the API knows of a site (keys, origins, policy in "
            "force) before reading it again; changes made in the same process apply at once. "
            "The embed script and its texts do not wait for it: they follow the site's "
            "`config_version`, from the next request.",
            _number(float, 0)),
    Setting("LEDGER_CHECKPOINT_SECONDS", "600",
            "Longest a new row waits before a worker signs a ledger checkpoint over it (or 1000 "
            "rows wait); 0: only `flask ledger checkpoint` (cron) does.", _number(float, 0)),
    Setting("WEBHOOK_TIMEOUT", "10",
            "Seconds a site's webhook endpoint has to answer one delivery.", _number(float, 1)),
    Setting("WEBHOOK_RETRY_SECONDS", "30",
            "Wait before a failed webhook delivery's first retry; it doubles each time (at most "
            "an hour) until a day has passed, then the delivery is marked failed.",
            _number(float, 1)),
    Setting("WEBHOOK_ALLOW_PRIVATE", None,
            "1: webhook URLs may point at loopback or private addresses; 0: refused (a console "
            "admin must not reach the server's own network).", _switch,
            default_doc="0 in production, 1 otherwise"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
#: Read by the test suite, not by the server.
IGNORED = {"TEST_DATABASE_URL"}


def load(instance_path: str, overrides: dict | None = None, environ=None) -> dict:
    """Build the Flask config: defaults, then the environment, then ``overrides``.

    Unknown or unsafe values are refused with :class:`ConfigError`.
    """
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    unknown = sorted(
        name
        for name in environ
        if name.startswith(PREFIX) and name[len(PREFIX) :] not in BY_NAME.keys() | IGNORED
    )
    if unknown:
        raise ConfigError(
            f"Unknown setting(s): {', '.join(unknown)}. Every setting is in {SETTINGS_DOC}."
        )

    def get(name: str):
        setting = BY_NAME[name]
        text = environ.get(PREFIX + name) or setting.default
        if text is None:
            return None
        try:
            return setting.read(text)
        except ValueError as error:
            raise setting_error(name, str(error)) from None

    env = overrides.get("ENV") or get("ENV")
    database_url = (
        overrides.get("SQLALCHEMY_DATABASE_URI")
        or get("DATABASE_URL")
        or "sqlite:///" + os.path.join(instance_path, "cookieconsent.sqlite3")
    )
    secure = get("SESSION_SECURE")
    allow_private = get("WEBHOOK_ALLOW_PRIVATE")
    session_max = timedelta(hours=get("SESSION_MAX_HOURS"))
    config = {
        "ENV": env,
        "SECRET_KEY": _secret_key(
            overrides.get("SECRET_KEY") or get("SECRET_KEY"), env, instance_path
        ),
        "PUBLIC_URL": get("PUBLIC_URL"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url, get("DB_TIMEOUT")),
        "REDIS_URL": get("REDIS_URL"),
        "PROXY_COUNT": get("PROXY_COUNT"),
        "RATE_LIMIT": get("RATE_LIMIT"),
        "CONSENT_RATE_LIMIT": get("CONSENT_RATE_LIMIT"),
        "LOGIN_RATE_LIMIT": get("LOGIN_RATE_LIMIT"),
        "LOGIN_ACCOUNT_LIMIT": get("LOGIN_ACCOUNT_LIMIT"),
        "SESSION_IDLE_SECONDS": get("SESSION_IDLE_MINUTES") * 60,
        "SESSION_MAX_SECONDS": session_max.total_seconds(),
        # Flask refuses a signed session cookie older than this, whatever it holds.
        "PERMANENT_SESSION_LIFETIME": session_max,
        "LEDGER_KEYS": get("LEDGER_KEYS"),
        "SITE_CACHE_SECONDS": get("SITE_CACHE_SECONDS"),
        "LEDGER_CHECKPOINT_SECONDS": get("LEDGER_CHECKPOINT_SECONDS") or None,
        "WEBHOOK_TIMEOUT": get("WEBHOOK_TIMEOUT"),
        "WEBHOOK_RETRY_SECONDS": get("WEBHOOK_RETRY_SECONDS"),
        "WEBHOOK_ALLOW_PRIVATE": env != "production" if allow_private is None else allow_private,
        "SESSION_COOKIE_SECURE": env == "production" if secure is None else secure,
        "MAX_CONTENT_LENGTH": FORM_BODY_LIMIT,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "ru",
    }
    return config | overrides


def _secret_key(value: str | None, env: str, instance_path: str) -> str:
    if value:
        if env == "production" and (
            len(value) < SECRET_KEY_LENGTH
            or value.lower() in WEAK_KEYS
            or is_simple_pattern(value, min_distinct=SECRET_KEY_DISTINCT)
        ):
            raise setting_error(
                "SECRET_KEY",
                f"is too weak: use at least {SECRET_KEY_LENGTH} random characters, at least "
                f"{SECRET_KEY_DISTINCT} of them different, not a repeated piece or a run like "
                "abcd..., e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
            )
        return value
    if env == "production":
        raise setting_error(
            "SECRET_KEY",
            "is not set. In production it must be at least 32 random characters; set "
            f"{PREFIX}ENV=development to have one generated for you.",
        )
    # Development keeps a generated key so sessions survive restarts.
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _engine_options(url: str, timeout: float) -> dict:
    # A database error's message and traceback never quote the statement's parameters: they
    # hold what visitors sent (addresses, user agents, subject hashes).
    hidden = {"hide_parameters": True}
    if url.startswith("sqlite"):
        # sqlite3's timeout is SQLite's busy timeout: how long a writer waits for the lock.
        return hidden | {"connect_args": {"timeout": timeout}}
    if url.startswith("postgresql"):
        return hidden | {
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
    return hidden


def settings_table() -> str:
    """``docs/settings.md``, written from ``SETTINGS``."""
    rows = [
        f"| `{PREFIX}{s.name}` | {f'`{s.default}`' if s.default else s.default_doc} | {s.doc} |"
        for s in SETTINGS
    ]
    return "\n".join(
        [
            "# Settings",
            "",
            "<!-- Written by `scripts/settings-doc` from cookieconsent/config.py;"
            " edit the definitions there, not this file. -->",
            "",
            f"The server reads only these environment variables. Any other `{PREFIX}*`",
            "variable stops it at start, so that a typo never falls back to a default.",
            "",
            "| variable | default | what it is for |",
            "| --- | --- | --- |",
            *rows,
            "",
            "`gunicorn.conf.py` also reads `WEB_CONCURRENCY` (worker processes) and",
            "`GUNICORN_BIND` (default `127.0.0.1:8000`); the test suite reads",
            f"`{PREFIX}TEST_DATABASE_URL`.",
            "",
        ]
    )



def write_settings_table() -> Path:
    """Write ``docs/settings.md`` in the checkout (``scripts/settings-doc``)."""
    target = ROOT / SETTINGS_DOC
    target.write_text(settings_table(), encoding="utf-8")
    return target
