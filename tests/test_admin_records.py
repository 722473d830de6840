"""The console's records: dashboard, consent log, proofs, subject requests."""

import hashlib
import re
from datetime import timedelta

import pytest
from admin_helpers import audit_actions, bulk_events
from sqlalchemy import func, select

from cookieconsent.admin import stats
from cookieconsent.consents import identity
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, ConsentEvent, DailyFigure
from cookieconsent.models.types import utcnow


def test_dashboard_counts_and_draws_svg_without_scripts(admin_client, site):
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    bulk_events(site, 30, start=start)
    page = admin_client.get("/admin/sites/shop/dashboard").get_data(as_text=True)
    assert "<script" not in page
    assert page.count("<svg") == 4
    assert re.search(r"<strong>30</strong>", page)
    # accept_all (10) and every second custom (5 of 10) granted analytics: 15 of 30.
    assert re.search(r"50\xa0?%", page)
    assert "Қазақша" in page and "English" in page


def test_dashboard_keeps_closed_days_and_counts_today_live(admin_client, site):
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    decisions = bulk_events(site, 12, start=start)
    bulk_events(site, 2, start=start, event_type="withdrawn", action="withdraw")
    bulk_events(site, 3, start=start, kind="form", action="agree", method="form")
    period = stats.Period(start, start + timedelta(days=5))
    counted = stats.figures(site, period)
    assert (counted.total, counted.withdrawals, counted.form_consents) == (12, 2, 3)
    kept = db.session.scalar(select(func.count()).select_from(DailyFigure))
    assert kept > 0
    decisions += bulk_events(site, 4, start=utcnow())
    again = stats.figures(site, period)
    assert again.total == 16
    for category in again.categories:
        assert category["granted"] == sum(r["choices"][category["key"]] for r in decisions)
    # The closed days were read back, not counted again.
    assert db.session.scalar(select(func.count()).select_from(DailyFigure)) == kept
    page = admin_client.get("/admin/sites/shop/dashboard").get_data(as_text=True)
    assert re.search(r"<strong>16</strong>", page) and re.search(r"<strong>2</strong>", page)


def test_dashboard_period_excludes_other_days(admin_client, site):
    bulk_events(site, 5, start=utcnow() - timedelta(days=100))
    page = admin_client.get("/admin/sites/shop/dashboard").get_data(as_text=True)
    assert re.search(r"<strong>0</strong>", page)
    old = (utcnow() - timedelta(days=100)).date().isoformat()
    page = admin_client.get(f"/admin/sites/shop/dashboard?from={old}&to={old}").get_data(
        as_text=True
    )
    assert re.search(r"<strong>5</strong>", page)


def test_log_filters_by_consent_id_and_pages(admin_client, site):
    rows = bulk_events(site, 120)
    first = admin_client.get("/admin/sites/shop/log").get_data(as_text=True)
    assert first.count('href="/admin/sites/shop/consents/') == 50
    assert rows[-1]["consent_id"] in first and rows[0]["consent_id"] not in first
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = admin_client.get(older).get_data(as_text=True)
    assert rows[-51]["consent_id"] in second and rows[-1]["consent_id"] not in second
    newer = re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert rows[-1]["consent_id"] in admin_client.get(newer).get_data(as_text=True)
    wanted = rows[7]["consent_id"]
    found = admin_client.get(f"/admin/sites/shop/log?consent_id={wanted}").get_data(as_text=True)
    assert found.count('href="/admin/sites/shop/consents/') == 1 and wanted in found


@pytest.mark.parametrize(
    "query,expected",
    [
        ("event_type=withdrawn", 0),
        ("method=preferences", 60),
        ("method=banner", 60),
        ("from=2026-01-01&to=2026-01-01", 50),
        ("consent_id=nothex", 0),
    ],
)
def test_log_filters(admin_client, site, query, expected):
    bulk_events(site, 120)
    page = admin_client.get(f"/admin/sites/shop/log?{query}").get_data(as_text=True)
    assert page.count('href="/admin/sites/shop/consents/') == min(expected, 50)


def test_log_finds_a_subject_by_phone_through_the_hash(admin_client, site):
    hashes = identity.subject_hashes(site, phone="+7 701 234 56 78")
    rows = bulk_events(site, 3, kind="form", form_id="feedback", subject_hashes=hashes)
    bulk_events(site, 5)
    page = admin_client.get("/admin/sites/shop/log?phone=8 (701) 234-56-78").get_data(as_text=True)
    assert page.count('href="/admin/sites/shop/consents/') == 3
    assert rows[0]["consent_id"] in page
    bad = admin_client.get("/admin/sites/shop/log?phone=12").get_data(as_text=True)
    assert bad.count('href="/admin/sites/shop/consents/') == 0 and 'class="error"' in bad


def test_proof_shows_every_field_the_text_and_a_verifying_receipt(admin_client, site, recorded):
    answer = recorded(
        url='https://shop.example.kz/<b>x</b>"><script>alert(1)</script>',
        ua="<img src=x onerror=alert(1)>",
    )
    page = admin_client.get(f"/admin/sites/shop/consents/{answer['consent_id']}").get_data(
        as_text=True
    )
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'data-receipt-verifies="true"' in page
    assert 'data-seal-verifies="true"' in page
    assert answer["receipt"] not in page
    assert hashlib.sha256(answer["receipt"].encode()).hexdigest()[:12] in page
    assert "Cookie policy of shop (kk)." in page
    event = db.session.scalar(select(ConsentEvent))
    for value in (event.consent_id, event.policy_sha256, event.ip, str(event.id)):
        assert value in page
    proof = admin_client.post(f"/admin/sites/shop/consents/{answer['consent_id']}/proof.json")
    document = proof.get_json()
    assert answer["receipt"] not in proof.get_data(as_text=True)
    assert document["format"] == "cookieconsent.consent-proof/1"
    assert document["receipt"] is None
    assert document["events"][0]["receipt"]["fingerprint"] in page
    assert document["events"][0]["policy"]["matches"] is True
    assert document["events"][0]["checkpoint"] is not None
    assert document["events"][0]["seal"]["problem"] is None
    assert "export" in audit_actions()


def test_proof_of_an_unknown_consent_is_404(admin_client, site):
    assert admin_client.get(f"/admin/sites/shop/consents/{'a' * 32}").status_code == 404


def test_withdraw_and_erase_on_a_subjects_request(admin_client, site, recorded):
    consent_id = recorded()["consent_id"]
    admin_client.post(f"/admin/sites/shop/consents/{consent_id}/withdraw")
    events = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [e.event_type for e in events] == ["given", "withdrawn"]
    assert events[1].method == "operator" and not events[1].choices["analytics"]
    unconfirmed = admin_client.post(f"/admin/sites/shop/consents/{consent_id}/erase")
    assert unconfirmed.status_code == 302
    assert db.session.scalar(select(func.count()).where(ConsentEvent.erased_at.is_not(None))) == 0
    admin_client.post(f"/admin/sites/shop/consents/{consent_id}/erase", data={"confirm": "yes"})
    for event in db.session.scalars(select(ConsentEvent)):
        db.session.refresh(event)
        assert event.erased_at is not None and event.ip is None and event.user_agent is None
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 2
    page = admin_client.get(f"/admin/sites/shop/consents/{consent_id}").get_data(as_text=True)
    assert "consent_id" not in page or consent_id in page
    assert {"consent.withdraw", "consent.erase"} <= set(audit_actions())


def test_access_request_exports_everything_held_about_a_subject(admin_client, site):
    hashes = identity.subject_hashes(site, email="Aigerim@Mail.kz")
    rows = bulk_events(site, 2, kind="form", form_id="feedback", subject_hashes=hashes)
    page = admin_client.get("/admin/sites/shop/subjects?email=aigerim@mail.kz").get_data(
        as_text=True
    )
    assert rows[0]["consent_id"] in page and rows[1]["consent_id"] in page
    response = admin_client.get("/admin/sites/shop/subjects/export.json?email=aigerim@mail.kz")
    document = response.get_json()
    assert set(document["consents"]) == {r["consent_id"] for r in rows}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "subject.access"))
    assert "aigerim" not in (entry.target or "") and entry.target.startswith("subject:")
    nothing = admin_client.get("/admin/sites/shop/subjects?phone=87770000000").get_data(
        as_text=True
    )
    assert "Nothing is held" in nothing or "сақталмаған" in nothing or "не хранится" in nothing
