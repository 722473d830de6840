"""``flask scan``: Chromium visits host pages on loopback before and after a decision."""

from __future__ import annotations

import pytest
from scan_support import (
    FAKE_GTAG,
    FAKE_METRIKA,
    METRIKA_SNIPPET,
    Pages,
    Silent,
    page,
    scan_json,
    stored_reports,
)

from cookieconsent.extensions import db
from cookieconsent.models import ScanLock

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def shop_pages():
    pages = Pages()
    yield pages
    pages.stop()


@pytest.fixture
def shop(make_site, shop_pages, live_server, app):
    app.config["PUBLIC_URL"] = live_server.url
    return make_site("shop", origins=(shop_pages.url,), metrika=44556677)


def scan(runner, *args):
    return runner.invoke(args=["scan", "shop", "--page-timeout", "5", *args])


def kinds(report, severity=None) -> set[tuple]:
    return {(f["kind"], f["pass"], f["subject"]) for f in report["findings"]
            if severity is None or f["severity"] == severity}


def test_a_well_behaved_site_has_no_violation(runner, shop, shop_pages, live_server):
    gated = f'<script type="text/plain" data-category="analytics">{FAKE_METRIKA}</script>'
    shop_pages.pages["/"] = page(live_server.url, "shop", '<a href="/about">About</a>' + gated)
    shop_pages.pages["/about"] = page(live_server.url, "shop", "<p>About us</p>" + gated)

    result = scan(runner, "--json")

    report = scan_json(result)
    assert result.exit_code == 0, report["findings"]
    assert not kinds(report, "violation")
    assert [p["url"] for p in report["passes"][0]["pages"]] == [
        shop_pages.url + "/", shop_pages.url + "/about"]
    accepted = {c["name"]: c for c in report["cookies"] if c["pass"] == "accept"}
    assert accepted["_ym_uid"]["classification"]["status"] == "declared"
    assert accepted["_ym_uid"]["classification"]["service"] == "yandex-metrika"
    assert accepted["_ym_uid"]["set_by"] == "script"
    before = {c["name"] for c in report["cookies"] if c["pass"] in ("before", "reject")}
    assert not before & {"_ym_uid", "_ym_d"}
    assert len(stored_reports(shop)) == 1


def test_a_leaky_site_gets_each_finding_with_its_page(runner, shop, shop_pages, live_server):
    shop_pages.scripts["/builder/analytics.js"] = FAKE_GTAG + FAKE_METRIKA
    leaky = shop_pages.url + "/catalog"
    shop_pages.pages["/"] = page(live_server.url, "shop", '<a href="/catalog">Catalogue</a>')
    shop_pages.pages["/catalog"] = page(
        live_server.url, "shop",
        body='<form><input name="phone"><input name="email" class="ym-disable-keys"></form>'
             '<script>document.cookie = "shop_cart=3; path=/";</script>'
             '<script src="/builder/analytics.js"></script>',
        head='<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST"></script>'
             f"<script>{METRIKA_SNIPPET}</script>",
    )
    shop_pages.set_cookies["/catalog"] = "shop_region=almaty; Path=/"

    result = scan(runner, "--json")

    assert result.exit_code == 1
    report = scan_json(result)
    violations = kinds(report, "violation")
    for name in ("_ga", "_ym_uid", "_ym_d"):
        assert ("tracking_before_consent", "before", name) in violations
        assert ("tracking_before_consent", "reject", name) in violations
    assert ("tracker_request_before_consent", "before", "www.googletagmanager.com") in violations
    assert ("tracker_request_before_consent", "before", "mc.yandex.ru") in violations
    assert ("metrika_not_gated", "before", "mc.yandex.ru/metrika") in violations
    assert ("webvisor_form_fields", "before", "phone") in violations
    by_name = {f["subject"]: f for f in report["findings"]
               if f["pass"] == "before" and f["kind"] == "tracking_before_consent"}
    assert by_name["_ga"]["page"] == leaky
    assert by_name["_ga"]["source"] == shop_pages.url + "/builder/analytics.js"
    assert by_name["_ga"]["params"] == {"storage": "cookie", "service": "Google Analytics",
                                        "category": "analytics"}
    assert "without the visitor's consent" in by_name["_ga"]["message"]
    undeclared = {f["subject"]: f for f in report["findings"] if f["kind"] == "undeclared"}
    assert {"shop_cart", "shop_region", "_ga"} <= set(undeclared)
    assert "_ym_uid" not in undeclared  # the site declares Yandex.Metrika
    cookies = {c["name"]: c for c in report["cookies"] if c["pass"] == "before"}
    assert cookies["shop_region"]["set_by"] == "http"
    assert cookies["shop_cart"]["set_by"] == "script"
    assert cookies["shop_cart"]["source"] == leaky  # an inline script of that page
    assert cookies["shop_cart"]["classification"]["status"] == "unknown"
    assert cookies["_ga"]["classification"] == {
        "status": "known", "service": "Google Analytics", "category": "analytics"}
    assert 300 < cookies["_ga"]["lifetime_days"] <= 731
    # Blocked where they stand: the scanner itself sent nothing to those hosts.
    requests = {r["netloc"]: r for r in report["requests"] if r["pass"] == "before"}
    assert requests["www.googletagmanager.com"]["blocked"] is True
    assert requests["www.googletagmanager.com"]["first_page"] == leaky


def test_applying_the_suggestions_declares_the_services(runner, shop, shop_pages, live_server):
    shop_pages.scripts["/t.js"] = FAKE_GTAG
    shop_pages.pages["/"] = page(live_server.url, "shop", '<script src="/t.js"></script>')

    result = scan(runner, "--apply", "--yes")

    assert result.exit_code == 1, result.output
    assert "Declared 1 services on shop." in result.output
    db.session.expire_all()
    services = {s.key: s for s in shop.services}
    assert services["google-analytics"].category == "analytics"
    assert services["google-analytics"].cookies == ["_ga"]
    assert services["google-analytics"].name == "Google Analytics"
    # A second scan no longer calls _ga undeclared.
    again = scan_json(scan(runner, "--json"))
    assert "_ga" not in {f["subject"] for f in again["findings"] if f["kind"] == "undeclared"}


def test_apply_asks_first(runner, shop, shop_pages, live_server):
    shop_pages.scripts["/t.js"] = FAKE_GTAG
    shop_pages.pages["/"] = page(live_server.url, "shop", '<script src="/t.js"></script>')

    result = runner.invoke(args=["scan", "shop", "--apply"], input="n\n")

    assert "Nothing was changed." in result.output
    db.session.expire_all()
    assert "google-analytics" not in {s.key for s in shop.services}


def test_third_party_requests_are_blocked_unless_allowed(runner, shop, shop_pages, live_server):
    tracker = Pages()  # another loopback origin, standing for a tracker's host
    try:
        tracker.scripts["/fbevents.js"] = "document.cookie='_fbp=fb.1.1.1; path=/';"
        shop_pages.pages["/"] = page(
            live_server.url, "shop", f'<script src="{tracker.url}/fbevents.js"></script>')

        blocked = scan_json(scan(runner, "--json"))
        assert tracker.hits == []  # nothing reached the other host
        request = next(r for r in blocked["requests"] if r["netloc"] == tracker.url[7:])
        assert request["blocked"] is True and request["pass"] == "before"
        assert ("third_party_request", "before", tracker.url[7:]) in kinds(blocked, "warning")

        allowed = scan(runner, "--json", "--allow-third-party")
        assert "/fbevents.js" in tracker.hits
        report = scan_json(allowed)
        assert allowed.exit_code == 1
        fbp = next(c for c in report["cookies"] if c["name"] == "_fbp" and c["pass"] == "before")
        assert fbp["classification"]["category"] == "marketing"
        assert fbp["source"] == tracker.url + "/fbevents.js"
        suggestion = next(s for s in report["suggestions"] if s["cookies"] == ["_fbp"])
        # The banner has no marketing category: what waits for consent is analytics.
        assert (suggestion["catalogue_category"], suggestion["category"]) == (
            "marketing", "analytics")
    finally:
        tracker.stop()


def test_broken_pages_are_reported_not_fatal(runner, make_site, live_server, app, shop_pages):
    silent = Silent()
    try:
        app.config["PUBLIC_URL"] = live_server.url
        make_site("shop", origins=(shop_pages.url, silent.url))
        shop_pages.redirects["/loop"] = "/loop2"
        shop_pages.redirects["/loop2"] = "/loop"
        shop_pages.pages["/"] = page(live_server.url, "shop", (
            f'<a href="/loop">Loop</a> <a href="{silent.url}/">Hangs</a> '
            '<a href="https://elsewhere.example/">Elsewhere</a> <a href="/ok">OK</a>'))
        shop_pages.pages["/ok"] = page(live_server.url, "shop", "<p>Fine</p>")

        result = scan(runner, "--json", "--page-timeout", "2")

        report = scan_json(result)
        statuses = {p["url"]: p["status"] for p in report["passes"][0]["pages"]}
        assert statuses[shop_pages.url + "/loop"] == "failed"
        assert statuses[silent.url + "/"] == "failed"
        assert statuses[shop_pages.url + "/ok"] == "ok", report["passes"][0]["pages"]
        found = kinds(report)
        assert ("link_outside_origins", None, "https://elsewhere.example/") in found
        assert ("page_failed", "before", shop_pages.url + "/loop") in found
        assert result.exit_code == 0
    finally:
        silent.stop()


def test_twenty_pages_are_all_visited(runner, shop, shop_pages, live_server):
    links = "".join(f'<a href="/p/{i}">{i}</a> ' for i in range(1, 20))
    shop_pages.pages["/"] = page(live_server.url, "shop", links)
    for i in range(1, 20):
        shop_pages.pages[f"/p/{i}"] = page(live_server.url, "shop", f"<p>Page {i}</p>")

    report = scan_json(scan(runner, "--json", "--pages", "20", "--scan-timeout", "240"))

    for item in report["passes"]:
        assert sum(p["status"] == "ok" for p in item["pages"]) == 20, item["name"]
    assert not any(f["kind"] == "scan_time_limit" for f in report["findings"])


def test_robots_txt_is_respected(runner, shop, shop_pages, live_server):
    shop_pages.robots = "User-agent: *\nDisallow: /private\n"
    shop_pages.pages["/"] = page(live_server.url, "shop", '<a href="/private/a">Private</a>')
    shop_pages.pages["/private/a"] = page(live_server.url, "shop", "secret")

    report = scan_json(scan(runner, "--json"))

    assert "/private/a" not in shop_pages.hits
    assert {"url": shop_pages.url + "/private/a", "reason": "robots"} in report["skipped"]


def test_a_url_outside_the_origins_is_refused(runner, shop, shop_pages):
    result = scan(runner, "--url", "https://evil.example/")

    assert result.exit_code == 2
    assert "outside the site's origins" in result.output
    assert shop_pages.hits == [] and stored_reports(shop) == []


def test_one_scan_per_site_at_a_time(runner, shop, shop_pages):
    db.session.add(ScanLock(site_id=shop.id, actor="cli:someone"))
    db.session.commit()

    result = scan(runner)

    assert result.exit_code == 2
    assert "already running by cli:someone" in result.output
    assert shop_pages.hits == [] and stored_reports(shop) == []


def test_new_findings_are_marked_against_the_previous_scan(runner, shop, shop_pages, live_server):
    shop_pages.pages["/"] = page(live_server.url, "shop", "<p>Clean</p>")
    scan(runner)
    shop_pages.scripts["/t.js"] = FAKE_GTAG
    shop_pages.pages["/"] = page(live_server.url, "shop", '<script src="/t.js"></script>')

    report = scan_json(scan(runner, "--json"))

    first, second = stored_reports(shop)
    assert report["previous_id"] == first.id
    ga = next(f for f in report["findings"] if f["subject"] == "_ga" and f["pass"] == "before")
    assert ga["new"] is True
