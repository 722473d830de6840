"""Decisions that arrive together share one transaction, and each is answered only after it.

"Arrive together" is made certain, not left to timing: the test holds a lock that every
INSERT into the consent log must wait for (another connection's write transaction on SQLite,
a table lock on PostgreSQL), so the first request waits inside its commit while the others
queue behind it, exactly as they do when a commit takes its fsync under load.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, event, func, select, text

from cookieconsent.consents import decisions, group_commit
from cookieconsent.extensions import db
from cookieconsent.ledger import sealing
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import snapshots

ORIGIN = "https://shop.example.kz"
REQUESTS = 6


@pytest.fixture
def app_config(app_config):
    # A writer waiting for the test's lock must not give up while the test holds it.
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return app_config | {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}}}
    return app_config


@pytest.fixture
def log_locked(database_url):
    """Hold every INSERT into the consent log until the returned function is called."""
    engine = create_engine(database_url)
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.execute(text("LOCK TABLE consent_event IN EXCLUSIVE MODE"))

    def release():
        connection.rollback()
        connection.close()
        engine.dispose()

    yield release
    if not connection.closed:
        release()


def until(condition, what: str):
    deadline = time.monotonic() + 60  # a bound on a broken test, not a measurement
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_decisions_that_arrive_together_share_one_commit(app, site, consent_body, log_locked):
    inserts = []  # one INSERT statement per commit: alone in autocommit, or many rows in one

    def count_inserts(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO consent_event"):
            inserts.append(len(parameters) if executemany else 1)

    event.listen(db.engine, "before_cursor_execute", count_inserts)
    answers = []

    def post():
        client = app.test_client()
        answer = client.post("/api/v1/consents", json=consent_body(), headers={"Origin": ORIGIN})
        answers.append(answer)

    snapshots.get(site.key)  # read once here, so that the requests only write
    threads = [threading.Thread(target=post) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    committer = app.extensions
    until(lambda: "cookieconsent.group_commit" in committer, "no request reached the commit")
    queue = committer["cookieconsent.group_commit"].queue
    until(lambda: len(queue) == REQUESTS - 1, "the requests did not queue behind the first")
    assert answers == []  # none is answered before its commit
    log_locked()
    for thread in threads:
        thread.join(60)
    assert [a.status_code for a in answers] == [201] * REQUESTS
    # The first alone (it took the queue before it waited), the five queued behind it together.
    assert inserts == [1, REQUESTS - 1]
    db.session.rollback()
    stored = db.session.scalar(select(func.count()).select_from(ConsentEvent))
    assert stored == REQUESTS
    receipts = {a.get_json()["consent_id"] for a in answers}
    assert set(db.session.scalars(select(ConsentEvent.consent_id))) == receipts


def test_a_row_the_database_refuses_fails_only_its_own_request(app, site, consent_body):
    def decided(**changes):
        data = consent_body() | {"previous_consent_id": None, "app": None}
        event, _ = decisions.decide(snapshots.get(site.key), data, ip=None, user_agent=None)
        for name, value in changes.items():
            setattr(event, name, value)
        sealing.seal(event, site.key)
        return group_commit._Ticket([event])

    good, refused, other = decided(), decided(site_id=site.id + 1000), decided()
    group_commit._write([good, refused, other])
    assert good.stored and other.stored and not refused.stored
    assert refused.error is not None
    db.session.rollback()
    stored = set(db.session.scalars(select(ConsentEvent.consent_id)))
    assert stored == {good.events[0].consent_id, other.events[0].consent_id}
