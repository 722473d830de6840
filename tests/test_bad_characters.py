"""Characters no database stores are refused at the door, naming the field, on both engines.

A lone surrogate (``\\ud800``, sent as the JSON escape) cannot be encoded as UTF-8, so neither
SQLite nor PostgreSQL takes it; PostgreSQL refuses NUL in text. Both once reached the database
and came back as a 500, with the INSERT's parameters in the log.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest

from cookieconsent.extensions import db
from cookieconsent.forms import documents

SURROGATE = "\ud800"
NUL = "\x00"
BAD = pytest.mark.parametrize("bad", [SURROGATE, NUL], ids=["lone surrogate", "NUL"])


@pytest.fixture
def receipt(client, consent_body):
    answer = client.post("/api/v1/consents", json=consent_body()).get_json()
    return answer["consent_id"], answer["receipt"]


@pytest.fixture
def form_body(site):
    from test_forms import DETAILS

    version = documents.publish(site, DETAILS)
    db.session.commit()
    return {
        "site": site.key,
        "form": "feedback",
        "document_version": version.number,
        "language": "ru",
        "url": "https://shop.example.kz/contacts",
        "agreed": True,
        "subject": {"phone": "8 701 234 56 78", "email": "aigerim@mail.kz"},
    }


def forged_site(receipt: str, site: str) -> str:
    """``receipt`` with the site key in its payload replaced (its signature no longer fits)."""
    payload, signature = receipt.split(".", 1)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["s"] = site
    raw = json.dumps(claims).encode()  # ensure_ascii: the surrogate travels as \ud800
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + signature


def assert_refused(response, field: str, status: int = 422):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= {"error", "fields"}
    assert field in body["fields"], body


@BAD
def test_a_consents_url(client, consent_body, bad):
    url = f"https://shop.example.kz/{bad}"
    assert_refused(client.post("/api/v1/consents", json=consent_body(url=url)), "url")


@BAD
def test_a_withdrawal_url(client, receipt, bad):
    consent_id, token = receipt
    response = client.post(
        f"/api/v1/consents/{consent_id}/withdraw",
        json={"receipt": token, "url": f"https://shop.example.kz/{bad}"},
    )
    assert_refused(response, "url")


@BAD
@pytest.mark.parametrize("field", ["url", "subject.email", "subject.phone", "form"])
def test_a_form_consent_field(client, form_body, field, bad):
    if field.startswith("subject."):
        form_body["subject"][field.split(".")[1]] = f"aigerim{bad}@mail.kz"
    elif field == "url":
        form_body["url"] = f"https://shop.example.kz/{bad}"
    else:
        form_body[field] = f"feed{bad}back"
    assert_refused(client.post("/api/v1/form-consents", json=form_body), field)


@BAD
@pytest.mark.parametrize("field", ["email", "phone", "receipt"])
def test_a_verify_field(client, receipt, field, bad):
    body = {"receipt": receipt[1]}
    body[field] = body.get(field, "aigerim@mail.kz") + bad
    assert_refused(client.post("/api/v1/receipts/verify", json=body), field)


@BAD
def test_a_field_name(client, consent_body, bad):
    assert_refused(client.post("/api/v1/consents", json=consent_body(**{f"x{bad}": 1})), f"x{bad}")


@BAD
def test_a_receipts_site_field(client, receipt, bad):
    consent_id, token = receipt
    forged = forged_site(token, f"sh{bad}op")
    for path in (f"/api/v1/consents/{consent_id}/withdraw", f"/api/v1/consents/{consent_id}/proof"):
        assert_refused(client.post(path, json={"receipt": forged}), "receipt")
    verified = client.post("/api/v1/receipts/verify", json={"receipt": forged})
    # Verify answers every receipt it cannot vouch for with 200 and the reason.
    assert verified.status_code == 200
    assert verified.get_json() == {"valid": False, "reason": "malformed"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sites/sh%00op/config",
        "/api/v1/sites/sh%00op/consents",
        "/api/v1/consents/ab%00cd/withdraw",
        "/embed/sh%00op.js",
        "/embed/sh%00op/texts/ru.json",
        "/embed/sh%00op/1.js",
        "/preferences/sh%00op",
        "/policies/sh%00op/1/ru",
        "/consent/sh%00op",
        "/consent/sh%00op/1/ru",
    ],
)
def test_a_nul_in_a_path_is_404(client, site, path):
    method = client.post if path.endswith("withdraw") else client.get
    response = method(path, json={"receipt": "x"} if method == client.post else None)
    assert response.status_code == 404


def test_a_database_error_never_logs_its_parameters(app, site, caplog):
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    secret = "aigerim@mail.kz"
    with caplog.at_level(logging.DEBUG), pytest.raises(SQLAlchemyError) as raised:
        # A statement the database refuses, its parameter holding what a visitor sent.
        db.session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
    db.session.rollback()
    assert secret not in str(raised.value)
    assert secret not in caplog.text
