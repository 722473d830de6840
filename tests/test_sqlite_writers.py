"""SQLite writers take turns: many threads all get their rows in; a stuck writer gets a 503."""

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import cookieconsent.database  # noqa: F401  (registers the pragmas and the writers' turn)
from cookieconsent import sqlite_writers


def make_engine(path, timeout):
    return create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout})


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(tmp_path / "w.sqlite3", 0.3)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_concurrent_writers_all_succeed(engine, tmp_path):
    # A busy timeout with room for a slow disk: what matters is that nobody loses forever.
    engine = make_engine(tmp_path / "w.sqlite3", 3)
    errors = []

    def write(base):
        try:
            for i in range(40):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": base + i})
                    time.sleep(0.004)  # a transaction that takes a while, as under load
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=write, args=(k * 1000,)) for k in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors[:3]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 12 * 40
    engine.dispose()


def test_a_writer_waits_no_longer_than_the_busy_timeout(engine):
    holding, done = threading.Event(), threading.Event()

    def hold():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    try:
        with pytest.raises(OperationalError, match="locked"), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        done.set()
        holder.join()
    # The turn is given back: the next writer goes through.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (3)"))
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 3]


def test_waiting_threads_get_their_turn_in_order():
    turns = sqlite_writers._Turns()
    assert turns.acquire(1)
    order, threads = [], []
    for name in "abc":
        def wait(name=name):
            assert turns.acquire(5)
            order.append(name)
            turns.release()

        thread = threading.Thread(target=wait)
        thread.start()
        threads.append(thread)
        while len(turns.queue) < len(threads):  # queued before the next one starts
            time.sleep(0.001)
    turns.release()
    for thread in threads:
        thread.join()
    assert order == ["a", "b", "c"]
