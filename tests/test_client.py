"""The helper a site's own backend uses to check a form's consent receipt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, g

from cookieconsent import client as consent_client
from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.sites import registry


@pytest.fixture
def form_receipt(client, site):
    """Record a form consent for a phone and return ``(consent_id, receipt)``."""
    from test_forms import DETAILS

    version = documents.publish(site, DETAILS)
    db.session.commit()

    def give(form="feedback", phone="8 701 234 56 78"):
        answer = client.post("/api/v1/form-consents", json={
            "site": "shop", "form": form, "document_version": version.number,
            "language": "ru", "agreed": True, "subject": {"phone": phone}}).get_json()
        return answer["consent_id"], answer["receipt"]

    return give


@pytest.fixture
def keys(site):
    return registry.signing_secrets(site)


def test_offline_verification_with_the_sites_keys(form_receipt, keys):
    consent_id, receipt = form_receipt()
    found = consent_client.verify_offline(receipt, keys, site="shop", form="feedback")
    assert (found.consent_id, found.form_id, found.document_version) == (
        consent_id, "feedback", 1)
    assert found.withdrawn is None


@pytest.mark.parametrize(("change", "reason"), [
    ({"form": "order"}, "wrong_form"),
    ({"site": "other"}, "wrong_site"),
    ({"max_age": timedelta(seconds=-1)}, "too_old"),
])
def test_offline_verification_checks_the_claims(form_receipt, keys, change, reason):
    _, receipt = form_receipt()
    with pytest.raises(consent_client.ReceiptError) as error:
        consent_client.verify_offline(receipt, keys, **({"form": "feedback"} | change))
    assert error.value.reason == reason


def test_offline_refuses_a_cookie_receipt_and_a_foreign_key(client, consent_body, keys,
                                                            form_receipt):
    cookie = client.post("/api/v1/consents", json=consent_body()).get_json()["receipt"]
    with pytest.raises(consent_client.ReceiptError) as error:
        consent_client.verify_offline(cookie, keys)
    assert error.value.reason == "not_a_form_receipt"
    _, receipt = form_receipt()
    with pytest.raises(consent_client.ReceiptError) as error:
        consent_client.verify_offline(receipt, "another-key")
    assert error.value.reason == "bad_signature"


def test_cli_prints_the_receipt_keys(runner, keys):
    import json

    result = runner.invoke(args=["forms", "receipt-keys", "shop"])
    assert json.loads(result.stdout.splitlines()[0]) == keys


def backend(**options) -> Flask:
    """A site's own backend with one guarded feedback view."""
    site_app = Flask("site_backend")
    site_app.config.update(options.pop("config", {}))

    @site_app.post("/feedback")
    @consent_client.require_form_receipt("feedback", site="shop", **options)
    def feedback():
        return {"consent_id": g.consent_receipt.consent_id}

    return site_app.test_client()


def test_decorator_offline_lets_a_valid_receipt_through(form_receipt, keys):
    consent_id, receipt = form_receipt()
    response = backend(keys=lambda: keys).post("/feedback", data={
        "name": "Aigerim", "consent_receipt": receipt})
    assert response.status_code == 200
    assert response.get_json() == {"consent_id": consent_id}


@pytest.mark.parametrize(("data", "status"), [
    ({"name": "Aigerim"}, 400),
    ({"consent_receipt": ""}, 400),
    ({"consent_receipt": "forged.token"}, 403),
])
def test_decorator_refuses_a_missing_or_invalid_receipt(app, keys, data, status):
    response = backend(config={"CONSENT_RECEIPT_KEYS": keys}).post("/feedback", data=data)
    assert response.status_code == status


def test_decorator_refuses_a_receipt_of_another_form(form_receipt, keys, site):
    site.forms = ["feedback", "order"]
    db.session.commit()
    _, receipt = form_receipt(form="order")
    response = backend(keys=keys).post("/feedback", data={"consent_receipt": receipt})
    assert response.status_code == 403


def test_online_verification_sees_withdrawal_and_subject(form_receipt, live_server, client):
    consent_id, receipt = form_receipt()
    found = consent_client.verify_online(receipt, live_server.url, phone="+7 701 234 5678")
    assert (found.consent_id, found.withdrawn, found.subject_matches) == (
        consent_id, False, True)
    with pytest.raises(consent_client.ReceiptError) as error:
        consent_client.verify_online(receipt, live_server.url, phone="+7 701 000 0000")
    assert error.value.reason == "subject_mismatch"

    guarded = backend(server=live_server.url, subject_fields={"phone": "tel"})
    assert guarded.post("/feedback", data={"consent_receipt": receipt,
                                           "tel": "87012345678"}).status_code == 200
    assert guarded.post("/feedback", data={"consent_receipt": receipt,
                                           "tel": "87770001122"}).status_code == 403

    client.post(f"/api/v1/consents/{consent_id}/withdraw", json={"receipt": receipt})
    with pytest.raises(consent_client.ReceiptError) as error:
        consent_client.verify_online(receipt, live_server.url)
    assert error.value.reason == "withdrawn"
    assert guarded.post("/feedback", data={"consent_receipt": receipt}).status_code == 403


def test_online_verification_reports_an_unreachable_server(form_receipt):
    _, receipt = form_receipt()
    with pytest.raises(consent_client.ReceiptError) as error:
        consent_client.verify_online(receipt, "http://127.0.0.1:9", timeout=2)
    assert (error.value.reason, error.value.status) == ("unavailable", 503)


def test_demo_backend_accepts_only_a_valid_feedback_receipt(runner, client):
    from cookieconsent.sites.registry import get_site

    assert runner.invoke(args=["demo"]).exit_code == 0
    version = documents.in_force(get_site("demo"))
    answer = client.post("/api/v1/form-consents", json={
        "site": "demo", "form": "feedback", "document_version": version.number,
        "language": "ru", "agreed": True, "subject": {"phone": "87012345678"}}).get_json()
    thanks = client.post("/demo/feedback", data={"name": "Айгерим",
                                                 "consent_receipt": answer["receipt"]})
    assert thanks.status_code == 200
    assert answer["consent_id"] in thanks.get_data(as_text=True)
    assert client.post("/demo/feedback", data={"name": "Айгерим"}).status_code == 400
    assert client.post("/demo/feedback", data={"consent_receipt": "x.y"}).status_code == 403
