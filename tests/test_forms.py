"""Form consents: the API, the receipt, verification and the consent document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import ConsentEvent

DETAILS = {
    "operator": {
        "name": {"kk": "«Дүкен» ЖШС", "ru": "ТОО «Магазин»", "en": "Shop LLP"},
        "bin": "180340012346",
        "contact": "privacy@shop.example.kz",
    },
    "data": ["name", "phone", "email", "message"],
    "purposes": ["reply"],
    "term_months": 12,
    "third_parties": [{"name": "Kcell JSC", "purpose": {"kk": "SMS жіберу",
                                                        "ru": "отправка SMS",
                                                        "en": "sending SMS"}}],
    "cross_border": ["RU"],
}


@pytest.fixture
def document(site):
    version = documents.publish(site, DETAILS)
    db.session.commit()
    return version


@pytest.fixture
def form_body(site, document):
    """A valid form-consent body; keyword arguments override its fields."""

    def body(**overrides):
        data = {
            "site": site.key,
            "form": "feedback",
            "document_version": document.number,
            "language": "ru",
            "url": "https://shop.example.kz/contacts?name=Aigerim",
            "agreed": True,
            "subject": {"phone": "8 701 234 56 78", "email": "Aigerim@Example.KZ"},
        }
        return data | overrides

    return body


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsentEvent))


def test_form_consent_is_recorded_with_document_version_and_hash(client, form_body, document):
    response = client.post("/api/v1/form-consents", json=form_body(),
                           headers={"Origin": "https://shop.example.kz"})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert set(answer) >= {"consent_id", "receipt"}
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example.kz"
    event = db.session.scalar(select(ConsentEvent))
    assert (event.kind, event.method, event.action, event.form_id) == (
        "form", "form", "agree", "feedback")
    assert event.policy_version_id == document.id
    assert event.policy_sha256 == document.text_for("ru").sha256
    assert event.url == "https://shop.example.kz/contacts"
    assert len(event.subject_hashes) == 2
    assert (event.purge_after - event.created_at).days == 3 * 365


def test_form_receipt_verifies_and_names_form_and_document(client, form_body, document):
    answer = client.post("/api/v1/form-consents", json=form_body()).get_json()
    verified = client.post("/api/v1/receipts/verify", json={"receipt": answer["receipt"]})
    assert verified.get_json() | {"issued_at": None} == {
        "valid": True, "kind": "form", "consent_id": answer["consent_id"], "site": "shop",
        "issued_at": None, "withdrawn": False, "form_id": "feedback",
        "policy_version": document.number, "policy_version_in_force": document.number,
    }


@pytest.mark.parametrize(("subject", "matches"), [
    ({"phone": "+7 (701) 234-56-78"}, True),
    ({"phone": "87012345678", "email": " aigerim@example.kz "}, True),
    ({"email": "AIGERIM@EXAMPLE.KZ"}, True),
    ({"phone": "+7 701 234 56 79"}, False),
    ({"email": "someone@example.kz"}, False),
    ({"phone": "+77012345678", "email": "someone@example.kz"}, False),
])
def test_verify_tells_whether_receipt_belongs_to_subject(client, form_body, subject, matches):
    receipt = client.post("/api/v1/form-consents", json=form_body()).get_json()["receipt"]
    answer = client.post("/api/v1/receipts/verify", json={"receipt": receipt} | subject)
    assert answer.status_code == 200
    assert answer.get_json()["subject_matches"] is matches


@pytest.mark.parametrize(("subject", "field"), [
    ({"phone": "12345"}, "phone"), ({"email": "not-an-address"}, "email")])
def test_verify_refuses_a_malformed_subject(client, form_body, subject, field):
    receipt = client.post("/api/v1/form-consents", json=form_body()).get_json()["receipt"]
    answer = client.post("/api/v1/receipts/verify", json={"receipt": receipt} | subject)
    assert answer.status_code == 422
    assert field in answer.get_json()["fields"]


def test_withdrawn_form_receipt_verifies_as_withdrawn(client, form_body):
    given = client.post("/api/v1/form-consents", json=form_body()).get_json()
    response = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                           json={"receipt": given["receipt"]})
    assert response.status_code == 201
    answer = client.post("/api/v1/receipts/verify", json={"receipt": given["receipt"]}).get_json()
    assert (answer["valid"], answer["withdrawn"]) == (True, True)
    withdrawn = db.session.scalar(select(ConsentEvent).where(
        ConsentEvent.event_type == "withdrawn"))
    assert (withdrawn.kind, withdrawn.method, withdrawn.form_id) == ("form", "form", "feedback")
    assert withdrawn.choices == {"personal_data": False}


def test_cookie_receipt_does_not_pass_as_a_form_receipt(client, consent_body, form_body):
    from cookieconsent.consents import receipts
    from cookieconsent.sites import registry

    cookie = client.post("/api/v1/consents", json=consent_body()).get_json()["receipt"]
    payload, signature = cookie.split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims |= {"k": "f", "f": "feedback", "p": 1}
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forged = f"{forged_payload}.{signature}"
    assert client.post("/api/v1/receipts/verify", json={"receipt": forged}).get_json() == {
        "valid": False, "reason": "bad_signature"}
    with pytest.raises(receipts.InvalidReceipt):
        receipts.verify(forged, registry.signing_secrets(registry.get_site("shop")))


BAD_FORM_INPUTS = [
    # (description, overrides, status, field)
    ("box not ticked", {"agreed": False}, 422, "agreed"),
    ("tick missing", {"agreed": None}, 422, "agreed"),
    ("tick as string", {"agreed": "on"}, 422, "agreed"),
    ("unknown form", {"form": "newsletter"}, 422, "form"),
    ("malformed form id", {"form": "../x"}, 422, "form"),
    ("unknown document version", {"document_version": 7}, 422, "document_version"),
    ("document version as string", {"document_version": "1"}, 422, "document_version"),
    ("document version too big", {"document_version": 2**63}, 422, "document_version"),
    ("malformed phone", {"subject": {"phone": "+7 701 234"}}, 422, "subject.phone"),
    ("phone with letters", {"subject": {"phone": "8 701 ABC 56 78"}}, 422, "subject.phone"),
    ("malformed e-mail", {"subject": {"email": "aigerim.example.kz"}}, 422, "subject.email"),
    ("unknown subject field", {"subject": {"iin": "900101300123"}}, 422, "subject.iin"),
    ("unknown language", {"language": "de"}, 422, "language"),
    ("url not http", {"url": "javascript:alert(1)"}, 422, "url"),
    ("unknown site", {"site": "nope"}, 404, "site"),
    ("unknown field", {"extra": 1}, 422, "extra"),
]


@pytest.mark.parametrize(("case", "change", "status", "field"), BAD_FORM_INPUTS,
                         ids=[case[0] for case in BAD_FORM_INPUTS])
def test_bad_form_consent_is_refused_naming_the_field(client, form_body, case, change, status,
                                                      field):
    body = form_body(**{k: v for k, v in change.items() if v is not None})
    for key in [k for k, v in change.items() if v is None]:
        del body[key]
    response = client.post("/api/v1/form-consents", json=body)
    assert response.status_code == status
    assert response.is_json
    assert field in response.get_json()["fields"], response.get_json()
    assert count_events() == 0


def test_form_consent_from_a_foreign_origin_is_refused(client, form_body):
    response = client.post("/api/v1/form-consents", json=form_body(),
                           headers={"Origin": "https://evil.example.com"})
    assert response.status_code == 403
    assert count_events() == 0


def test_cookie_policy_number_is_not_a_consent_document(client, form_body, site):
    # The site has cookie policy version 1 but its consent document is also version 1;
    # a second, unpublished draft must not be accepted either.
    documents.draft(site, DETAILS)
    db.session.commit()
    response = client.post("/api/v1/form-consents", json=form_body(document_version=2))
    assert response.status_code == 422
    assert "document_version" in response.get_json()["fields"]


def test_no_phone_or_email_in_clear_anywhere_in_the_database(client, form_body, app):
    for phone, email in [("8 701 234 56 78", "Aigerim@Example.KZ"),
                         ("+7 777 000 11 22", "daniyar@example.kz")]:
        response = client.post("/api/v1/form-consents",
                               json=form_body(subject={"phone": phone, "email": email}))
        assert response.status_code == 201
    needles = ["7012345678", "701 234", "7770001122", "777 000", "aigerim", "daniyar"]
    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                dump = " ".join(str(value) for value in row).lower()
                found += [(table.name, n) for n in needles if n in dump]
    assert found == []
    assert db.session.scalar(text("SELECT count(*) FROM consent_event")) == 2


def test_openapi_documents_form_consents(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/form-consents" in spec["paths"]
    props = spec["components"]["schemas"]["FormConsentRequest"]["properties"]
    assert {"site", "form", "document_version", "agreed", "subject"} <= set(props)
