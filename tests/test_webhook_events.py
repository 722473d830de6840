"""Which actions queue which webhook, from every path; and where an endpoint may point."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from admin_helpers import audit_actions
from sqlalchemy import select
from webhook_support import PHONE, Receiver, add_endpoint, form_consents, withdraw

from cookieconsent.consents import retention
from cookieconsent.extensions import db
from cookieconsent.models import WebhookDelivery, WebhookEndpoint
from cookieconsent.models.types import utcnow
from cookieconsent.webhooks import delivery

HOOK = "https://hooks.shop.example.kz/consent"


@pytest.fixture
def app_config(app_config):
    return app_config | {"WEBHOOK_ALLOW_PRIVATE": True}

@pytest.fixture
def form_consent(client, site):
    return form_consents(client, site)


def queued() -> list[tuple[str, dict]]:
    rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    return [(row.event_type, json.loads(row.body)["data"]) for row in rows]


def test_withdrawals_from_the_console_and_the_cli_are_told(
    admin_client, runner, site, form_consent
):
    add_endpoint(admin_client, site, HOOK)
    first, second = form_consent(), form_consent(phone="8 777 000 11 22")
    admin_client.post(f"/admin/sites/{site.key}/consents/{first['consent_id']}/withdraw")
    result = runner.invoke(args=["subjects", "withdraw", "--site", site.key,
                                 "--phone", "8 777 000 11 22"])
    assert result.exit_code == 0, result.output
    assert [(kind, data["consent_id"], data["method"]) for kind, data in queued()] == [
        ("consent.withdrawn", first["consent_id"], "operator"),
        ("consent.withdrawn", second["consent_id"], "operator"),
    ]


def test_the_preference_page_withdrawal_is_told(admin_client, site, recorded):
    add_endpoint(admin_client, site, HOOK)
    given = recorded()
    response = admin_client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                                 json={"receipt": given["receipt"], "method": "preference_page"})
    assert response.status_code == 201
    assert [(k, d["kind"], d["method"]) for k, d in queued()] == [
        ("consent.withdrawn", "cookie", "preference_page")]
    # A second withdrawal is refused and queues nothing more.
    again = admin_client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                              json={"receipt": given["receipt"]})
    assert again.status_code == 409 and len(queued()) == 1


def test_erasure_from_the_console_and_the_cli_is_told_once_per_consent(
    admin_client, runner, site, form_consent
):
    add_endpoint(admin_client, site, HOOK)
    first = form_consent()
    withdraw(admin_client, first)  # two events of one consent
    second = form_consent(phone="8 777 000 11 22")
    admin_client.post(f"/admin/sites/{site.key}/consents/{first['consent_id']}/erase",
                      data={"confirm": "yes"})
    result = runner.invoke(args=["subjects", "erase", "--site", site.key,
                                 "--phone", "8 777 000 11 22", "--yes"])
    assert result.exit_code == 0, result.output
    erased = [(k, d["consent_id"]) for k, d in queued() if k == "subject.erased"]
    assert erased == [("subject.erased", first["consent_id"]),
                      ("subject.erased", second["consent_id"])]
    assert PHONE.replace(" ", "")[1:] not in " ".join(r.body for r in
                                                       db.session.scalars(select(WebhookDelivery)))


def test_the_retention_purge_tells_each_expired_form_consent_once(
    admin_client, site, form_consent
):
    add_endpoint(admin_client, site, HOOK)
    given = form_consent()
    later = utcnow() + timedelta(days=site.form_retention_days + 1)
    retention.purge(later)
    retention.purge(later)  # a second run erases nothing, tells nothing
    assert [(k, d["consent_id"], d["form_id"]) for k, d in queued()] == [
        ("form_consent.expired", given["consent_id"], "feedback")]


def test_consent_recorded_only_where_the_endpoint_asks(admin_client, site, recorded):
    quiet = add_endpoint(admin_client, site, HOOK)
    eager = add_endpoint(admin_client, site, HOOK + "/all", recorded="y")
    given = recorded()
    rows = db.session.scalars(select(WebhookDelivery)).all()
    assert [(r.endpoint_id, r.event_type) for r in rows] == [(eager.id, "consent.recorded")]
    data = json.loads(rows[0].body)["data"]
    assert data["consent_id"] == given["consent_id"] and data["granted"] == [
        "essential", "functional"]
    assert quiet.events == ["consent.withdrawn", "subject.erased", "form_consent.expired"]


class TestAddresses:
    """Outside development an endpoint may not point at this server's own networks (SSRF)."""

    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WEBHOOK_ALLOW_PRIVATE": False}

    @pytest.mark.parametrize("url", [
        "http://127.0.0.1:5432/", "http://localhost/hook", "http://10.0.0.5/hook",
        "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/",
        "http://100.64.0.1/", "ftp://hooks.example.com/", "file:///etc/passwd",
        "javascript:alert(1)", "http://no-such-host.invalid/hook",
    ])
    def test_a_private_or_non_http_url_is_refused(self, admin_client, site, url):
        response = admin_client.post(f"/admin/sites/{site.key}/webhooks", data={"url": url})
        assert response.status_code == 422
        assert "Refused" in response.get_data(as_text=True) or "http or https" in (
            response.get_data(as_text=True))
        assert db.session.scalars(select(WebhookEndpoint)).all() == []
        assert "webhook.create" not in audit_actions()

    def test_the_cli_refuses_it_too(self, runner, site):
        result = runner.invoke(args=["webhooks", "add", site.key, "http://127.0.0.1/hook"])
        assert result.exit_code == 2 and "loopback" in result.output

    def test_a_stored_private_url_is_not_called(self, admin_client, site, form_consent):
        receiver = Receiver()
        try:
            # As if the name resolved elsewhere when it was added: checked again when sent.
            db.session.add(WebhookEndpoint(site_id=site.id, url=receiver.url, secret="s" * 64))
            db.session.commit()
            withdraw(admin_client, form_consent())
            (made,) = delivery.deliver_due()
            assert made.status_code is None and made.error.startswith("not sent")
            assert receiver.requests == []
        finally:
            receiver.stop()


def test_a_redirect_is_not_followed(admin_client, site, form_consent):
    inner = Receiver()
    outer = Receiver([(302, {"Location": inner.url})])
    try:
        add_endpoint(admin_client, site, outer.url)
        withdraw(admin_client, form_consent())
        (made,) = delivery.deliver_due()
        assert made.status_code == 302 and inner.requests == []
        row = db.session.scalars(select(WebhookDelivery)).one()
        assert row.status == "pending"
    finally:
        inner.stop()
        outer.stop()
