"""The visitor's own proof: POST /api/v1/consents/<consent_id>/proof."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cookieconsent.consents import receipts
from cookieconsent.extensions import db
from cookieconsent.ledger import checkpoints, proofcheck
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import registry


@pytest.fixture
def given(client, consent_body):
    """A decision recorded from the site's banner, as a visitor's browser made it."""
    response = client.post(
        "/api/v1/consents", json=consent_body(),
        headers={"Origin": "https://shop.example.kz", "User-Agent": "Mozilla/5.0 proof-test"},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    assert response.status_code == 201
    return response.get_json()


def proof_of(client, consent_id, receipt, **kwargs):
    return client.post(f"/api/v1/consents/{consent_id}/proof", json={"receipt": receipt}, **kwargs)


def tamper(token: str, position: int) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1:]


def test_proof_holds_every_fact_of_the_decision(client, given):
    response = proof_of(client, given["consent_id"], given["receipt"])
    assert response.status_code == 200
    proof = response.get_json()
    assert proof["consent_id"] == given["consent_id"]
    assert proof["site"] == {"key": "shop", "name": "Shop"}
    assert proof["receipt"] == given["receipt"]
    [event] = proof["events"]
    ledger = ("id", "record", "pii", "pii_salt", "seal", "checkpoint", "inclusion", "key")
    assert event["record"]["consent_id"] == given["consent_id"]
    assert event["pii"]["ip"] == "198.51.100.0" and event["checkpoint"] is None
    summary = {name: value for name, value in event.items() if name not in ledger}
    assert summary | {"time": None, "expires_at": None, "purge_after": None, "policy": None,
                      "receipt": None} == {
        "type": "given", "action": "custom", "time": None, "method": "banner",
        "choices": {"essential": True, "functional": True, "analytics": False},
        "services": [], "revision": 1, "policy": None,
        "url": "https://shop.example.kz/catalog", "ip": "198.51.100.0",
        "user_agent": "Mozilla/5.0 proof-test", "gpc": False, "previous_consent_id": None,
        "form_id": None, "expires_at": None, "purge_after": None, "erased_at": None,
        "receipt": None,
        # Sent by the API, not by the banner: no banner words were shown.
        "texts": None,
    }
    assert event["receipt"]["fingerprint"] == hashlib.sha256(
        given["receipt"].encode()).hexdigest()[:12]
    stored = db.session.scalar(select(ConsentEvent))
    assert event["policy"]["version"] == 1
    assert event["policy"]["language"] == "kk"
    assert event["policy"]["sha256"] == stored.policy_version.text_for("kk").sha256
    assert event["policy"]["text_url"].endswith("/policies/shop/1/kk")
    assert datetime.fromisoformat(event["time"]) == stored.created_at


def test_policy_link_of_a_proof_shows_the_text_that_was_shown(client, given):
    proof = proof_of(client, given["consent_id"], given["receipt"]).get_json()
    page = client.get(proof["events"][0]["policy"]["text_url"].removeprefix("http://localhost"))
    assert page.status_code == 200
    assert "Cookie policy of shop (kk)." in page.get_data(as_text=True)


def test_proof_with_the_ledger_checks_offline(client, given):
    checkpoints.checkpoint_all()
    response = client.post(f"/api/v1/consents/{given['consent_id']}/proof",
                           json={"receipt": given["receipt"], "ledger": True})
    document = response.get_json()
    [event] = document["events"]
    assert event["pii"]["ip"] == "198.51.100.0"
    assert proofcheck.check(document, event["key"]["public_key"]) == []
    event["record"]["action"] = "accept_all"
    assert proofcheck.check(document, event["key"]["public_key"])


def test_proof_lists_a_withdrawal_after_the_decision(client, given):
    withdrawn = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                            json={"receipt": given["receipt"], "method": "preference_page"})
    assert withdrawn.status_code == 201
    for receipt in (given["receipt"], withdrawn.get_json()["receipt"]):
        events = proof_of(client, given["consent_id"], receipt).get_json()["events"]
        assert [(e["type"], e["method"]) for e in events] == [
            ("given", "banner"), ("withdrawn", "preference_page")]
        assert events[1]["choices"] == {"essential": True, "functional": False, "analytics": False}


def test_proof_of_an_erased_event_keeps_the_decision_without_personal_data(client, given):
    event = db.session.scalar(select(ConsentEvent))
    event.ip = event.user_agent = event.url = None
    event.erased_at = datetime.now(UTC)
    db.session.commit()
    [shown] = proof_of(client, given["consent_id"], given["receipt"]).get_json()["events"]
    assert (shown["ip"], shown["user_agent"], shown["url"]) == (None, None, None)
    assert shown["erased_at"] is not None
    assert shown["choices"]["functional"] is True


@pytest.mark.parametrize("position", [5, 40, -3])
def test_tampered_receipt_is_refused_naming_the_receipt(client, given, position):
    response = proof_of(client, given["consent_id"], tamper(given["receipt"], position))
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"receipt"}


def test_receipt_of_another_consent_is_refused(client, given, consent_body):
    other = client.post("/api/v1/consents", json=consent_body()).get_json()
    response = proof_of(client, given["consent_id"], other["receipt"])
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"receipt": "Belongs to another consent."}


def test_genuine_receipt_of_an_unknown_consent_is_404(client, site):
    consent_id = uuid.uuid4().hex
    token = receipts.sign(
        receipts.Receipt(kind="cookie", consent_id=consent_id, site=site.key,
                         issued_at=datetime.now(UTC), revision=1, granted=[]),
        registry.signing_secrets(site),
    )
    response = proof_of(client, consent_id, token)
    assert response.status_code == 404
    assert response.get_json()["fields"] == {"consent_id": "No such consent."}


def test_receipt_of_an_unknown_site_is_refused(client, app):
    consent_id = uuid.uuid4().hex
    token = receipts.sign(
        receipts.Receipt(kind="cookie", consent_id=consent_id, site="gone",
                         issued_at=datetime.now(UTC), revision=1, granted=[]),
        ["some-key"],
    )
    response = proof_of(client, consent_id, token)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"receipt": "unknown_site"}


def test_proof_is_readable_from_the_site_and_the_server_only(client, given):
    own = proof_of(client, given["consent_id"], given["receipt"],
                   headers={"Origin": "http://localhost"})
    assert own.status_code == 200
    from_site = proof_of(client, given["consent_id"], given["receipt"],
                         headers={"Origin": "https://shop.example.kz"})
    assert from_site.headers["Access-Control-Allow-Origin"] == "https://shop.example.kz"
    foreign = proof_of(client, given["consent_id"], given["receipt"],
                       headers={"Origin": "https://evil.example.com"})
    assert foreign.status_code == 403
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert set(foreign.get_json()["fields"]) == {"origin"}


BAD_BODIES = [
    # (description, raw body, content type, status, field)
    ("no receipt", b"{}", "application/json", 422, "receipt"),
    ("receipt is a number", b'{"receipt": 5}', "application/json", 422, "receipt"),
    ("receipt is empty", b'{"receipt": ""}', "application/json", 422, "receipt"),
    ("receipt too long", b'{"receipt": "' + b"a" * 1001 + b'"}', "application/json", 422,
     "receipt"),
    ("unknown field", b'{"receipt": "x", "phone": "1"}', "application/json", 422, "phone"),
    ("ledger as string", b'{"receipt": "x", "ledger": "yes"}', "application/json", 422,
     "ledger"),
    ("malformed receipt", b'{"receipt": "not-a-receipt"}', "application/json", 422, "receipt"),
    ("not json", b"{receipt", "application/json", 400, "body"),
    ("json array", b"[]", "application/json", 400, "body"),
    ("form encoded", b"receipt=x", "application/x-www-form-urlencoded", 415, "body"),
]


@pytest.mark.parametrize(("case", "raw", "content_type", "status", "field"), BAD_BODIES,
                         ids=[case[0] for case in BAD_BODIES])
def test_bad_body_is_refused_naming_the_field(client, given, case, raw, content_type, status,
                                              field):
    response = client.post(f"/api/v1/consents/{given['consent_id']}/proof", data=raw,
                           content_type=content_type)
    assert response.status_code == status
    assert response.is_json
    assert field in response.get_json()["fields"], response.get_json()
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 1


def test_text_plain_body_is_accepted(client, given):
    import json

    response = client.post(f"/api/v1/consents/{given['consent_id']}/proof",
                           data=json.dumps({"receipt": given["receipt"]}),
                           content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200


def test_proof_endpoint_is_documented_in_openapi(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/consents/{consent_id}/proof"]["post"]
    assert set(operation["responses"]) >= {"200", "404", "422"}
    event = spec["components"]["schemas"]["ProofEvent"]["properties"]
    assert set(event) >= {"type", "action", "time", "choices", "policy", "method", "url", "ip",
                          "user_agent"}
