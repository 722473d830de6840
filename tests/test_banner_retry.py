"""A decision the server refuses for now (429) waits in the browser as long as it is told."""

from __future__ import annotations

import time

import pytest
from banner_support import COUNTER, Trackers, action, consent_cookie, host_page, wait_for_events

pytestmark = pytest.mark.browser

#: One decision per window from one address, so that a test can spend it first.
WINDOW = 8
#: Longer than the banner's first back-off (4 s): a retry that ignored Retry-After would come
#: back inside the window and be refused again.
WAIT_AT_LEAST = 6


@pytest.fixture
def app_config(app_config):
    return app_config | {"RATELIMIT_ENABLED": True, "CONSENT_RATE_LIMIT": f"1 per {WINDOW} seconds"}


@pytest.fixture
def shop(make_site, host_site):
    return make_site(origins=[host_site.url], metrika=COUNTER)


def spend_the_window(client, shop) -> None:
    """Another visitor behind the same address (127.0.0.1) records the window's decision,
    early enough in a window that the banner is told to wait WAIT_AT_LEAST seconds or more."""
    left = WINDOW - time.time() % WINDOW
    if left < WAIT_AT_LEAST + 1:
        time.sleep(left)
    body = {"site": shop.key, "revision": 1, "language": "ru", "method": "banner",
            "action": "reject_all", "choices": {"functional": False, "analytics": False}}
    assert client.post("/api/v1/consents", json=body).status_code == 201


def test_a_refused_decision_applies_at_once_waits_as_told_and_is_then_recorded(
        page, client, live_server, host_site, shop):
    Trackers(page)
    answers = []
    page.on("response", lambda r: answers.append(r) if r.request.method == "POST"
            and r.url == f"{live_server.url}/api/v1/consents" else None)
    page.goto(host_site.page("/", host_page(live_server.url, shop.key)))
    accept = action(page, "accept-all")
    accept.wait_for()

    spend_the_window(client, shop)
    accept.click()
    page.wait_for_function("window.metrikaLoaded === 1")  # applied at once
    page.wait_for_function("localStorage.getItem('cookieconsent:shop') !== null")
    deadline = time.monotonic() + 10
    while not answers and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    [refused] = answers
    assert refused.status == 429
    # Readable by the banner: the site's origin, and the header it must honour.
    assert refused.headers["access-control-allow-origin"] == host_site.url
    assert int(refused.headers["retry-after"]) >= WAIT_AT_LEAST

    page.wait_for_function("localStorage.getItem('cookieconsent:shop') === null",
                           timeout=(WINDOW + 10) * 1000)
    [_, event] = wait_for_events(shop.id, 2)
    assert event.action == "accept_all" and event.choices["analytics"] is True
    assert consent_cookie(page)
    # One try after the wait, and it was the one recorded: no retry inside the window.
    assert [a.status for a in answers] == [429, 201]
