"""A site's own categories in real Chromium: elements wait for their key, the record holds it."""

from __future__ import annotations

import pytest
from banner_support import action, consent_cookie, wait_for_events

from cookieconsent.extensions import db
from cookieconsent.sites import categories

pytestmark = pytest.mark.browser

GATED = """
<script type="text/plain" data-category="notifications">window.pushRan = 1;</script>
<iframe data-category="marketing" data-src="/ad" width="300" height="100" title="Ad"></iframe>
"""


@pytest.fixture
def notifying_shop(shop, host_site):
    categories.add(shop, "notifications", always_show=True)
    categories.add(shop, "marketing", always_show=True)
    db.session.commit()
    host_site.page("/ad", "<!doctype html><title>Ad</title><p>ad</p>")
    return shop


def test_notifications_and_marketing_gate_their_elements_and_are_recorded(
    page, open_shop, notifying_shop
):
    open_shop(extra=GATED)
    action(page, "customize").click()
    dialog = page.locator("#cookieconsent .dlg")
    assert "Уведомления" in dialog.inner_text()
    assert "Маркетинговые файлы cookie" in dialog.inner_text()
    page.locator('#cookieconsent input[data-category="notifications"]').check()
    action(page, "save").click()
    page.wait_for_function("window.pushRan === 1")
    assert page.evaluate("window.cookieconsent.granted('notifications')") is True
    assert page.evaluate("window.cookieconsent.granted('marketing')") is False
    assert page.locator('iframe[data-category="marketing"]').get_attribute("src") is None
    consent_cookie(page)
    [given] = wait_for_events(notifying_shop.id, 1)
    assert given.choices == {"essential": True, "functional": False, "analytics": False,
                             "notifications": True, "marketing": False}
    assert given.revision == 3

    # The advert's placeholder asks for marketing by name; allowing it shows the frame.
    advert = page.locator(".ph").filter(has_text="Маркетинговые файлы cookie")
    advert.locator('[data-consent-action="allow"]').click()
    page.wait_for_function(
        "document.querySelector('iframe[data-category=marketing]').src.endsWith('/ad')")
    events = wait_for_events(notifying_shop.id, 2)
    assert events[1].choices["marketing"] is True and events[1].choices["notifications"] is True
    assert events[1].previous_consent_id == given.consent_id
