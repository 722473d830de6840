"""What an operator can do to visitors' consents, and what a viewer can see."""

import re

import pytest
from admin_helpers import PASSWORD, audit_actions, login
from sqlalchemy import func, select

from cookieconsent.accounts import users
from cookieconsent.consents import retention
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, ConsentEvent, LedgerCheckpoint
from cookieconsent.models.types import utcnow


@pytest.fixture
def viewer(app, site):
    operator = users.create_operator("viewer@shop.kz", PASSWORD, "viewer", [site])
    db.session.commit()
    return operator


@pytest.fixture
def viewer_client(client, viewer):
    login(client, "viewer@shop.kz")
    return client


def tokens_in(text: str) -> set[str]:
    """Every run of characters a receipt could be made of (base64url and dots)."""
    return set(re.findall(r"[A-Za-z0-9_\-.]{16,}", text))


def test_a_viewer_cannot_withdraw_with_what_a_proof_shows(viewer_client, app, recorded):
    given = recorded()
    consent_id = given["consent_id"]
    page = viewer_client.get(f"/admin/sites/shop/consents/{consent_id}").get_data(as_text=True)
    download = viewer_client.post(f"/admin/sites/shop/consents/{consent_id}/proof.json")
    assert download.status_code == 200 and download.is_json
    shown = page + download.get_data(as_text=True)
    assert given["receipt"] not in shown
    # The attack: take whatever the proof shows and present it as the visitor's receipt.
    visitor = app.test_client()
    for candidate in tokens_in(shown):
        response = visitor.post(
            f"/api/v1/consents/{consent_id}/withdraw",
            json={"receipt": candidate},
            headers={"Origin": "https://shop.example.kz"},
        )
        assert response.status_code == 422, candidate
    assert db.session.scalars(select(ConsentEvent.event_type)).all() == ["given"]


def test_the_fingerprint_shown_matches_the_visitors_receipt(admin_client, recorded):
    import hashlib

    given = recorded()
    page = admin_client.get(f"/admin/sites/shop/consents/{given['consent_id']}")
    fingerprint = re.search(r"data-receipt-fingerprint>(\w+)<", page.get_data(as_text=True))
    assert fingerprint[1] == hashlib.sha256(given["receipt"].encode()).hexdigest()[:12]


def test_a_viewers_console_withdrawal_is_refused(viewer_client, recorded):
    consent_id = recorded()["consent_id"]
    response = viewer_client.post(f"/admin/sites/shop/consents/{consent_id}/withdraw")
    assert response.status_code == 403
    assert db.session.scalars(select(ConsentEvent.event_type)).all() == ["given"]


def test_an_admins_withdrawal_is_the_operators_and_audited(admin_client, recorded):
    consent_id = recorded()["consent_id"]
    response = admin_client.post(f"/admin/sites/shop/consents/{consent_id}/withdraw")
    assert response.status_code == 302
    withdrawn = db.session.scalar(select(ConsentEvent).where(ConsentEvent.action == "withdraw"))
    assert withdrawn.method == "operator"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consent.withdraw"))
    assert (entry.actor, entry.site_key, entry.target) == ("boss@shop.kz", "shop", consent_id)


def test_a_withdrawal_from_the_command_line_is_audited(runner, recorded):
    consent_id = recorded()["consent_id"]
    result = runner.invoke(args=["subjects", "withdraw", "--site", "shop", "--consent", consent_id])
    assert result.exit_code == 0, result.output
    assert "Withdrew 1 consent(s)." in result.output
    withdrawn = db.session.scalar(select(ConsentEvent).where(ConsentEvent.action == "withdraw"))
    assert withdrawn.method == "operator"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consent.withdraw"))
    assert entry.actor.startswith("cli:") and entry.target == consent_id
    again = runner.invoke(args=["subjects", "withdraw", "--site", "shop", "--consent", consent_id])
    assert "Withdrew 0 consent(s)." in again.output


def test_a_get_of_the_proof_download_writes_nothing(viewer_client, recorded):
    consent_id = recorded()["consent_id"]
    response = viewer_client.get(f"/admin/sites/shop/consents/{consent_id}/proof.json")
    assert response.status_code == 405
    assert audit_actions() == ["login"]
    assert db.session.scalar(select(func.count()).select_from(LedgerCheckpoint)) == 0
    # The page that shows the proof writes nothing either; the audited download is a POST.
    page = viewer_client.get(f"/admin/sites/shop/consents/{consent_id}").get_data(as_text=True)
    assert f'action="/admin/sites/shop/consents/{consent_id}/proof.json"' in page
    assert audit_actions() == ["login"]
    assert viewer_client.post(f"/admin/sites/shop/consents/{consent_id}/proof.json").is_json
    assert audit_actions() == ["login", "export"]


class TestProofDownloadCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WTF_CSRF_ENABLED": True}

    def test_the_download_needs_the_pages_csrf_token(self, client, viewer, recorded):
        consent_id = recorded()["consent_id"]
        form = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)[1]
        data = {"email": "viewer@shop.kz", "password": PASSWORD, "csrf_token": token}
        client.post("/admin/login", data=data)
        url = f"/admin/sites/shop/consents/{consent_id}/proof.json"
        assert client.post(url).status_code == 400
        page = client.get(f"/admin/sites/shop/consents/{consent_id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        assert client.post(url, data={"csrf_token": token}).is_json


def test_a_viewer_sees_only_their_sites_retention_figures(viewer_client, make_site):
    make_site("other")
    run = retention.purge(trigger="test")
    run.by_site = {"shop": {"cookie": 2, "form": 1}, "other": {"cookie": 40, "form": 30}}
    run.erased_cookie, run.erased_form = 42, 31
    run.error = "IntegrityError on site other"
    db.session.commit()
    page = viewer_client.get("/admin/retention").get_data(as_text=True)
    row = re.search(rf"<tr>\s*<td>{run.id}</td>.*?</tr>", page, re.S)[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[5:] == ["2", "1", "shop: 2/1"]
    assert "other" not in page and "42" not in cells and "IntegrityError" not in page


def test_an_admin_sees_every_sites_retention_figures(admin_client, make_site):
    make_site("other")
    run = retention.purge(trigger="test")
    run.by_site = {"shop": {"cookie": 2, "form": 1}, "other": {"cookie": 40, "form": 30}}
    run.erased_cookie, run.erased_form, run.finished_at = 42, 31, utcnow()
    db.session.commit()
    page = admin_client.get("/admin/retention").get_data(as_text=True)
    assert "shop: 2/1; other: 40/30" in page or "other: 40/30; shop: 2/1" in page
