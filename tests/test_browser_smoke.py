"""The browser harness itself: a host page on one origin loads a script from the server."""

import pytest

pytestmark = pytest.mark.browser


def test_host_page_loads_the_embed_script_from_the_consent_server(page, live_server, host_site,
                                                                  make_site):
    site = make_site(origins=[host_site.url])
    url = host_site.page("/", f'<!doctype html><html lang="kk"><title>Shop</title>'
                              f'<script src="{live_server.url}/embed/{site.key}.js" defer></script>'
                              f'<h1>Shop</h1>')
    with page.expect_response(lambda r: "/embed/" in r.url) as script:
        page.goto(url)
    assert script.value.status == 200
