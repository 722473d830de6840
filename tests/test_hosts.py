"""Two app hosts on one PostgreSQL database under concurrent load: nothing lost or doubled.

Each host is its own gunicorn (several workers) on its own port, as two machines behind a
load balancer would be; both seal rows and sign checkpoints at the same time.
"""

from __future__ import annotations

import os

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


@pytest.fixture
def database_url():
    admin_url = os.environ.get("COOKIECONSENT_TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip(
            "several hosts share one PostgreSQL database; SQLite is one machine's embedded "
            "store. Set COOKIECONSENT_TEST_DATABASE_URL to run this test."
        )
    with postgres_database(admin_url) as url:
        yield url


def test_two_hosts_lose_and_double_nothing(database_url, tmp_path):
    prepare(database_url, tmp_path)
    # Both hosts share the ledger keyring (copied to each host in production).
    env = server_env(
        database_url,
        tmp_path,
        COOKIECONSENT_RATE_LIMIT="100000 per minute",
        COOKIECONSENT_CONSENT_RATE_LIMIT="100000 per minute",
        COOKIECONSENT_LEDGER_CHECKPOINT_SECONDS="0.2",
    )
    hosts = [Gunicorn(env, tmp_path / f"host{n}.log", workers=2, threads=4) for n in (1, 2)]
    load = None
    try:
        for host in hosts:
            host.start()
        load = Load([h.url for h in hosts], threads=10).start()
        load.wait_for(400)
    finally:
        if load:
            load.stop()
        for host in hosts:
            host.stop()

    assert load.statuses == {201: len(load.acked)}, load.statuses
    assert load.unknown == 0
    stored = stored_counts(database_url)
    assert sorted(stored) == sorted(load.acked)
    assert set(stored.values()) == {1}
    for n in (1, 2):
        assert "POST /api/v1/consents" in (tmp_path / f"host{n}.log").read_text()
    assert checkpoints(database_url) > 1
    flask_cli(env, "ledger", "checkpoint")
    verified = flask_cli(env, "ledger", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    print(f"\ntwo hosts: {len(load.acked)} consents; {verified.stdout.splitlines()[0]}")
