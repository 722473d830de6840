"""Single-page sites: gated elements the page adds later, route changes, the page's own code."""

from __future__ import annotations

import json

import pytest
from banner_support import action, banner, consent_cookie, wait_for_events
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: The view of /spa/video: a gated frame and, deep inside, a gated script.
VIDEO_VIEW = (
    '<h1>Video</h1><iframe data-category="functional" data-src="/video" width="320" '
    'height="180" title="Video"></iframe><section><div><p>Reviews</p><div>'
    '<script type="text/plain" data-category="analytics">'
    "window.viewRan = (window.viewRan || 0) + 1;</script></div></div></section>"
)

#: A shop written as a single-page app: a router on history.pushState that renders each view
#: with innerHTML, and widgets() that inserts what a builder's widget would, after load.
APP = """<script>
var views = {"/spa": "<h1>Catalogue</h1>", "/spa/video": VIDEO_VIEW};
function render() {
  document.getElementById("app").innerHTML = views[location.pathname];
}
function go(path) {
  history.pushState(null, "", path);
  render();
}
addEventListener("popstate", render);
render();
function widgets() {
  var late = document.createElement("script");
  late.type = "text/plain";
  late.dataset.category = "analytics";
  late.text = "window.lateRan = (window.lateRan || 0) + 1;";
  document.body.append(late);
  window.lateScript = late;
  var tag = document.createElement("script");
  tag.type = "text/plain";
  tag.dataset.category = "analytics";
  tag.dataset.src = "https://www.googletagmanager.com/gtag/js?id=G-LATE";
  document.body.append(tag);
  var frame = document.createElement("iframe");
  frame.id = "late-frame";
  frame.title = "Late video";
  frame.width = 320;
  frame.height = 180;
  frame.dataset.category = "functional";
  frame.dataset.src = "/video";
  document.body.append(frame);
  window.lateFrame = frame;
  var widget = document.createElement("div");
  widget.innerHTML = '<section><div><p>Chat</p><div><div><script type="text/plain" ' +
    'data-category="analytics">window.deepRan = (window.deepRan || 0) + 1;<\\/script>' +
    '</div></div></div></section>';
  document.body.append(widget);
}
</script>""".replace("VIDEO_VIEW", json.dumps(VIDEO_VIEW).replace("</", "<\\/"))


def spa_page(server: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Shop</title>
<script src="{server}/embed/{key}.js" defer></script></head>
<body><nav><a href="/spa">Catalogue</a> <a href="/spa/video">Video</a></nav>
<main id="app"></main>{APP}</body></html>"""


@pytest.fixture
def open_spa(page, live_server, host_site, shop, trackers):
    """Open the single-page shop (at /spa, or a deeper route) once the banner has run."""

    def open_(path="/spa"):
        html = spa_page(live_server.url, shop.key)
        for route in ("/spa", "/spa/video"):
            host_site.page(route, html)
        page.goto(host_site.url + path)
        page.wait_for_function("window.cookieconsent !== undefined")

    return open_


def placeholders(page) -> int:
    """How many placeholders the page shows (they live in open shadow roots)."""
    return page.locator(".ph").count()


def frame_loaded(page, selector: str) -> bool:
    return page.evaluate(
        "s => { const f = document.querySelector(s);"
        " return !!f && (f.getAttribute('src') || '').endsWith('/video') && f.offsetWidth > 0 }",
        selector,
    )


def test_what_the_page_adds_after_an_acceptance_starts_at_once(page, open_spa, trackers, shop):
    open_spa()
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    page.evaluate("widgets()")
    ran = "window.lateRan === 1 && window.deepRan === 1 && window.gtagLoaded === 1"
    page.wait_for_function(ran)
    page.wait_for_function("document.querySelector('#late-frame').src.endsWith('/video')")
    assert frame_loaded(page, "#late-frame")
    assert placeholders(page) == 0
    [event] = wait_for_events(shop.id, 1)
    assert event.action == "accept_all"


def test_what_the_page_adds_after_a_refusal_stays_inert_behind_a_placeholder(
    page, open_spa, trackers
):
    open_spa()
    action(page, "reject-all").click()
    assert consent_cookie(page)
    page.evaluate("widgets()")
    page.locator(".ph").wait_for()
    page.wait_for_timeout(300)
    assert page.evaluate("[window.lateRan, window.deepRan, window.gtagLoaded]") == [None] * 3
    assert trackers.requests == []
    assert page.locator("#late-frame").get_attribute("src") is None
    assert not page.locator("#late-frame").is_visible()
    assert placeholders(page) == 1


def test_a_placeholder_added_later_offers_consent_and_shows_the_frame(page, open_spa, shop):
    open_spa()
    action(page, "reject-all").click()
    assert consent_cookie(page)
    page.evaluate("widgets()")
    page.locator('[data-consent-action="allow"]').click()
    page.wait_for_function("document.querySelector('#late-frame').src.endsWith('/video')")
    assert placeholders(page) == 0
    assert page.evaluate("window.lateRan") is None
    events = wait_for_events(shop.id, 2)
    assert events[1].choices["functional"] is True and events[1].choices["analytics"] is False


def test_route_changes_render_gated_views_for_a_visitor_who_accepted(page, open_spa):
    open_spa()
    action(page, "accept-all").click()
    page.wait_for_function("window.metrikaLoaded === 1")
    page.evaluate("go('/spa/video')")
    page.wait_for_function("window.viewRan === 1")
    page.wait_for_function("document.querySelector('#app iframe').src.endsWith('/video')")
    page.go_back()
    page.wait_for_function("!document.querySelector('#app iframe')")
    page.go_forward()
    # A view rendered again is new markup: its script runs again, as on a page load.
    page.wait_for_function("window.viewRan === 2")
    page.wait_for_function("document.querySelector('#app iframe').src.endsWith('/video')")
    assert page.url.endswith("/spa/video")
    assert placeholders(page) == 0


def test_route_changes_give_each_render_one_placeholder_for_a_visitor_who_refused(
    page, open_spa, trackers
):
    open_spa()
    action(page, "reject-all").click()
    assert consent_cookie(page)
    for _ in range(3):
        page.evaluate("go('/spa/video')")
        page.locator(".ph").wait_for()
        assert placeholders(page) == 1
        page.evaluate("go('/spa')")
        page.wait_for_function("!document.querySelector('#app iframe')")
        assert placeholders(page) == 0
    assert page.evaluate("window.viewRan") is None
    assert trackers.requests == []


def test_a_gated_view_opened_directly_is_gated_from_the_start(page, open_spa):
    open_spa("/spa/video")
    action(page, "accept-all").wait_for()
    assert placeholders(page) == 1
    assert page.evaluate("window.viewRan") is None
    action(page, "accept-all").click()
    page.wait_for_function("window.viewRan === 1")


def test_a_script_removed_and_put_back_runs_once_and_a_frame_keeps_one_placeholder(
    page, open_spa
):
    open_spa()
    action(page, "reject-all").click()
    assert consent_cookie(page)
    page.evaluate("widgets()")
    page.locator(".ph").wait_for()
    # The app moves the frame elsewhere, takes it out, puts it back.
    page.evaluate("document.querySelector('nav').append(document.getElementById('late-frame'))")
    expect(page.locator("nav .ph")).to_have_count(1)
    assert placeholders(page) == 1
    page.evaluate("document.getElementById('late-frame').remove()")
    expect(page.locator(".ph")).to_have_count(0)
    page.evaluate("document.body.append(window.lateFrame)")
    expect(page.locator(".ph")).to_have_count(1)

    page.evaluate("cookieconsent.accept('analytics')")
    page.wait_for_function("window.lateRan === 1")
    # The page still holds the original element and inserts it again, twice.
    page.evaluate("document.body.append(lateScript); document.body.append(lateScript)")
    page.evaluate("document.body.append(window.lateScript.cloneNode(true))")
    page.wait_for_function("window.lateRan === 2")
    page.wait_for_timeout(200)
    assert page.evaluate("window.lateRan") == 2


def test_when_granted_resolves_after_a_later_acceptance(page, open_spa):
    open_spa()
    page.evaluate("""
      cookieconsent.whenGranted('analytics').then(() => window.analyticsGranted = 1);
      cookieconsent.whenGranted('functional').then(() => window.functionalGranted = 1);
      undefined;
    """)
    action(page, "reject-all").click()
    assert consent_cookie(page)
    page.wait_for_timeout(300)
    assert page.evaluate("[window.analyticsGranted, window.functionalGranted]") == [None, None]
    page.evaluate("cookieconsent.accept(['analytics'])")
    page.wait_for_function("window.analyticsGranted === 1")
    page.wait_for_timeout(200)
    assert page.evaluate("window.functionalGranted") is None
    # Already granted: at once.
    assert page.evaluate("cookieconsent.whenGranted('analytics').then(() => 'now')") == "now"


def test_accept_from_the_pages_code_is_recorded_like_the_banners_choice(
    page, open_spa, shop, client, trackers
):
    open_spa()
    banner(page).wait_for()
    assert page.evaluate("cookieconsent.decision()") is None
    page.evaluate("cookieconsent.accept(['analytics'])")
    [event] = wait_for_events(shop.id, 1)
    assert event.method == "api" and event.action == "custom"
    assert event.choices == {"essential": True, "functional": False, "analytics": True}
    assert event.language == "ru"
    receipt = consent_cookie(page)
    verified = client.post("/api/v1/receipts/verify", json={"receipt": receipt}).get_json()
    assert verified["valid"] is True and verified["kind"] == "cookie"
    assert verified["consent_id"] == event.consent_id
    page.wait_for_function("window.metrikaLoaded === 1")
    assert not banner(page).is_visible()
    page.wait_for_function("cookieconsent.decision().id !== null")
    assert page.evaluate("cookieconsent.decision()") == {
        "categories": ["analytics"], "revision": 1, "id": event.consent_id}
    granted = "['analytics', 'functional'].map(c => cookieconsent.granted(c))"
    assert page.evaluate(granted) == [True, False]


def test_reject_all_from_the_pages_code_reloads_once_a_late_frame_has_loaded(page, open_spa, shop):
    open_spa()
    page.evaluate("window.stayed = 1; cookieconsent.accept(['functional'])")
    # Nothing had started: the refusal applies in place.
    page.evaluate("cookieconsent.rejectAll()")
    events = wait_for_events(shop.id, 2)
    assert (events[1].method, events[1].action) == ("api", "reject_all")
    assert page.evaluate("window.stayed") == 1

    page.evaluate("cookieconsent.accept(['functional']); widgets()")
    page.wait_for_function("document.querySelector('#late-frame').src.endsWith('/video')")
    with page.expect_navigation():
        page.evaluate("void cookieconsent.rejectAll()")
    page.wait_for_function("window.cookieconsent !== undefined")
    assert page.evaluate("window.stayed") is None
    assert len(wait_for_events(shop.id, 4)) == 4
    assert page.evaluate("cookieconsent.decision().categories") == []


def test_unknown_categories_grant_nothing(page, open_spa, shop):
    open_spa()
    banner(page).wait_for()
    page.evaluate("cookieconsent.accept(['ads', 'Analytics'])")
    [event] = wait_for_events(shop.id, 1)
    assert event.choices == {"essential": True, "functional": False, "analytics": False}
    assert event.action == "reject_all"


def test_on_and_off_follow_each_decision(page, open_spa):
    open_spa()
    page.evaluate("""
      window.seen = []; window.all = 0;
      window.listener = e => seen.push(e.detail.granted);
      cookieconsent.on('change', listener);
      cookieconsent.on('change', () => all++);
    """)
    action(page, "reject-all").click()
    page.wait_for_function("window.seen.length === 1")
    page.evaluate("cookieconsent.off('change', listener)")
    page.evaluate("cookieconsent.accept(['functional'])")
    page.wait_for_function("window.all === 2")
    assert page.evaluate("window.seen") == [[]]


def test_without_a_policy_in_force_the_pages_code_cannot_record(
    page, live_server, host_site, make_site, trackers
):
    site = make_site(origins=[host_site.url], policy=False)
    page.goto(host_site.page("/spa", spa_page(live_server.url, site.key)))
    page.wait_for_function("window.cookieconsent !== undefined")
    refused = page.evaluate(
        "cookieconsent.accept('analytics').then(() => 'recorded', e => e.message)")
    assert refused == "no cookie policy in force"
    page.wait_for_timeout(300)
    assert wait_for_events(site.id, 1, timeout=0) == []
    assert page.evaluate("cookieconsent.granted('analytics')") is False


def test_the_declarations_name_every_call_of_the_api(page, open_spa, client):
    open_spa()
    calls = page.evaluate(
        "Object.keys(cookieconsent).filter(k => typeof cookieconsent[k] === 'function')")
    response = client.get("/embed/cookieconsent.d.ts")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    declared = response.get_data(as_text=True)
    assert len(calls) == 8
    for name in calls:
        assert f"  {name}(" in declared, name


def test_open_from_the_pages_code_fetches_the_dialog_whose_buttons_record(page, open_spa, shop):
    open_spa()
    banner(page).wait_for()
    page.evaluate("cookieconsent.open()")
    dialog = page.locator("#cookieconsent .dlg")
    expect(dialog).to_be_visible()
    # The first visit's script holds no dialog: open() fetched it, as Customise does.
    assert page.evaluate("typeof cookieconsent._dialog") == "function"
    dialog.locator('[data-consent-action="reject-all"]').click()
    expect(dialog).to_have_count(0)
    [event] = wait_for_events(shop.id, 1)
    assert (event.action, event.method) == ("reject_all", "preferences")
    assert page.evaluate("cookieconsent.decision().categories") == []
