"""Same-origin mode: a decision sent through the site's own origin is answered with its cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from werkzeug.http import parse_cookie

from cookieconsent import client as consent_client
from cookieconsent.extensions import db

SHOP = "https://shop.example.kz"
SAME_ORIGIN = {"Origin": SHOP, "Sec-Fetch-Site": "same-origin"}


def set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def decide(client, consent_body, headers):
    response = client.post("/api/v1/consents", json=consent_body(), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response


def test_a_decision_through_the_sites_origin_comes_back_as_the_sites_cookie(
    client, consent_body
):
    response = decide(client, consent_body, SAME_ORIGIN)
    [header] = set_cookies(response)
    receipt = response.get_json()["receipt"]
    assert header.startswith(f"cc_shop={receipt};")
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"secure", "path", "max-age", "samesite"} <= attributes
    assert "httponly" not in attributes and "domain" not in attributes
    assert "SameSite=Lax" in header and "Path=/;" in header
    assert f"Max-Age={365 * 86400}" in header


def test_a_withdrawal_through_the_sites_origin_replaces_the_cookie(client, consent_body):
    given = decide(client, consent_body, SAME_ORIGIN).get_json()
    response = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                           json={"receipt": given["receipt"]}, headers=SAME_ORIGIN)
    assert response.status_code == 201
    [header] = set_cookies(response)
    assert header.startswith(f"cc_shop={response.get_json()['receipt']};")


@pytest.mark.parametrize("headers", [
    {},  # a server or an app
    {"Origin": SHOP, "Sec-Fetch-Site": "cross-site"},  # the banner loaded from this server
    {"Origin": SHOP},  # no fetch metadata: nothing says the request went to the page's origin
], ids=["no-origin", "cross-site", "no-fetch-metadata"])
def test_outside_same_origin_mode_no_cookie_is_set(client, consent_body, headers):
    assert set_cookies(decide(client, consent_body, headers)) == []


def test_a_foreign_origin_claiming_same_origin_gets_no_cookie_and_no_record(
    client, consent_body
):
    response = client.post("/api/v1/consents", json=consent_body(), headers={
        "Origin": "https://evil.example.com", "Sec-Fetch-Site": "same-origin",
        "X-Forwarded-Host": "evil.example.com"})
    assert response.status_code == 403
    assert set_cookies(response) == []


def test_a_forwarded_host_never_names_the_cookies_domain(client, consent_body, site):
    site.cookie_domain = "example.kz"
    db.session.commit()
    response = decide(client, consent_body, SAME_ORIGIN | {
        "X-Forwarded-Host": "evil.example.com", "Host": "evil.example.com"})
    [header] = set_cookies(response)
    assert "Domain=example.kz" in header
    assert "evil" not in header


def test_the_sites_domain_is_named_only_where_the_page_is_on_it(
    client, consent_body, site, make_site
):
    site.cookie_domain = "other.kz"
    site.cookie_name = "shop_consent"
    db.session.commit()
    [header] = set_cookies(decide(client, consent_body, SAME_ORIGIN))
    assert header.startswith("shop_consent=")
    assert "Domain" not in header


def test_a_sites_flask_backend_sets_the_same_cookie():
    backend = Flask("shop")

    @backend.get("/")
    def home():
        response = backend.make_response("ok")
        consent_client.set_consent_cookie(
            response, "receipt.sig", site="shop", max_age=timedelta(days=30)
        )
        return response

    [header] = backend.test_client().get("/").headers.getlist("Set-Cookie")
    assert parse_cookie(header)["cc_shop"] == "receipt.sig"
    assert "Secure" in header and "SameSite=Lax" in header and "HttpOnly" not in header
    assert f"Max-Age={30 * 86400}" in header


def test_a_receipt_brought_back_and_verified_through_the_sites_origin_is_kept_for_its_term(
    client, consent_body
):
    receipt = decide(client, consent_body, {}).get_json()["receipt"]
    response = client.post("/api/v1/receipts/verify", json={"receipt": receipt},
                           headers=SAME_ORIGIN)
    [header] = set_cookies(response)
    assert header.startswith(f"cc_shop={receipt};")
    max_age = int(header.split("Max-Age=")[1].split(";")[0])
    assert 365 * 86400 - 60 < max_age <= 365 * 86400
