"""SQLite writers take turns: many threads all get their rows in; a stuck writer gets a 503."""

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import cookieconsent.database  # noqa: F401  (registers the pragmas and the writers' turn)


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(
        f"sqlite:///{tmp_path / 'w.sqlite3'}", connect_args={"timeout": 0.3}
    )
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_concurrent_writers_all_succeed(engine):
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
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 12 * 40


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
