"""Same-origin mode in Chromium: the site's nginx routes /consent/ to the consent server."""

from __future__ import annotations

import time

import pytest
from banner_support import action, banner, host_page
from proxy_processes import SiteNginx

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_nginx(tmp_path, live_server, make_site):
    """https://127.0.0.1:PORT: the shop's pages, and its /consent/ path to the consent server."""
    root = tmp_path / "www"
    root.mkdir()
    nginx = SiteNginx(tmp_path, int(live_server.url.rsplit(":", 1)[1]), root)
    shop = make_site(origins=[nginx.tls_url])
    (root / "index.html").write_text(host_page("/consent", shop.key))
    nginx.start()
    yield nginx
    nginx.stop()


@pytest.fixture
def shop_page(browser):
    context = browser.new_context(locale="ru-RU", ignore_https_errors=True)
    yield context.new_page()
    context.close()


def test_the_decision_comes_back_as_the_sites_own_cookie_and_outlives_script_storage(
    shop_page, shop_nginx, live_server
):
    page = shop_page
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(shop_nginx.tls_url + "/")
    with page.expect_response("**/consent/api/v1/consents") as answer:
        action(page, "accept-all").click()
    receipt = answer.value.json()["receipt"]
    assert answer.value.header_value("set-cookie").startswith(f"cc_shop={receipt};")

    [cookie] = [c for c in page.context.cookies() if c["name"] == "cc_shop"]
    assert cookie["value"] == receipt and cookie["domain"] == "127.0.0.1"
    assert cookie["secure"] and not cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert cookie["expires"] > time.time() + 364 * 86400
    # The script, the texts and the decision all went through the site's own origin.
    assert not [url for url in seen if url.startswith(live_server.url)]

    # What Safari does to script-writable storage after 7 days without interaction.
    page.evaluate("localStorage.clear(); sessionStorage.clear()")
    page.reload()
    page.wait_for_function("window.gatedRan === 1")
    assert page.evaluate("cookieconsent.granted('analytics')") is True
    assert not banner(page).is_visible()
