"""Who may enter the console and what they may do: login, sessions, roles, CSRF, rate limit."""

import re

import pytest
from admin_helpers import PASSWORD, login
from sqlalchemy import select

from cookieconsent.admin.auth import VIEWER_WRITES
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, Operator


def test_console_pages_need_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_login_stores_only_a_password_hash_and_opens_the_console(client, admin):
    stored = db.session.scalar(select(Operator.password_hash))
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    response = login(client, "Boss@Shop.kz")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert db.session.scalar(select(AuditEntry.action)) == "login"


@pytest.mark.parametrize(
    "email,password",
    [
        ("boss@shop.kz", "wrong password!"),
        ("nobody@shop.kz", PASSWORD),
        ("boss@shop.kz", ""),
    ],
)
def test_wrong_credentials_are_refused(client, admin, email, password):
    response = login(client, email, password)
    assert response.status_code in (200, 401)
    assert client.get("/admin/").status_code == 302


def test_a_switched_off_operator_cannot_log_in(client, admin):
    admin.active = False
    db.session.commit()
    assert login(client, "boss@shop.kz").status_code == 401


def test_login_only_redirects_inside_the_console(client, admin):
    response = client.post(
        "/admin/login?next=https://evil.example/x",
        data={"email": "boss@shop.kz", "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/admin/")


def test_logout_ends_the_session(client, admin):
    login(client, "boss@shop.kz")
    client.post("/admin/logout")
    assert client.get("/admin/").status_code == 302


class TestCookieFlags:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"SESSION_COOKIE_SECURE": True}

    def test_session_cookie_is_secure_httponly_samesite(self, client, admin):
        response = login(client, "boss@shop.kz")
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "3 per minute",
        }

    def test_login_attempts_are_limited(self, client, admin):
        codes = [login(client, "boss@shop.kz", "wrong password!").status_code for _ in range(4)]
        assert codes[:3] == [401, 401, 401]
        assert codes[3] == 429
        # Even the right password waits until the window passes.
        assert login(client, "boss@shop.kz").status_code == 429


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_csrf_token_is_refused(self, client, admin, site):
        page = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/admin/login",
            data={"email": "boss@shop.kz", "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        keys = len(site.keys)
        refused = client.post(f"/admin/sites/{site.key}/rotate-key")
        assert refused.status_code == 400
        db.session.refresh(site)
        assert len(site.keys) == keys
        page = client.get(f"/admin/sites/{site.key}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        accepted = client.post(f"/admin/sites/{site.key}/rotate-key", data={"csrf_token": token})
        assert accepted.status_code == 302
        db.session.refresh(site)
        assert len(site.keys) == keys + 1

    def test_a_login_without_csrf_token_is_refused(self, client, admin):
        assert login(client, "boss@shop.kz").status_code == 400
        assert client.get("/admin/").status_code == 302


def _fill(rule, site):
    values = {
        "key": site.key,
        "number": 1,
        "consent_id": "0" * 32,
        "service_id": 1,
        "operator_id": 1,
        "token_id": 1,
        "fmt": "csv",
        "kind": "cookie",
        "endpoint_id": 1,
        "delivery_id": 1,
        "report_id": 1,
        "category_key": "analytics",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_a_viewer_gets_403_on_every_write_route(app, client, viewer, site):
    login(client, "viewer@shop.kz")
    writes = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("admin.")
        and r.methods & {"POST", "PUT", "DELETE"}
        and r.endpoint not in {"admin.login"} | VIEWER_WRITES
    ]
    assert len(writes) >= 12
    for rule in writes:
        response = client.post(_fill(rule, site))
        assert response.status_code == 403, rule.rule
    assert db.session.scalars(select(AuditEntry.action)).all() == ["login"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/sites/new",
        "/admin/sites/shop/edit",
        "/admin/sites/shop/policies/new",
        "/admin/operators",
        "/admin/tokens",
    ],
)
def test_a_viewer_cannot_open_forms_that_change_things(client, viewer, path):
    login(client, "viewer@shop.kz")
    assert client.get(path).status_code == 403


def test_a_viewer_reads_only_assigned_sites(client, viewer, make_site):
    other = make_site("other")
    login(client, "viewer@shop.kz")
    index = client.get("/admin/").get_data(as_text=True)
    assert "/admin/sites/shop" in index and "/admin/sites/other" not in index
    for page in ("", "/dashboard", "/log", "/policies", "/subjects"):
        assert client.get(f"/admin/sites/shop{page}").status_code == 200, page
        assert client.get(f"/admin/sites/{other.key}{page}").status_code == 404, page
    assert client.get("/admin/sites/shop/export.csv").status_code == 200


def test_the_chosen_language_is_remembered_with_the_operator(client, admin):
    login(client, "boss@shop.kz")
    page = client.get("/admin/?lang=kk").get_data(as_text=True)
    assert 'lang="kk"' in page
    db.session.refresh(admin)
    assert admin.locale == "kk"
    client.post("/admin/logout")
    fresh = client.application.test_client()
    response = login(fresh, "boss@shop.kz")
    assert "cookieconsent_lang=kk" in " ".join(response.headers.getlist("Set-Cookie"))
