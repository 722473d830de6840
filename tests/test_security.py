"""Security headers on the console, the API and the embed script; CORS; no full IP stored."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from cookieconsent.extensions import db

ORIGIN = "https://shop.example.kz"


def csp(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.fixture
def responses(client, site, consent_body):
    """One response of each audience: console page, API read and write, embed script."""
    return {
        "admin": client.get("/admin/login"),
        "api-get": client.get(f"/api/v1/sites/{site.key}/config", headers={"Origin": ORIGIN}),
        "api-post": client.post(
            "/api/v1/consents", json=consent_body(), headers={"Origin": ORIGIN}
        ),
        "embed": client.get(f"/embed/{site.key}.js"),
    }


@pytest.mark.parametrize("name", ["admin", "api-get", "api-post", "embed"])
def test_every_audience_gets_nosniff_and_a_referrer_policy(responses, name):
    response = responses[name]
    assert response.status_code < 400
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_the_console_has_a_strict_csp_and_cannot_be_framed(responses):
    response = responses["admin"]
    policy = csp(response)
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", ["api-get", "api-post"])
def test_api_answers_run_nothing_and_are_not_framed(responses, name):
    policy = csp(responses[name])
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_a_receipt_is_never_cached(responses):
    assert responses["api-post"].headers["Cache-Control"] == "no-store"


def test_the_embed_script_is_loadable_by_any_page_as_a_script(responses):
    response = responses["embed"]
    assert response.mimetype == "text/javascript"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.parametrize("path", ["/admin/login", "/api/v1/openapi.json", "/embed/shop.js"])
def test_hsts_over_https(client, site, path):
    response = client.get(path, base_url="https://consent.example.kz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cors_allows_only_the_sites_own_origins(client, site, consent_body):
    own = client.post("/api/v1/consents", json=consent_body(), headers={"Origin": ORIGIN})
    assert own.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in own.headers
    foreign = client.post(
        "/api/v1/consents", json=consent_body(), headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert "Access-Control-Allow-Origin" not in foreign.headers
    preflight = client.options(
        "/api/v1/consents",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize("body, status", [("{not json", 400), ('{"site": "shop"}', 422)])
def test_an_error_before_the_view_knew_its_site_reaches_the_sites_page(
        client, site, body, status):
    own = client.post("/api/v1/consents", data=body, content_type="text/plain",
                      headers={"Origin": ORIGIN})
    assert own.status_code == status and own.json["fields"]
    assert own.headers["Access-Control-Allow-Origin"] == ORIGIN
    foreign = client.post("/api/v1/consents", data=body, content_type="text/plain",
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == status
    assert "Access-Control-Allow-Origin" not in foreign.headers


@pytest.fixture
def app_config(app_config):
    return app_config | {"PROXY_COUNT": 1}


def test_no_full_ip_in_the_database_or_the_logs(app, client, site, consent_body, caplog):
    full_ips = ["203.0.113.77", "2001:db8:abcd:12:3456:789a:bcde:f012"]
    caplog.set_level(logging.DEBUG)
    receipts = []
    for ip in full_ips:
        answer = client.post(
            "/api/v1/consents",
            json=consent_body(),
            headers={"X-Forwarded-For": ip, "Origin": ORIGIN},
        )
        assert answer.status_code == 201
        receipts.append(answer.json)
    client.post(
        f"/api/v1/consents/{receipts[0]['consent_id']}/withdraw",
        json={"receipt": receipts[0]["receipt"]},
        headers={"X-Forwarded-For": full_ips[0]},
    )
    dump = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f"SELECT * FROM {table.name}")):
            dump.append(" ".join(str(value) for value in row))
    stored = "\n".join(dump)
    assert "203.0.113.0" in stored and "2001:db8:abcd::" in stored  # truncated: /24 and /48
    for ip in full_ips:
        assert ip not in stored
        assert ip not in caplog.text


@pytest.mark.parametrize("logger", ["werkzeug", "cookieconsent"])
def test_loggers_that_may_see_an_address_never_print_it(app, caplog, logger):
    caplog.set_level(logging.INFO)
    logging.getLogger(logger).info(
        '%s - - "POST /api/v1/form-consents" from %s for %s',
        "198.51.100.23",
        "2001:db8:abcd:12:3456:789a:bcde:f012",
        "aigerim@example.kz",
    )
    assert "198.51.100.0" in caplog.text and "2001:db8:abcd::" in caplog.text
    for secret in ("198.51.100.23", "789a:bcde:f012", "aigerim@example.kz"):
        assert secret not in caplog.text


def test_a_request_that_bypassed_the_proxy_is_warned_about_once(live_server, caplog):
    import urllib.request

    caplog.set_level(logging.WARNING, logger="cookieconsent.network")

    def get(headers):
        request = urllib.request.Request(live_server.url + "/api/v1/openapi.json", headers=headers)
        with urllib.request.urlopen(request) as response:
            assert response.status == 200

    get({"X-Forwarded-For": "203.0.113.77"})
    assert not caplog.records
    get({})
    get({})
    warnings = [r for r in caplog.records if r.name == "cookieconsent.network"]
    assert len(warnings) == 1
    assert "PROXY_COUNT is 1" in warnings[0].getMessage()
    assert "127.0.0.0" in warnings[0].getMessage()  # the peer, truncated like every address



@pytest.mark.parametrize(("path", "opened"), [
    ("/admin/", True), ("/consent/shop/1/ru", True),
    ("/api/v1/consents", False), ("/embed/shop.js", False),
])
def test_the_console_session_is_opened_for_pages_only(app, path, opened):
    # The API and the embed serve other sites' visitors: this host's session cookie is
    # neither read nor signed for them, and nothing there can write it.
    from flask import session
    from flask.sessions import NullSession

    with app.test_request_context(path, headers={"Cookie": "session=anything"}):
        assert isinstance(session._get_current_object(), NullSession) is not opened


def test_the_console_session_cookie_is_neither_read_nor_set_by_the_api_or_the_embed(
    admin_client, site, consent_body
):
    # The operator's browser carries the console's session cookie to every path of the host;
    # the API and the embed are for other sites' visitors and must not depend on it.
    console = admin_client.get("/admin/")
    assert console.status_code == 200
    for response in (
        admin_client.post("/api/v1/consents", json=consent_body(), headers={"Origin": ORIGIN}),
        admin_client.get(f"/embed/{site.key}.js"),
    ):
        assert response.status_code < 400
        assert "Set-Cookie" not in response.headers or "session=" not in str(
            response.headers.getlist("Set-Cookie")
        )
        assert "Cookie" not in response.headers.get("Vary", "")
    # And the console's session is still the same one afterwards.
    assert admin_client.get("/admin/").status_code == 200
