"""Form consents follow the consent document in force, not one it superseded."""

from __future__ import annotations

import copy

import pytest
from flask import Flask, g
from sqlalchemy import func, select
from test_forms import DETAILS

from cookieconsent import client as consent_client
from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import registry


def give(client, version: int):
    return client.post("/api/v1/form-consents", json={
        "site": "shop", "form": "feedback", "document_version": version, "language": "ru",
        "agreed": True, "subject": {"phone": "8 701 234 56 78"}})


def publish_next(site, purpose: str = "callback"):
    details = copy.deepcopy(DETAILS)
    details["purposes"] = [purpose]
    version = documents.publish(site, details)
    db.session.commit()
    return version


@pytest.fixture
def first(site):
    version = documents.publish(site, DETAILS)
    db.session.commit()
    return version


def backend(**options):
    site_app = Flask("site_backend")

    @site_app.post("/feedback")
    @consent_client.require_form_receipt("feedback", site="shop", **options)
    def feedback():
        return {"version": g.consent_receipt.document_version}

    return site_app.test_client()


def test_a_consent_to_a_superseded_document_is_refused_naming_the_version_in_force(
    client, site, first
):
    old = give(client, first.number)
    assert old.status_code == 201
    publish_next(site)
    publish_next(site, "reply")  # version 3 is in force now
    before = db.session.scalar(select(func.count()).select_from(ConsentEvent))
    refused = give(client, first.number)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["in_force"] == 3
    assert body["fields"] == {"document_version": "Version 3 is in force."}
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == before
    assert give(client, 3).status_code == 201


def test_the_site_backend_refuses_an_old_receipt_online_and_keeps_it_as_proof(
    client, site, first, live_server
):
    old_receipt = give(client, first.number).get_json()["receipt"]
    publish_next(site)
    guarded = backend(server=live_server.url)
    refused = guarded.post("/feedback", data={"consent_receipt": old_receipt})
    assert refused.status_code == 403 and b"superseded_document" in refused.data
    # The receipt still proves what it names: consent to version 1, for its whole term.
    verdict = client.post("/api/v1/receipts/verify", json={"receipt": old_receipt}).get_json()
    assert verdict["valid"] is True
    assert (verdict["policy_version"], verdict["policy_version_in_force"]) == (1, 2)
    # The site may choose to accept older versions.
    lenient = backend(server=live_server.url, min_version=1)
    assert lenient.post("/feedback", data={"consent_receipt": old_receipt}).status_code == 200
    new_receipt = give(client, 2).get_json()["receipt"]
    assert guarded.post("/feedback", data={"consent_receipt": new_receipt}).get_json() == {
        "version": 2
    }


def test_offline_the_site_names_the_version_it_requires(client, site, first):
    old_receipt = give(client, first.number).get_json()["receipt"]
    keys = registry.signing_secrets(site)
    assert backend(keys=keys).post("/feedback", data={"consent_receipt": old_receipt}
                                   ).status_code == 200
    strict = backend(keys=keys, min_version=2)
    refused = strict.post("/feedback", data={"consent_receipt": old_receipt})
    assert refused.status_code == 403 and b"superseded_document" in refused.data
