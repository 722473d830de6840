"""The delivery worker as it runs in production: a process that may be killed and restarted."""

from __future__ import annotations

import subprocess
import time

import pytest
from server_processes import BIN, ROOT, server_env
from sqlalchemy import select
from webhook_support import Receiver, add_endpoint, form_consents, withdraw

from cookieconsent import client as site_client
from cookieconsent.extensions import db
from cookieconsent.models import WebhookAttempt, WebhookDelivery
from cookieconsent.webhooks import signing

pytestmark = pytest.mark.slow


@pytest.fixture
def app_config(app_config):
    return app_config | {"WEBHOOK_ALLOW_PRIVATE": True}


def start_worker(env, log):
    return subprocess.Popen(
        [str(BIN / "flask"), "--app", "wsgi", "webhooks", "deliver", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # read what the worker committed
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("the worker did not get there")


def attempts():
    return db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()


def test_nothing_is_lost_when_the_worker_is_killed_between_attempts(
    admin_client, site, database_url, tmp_path
):
    receiver = Receiver([500, "hang"], hang_seconds=3)
    log = open(tmp_path / "worker.log", "w+")
    workers = []
    try:
        endpoint = add_endpoint(admin_client, site, receiver.url)
        secret = endpoint.secret
        withdraw(admin_client, form_consents(admin_client, site)())
        db.session.commit()
        env = server_env(
            database_url, tmp_path,
            COOKIECONSENT_WEBHOOK_ALLOW_PRIVATE="1",
            COOKIECONSENT_WEBHOOK_TIMEOUT="1",
            COOKIECONSENT_WEBHOOK_RETRY_SECONDS="2",
        )
        workers.append(start_worker(env, log))
        wait_for(lambda: len(attempts()) == 1)
        # Killed while it waits for the retry: the queue is in the database, not in it.
        workers[0].kill()
        workers[0].wait(10)
        assert len(receiver.requests) == 1

        workers.append(start_worker(env, log))
        wait_for(lambda: db.session.scalar(select(WebhookDelivery.status)) == "delivered")
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        receiver.stop()
        log.seek(0)
        output = log.read()
        log.close()
    assert [a.status_code for a in attempts()] == [500, None, 200], output
    assert len(receiver.requests) == 3
    sent = receiver.requests[-1]
    event = site_client.verify_webhook(sent["body"], sent["headers"][signing.HEADER], secret)
    assert event["type"] == "consent.withdrawn"
