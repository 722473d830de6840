"""SQLite writers take turns through one OS lock instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the database locked sleeps
in SQLite's busy handler, 1, 2, 5 ... up to 100 ms between tries, and a writer that arrives
later may take the lock first. Under load (the benchmark: 5 gunicorn processes of 4 threads
posting consents) some requests kept losing for the whole busy timeout and were answered
503, and p99 latency reached most of a second, while the lock itself is held for about a
millisecond.

Here a write transaction first takes a lock of its own: a lock per process (threads get it
in the order they asked, as soon as it is released) and ``flock`` on a file beside the
database between processes. It is held from the transaction's first write until its
connection goes back to the pool, i.e. until after the commit or rollback. Readers never
take it (WAL lets them read during a write). A thread that already holds it (the ledger's
checkpoint runs in a session of its own after the commit) takes it again without waiting.
Waiting is bounded by the same busy timeout as before; past it the request gets the usual
503.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_locks: dict[str, _WriterLock] = {}
_locks_guard = threading.Lock()


class _Turns:
    """A re-entrant lock that lets waiting threads in strictly in the order they came.

    ``threading.RLock`` lets any waiter win; under load one thread could lose past the busy
    timeout while newer ones went ahead (a test with 12 writing threads showed it).
    """

    def __init__(self):
        self.guard = threading.Lock()
        self.owner: int | None = None
        self.depth = 0
        self.queue: deque[tuple[int, threading.Event]] = deque()

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self.guard:
            if self.owner == me or (self.owner is None and not self.queue):
                self.owner = me
                self.depth += 1
                return True
            turn = (me, threading.Event())
            self.queue.append(turn)
        if turn[1].wait(timeout):
            return True
        with self.guard:
            if turn[1].is_set():  # handed over just as we gave up
                return True
            self.queue.remove(turn)
            return False

    def release(self) -> None:
        with self.guard:
            if self.owner != threading.get_ident():
                raise RuntimeError("released by a thread that does not hold it")
            self.depth -= 1
            if self.depth:
                return
            if self.queue:
                self.owner, event = self.queue.popleft()
                self.depth = 1
                event.set()
            else:
                self.owner = None


class _WriterLock:
    """One process's turn at writing one database file."""

    def __init__(self, path: str):
        self.path = path + ".writer-lock"
        self.threads = _Turns()
        self.depth = 0
        self.fd: int | None = None
        self.pid = os.getpid()

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            return False
        if self.depth == 0:
            if self.fd is None or self.pid != os.getpid():
                # A file of our own after a fork: flock belongs to the open file description.
                self.fd, self.pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            pause = 0.0002
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self.threads.release()
                        return False
                    # At most one thread per process polls, so short pauses cost little.
                    time.sleep(pause)
                    pause = min(pause * 2, 0.0005)
        self.depth += 1
        return True

    def release(self) -> None:
        if self.threads.owner != threading.get_ident():
            raise RuntimeError("released by a thread that does not hold it")
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.threads.release()


def _lock_for(path: str) -> _WriterLock:
    with _locks_guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = _WriterLock(path)
        return lock


@event.listens_for(Engine, "before_cursor_execute")
def _take_turn(conn, cursor, statement, parameters, context, executemany):
    if conn.dialect.name != "sqlite" or not statement.lstrip()[:7].upper().startswith(_WRITES):
        return
    record = conn.connection._connection_record
    path = conn.engine.url.database
    if record is None or not path or path == ":memory:" or "writer_lock" in record.info:
        return
    lock = _lock_for(os.path.abspath(path))
    if "busy_timeout" not in record.info:
        record.info["busy_timeout"] = _busy_timeout(conn)
    if not lock.acquire(record.info["busy_timeout"]):
        locked = sqlite3.OperationalError("database is locked")
        raise OperationalError(statement, parameters, locked)
    record.info["writer_lock"] = lock


def _busy_timeout(conn) -> float:
    cursor = conn.connection.dbapi_connection.execute("PRAGMA busy_timeout")
    try:
        return cursor.fetchone()[0] / 1000
    finally:
        cursor.close()


def _give_back(dbapi_connection, connection_record) -> None:
    lock = connection_record.info.pop("writer_lock", None)
    if lock is not None:
        try:
            lock.release()
        except RuntimeError:  # released from a thread that did not take it: gc of a leak
            pass


def _give_back_on_reset(dbapi_connection, connection_record, reset_state) -> None:
    _give_back(dbapi_connection, connection_record)


event.listen(Pool, "checkin", _give_back)
event.listen(Pool, "reset", _give_back_on_reset)
