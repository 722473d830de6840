"""Webhooks: a site's backend hears of a withdrawal, signed, retried until it answers."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from admin_helpers import PASSWORD, audit_actions, login
from sqlalchemy import select
from webhook_support import Receiver, add_endpoint, form_consents, withdraw

from cookieconsent import client as site_client
from cookieconsent.accounts import users
from cookieconsent.extensions import db
from cookieconsent.models import WebhookDelivery
from cookieconsent.models.types import utcnow
from cookieconsent.webhooks import delivery, signing


@pytest.fixture
def app_config(app_config):
    return app_config | {
        "WEBHOOK_ALLOW_PRIVATE": True,
        "WEBHOOK_TIMEOUT": 1.0,
        "WEBHOOK_RETRY_SECONDS": 0.0,
    }

@pytest.fixture
def form_consent(client, site):
    return form_consents(client, site)


@pytest.fixture
def receiver():
    # The backend fails twice (a 500, then no answer within the timeout), then accepts.
    server = Receiver([500, "hang"], hang_seconds=2.5)
    yield server
    server.stop()


def test_withdrawal_arrives_signed_after_two_failed_attempts(
    admin_client, site, receiver, form_consent
):
    endpoint = add_endpoint(admin_client, site, receiver.url)
    given = form_consent()
    withdraw(admin_client, given)
    assert receiver.requests == []  # queued with the withdrawal, sent by the worker

    attempts = [delivery.deliver_due() for _ in range(3)]
    assert [[a.status_code for a in made] for made in attempts] == [[500], [None], [200]]
    assert "timed out" in attempts[1][0].error
    assert len(receiver.requests) == 3
    sent = receiver.requests[-1]
    event = site_client.verify_webhook(
        sent["body"], sent["headers"][signing.HEADER], endpoint.secret
    )
    assert event["type"] == "consent.withdrawn"
    assert event["site"] == site.key
    assert event["data"] == {
        "consent_id": given["consent_id"], "kind": "form", "form_id": "feedback",
        "method": "form", "withdrawn_at": event["data"]["withdrawn_at"],
    }
    # The same event, same bytes, each time; never the phone or the browser in clear.
    assert {r["body"] for r in receiver.requests} == {sent["body"]}
    assert b"701" not in sent["body"] and b"TestBrowser" not in sent["body"]
    assert sent["headers"]["Cookieconsent-Event-Id"] == event["id"]

    tampered = sent["body"].replace(given["consent_id"].encode(), b"0" * 32)
    with pytest.raises(site_client.ReceiptError) as error:
        site_client.verify_webhook(tampered, sent["headers"][signing.HEADER], endpoint.secret)
    assert error.value.reason == "bad_signature"

    page = admin_client.get(f"/admin/sites/{site.key}/webhooks").get_data(as_text=True)
    assert 'data-status="delivered"' in page
    assert re.findall(r'data-attempt="(\d)"', page) == ["1", "2", "3"]
    assert "HTTP 500" in page and "timed out" in page


def test_replay_sends_the_same_event_again(admin_client, site, receiver, form_consent):
    receiver.script = []
    endpoint = add_endpoint(admin_client, site, receiver.url)
    withdraw(admin_client, form_consent())
    delivery.deliver_due()
    first = db.session.scalars(select(WebhookDelivery)).one()
    response = admin_client.post(f"/admin/sites/{site.key}/webhooks/deliveries/{first.id}/replay")
    assert response.status_code == 302
    assert [a.status_code for a in delivery.deliver_due()] == [200]
    one, two = receiver.requests
    assert one["body"] == two["body"]
    assert two["headers"]["Cookieconsent-Event-Id"] == one["headers"]["Cookieconsent-Event-Id"]
    site_client.verify_webhook(two["body"], two["headers"][signing.HEADER], endpoint.secret)
    assert audit_actions()[-1] == "webhook.replay"


def test_rotated_secret_signs_from_then_on(admin_client, site, receiver, form_consent):
    receiver.script = []
    endpoint = add_endpoint(admin_client, site, receiver.url)
    old = endpoint.secret
    admin_client.post(f"/admin/sites/{site.key}/webhooks/{endpoint.id}/rotate-secret")
    db.session.refresh(endpoint)
    assert endpoint.secret != old
    withdraw(admin_client, form_consent())
    delivery.deliver_due()
    sent = receiver.requests[0]
    site_client.verify_webhook(sent["body"], sent["headers"][signing.HEADER], endpoint.secret)
    with pytest.raises(site_client.ReceiptError):
        site_client.verify_webhook(sent["body"], sent["headers"][signing.HEADER], old)


def test_a_removed_endpoint_hears_nothing(admin_client, site, receiver, form_consent):
    endpoint = add_endpoint(admin_client, site, receiver.url)
    admin_client.post(f"/admin/sites/{site.key}/webhooks/{endpoint.id}/delete")
    withdraw(admin_client, form_consent())
    assert delivery.deliver_due() == [] and receiver.requests == []
    assert "webhook.delete" in audit_actions()


class TestRetries:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WEBHOOK_RETRY_SECONDS": 60.0}

    def test_waits_grow_and_a_day_later_the_delivery_fails(
        self, admin_client, site, receiver, form_consent
    ):
        receiver.script = [500, 500, 500]
        add_endpoint(admin_client, site, receiver.url)
        withdraw(admin_client, form_consent())
        (made,) = delivery.deliver_due()
        row = db.session.scalars(select(WebhookDelivery)).one()
        assert row.status == "pending"
        assert timedelta(seconds=60) <= row.next_attempt_at - made.started_at
        assert delivery.deliver_due() == []  # not due yet: nothing is sent early
        assert [delivery.wait_after(n).total_seconds() for n in (1, 2, 3, 8)] == [
            60, 120, 240, 3600]
        row.created_at = utcnow() - timedelta(days=1, seconds=1)
        row.next_attempt_at = utcnow()
        db.session.commit()
        delivery.deliver_due()
        db.session.refresh(row)
        assert row.status == "failed" and row.attempts == 2
        assert len(receiver.requests) == 2


def test_two_workers_never_take_the_same_attempt(admin_client, site, receiver, form_consent):
    add_endpoint(admin_client, site, receiver.url)
    withdraw(admin_client, form_consent())
    row = db.session.scalars(select(WebhookDelivery)).one()
    now, lease = utcnow(), utcnow() + timedelta(minutes=1)
    # Both workers read the row with no attempt made; only the first claim holds.
    assert delivery.take(row.id, 0, now, lease) is True
    assert delivery.take(row.id, 0, now, lease) is False
    db.session.commit()
    assert delivery.claim() == []  # the claim holds the row until its lease ends


def test_a_row_another_worker_has_locked_is_skipped(
    admin_client, site, receiver, form_consent, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite relies on the guarded UPDATE")
    add_endpoint(admin_client, site, receiver.url)
    withdraw(admin_client, form_consent())
    row_id = db.session.scalar(select(WebhookDelivery.id))
    db.session.commit()
    with db.engine.connect() as other:
        other.execute(select(WebhookDelivery.id).with_for_update())
        assert delivery.claim() == []
        other.rollback()
    assert delivery.claim() == [(row_id, 1)]


def test_verify_webhook_refuses_stale_and_malformed_signatures():
    body = json.dumps({"id": "x", "type": "consent.withdrawn"}).encode()
    header = signing.header_value("s3cret", 1_700_000_000, body)
    assert site_client.verify_webhook(body, header, "s3cret", now=1_700_000_100)["id"] == "x"
    cases = [
        # A captured delivery sent again ten minutes later: refused.
        (header, "s3cret", 1_700_000_600, "stale"),
        (header, "other", 1_700_000_000, "bad_signature"),
        ("v1=" + header.split("v1=")[1], "s3cret", 1_700_000_000, "malformed_signature"),
        (None, "s3cret", 1_700_000_000, "malformed_signature"),
        # A signature re-timed by an attacker no longer matches.
        (header.replace("t=1700000000", "t=1700000500"), "s3cret", 1_700_000_500,
         "bad_signature"),
    ]
    for value, secret, now, reason in cases:
        with pytest.raises(site_client.ReceiptError) as error:
            site_client.verify_webhook(body, value, secret, now=now)
        assert error.value.reason == reason


def test_a_viewer_reads_the_page_but_sees_no_secret(client, app, site, receiver, form_consent):
    users.create_operator("viewer@shop.kz", PASSWORD, "viewer", [site])
    db.session.commit()
    from cookieconsent.webhooks import endpoints

    endpoint = endpoints.add(site, receiver.url)
    db.session.commit()
    login(client, "viewer@shop.kz")
    page = client.get(f"/admin/sites/{site.key}/webhooks")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert receiver.url in text and endpoint.secret not in text and "<form method" not in text
    refused = client.post(f"/admin/sites/{site.key}/webhooks", data={"url": receiver.url})
    assert refused.status_code == 403
