"""Consents a mobile app records: a registered app id, its own URL scheme, an account hash."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from cookieconsent.consents import identity, subjects
from cookieconsent.extensions import db
from cookieconsent.ledger import audit as ledger_audit
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import registry

APP = "kz.aina.shop"
ACCOUNT = "customer-4217"


@pytest.fixture
def app_site(site):
    registry.set_apps(site, [APP])
    db.session.commit()
    return site


@pytest.fixture
def app_body(app_site, consent_body):
    def body(**overrides):
        return consent_body(method="app", app=APP, url="aina://home", language="ru",
                            device_id="3F2504E0-4F89-11D3-9A0C-0305E82C3301",
                            subject={"account": ACCOUNT}) | overrides

    return body


def post(client, body):
    # An app sends no Origin header: only browsers do.
    return client.post("/api/v1/consents", json=body, headers={"User-Agent": "AinaShop/3.2 iOS"})


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsentEvent))


def test_an_app_records_its_consent_without_an_origin(client, app_body):
    response = post(client, app_body())
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    event = db.session.scalars(select(ConsentEvent)).one()
    assert (event.method, event.app_id, event.url) == ("app", APP, "aina://home")
    # The receipt verifies like any other, and the account and device are only hashes.
    verified = client.post("/api/v1/receipts/verify", json={"receipt": answer["receipt"]})
    assert verified.get_json()["valid"] is True
    assert len(event.subject_hashes) == 2
    with db.engine.connect() as conn:
        dump = " ".join(str(row) for row in conn.execute(text("SELECT * FROM consent_event")))
    assert ACCOUNT not in dump and "3F2504E0" not in dump


def test_an_unregistered_app_is_refused_naming_app(client, app_body):
    response = post(client, app_body(app="kz.evil.clone"))
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"app"}
    assert events() == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"method": "banner"}, "url"),  # aina://home with the banner's method
    ({"method": "banner", "url": None}, "app"),  # an app id without method app
    ({"app": None}, "app"),
    ({"app": "not an id"}, "app"),
    ({"url": "javascript://alert(1)"}, "url"),
    ({"subject": {"account": " "}}, "subject.account"),
    ({"subject": {"phone": "12"}}, "subject.phone"),
])
def test_bad_app_input_is_refused_naming_the_field(client, app_body, overrides, field):
    body = {k: v for k, v in (app_body() | overrides).items() if v is not None}
    response = post(client, body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert events() == 0


def test_a_custom_scheme_url_is_refused_for_the_banner(client, site, consent_body):
    response = client.post("/api/v1/consents", json=consent_body(url="aina://home"),
                           headers={"Origin": "https://shop.example.kz"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"url": "Must be an http or https URL."}


def test_the_consent_is_found_by_the_account(client, runner, admin_client, app_site, app_body):
    mine = post(client, app_body()).get_json()["consent_id"]
    other = post(client, app_body(subject={"account": "customer-1"})).get_json()["consent_id"]
    found = subjects.find_by_subject(app_site, account=f"  {ACCOUNT} ")
    assert subjects.consent_ids(found) == [mine]
    assert identity.subject_hashes(app_site, account=ACCOUNT)[0] in found[0].subject_hashes

    result = runner.invoke(args=["subjects", "find", "--site", app_site.key, "--account", ACCOUNT])
    assert result.exit_code == 0, result.output
    assert mine in result.output and other not in result.output
    assert APP in result.output

    page = admin_client.get(f"/admin/sites/{app_site.key}/log?account={ACCOUNT}")
    assert mine in page.get_data(as_text=True) and other not in page.get_data(as_text=True)

    withdrawn = runner.invoke(args=["subjects", "withdraw", "--site", app_site.key,
                                    "--account", ACCOUNT])
    assert "Withdrew 1 consent(s)." in withdrawn.output


def test_the_app_withdraws_with_its_receipt(client, app_body):
    given = post(client, app_body()).get_json()
    response = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                           json={"receipt": given["receipt"], "method": "app",
                                 "url": "aina://settings/privacy"})
    assert response.status_code == 201, response.get_json()
    latest = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
    assert (latest.method, latest.app_id, latest.url) == ("app", APP, "aina://settings/privacy")


def test_the_seal_covers_the_app(client, app_body, runner):
    post(client, app_body())
    assert ledger_audit.verify().ok
    # Claiming afterwards that another app recorded it breaks the seal.
    db.session.execute(text("UPDATE consent_event SET app_id = 'kz.other.app'"))
    db.session.commit()
    assert not ledger_audit.verify().ok


def test_apps_are_managed_from_the_cli_and_the_console(runner, admin_client, site):
    result = runner.invoke(args=["sites", "apps", "add", site.key, APP, "com.aina.android"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["sites", "apps", "list", site.key]).output.split() == [
        "com.aina.android", APP]
    bad = runner.invoke(args=["sites", "apps", "add", site.key, "no spaces allowed"])
    assert bad.exit_code == 2
    runner.invoke(args=["sites", "apps", "remove", site.key, "com.aina.android"])
    db.session.expire_all()
    assert site.apps == [APP]

    form = {"name": "Shop", "origins": "https://shop.example.kz", "apps": "kz.aina.shop\nbad id",
            "languages": ["kk", "ru", "en"], "default_language": "ru",
            "consent_lifetime_days": 365, "proof_retention_days": 1095,
            "form_retention_days": 1095}
    refused = admin_client.post(f"/admin/sites/{site.key}/edit", data=form)
    assert refused.status_code == 200 and "not a bundle id" in refused.get_data(as_text=True)
    saved = admin_client.post(f"/admin/sites/{site.key}/edit",
                              data=form | {"apps": "kz.aina.shop\ncom.aina.android"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert site.apps == ["com.aina.android", APP]
    assert APP in admin_client.get(f"/admin/sites/{site.key}").get_data(as_text=True)
