"""The settings that make an acknowledged consent durable and an outage answer quickly."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cookieconsent.config import _engine_options
from cookieconsent.extensions import db


def test_sqlite_commits_survive_a_crash(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite case")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1000  # DB_TIMEOUT


def test_postgresql_keeps_its_durable_default(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL case")
    with db.engine.connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert conn.execute(text("SHOW fsync")).scalar() == "on"


@pytest.mark.parametrize(
    "url, timeout",
    [("sqlite:///x.sqlite3", 1.0), ("postgresql+psycopg://h/db", 1.0), ("sqlite:///y", 2.5)],
)
def test_every_wait_on_the_database_is_bounded_by_the_timeout(url, timeout):
    options = _engine_options(url, timeout)
    if url.startswith("sqlite"):
        assert options["connect_args"]["timeout"] == timeout
    else:
        assert options["pool_timeout"] == timeout
        assert options["pool_pre_ping"] is False  # database.py pings, within the timeout
        assert options["connect_args"]["tcp_user_timeout"] == int(timeout * 1000)
