"""Terms given in months end on the calendar date, as the law counts them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_forms import DETAILS

from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import ConsentEvent
from cookieconsent.models.types import add_months


@pytest.mark.parametrize(("start", "months", "end"), [
    ((2026, 3, 31), 36, (2029, 3, 31)),
    ((2026, 1, 31), 1, (2026, 2, 28)),
    ((2027, 12, 15), 2, (2028, 2, 15)),
    ((2027, 3, 31), 11, (2028, 2, 29)),
    ((2026, 12, 1), 12, (2027, 12, 1)),
])
def test_months_are_counted_by_the_calendar(start, months, end):
    moment = datetime(*start, 10, 30, tzinfo=UTC)
    assert add_months(moment, months) == datetime(*end, 10, 30, tzinfo=UTC)


def test_a_36_month_form_consent_ends_on_the_calendar_date(client, site):
    version = documents.publish(site, DETAILS | {"term_months": 36})
    db.session.commit()
    answer = client.post("/api/v1/form-consents", json={
        "site": "shop", "form": "feedback", "document_version": version.number,
        "language": "kk", "agreed": True, "subject": {"phone": "87012345678"}})
    assert answer.status_code == 201, answer.get_json()
    event = db.session.query(ConsentEvent).one()
    assert event.expires_at == add_months(event.created_at, 36)
    assert (event.expires_at - event.created_at).days in (1095, 1096)  # not 36 x 30 = 1080


def test_a_cookie_consent_lifetime_in_months_ends_on_the_calendar_date(client, site,
                                                                       consent_body):
    site.consent_lifetime_months = 13
    db.session.commit()
    answer = client.post("/api/v1/consents", json=consent_body(),
                         headers={"Origin": "https://shop.example.kz"})
    assert answer.status_code == 201, answer.get_json()
    event = db.session.query(ConsentEvent).one()
    assert event.expires_at == add_months(event.created_at, 13)
    config = client.get("/api/v1/sites/shop/config").get_json()
    assert config["consent_lifetime_months"] == 13


def test_a_site_without_months_keeps_its_days(client, site, consent_body):
    answer = client.post("/api/v1/consents", json=consent_body(),
                         headers={"Origin": "https://shop.example.kz"})
    event = db.session.query(ConsentEvent).one()
    assert answer.status_code == 201
    assert (event.expires_at - event.created_at).days == site.consent_lifetime_days
