"""The console's pages: sites, policy versions, operators, tokens, audit, retention, languages."""

import re
from datetime import timedelta

import pytest
from admin_helpers import PASSWORD, audit_actions, bulk_events, login
from sqlalchemy import func, select

from cookieconsent.accounts import users
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, PolicyVersion, Site
from cookieconsent.models.policy import ImmutableError
from cookieconsent.models.types import utcnow
from cookieconsent.sites import policies

SITE_FORM = {
    "key": "bazar",
    "name": "Bazar",
    "origins": "https://Bazar.kz/shop\nhttps://www.bazar.kz",
    "languages": ["kk", "ru"],
    "default_language": "kk",
    "consent_lifetime_days": "180",
    "proof_retention_days": "1095",
    "form_retention_days": "1095",
    "metrika_counter_id": "12345678",
    "metrika_clickmap": "y",
    "google_consent_mode": "y",
}


def test_create_a_site_through_the_form(admin_client):
    response = admin_client.post("/admin/sites/new", data=SITE_FORM)
    assert response.status_code == 302
    site = db.session.scalar(select(Site).where(Site.key == "bazar"))
    assert site.origins == ["https://bazar.kz", "https://www.bazar.kz"]
    assert site.languages == ["kk", "ru"] and site.default_language == "kk"
    assert site.consent_lifetime_days == 180 and site.google_consent_mode
    assert site.metrika_counter_id == 12345678 and site.metrika_options["clickmap"]
    assert not site.metrika_options["webvisor"]
    assert [s.key for s in site.services] == ["yandex-metrika"]
    page = admin_client.get("/admin/sites/bazar").get_data(as_text=True)
    assert (
        "&lt;script src=&#34;http://localhost/embed/bazar.js&#34; defer&gt;&lt;/script&gt;" in page
    )
    assert "site.create" in audit_actions()


@pytest.mark.parametrize(
    "field,value",
    [
        ("origins", "ftp://bazar.kz"),
        ("key", "Bad Key!"),
        ("default_language", "en"),
        ("consent_lifetime_days", "0"),
        ("metrika_counter_id", "abc"),
        ("name", ""),
        ("cookie_name", "cc shop; Domain=evil.kz"),
        ("announce_days", "-1"),
    ],
)
def test_a_bad_site_form_names_the_field_and_saves_nothing(admin_client, field, value):
    response = admin_client.post("/admin/sites/new", data=SITE_FORM | {field: value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert set(re.findall(r'id="(\w+)-error"', page)) == {field}
    assert db.session.scalar(select(func.count()).select_from(Site)) == 0


def test_edit_a_site_and_declare_a_service(admin_client, site):
    data = SITE_FORM | {
        "name": "Shop 2",
        "origins": "https://shop.example.kz",
        "languages": ["kk", "ru", "en"],
        "metrika_counter_id": "",
    }
    del data["key"]
    assert admin_client.post("/admin/sites/shop/edit", data=data).status_code == 302
    assert site.name == "Shop 2" and site.metrika_counter_id is None
    admin_client.post(
        "/admin/sites/shop/services",
        data={
            "key": "youtube",
            "name_ru": "YouTube",
            "name_kk": "YouTube",
            "category": "functional",
            "provider_ru": "Google",
            "cookies": "VISITOR_INFO1_LIVE, YSC",
            "storage_keys": "",
        },
    )
    service = next(s for s in site.services if s.key == "youtube")
    assert service.cookies == ["VISITOR_INFO1_LIVE", "YSC"]
    assert (service.name, service.provider) == ("YouTube", "Google")
    assert service.texts == {"kk": {"name": "YouTube"},
                             "ru": {"name": "YouTube", "provider": "Google"}}
    admin_client.post(f"/admin/sites/shop/services/{service.id}/delete")
    db.session.refresh(site)
    assert "youtube" not in [s.key for s in site.services]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "site.update")).all()
    assert entries[0].details["name"] == ["Shop", "Shop 2"]


def test_the_operators_cookie_name_is_the_one_the_banner_keeps(admin_client, site):
    data = SITE_FORM | {"origins": "https://shop.example.kz", "cookie_name": "shop_consent"}
    del data["key"]
    assert admin_client.post("/admin/sites/shop/edit", data=data).status_code == 302
    script = admin_client.get("/embed/shop.js").get_data(as_text=True)
    assert '"cookie":"shop_consent"' in script
    assert "<code>shop_consent</code>" in admin_client.get("/admin/sites/shop").get_data(
        as_text=True)


def test_rotate_the_signing_key_keeps_old_receipts_valid(admin_client, site, recorded):
    receipt = recorded()["receipt"]
    admin_client.post("/admin/sites/shop/rotate-key")
    db.session.refresh(site)
    assert len(site.keys) == 2 and site.keys[0].retired_at is not None
    verdict = admin_client.post("/api/v1/receipts/verify", json={"receipt": receipt}).get_json()
    assert verdict["valid"]
    assert "site.rotate_key" in audit_actions()


def policy_form(site, body="Жаңа саясат", **extra):
    data = {f"body_{lang}": f"{body} ({lang})\nLine two" for lang in site.languages}
    data |= {f"title_{lang}": f"Policy {lang}" for lang in site.languages}
    return data | extra


def test_publish_a_significant_version_raises_the_revision(admin_client, site):
    response = admin_client.post(
        "/admin/sites/shop/policies/new",
        data=policy_form(site, significant="y", changes_ru="Добавили"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/sites/shop/policies/2")
    draft = admin_client.get("/admin/sites/shop/policies/2").get_data(as_text=True)
    assert "Cookie policy of shop (kk)." in draft  # the diff against version 1
    assert policies.current_revision(site) == 1
    admin_client.post("/admin/sites/shop/policies/2/publish", data={})
    assert policies.current_revision(site) == 2
    page = admin_client.get("/admin/sites/shop").get_data(as_text=True)
    assert re.search(r"data-revision>2<", page)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.publish"))
    assert entry.details["revision"] == 2 and entry.actor == "boss@shop.kz"


def test_a_minor_version_keeps_the_revision(admin_client, site):
    admin_client.post("/admin/sites/shop/policies/new", data=policy_form(site))
    admin_client.post("/admin/sites/shop/policies/2/publish", data={})
    assert policies.current_revision(site) == 1
    assert policies.in_force(site).number == 2


def test_a_scheduled_version_takes_effect_later(admin_client, site):
    admin_client.post("/admin/sites/shop/policies/new", data=policy_form(site, significant="y"))
    later = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    admin_client.post("/admin/sites/shop/policies/2/publish", data={"effective_at": later})
    assert policies.current_revision(site) == 1
    assert policies.in_force(site, at=utcnow() + timedelta(days=4)).revision == 2
    assert "badge scheduled" in admin_client.get("/admin/sites/shop/policies").get_data(
        as_text=True
    )


def test_a_published_version_can_never_change(admin_client, site):
    assert admin_client.get("/admin/sites/shop/policies/1/edit").status_code == 409
    assert (
        admin_client.post("/admin/sites/shop/policies/1/edit", data=policy_form(site)).status_code
        == 409
    )
    assert admin_client.post("/admin/sites/shop/policies/1/delete").status_code == 409
    assert admin_client.post("/admin/sites/shop/policies/1/publish").status_code == 302
    version = db.session.scalar(select(PolicyVersion))
    assert version.texts[0].body.startswith("Cookie policy")
    version.texts[0].body = "changed"
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()


def test_a_draft_can_be_edited_and_its_diff_is_escaped(admin_client, site):
    admin_client.post("/admin/sites/shop/policies/new", data=policy_form(site))
    admin_client.post(
        "/admin/sites/shop/policies/2/edit",
        data=policy_form(site, body="<script>alert(1)</script>"),
    )
    page = admin_client.get("/admin/sites/shop/policies/2").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert '<span class="add">+ &lt;script&gt;alert(1)&lt;/script&gt; (kk)</span>' in page
    assert '<span class="del">- Cookie policy of shop (kk).</span>' in page


def test_every_operator_action_reaches_the_audit_trail(admin_client, site, recorded):
    consent_id = recorded()["consent_id"]
    admin_client.post("/admin/sites/shop/policies/new", data=policy_form(site, significant="y"))
    admin_client.post("/admin/sites/shop/policies/2/publish")
    admin_client.get("/admin/sites/shop/export.csv").get_data()
    admin_client.post(f"/admin/sites/shop/consents/{consent_id}/withdraw")
    admin_client.post(f"/admin/sites/shop/consents/{consent_id}/erase", data={"confirm": "yes"})
    admin_client.post("/admin/sites/shop/rotate-key")
    admin_client.post("/admin/tokens", data={"name": "backup", "site": "0"})
    admin_client.post(
        "/admin/operators",
        data={
            "email": "v@shop.kz",
            "password": PASSWORD,
            "role": "viewer",
            "sites": [str(site.id)],
        },
    )
    actions = set(audit_actions())
    assert {
        "policy.publish",
        "export",
        "consent.withdraw",
        "consent.erase",
        "site.rotate_key",
        "token.create",
        "operator.create",
    } <= actions
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    for action in (
        "policy.publish",
        "export",
        "consent.withdraw",
        "consent.erase",
        "site.rotate_key",
    ):
        assert f'data-action="{action}"' in page
    assert "boss@shop.kz" in page
    only = admin_client.get("/admin/audit?action=export").get_data(as_text=True)
    assert 'data-action="export"' in only and 'data-action="policy.publish"' not in only


def test_tokens_are_shown_once_and_can_be_revoked(admin_client, site):
    page = admin_client.post("/admin/tokens", data={"name": "nightly", "site": str(site.id)})
    token = re.search(r'value="(cc_[^"]+)" data-new-token', page.get_data(as_text=True)).group(1)
    assert users.check_token(token).site_id == site.id
    listing = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert token not in listing and token[:10] in listing
    record = users.check_token(token)
    admin_client.post(f"/admin/tokens/{record.id}/revoke")
    assert users.check_token(token) is None


def test_operators_added_in_the_console_can_log_in(admin_client, app, site):
    admin_client.post(
        "/admin/operators",
        data={
            "email": "viewer@shop.kz",
            "password": PASSWORD,
            "role": "viewer",
            "sites": [str(site.id)],
        },
    )
    operator = users.find_operator("viewer@shop.kz")
    assert operator.role == "viewer" and [s.key for s in operator.sites] == ["shop"]
    other = app.test_client()
    assert login(other, "viewer@shop.kz").status_code == 302
    short = admin_client.post(
        "/admin/operators", data={"email": "x@shop.kz", "password": "short", "role": "admin"}
    )
    assert short.status_code == 200 and users.find_operator("x@shop.kz") is None


def test_retention_runs_are_visible(admin_client, site):
    bulk_events(site, 3, purge_after=utcnow() - timedelta(days=1))
    admin_client.post("/admin/retention/purge")
    page = admin_client.get("/admin/retention").get_data(as_text=True)
    assert "<td>3</td>" in page and "Консоль" in page and "Завершена" in page
    assert "retention.purge" in audit_actions()


@pytest.mark.parametrize("lang,text", [("kk", "Сайттар"), ("ru", "Сайты"), ("en", "Sites")])
def test_console_is_translated(admin_client, lang, text):
    page = admin_client.get(f"/admin/?lang={lang}").get_data(as_text=True)
    assert f"<h1>{text}</h1>" in page


def test_an_admin_changes_an_operators_role_and_sites(admin_client, site, make_site):
    other = make_site("other")
    viewer = users.create_operator("v@shop.kz", PASSWORD, "viewer", [site])
    db.session.commit()
    response = admin_client.post(
        f"/admin/operators/{viewer.id}",
        data={"role": "viewer", "sites": [str(other.id)], "password": "a brand new password"},
    )
    assert response.status_code == 302
    db.session.refresh(viewer)
    assert [s.key for s in viewer.sites] == ["other"]
    assert users.authenticate("v@shop.kz", "a brand new password") is not None
    me = users.find_operator("boss@shop.kz")
    refused = admin_client.post(f"/admin/operators/{me.id}", data={"role": "viewer"})
    assert refused.status_code == 200 and me.role == "admin"
