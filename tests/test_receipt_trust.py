"""The verify API answers from the stored, sealed event, never from the receipt's claims; the
files that hold the signing secrets are readable by their owner only."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import select, text

from cookieconsent import create_app
from cookieconsent.consents import receipts
from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import registry

ORIGIN = {"Origin": "https://shop.example.kz"}


def mint(site_key: str, consent_id: str, **claims) -> str:
    """A receipt signed with the site's secret, as anyone who can read the database could."""
    site = registry.get_site(site_key)
    event = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.consent_id == consent_id)
    ).first()
    facts = {"kind": "cookie", "consent_id": consent_id, "site": site_key,
             "issued_at": event.created_at if event else None, "revision": 1} | claims
    return receipts.sign(receipts.Receipt(**facts), registry.signing_secrets(site))


def verify(client, receipt: str) -> dict:
    response = client.post("/api/v1/receipts/verify", json={"receipt": receipt})
    assert response.status_code == 200
    return response.get_json()


def test_a_minted_receipt_does_not_verify_as_its_own_choices(client, site, consent_body):
    refused = consent_body(action="reject_all", choices={"functional": False, "analytics": False})
    given = client.post("/api/v1/consents", json=refused, headers=ORIGIN).get_json()
    minted = mint(site.key, given["consent_id"], granted=["functional", "analytics"])
    answer = verify(client, minted)
    assert answer == {"valid": False, "reason": "mismatch"}
    # The genuine receipt still verifies, with the stored choices.
    genuine = verify(client, given["receipt"])
    assert genuine["valid"] is True
    assert genuine["choices"] == {"essential": True, "functional": False, "analytics": False}


def test_a_minted_receipt_naming_another_predecessor_does_not_verify(client, site, consent_body):
    first = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    second = client.post("/api/v1/consents", headers=ORIGIN, json=consent_body(
        previous_receipt=first["receipt"])).get_json()
    assert verify(client, second["receipt"])["valid"] is True
    minted = mint(site.key, second["consent_id"], granted=["functional"],
                  previous_consent_id="e" * 32)
    assert verify(client, minted) == {"valid": False, "reason": "mismatch"}


def test_an_inserted_row_with_a_minted_receipt_does_not_verify(client, site, consent_body):
    given = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    forged = "f" * 32
    db.session.execute(
        text(
            "INSERT INTO consent_event (consent_id, site_id, kind, event_type, action, method,"
            " created_at, choices, services, revision, language, gpc, subject_hashes)"
            " SELECT :forged, site_id, kind, event_type, 'accept_all', method,"
            " created_at, :choices, services, revision, language, gpc, subject_hashes"
            " FROM consent_event WHERE consent_id = :genuine"
        ),
        {"forged": forged, "genuine": given["consent_id"],
         "choices": '{"essential": true, "functional": true, "analytics": true}'},
    )
    db.session.commit()
    answer = verify(client, mint(site.key, forged, granted=["functional", "analytics"]))
    assert answer == {"valid": False, "reason": "tampered"}


def test_a_changed_stored_event_does_not_verify(client, consent_body):
    given = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    db.session.execute(
        text("UPDATE consent_event SET choices = :choices"),
        {"choices": '{"essential": true, "functional": true, "analytics": true}'},
    )
    db.session.commit()
    assert verify(client, given["receipt"]) == {"valid": False, "reason": "tampered"}


def test_a_withdrawal_receipt_verifies_as_the_withdrawal(client, consent_body):
    given = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    withdrawn = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                            json={"receipt": given["receipt"]}, headers=ORIGIN).get_json()
    for receipt, functional in ((given["receipt"], True), (withdrawn["receipt"], False)):
        answer = verify(client, receipt)
        assert answer["valid"] is True and answer["withdrawn"] is True
        assert answer["choices"]["functional"] is functional


@pytest.fixture
def own_sqlite(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("file modes are SQLite's: PostgreSQL keeps its own files")
    path = tmp_path / "fresh.sqlite3"
    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40, "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "LEDGER_KEYS": str(tmp_path / "keys" / "ledger_keys.json")})
    with app.app_context():
        db.create_all()
        yield app, path
        db.session.remove()
        db.engine.dispose()


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_and_keyring_files_are_for_their_owner_only(own_sqlite):
    from cookieconsent.sites import policies

    app, path = own_sqlite
    old = os.umask(0o022)  # the usual umask, under which files are created 0644
    try:
        site = registry.create_site("shop", "Shop", ["https://shop.example.kz"])
        texts = {lang: {"title": "Policy", "body": "Cookies."} for lang in site.languages}
        policies.publish(policies.draft(site, texts, significant=True))
        db.session.commit()
        body = {"site": "shop", "revision": 1, "language": "kk", "method": "banner",
                "action": "custom", "choices": {"functional": True, "analytics": False}}
        response = app.test_client().post("/api/v1/consents", json=body, headers=ORIGIN)
        assert response.status_code == 201, response.get_json()
    finally:
        os.umask(old)
    files = [path, f"{path}-wal", f"{path}-shm", app.config["LEDGER_KEYS"]]
    assert {str(f): mode(f) for f in files} == {str(f): 0o600 for f in files}
