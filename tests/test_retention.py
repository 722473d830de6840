"""Erasure and the retention purge: what is due goes, nothing else does."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from cookieconsent.consents import retention
from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent, PurgeRun
from cookieconsent.models.consent import ERASABLE
from cookieconsent.models.types import utcnow

NOW = utcnow()


@pytest.fixture
def make_event(site):
    """Write one event with personal data in every erasable column."""

    def make(kind="form", *, age_days=0, purge_in_days=30, consent_id=None,
             event_type="given"):
        event = ConsentEvent(
            consent_id=consent_id or uuid.uuid4().hex, site_id=site.id, kind=kind,
            event_type=event_type, action="agree" if kind == "form" else "accept_all",
            method="form" if kind == "form" else "banner",
            created_at=NOW - timedelta(days=age_days),
            choices={"personal_data": True}, services=[], revision=1, language="ru",
            url="https://shop.example.kz/contacts", ip="203.0.113.0", user_agent="UA",
            form_id="feedback" if kind == "form" else None,
            subject_hashes=["a" * 64] if kind == "form" else [],
            purge_after=NOW + timedelta(days=purge_in_days),
        )
        db.session.add(event)
        db.session.commit()
        return event.id

    return make


def snapshot(event_id: int) -> dict:
    db.session.expire_all()
    event = db.session.get(ConsentEvent, event_id)
    return {c.key: getattr(event, c.key) for c in ConsentEvent.__table__.columns}


def test_erase_empties_exactly_the_erasable_columns(make_event):
    event_id = make_event()
    before = snapshot(event_id)
    assert retention.erase(db.session.get(ConsentEvent, event_id)) is True
    db.session.commit()
    after = snapshot(event_id)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == set(ERASABLE) | {"erased_at"}
    assert after["ip"] is None and after["url"] is None and after["subject_hashes"] == []
    assert retention.erase(db.session.get(ConsentEvent, event_id)) is False


def test_purge_removes_what_is_due_and_nothing_else(make_event, site):
    old_form = uuid.uuid4().hex
    due = [
        make_event("cookie", age_days=800, purge_in_days=-1),
        make_event("form", age_days=4 * 365, purge_in_days=-365, consent_id=old_form),
        # Its withdrawal, a year later, goes with it.
        make_event("form", age_days=3 * 365 - 20, purge_in_days=-365, consent_id=old_form,
                   event_type="withdrawn"),
    ]
    kept = [
        make_event("cookie", age_days=10, purge_in_days=1),
        make_event("form", age_days=365, purge_in_days=2 * 365),
        make_event("form", age_days=0, purge_in_days=3 * 365),
    ]
    kept_before = {event_id: snapshot(event_id) for event_id in kept}

    run = retention.purge(NOW)

    assert (run.status, run.erased_cookie, run.erased_form) == ("done", 1, 2)
    assert run.by_site == {"shop": {"cookie": 1, "form": 2}}
    for event_id in due:
        after = snapshot(event_id)
        assert after["erased_at"] == NOW
        assert all(after[name] in (None, []) for name in ERASABLE)
        assert after["consent_id"] and after["created_at"]  # the proof itself stays
    for event_id, before in kept_before.items():
        assert snapshot(event_id) == before

    again = retention.purge(NOW)
    assert (again.erased_cookie, again.erased_form) == (0, 0)
    assert db.session.scalar(select(PurgeRun.id).order_by(PurgeRun.id.desc())) == again.id


def test_shortened_form_retention_applies_at_once(make_event, site):
    recent = make_event("form", age_days=60, purge_in_days=3 * 365 - 60)
    fresh = make_event("form", age_days=10, purge_in_days=3 * 365 - 10)
    site.form_retention_days = 30
    db.session.commit()
    run = retention.purge(NOW)
    assert run.erased_form == 1
    assert snapshot(recent)["erased_at"] is not None
    assert snapshot(fresh)["erased_at"] is None


def test_purge_cli_reports_and_records_the_run(make_event, runner):
    make_event("cookie", age_days=800, purge_in_days=-1)
    make_event("form", age_days=1, purge_in_days=100)
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "shop\t1 cookie proof(s)\t0 form consent(s)" in dry.output
    assert db.session.scalar(select(PurgeRun.id)) is None

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "erased 1 cookie proof(s) and 0 form consent event(s)" in result.output
    ahead = runner.invoke(args=["purge", "--now", (NOW + timedelta(days=101)).isoformat()])
    assert "erased 0 cookie proof(s) and 1 form consent event(s)" in ahead.output
    assert [r.status for r in retention.recent_runs()] == ["done", "done"]


def test_two_purges_at_once_erase_each_event_exactly_once(app, make_event):
    due = [make_event("form", age_days=4 * 365, purge_in_days=-1) for _ in range(30)]
    due += [make_event("cookie", age_days=800, purge_in_days=-1) for _ in range(30)]
    runs, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                start.wait()
                finished = retention.purge(NOW, batch=7)
                runs.append(finished.erased)
                db.session.remove()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(runs) == len(due)
    db.session.expire_all()
    assert all(snapshot(event_id)["erased_at"] is not None for event_id in due)


def test_erased_form_receipt_no_longer_verifies(client, site):
    from test_forms import DETAILS

    from cookieconsent.forms import documents

    version = documents.publish(site, DETAILS)
    db.session.commit()
    answer = client.post("/api/v1/form-consents", json={
        "site": "shop", "form": "feedback", "document_version": version.number,
        "language": "en", "agreed": True, "subject": {"phone": "87012345678"}}).get_json()
    retention.purge(NOW + timedelta(days=3 * 365 + 1))
    verified = client.post("/api/v1/receipts/verify", json={"receipt": answer["receipt"]})
    assert verified.get_json() == {"valid": False, "reason": "erased"}


def test_ledger_still_verifies_after_purge_and_erasure(client, site, consent_body, runner):
    from test_forms import DETAILS

    from cookieconsent.consents import subjects
    from cookieconsent.forms import documents

    version = documents.publish(site, DETAILS)
    db.session.commit()
    client.post("/api/v1/consents", json=consent_body())
    for phone in ("87012345678", "87770001122"):
        response = client.post("/api/v1/form-consents", json={
            "site": "shop", "form": "feedback", "document_version": version.number,
            "language": "ru", "agreed": True, "subject": {"phone": phone}})
        assert response.status_code == 201
    subjects.erase_for_subject(site, phone="87012345678")
    db.session.commit()
    run = retention.purge(NOW + timedelta(days=3 * 365 + 1))
    assert run.erased_form == 1
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
