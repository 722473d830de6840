"""Engine settings: SQLite as a safe embedded default; PostgreSQL that fails fast when down."""

import os
import select
import threading
import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from . import sqlite_writers  # noqa: F401  (SQLite writers take turns: see there)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the writer work at once. With WAL, synchronous=NORMAL keeps every
    # committed transaction across a crash of the process (only power loss can cost the last
    # ones); FULL is the setting that also survives power loss, at one fsync per commit.
    # The busy timeout comes from COOKIECONSENT_DB_TIMEOUT (sqlite3's ``timeout``), so a
    # locked database is answered with 503 instead of holding the request.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
    cursor.close()
    _owner_only(path)


def _owner_only(path: str) -> None:
    """Make the database file, its WAL and its shared memory readable by their owner only.

    The file holds the sites' receipt secrets, which the default umask would leave readable
    to every local user. SQLite creates the WAL and shared-memory files with the database
    file's mode, so once the database is 0600 they are too; those from before are fixed here.
    """
    if not path:  # an in-memory database
        return
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def init_app(app: Flask) -> None:
    """Create the instance folder for SQLite; bound PostgreSQL connects by the DB timeout."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
    elif url.startswith("postgresql"):
        from .extensions import db

        timeout = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_timeout") or 1.0
        with app.app_context():
            for engine in db.engines.values():
                # Half the budget to find a pooled connection dead, half to open a new one.
                event.listen(engine, "checkout", _ping_within(timeout / 2))
                event.listen(engine, "do_connect", _connect_within(timeout / 2))


#: libpq's status of a query that returned rows (``psycopg.pq.ExecStatus.TUPLES_OK``).
TUPLES_OK = 2


def _ping(dbapi_connection, timeout: float) -> bool:
    """``SELECT 1`` on the connection's own socket; False unless answered within ``timeout``.

    libpq's asynchronous calls, not a cursor: a cursor would wait for ever on a server that
    hangs, and handing the ping to another thread costs more than the
    query itself under load, since each hand-over waits for the GIL (bench/RESULTS.md).
    """
    pgconn = dbapi_connection.pgconn
    deadline = time.monotonic() + timeout
    pgconn.send_query(b"SELECT 1")
    while True:
        pgconn.consume_input()
        if not pgconn.is_busy():
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([pgconn.socket], [], [], remaining)[0]:
            return False
    answered = False
    while (result := pgconn.get_result()) is not None:
        answered = result.status == TUPLES_OK
    return answered


def _ping_within(timeout: float):
    """A checkout check that gives up on a connection whose server does not answer in time.

    SQLAlchemy's pre-ping has no deadline. A server that went away usually resets the
    connection and the ping fails at once; one that hangs (stopped, or a pooler in front of
    a dead server) would hold the request for ever. So the request waits ``timeout`` at most
    for the ping; a late or failed ping closes the connection, and the pool opens a new one
    (itself bounded, see :func:`_connect_within`).
    """

    def checkout(dbapi_connection, connection_record, connection_proxy):
        try:
            if _ping(dbapi_connection, timeout):
                return
        except Exception:  # the server said no, or the socket is gone: this connection is done
            pass
        try:
            dbapi_connection.close()
        except Exception:  # already broken: the pool discards it either way
            pass
        raise DisconnectionError("the database did not answer the ping in time")

    return checkout


def _connect_within(timeout: float):
    """A connect that gives up after ``timeout`` seconds.

    libpq (and psycopg after it) never waits less than 2 s for a server that does not answer,
    and a new connection is what a request needs right after the database went away. The
    connect runs in a helper thread; if it is late the request gets its error (a 503) at
    once, and the thread closes whatever connection it still gets.
    """

    def do_connect(dialect, connection_record, cargs, cparams):
        box: dict = {}
        lock = threading.Lock()
        finished = threading.Event()

        def connect():
            try:
                connection = dialect.connect(*cargs, **cparams)
            except Exception as error:  # handed to the waiting request below
                box["error"] = error
            else:
                with lock:
                    if box.get("abandoned"):
                        connection.close()
                    else:
                        box["connection"] = connection
            finished.set()

        threading.Thread(target=connect, name="db-connect", daemon=True).start()
        if not finished.wait(timeout):
            with lock:
                if "connection" not in box:
                    box["abandoned"] = True
                    raise dialect.loaded_dbapi.OperationalError(
                        f"no connection to the database within {timeout:g} s"
                    )
        if "error" in box:
            raise box["error"]
        return box["connection"]

    return do_connect
