"""The public API: recording, withdrawing and verifying consents."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cookieconsent.consents import decisions
from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import registry


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsentEvent))


def test_config_names_revision_policy_and_categories(client, site):
    response = client.get(f"/api/v1/sites/{site.key}/config")
    assert response.status_code == 200
    data = response.get_json()
    assert data["revision"] == 1
    assert [c["key"] for c in data["categories"]] == ["essential", "functional", "analytics"]
    assert data["categories"][0]["locked"] is True
    assert set(data["policy"]["texts"]) == {"kk", "ru", "en"}
    assert len(data["policy"]["texts"]["kk"]["sha256"]) == 64


def test_unknown_site_config_is_404_json(client, app):
    response = client.get("/api/v1/sites/nope/config")
    assert response.status_code == 404
    assert response.get_json()["fields"] == {"site": "No site with key 'nope'."}


def test_consent_is_recorded_and_its_receipt_verifies(client, consent_body):
    response = client.post("/api/v1/consents", json=consent_body(),
                           headers={"Origin": "https://shop.example.kz",
                                    "User-Agent": "Mozilla/5.0 test"},
                           environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 201
    answer = response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example.kz"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert len(answer["receipt"]) < 300

    verified = client.post("/api/v1/receipts/verify", json={"receipt": answer["receipt"]})
    assert verified.get_json() | {"issued_at": None} == {
        "valid": True, "kind": "cookie", "consent_id": answer["consent_id"], "site": "shop",
        "revision": 1, "issued_at": None, "withdrawn": False,
        "choices": {"essential": True, "functional": True, "analytics": False},
    }
    event = db.session.scalar(select(ConsentEvent))
    assert event.ip == "203.0.113.0"
    assert event.url == "https://shop.example.kz/catalog"
    assert event.user_agent == "Mozilla/5.0 test"
    assert event.services == []
    assert event.policy_sha256 == event.policy_version.text_for("kk").sha256


def test_text_plain_body_is_accepted_as_a_simple_cors_request(client, consent_body):
    import json

    response = client.post("/api/v1/consents", data=json.dumps(consent_body()),
                           content_type="text/plain;charset=UTF-8",
                           headers={"Origin": "https://shop.example.kz"})
    assert response.status_code == 201


def test_ipv6_is_truncated_to_48(client, consent_body):
    response = client.post("/api/v1/consents", json=consent_body(),
                           environ_base={"REMOTE_ADDR": "2001:db8:abcd:12:1:2:3:4"})
    assert response.status_code == 201
    assert db.session.scalar(select(ConsentEvent.ip)) == "2001:db8:abcd::"


def tamper(token: str, position: int) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1:]


@pytest.mark.parametrize("position", [5, 40, -3])
def test_changed_receipt_does_not_verify(client, consent_body, position):
    receipt = client.post("/api/v1/consents", json=consent_body()).get_json()["receipt"]
    answer = client.post("/api/v1/receipts/verify", json={"receipt": tamper(receipt, position)})
    assert answer.status_code == 200
    assert answer.get_json()["valid"] is False


def test_receipt_signed_with_another_sites_key_does_not_verify(client, consent_body, make_site):
    from cookieconsent.consents import receipts

    other = make_site("other", origins=["https://other.example.kz"])
    genuine = client.post("/api/v1/consents", json=consent_body()).get_json()["receipt"]
    claims = receipts.verify(genuine, registry.signing_secrets(registry.get_site("shop")))
    forged = receipts.sign(claims, registry.signing_secrets(other))
    answer = client.post("/api/v1/receipts/verify", json={"receipt": forged}).get_json()
    assert answer == {"valid": False, "reason": "bad_signature"}


def test_receipt_issued_before_key_rotation_still_verifies(client, consent_body, runner):
    old = client.post("/api/v1/consents", json=consent_body()).get_json()["receipt"]
    result = runner.invoke(args=["sites", "rotate-key", "shop"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    new = client.post("/api/v1/consents", json=consent_body()).get_json()["receipt"]
    assert old.rsplit(".", 1)[1] != new.rsplit(".", 1)[1]
    for receipt in (old, new):
        assert client.post("/api/v1/receipts/verify", json={"receipt": receipt}).get_json()["valid"]


def test_withdrawal_is_recorded_and_verify_reports_it(client, consent_body):
    given = client.post("/api/v1/consents", json=consent_body()).get_json()
    response = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                           json={"receipt": given["receipt"]})
    assert response.status_code == 201
    verified = client.post("/api/v1/receipts/verify", json={"receipt": given["receipt"]})
    assert verified.get_json()["withdrawn"] is True
    events = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [e.event_type for e in events] == ["given", "withdrawn"]
    assert events[1].choices == {"essential": True, "functional": False, "analytics": False}
    again = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                        json={"receipt": given["receipt"]})
    assert again.status_code == 409


def test_update_links_previous_consent(client, consent_body):
    first = client.post("/api/v1/consents", json=consent_body()).get_json()
    second = client.post("/api/v1/consents", json=consent_body(
        previous_receipt=first["receipt"], action="accept_all",
        choices={"functional": True, "analytics": True}))
    assert second.status_code == 201
    event = db.session.scalar(select(ConsentEvent).order_by(ConsentEvent.id.desc()).limit(1))
    assert (event.event_type, event.previous_consent_id) == ("updated", first["consent_id"])
    assert event.services == []
    # The banner tells its visitor's own consent by this link, signed with the rest.
    receipt, _ = decisions.check_receipt(second.get_json()["receipt"])
    assert receipt.previous_consent_id == first["consent_id"]
    assert decisions.check_receipt(first["receipt"])[0].previous_consent_id is None


def test_a_consent_one_does_not_hold_cannot_be_linked(client, consent_body, make_site):
    # The attack: a stranger who learns a visitor's consent id (a shared link, a support
    # ticket) records a decision that claims to replace it.
    victims = client.post("/api/v1/consents", json=consent_body()).get_json()
    claimed = client.post("/api/v1/consents", json=consent_body(
        previous_consent_id=victims["consent_id"]))
    assert claimed.status_code == 422
    assert set(claimed.get_json()["fields"]) == {"previous_receipt"}
    # Someone else's receipt does not prove the id either, nor another site's receipt.
    own = client.post("/api/v1/consents", json=consent_body()).get_json()
    mismatch = client.post("/api/v1/consents", json=consent_body(
        previous_consent_id=victims["consent_id"], previous_receipt=own["receipt"]))
    assert mismatch.status_code == 422
    assert set(mismatch.get_json()["fields"]) == {"previous_consent_id"}
    make_site("other", origins=["https://other.example.kz"])
    elsewhere = client.post("/api/v1/consents", json=consent_body(site="other")).get_json()
    foreign = client.post("/api/v1/consents", json=consent_body(
        previous_receipt=elsewhere["receipt"]))
    assert foreign.status_code == 422
    assert set(foreign.get_json()["fields"]) == {"previous_receipt"}
    linked = db.session.scalars(select(ConsentEvent.previous_consent_id)).all()
    assert linked == [None, None, None]


BAD_INPUTS = [
    # (description, body or raw bytes, content type, status, field)
    ("revision as string", {"revision": "1"}, None, 422, "revision"),
    ("choice as string", {"choices": {"functional": "yes", "analytics": False}}, None, 422,
     "choices.functional"),
    ("choice as number", {"choices": {"functional": 1, "analytics": False}}, None, 422,
     "choices.functional"),
    ("missing choices", {"choices": None}, None, 422, "choices"),
    ("unknown category", {"choices": {"functional": True, "analytics": True, "ads": True}},
     None, 422, "choices.ads"),
    ("essential false", {"choices": {"essential": False, "functional": True, "analytics": True}},
     None, 422, "choices.essential"),
    ("unknown site", {"site": "nope"}, None, 404, "site"),
    ("bad site key", {"site": "../etc"}, None, 422, "site"),
    ("stale revision", {"revision": 0}, None, 409, "revision"),
    ("unknown language", {"language": "de"}, None, 422, "language"),
    ("unknown method", {"method": "telepathy"}, None, 422, "method"),
    ("unknown action", {"action": "maybe"}, None, 422, "action"),
    ("accept_all with refusal", {"action": "accept_all"}, None, 422, "action"),
    ("reject_all with grant", {"action": "reject_all"}, None, 422, "action"),
    ("unknown field", {"extra": 1}, None, 422, "extra"),
    ("url not http", {"url": "javascript:alert(1)"}, None, 422, "url"),
    ("url too long", {"url": "https://a.kz/" + "a" * 2000}, None, 422, "url"),
    ("gpc as string", {"gpc": "true"}, None, 422, "gpc"),
    ("previous id malformed", {"previous_consent_id": "x"}, None, 422, "previous_consent_id"),
    # Linking a consent is claiming it: only its receipt proves the visitor holds it.
    ("previous id without its receipt", {"previous_consent_id": "0" * 32}, None, 422,
     "previous_receipt"),
    ("previous receipt forged", {"previous_receipt": "v1.bogus.sig"}, None, 422,
     "previous_receipt"),
    ("oversized body", {"url": "https://a.kz/", "pad": "x" * 17000}, None, 413, "body"),
    ("not json", b"{site: demo", "application/json", 400, "body"),
    ("json array", b"[1, 2]", "application/json", 400, "body"),
    ("invalid utf-8", b'{"site": "\xff\xfe"}', "application/json", 400, "body"),
    ("deeply nested", b"[" * 5000 + b"]" * 5000, "application/json", 400, "body"),
    ("form encoded", b"site=shop", "application/x-www-form-urlencoded", 415, "body"),
]


@pytest.mark.parametrize(("case", "change", "content_type", "status", "field"), BAD_INPUTS,
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_naming_the_field(client, consent_body, case, change, content_type,
                                               status, field):
    if isinstance(change, bytes):
        response = client.post("/api/v1/consents", data=change, content_type=content_type)
    else:
        body = consent_body(**{k: v for k, v in change.items() if v is not None})
        for key in [k for k, v in change.items() if v is None]:
            del body[key]
        response = client.post("/api/v1/consents", json=body)
    assert response.status_code == status
    assert response.is_json
    assert field in response.get_json()["fields"], response.get_json()
    assert count_events() == 0


def test_origin_not_allowed_is_403_and_writes_nothing(client, consent_body):
    response = client.post("/api/v1/consents", json=consent_body(),
                           headers={"Origin": "https://evil.example.com"})
    assert response.status_code == 403
    assert "origin" in response.get_json()["fields"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert count_events() == 0


def test_preflight_is_answered_for_a_site_origin_only(client, site):
    allowed = client.options("/api/v1/consents", headers={
        "Origin": "https://shop.example.kz", "Access-Control-Request-Method": "POST"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example.kz"
    refused = client.options("/api/v1/consents", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize("body", [{"receipt": 5}, {}, {"receipt": "x", "other": 1}])
def test_verify_bad_input(client, app, body):
    response = client.post("/api/v1/receipts/verify", json=body)
    assert response.status_code == 422
    assert response.get_json()["fields"]


def test_withdraw_with_invalid_receipt_is_refused(client, consent_body):
    given = client.post("/api/v1/consents", json=consent_body()).get_json()
    response = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                           json={"receipt": tamper(given["receipt"], -2)})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"receipt": "bad_signature"}
    assert count_events() == 1


def test_openapi_is_generated_from_the_schemas(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/consents" in spec["paths"]
    props = spec["components"]["schemas"]["ConsentRequest"]["properties"]
    assert set(props) >= {"site", "revision", "choices", "language", "method", "action"}


def test_verify_reads_only_the_consents_own_events(app, site):
    """SQLite keeps no statistics: without the right index it read every event of the site."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from statistics; the index exists on both (migrations)")
    from cookieconsent.consents.decisions import _HISTORY

    statement = _HISTORY.compile(db.engine)
    parameters = statement.construct_params({"site_id": site.id, "consent_id": "0" * 32})
    plan = db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + str(statement),
        tuple(parameters[name] for name in statement.positiontup),
    ).all()
    assert any("ix_consent_event_site_consent" in row[-1] for row in plan), plan
