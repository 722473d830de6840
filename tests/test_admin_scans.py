"""The console's Scan page: reports of a real scan, declaring suggestions, who may do what."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD, login
from scan_support import FAKE_GTAG, Pages, page, stored_reports

from cookieconsent.accounts import users
from cookieconsent.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def scanned(make_site, live_server, app, runner):
    """A site whose page writes _ga before any decision, scanned once from the shell."""
    pages = Pages()
    app.config["PUBLIC_URL"] = live_server.url
    site = make_site("shop", origins=(pages.url,))
    pages.scripts["/t.js"] = FAKE_GTAG
    pages.pages["/"] = page(live_server.url, "shop", '<script src="/t.js"></script>')
    result = runner.invoke(args=["scan", "shop", "--page-timeout", "5"])
    assert result.exit_code == 1, result.output
    yield site, stored_reports(site)[-1]
    pages.stop()


def test_the_scan_page_lists_findings_and_declares_a_suggestion(admin_client, scanned):
    site, row = scanned
    html = admin_client.get("/admin/sites/shop/scans").get_data(as_text=True)
    assert 'data-finding="tracking_before_consent"' in html
    assert "_ga (Google Analytics" in html
    assert 'value="google-analytics"' in html

    answer = admin_client.post(f"/admin/sites/shop/scans/{row.id}/apply",
                               data={"service": ["google-analytics"]})

    assert answer.status_code == 302
    db.session.expire_all()
    service = next(s for s in site.services if s.key == "google-analytics")
    assert (service.category, service.cookies) == ("analytics", ["_ga"])


def test_json_export_printable_page_and_dashboard_count(admin_client, scanned):
    site, row = scanned
    exported = admin_client.get(f"/admin/sites/shop/scans/{row.id}.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    body = exported.get_json()
    assert body["id"] == row.id and body["findings"][0]["message"]
    printable = admin_client.get(f"/admin/sites/shop/scans/{row.id}/print")
    assert "_ga" in printable.get_data(as_text=True)
    dashboard = admin_client.get("/admin/sites/shop/dashboard").get_data(as_text=True)
    assert f'data-scan-findings="{row.findings}"' in dashboard
    assert f"/admin/sites/shop/scans?report={row.id}" in dashboard


def test_a_viewer_reads_but_may_not_run_or_apply(client, scanned):
    site, row = scanned
    users.create_operator("viewer@shop.kz", PASSWORD, "viewer", [site])
    db.session.commit()
    login(client, "viewer@shop.kz")

    assert client.get("/admin/sites/shop/scans").status_code == 200
    assert client.post("/admin/sites/shop/scans").status_code == 403
    assert client.post(f"/admin/sites/shop/scans/{row.id}/apply",
                       data={"service": ["google-analytics"]}).status_code == 403
    db.session.expire_all()
    assert "google-analytics" not in {s.key for s in site.services}
    assert len(stored_reports(site)) == 1


def test_another_sites_report_is_not_found(admin_client, scanned, make_site):
    _site, row = scanned
    make_site("other")
    assert admin_client.get(f"/admin/sites/other/scans/{row.id}.json").status_code == 404


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_scan_page_is_translated_and_axe_clean(page, live_server, scanned, lang, app):
    from axe_playwright_python.sync_playwright import Axe

    users.create_operator("boss@shop.kz", PASSWORD, "admin")
    db.session.commit()
    page.goto(live_server.url + "/admin/login")
    page.fill("input[name=email]", "boss@shop.kz")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.narrow button[type=submit]")
    page.goto(live_server.url + f"/admin/sites/shop/scans?lang={lang}")

    assert page.get_attribute("html", "lang") == lang
    heading = {"kk": "Cookie сканерлеу", "ru": "Проверка cookie", "en": "Cookie scan"}[lang]
    assert page.text_content("h1") == heading
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
