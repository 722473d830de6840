"""What the API keeps of a site between requests never refuses a visitor it should accept.

"Another process" is played by a connection of its own writing plain SQL: this process's
session sees nothing of it, exactly as a worker sees nothing of the console's worker.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from cookieconsent.consents import receipts
from cookieconsent.extensions import db
from cookieconsent.models.types import utcnow
from cookieconsent.sites import policies, registry

ORIGIN = "https://shop.example.kz"


@pytest.fixture
def other_process(database_url):
    engine = create_engine(database_url)

    def run(statement, **params):
        with engine.begin() as conn:
            return conn.execute(text(statement), params)

    yield run
    engine.dispose()


def record(client, body, origin=ORIGIN):
    return client.post("/api/v1/consents", json=body, headers={"Origin": origin})


def verify(client, token):
    return client.post("/api/v1/receipts/verify", json={"receipt": token}).get_json()


def test_a_key_made_by_another_process_verifies_at_once(client, site, consent_body, other_process):
    consent = record(client, consent_body()).get_json()
    assert verify(client, consent["receipt"])["valid"] is True  # the site is now remembered
    # The receipt names its event by the second it was recorded: the one the server signed.
    recorded = receipts.verify(consent["receipt"], registry.signing_secrets(site)).issued_at

    secret = secrets.token_urlsafe(32)
    other_process(
        "INSERT INTO site_key (site_id, secret, created_at) VALUES (:site, :secret, :now)",
        site=site.id, secret=secret, now=utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"),
    )
    token = receipts.sign(
        receipts.Receipt(kind="cookie", consent_id=consent["consent_id"], site=site.key,
                         issued_at=recorded, revision=1, granted=["functional"]),
        [secret],
    )
    assert verify(client, token)["valid"] is True
    forged = receipts.sign(
        receipts.Receipt(kind="cookie", consent_id=consent["consent_id"], site=site.key,
                         issued_at=recorded, revision=1, granted=["analytics"]),
        [secrets.token_urlsafe(32)],
    )
    assert verify(client, forged) == {"valid": False, "reason": "bad_signature"}


def test_a_policy_published_by_another_process_is_accepted_at_once(
    client, site, consent_body, other_process
):
    assert record(client, consent_body()).status_code == 201  # revision 1, remembered
    # Another worker publishes a significant version: the banner now shows revision 2.
    version = policies.draft(
        site, {lang: {"body": f"New policy ({lang})."} for lang in site.languages},
        significant=True,
    )
    db.session.commit()
    other_process(
        "UPDATE policy_version SET revision = 2, published_at = effective_at WHERE id = :id",
        id=version.id,
    )
    assert record(client, consent_body(revision=2)).status_code == 201
    stale = record(client, consent_body(revision=1))
    assert stale.status_code == 409 and stale.get_json()["current_revision"] == 2


def test_changes_made_in_this_process_apply_to_the_next_request(client, site, consent_body):
    assert record(client, consent_body()).status_code == 201
    site.origins = ["https://other.example.kz"]
    db.session.commit()
    assert record(client, consent_body()).status_code == 403
    assert record(client, consent_body(), origin="https://other.example.kz").status_code == 201

    policies.publish(
        policies.draft(site, {lang: {"body": f"v2 ({lang})"} for lang in site.languages},
                       significant=True)
    )
    db.session.commit()
    conflict = record(client, consent_body(), origin="https://other.example.kz")
    assert conflict.status_code == 409 and conflict.get_json()["current_revision"] == 2


def test_a_version_scheduled_for_later_applies_on_its_date(
    client, site, consent_body, monkeypatch
):
    policies.publish(
        policies.draft(site, {lang: {"body": f"v2 ({lang})"} for lang in site.languages},
                       significant=True),
        effective_at=utcnow() + timedelta(hours=1),
    )
    db.session.commit()
    assert record(client, consent_body(revision=1)).status_code == 201

    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr("cookieconsent.sites.snapshots.utcnow", lambda: later)
    assert record(client, consent_body(revision=1)).status_code == 409
    assert record(client, consent_body(revision=2)).status_code == 201


class TestWithoutCache:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"SITE_CACHE_SECONDS": 0}

    def test_an_origin_removed_by_another_process_is_refused_at_once(
        self, client, site, consent_body, other_process
    ):
        assert record(client, consent_body()).status_code == 201
        other_process("UPDATE site SET origins = :origins WHERE id = :id",
                      origins='["https://other.example.kz"]', id=site.id)
        assert record(client, consent_body()).status_code == 403


def test_an_unknown_site_is_404_and_a_new_one_is_found(client, consent_body):
    answer = client.post("/api/v1/consents", json=consent_body() | {"site": "newshop"})
    assert answer.status_code == 404
    assert answer.get_json()["fields"] == {"site": "No site with key 'newshop'."}
    site = registry.create_site("newshop", "New shop", [ORIGIN])
    db.session.commit()
    answer = client.post("/api/v1/consents", json=consent_body(revision=0) | {"site": site.key})
    # Found (not 404), and refused for the reason a new site has: no policy published yet.
    assert answer.status_code == 409 and answer.get_json()["reason"] == "no_policy"


def script_config(client) -> dict:
    """The config object the script is called with: ``…})({config},"css");``."""
    body = client.get("/embed/shop.js").get_data(as_text=True)
    return json.JSONDecoder().raw_decode(body, body.rindex("})({") + 3)[0]


def test_the_embed_script_follows_a_change_made_in_this_process(client, site):
    assert script_config(client)["days"] == 365
    site.consent_lifetime_days = 180
    db.session.commit()
    assert script_config(client)["days"] == 180


def test_a_client_cannot_grow_what_is_kept_by_naming_hosts(app, client, site):
    from cookieconsent.sites.snapshots import MAX_REMEMBERED

    for n in range(MAX_REMEMBERED + 50):
        assert client.get("/embed/shop.js", headers={"Host": f"h{n}.example"}).status_code == 200
    assert len(app.extensions["cookieconsent.site_snapshots"].kept) <= MAX_REMEMBERED
