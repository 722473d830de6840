"""Every consent acknowledged with 201 survives SIGKILL of the server, stored exactly once.

gunicorn (several workers, several threads each) runs as in production; threads record
consents while the test kills the workers, then the whole server, and starts it again.
SQLite always; PostgreSQL too when COOKIECONSENT_TEST_DATABASE_URL is set, in a database of
this test's own.
"""

from __future__ import annotations

import os
import re

import pytest
from server_processes import (
    Gunicorn,
    Load,
    checkpoints,
    flask_cli,
    postgres_database,
    prepare,
    server_env,
    stored_counts,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    admin_url = os.environ.get("COOKIECONSENT_TEST_DATABASE_URL")
    if request.param == "sqlite":
        if admin_url:
            pytest.skip("SQLite's run is in the SQLite pass of the suite")
        yield f"sqlite:///{tmp_path / 'durable.sqlite3'}"
        return
    if not admin_url:
        pytest.skip("PostgreSQL: set COOKIECONSENT_TEST_DATABASE_URL")
    with postgres_database(admin_url) as url:
        yield url


def test_acknowledged_consents_survive_sigkill(database_url, tmp_path):
    prepare(database_url, tmp_path)
    env = server_env(
        database_url,
        tmp_path,
        COOKIECONSENT_RATE_LIMIT="100000 per minute",
        COOKIECONSENT_CONSENT_RATE_LIMIT="100000 per minute",
    )
    log = tmp_path / "gunicorn.log"
    server = Gunicorn(env, log, workers=3, threads=4).start()
    load = Load([server.url], threads=8).start()
    try:
        load.wait_for(60)
        killed = server.kill_workers()  # the master starts new workers
        load.wait_for(len(load.acked) + 60)
        server.kill()  # now the whole server, as a crash or an OOM kill would
        acked_before_restart = len(load.acked)
        server = Gunicorn(env, log, workers=3, threads=4)
        load.urls = [server.url]
        server.start()
        load.wait_for(acked_before_restart + 60)
    finally:
        load.stop()
        server.stop()

    assert killed == 3
    assert load.unknown > 0  # the kills did cut requests short
    stored = stored_counts(database_url)
    lost = [cid for cid in load.acked if cid not in stored]
    doubled = [cid for cid, count in stored.items() if count != 1]
    assert not lost, f"{len(lost)} acknowledged consents lost"
    assert not doubled, f"{len(doubled)} consents stored more than once"
    assert len(set(load.acked)) == len(load.acked)
    assert set(load.statuses) <= {201, 503}, load.statuses

    assert checkpoints(database_url) > 0  # the workers signed checkpoints while under load
    checkpointed = flask_cli(env, "ledger", "checkpoint")
    assert checkpointed.returncode == 0, checkpointed.stderr
    verified = flask_cli(env, "ledger", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Ledger OK" in verified.stdout
    summary = verified.stdout.strip().splitlines()[0]

    # gunicorn's access log saw every request, and never a full client address.
    text = log.read_text()
    assert "POST /api/v1/consents" in text
    assert re.search(r"^127\.0\.0\.0 .*POST /api/v1/consents", text, re.M)  # a /24
    assert not re.search(r"^127\.0\.0\.1 ", text, re.M)
    print(
        f"\n{database_url.split(':')[0]}: {len(load.acked)} acknowledged, "
        f"{load.unknown} cut by SIGKILL, statuses {load.statuses}, stored {len(stored)}; "
        f"ledger: {summary}"
    )
