"""The banner's look in Chromium: each layout on a 360 x 640 phone, light and dark, axe-core,
no layout shift, and a site's own CSS custom properties winning over the console's look."""

from __future__ import annotations

import pytest
from banner_support import Trackers, action, assert_no_violations, banner, host_page

from cookieconsent.extensions import db
from cookieconsent.sites import look

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
#: The first layer may take at most 40 % of the phone's screen.
MOST = 0.4 * PHONE["height"]
LAYOUTS = [
    ("box", "center"),
    ("box", "left"),
    ("box", "right"),
    ("bar", "center"),
    ("modal", "center"),
]
CLS_PROBE = (
    "window.__cls = 0; new PerformanceObserver(l => l.getEntries().forEach(e => {"
    " if (!e.hadRecentInput) window.__cls += e.value; }))"
    ".observe({type: 'layout-shift', buffered: true});"
)


@pytest.fixture
def phone(browser, request):
    """A page on a 360 x 640 screen; ``request.param`` is the colour scheme it prefers."""
    scheme = getattr(request, "param", "light")
    context = browser.new_context(locale="kk-KZ", viewport=PHONE, color_scheme=scheme)
    page = context.new_page()
    Trackers(page)
    yield page
    context.close()


def styled(shop, **entered) -> None:
    shop.look = look.clean(entered)
    db.session.commit()


def open_banner(page, live_server, host_site, shop, lang="kk", head=""):
    page.add_init_script(CLS_PROBE)
    head += '<meta name="viewport" content="width=device-width">'
    page.goto(host_site.page("/", host_page(live_server.url, shop.key, lang=lang, head=head)))
    action(page, "accept-all").wait_for()
    # Settled: the fade-in is over, so the boxes measured are the final ones.
    page.wait_for_function(
        "document.getElementById('cookieconsent').shadowRoot.getAnimations().length === 0"
    )


def box(locator) -> dict:
    return locator.evaluate("el => el.getBoundingClientRect().toJSON()")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize(("layout", "position"), LAYOUTS)
def test_each_layout_takes_at_most_40_percent_of_a_phone_and_shifts_nothing(
    phone, live_server, host_site, shop, layout, position, lang
):
    styled(shop, layout=layout, position=position)
    open_banner(phone, live_server, host_site, shop, lang=lang)
    first = box(banner(phone))
    assert first["height"] <= MOST, (layout, lang, first)
    assert 0 <= first["left"] and first["right"] <= PHONE["width"]
    assert 0 <= first["top"] and first["bottom"] <= PHONE["height"]
    # Accept and Reject side by side, of one size; Customise a link-style button below.
    accept, reject = box(action(phone, "accept-all")), box(action(phone, "reject-all"))
    assert accept["top"] == reject["top"] and accept["right"] < reject["left"]
    assert (accept["width"], accept["height"]) == (reject["width"], reject["height"])
    customise = action(phone, "customize")
    assert box(customise)["top"] >= accept["bottom"]
    assert customise.evaluate(
        "b => (s => [s.backgroundColor, s.textDecorationLine])(getComputedStyle(b))"
    ) == ["rgba(0, 0, 0, 0)", "underline"]
    assert phone.evaluate("window.__cls") == 0


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("phone", ["light", "dark"], indirect=True)
@pytest.mark.parametrize(
    ("layout", "position"), [("box", "left"), ("bar", "center"), ("modal", "center")]
)
def test_axe_finds_nothing_in_each_layout_light_and_dark(
    phone, live_server, host_site, shop, layout, position, lang
):
    styled(shop, layout=layout, position=position, dark_mode=True)
    open_banner(phone, live_server, host_site, shop, lang=lang)
    assert_no_violations(phone)
    action(phone, "customize").click()
    phone.locator('#cookieconsent [aria-modal="true"]').wait_for()
    assert_no_violations(phone)


@pytest.mark.parametrize("phone", ["dark"], indirect=True)
def test_a_dark_browser_gets_the_dark_palette_only_where_the_site_turned_it_on(
    phone, live_server, host_site, shop
):
    background = "b => getComputedStyle(b).backgroundColor"
    open_banner(phone, live_server, host_site, shop)
    assert banner(phone).evaluate(background) == "rgb(255, 255, 255)"
    styled(shop, dark_mode=True)
    open_banner(phone, live_server, host_site, shop)
    assert banner(phone).evaluate(background) == "rgb(34, 39, 46)"


def test_the_site_css_custom_property_wins_over_the_console_look(
    page, live_server, host_site, shop
):
    styled(shop, light={"primary": "#0b6e4f"}, radius=0)
    colours = "b => (s => [s.backgroundColor, s.borderTopLeftRadius])(getComputedStyle(b))"
    open_banner(page, live_server, host_site, shop, lang="ru")
    assert action(page, "accept-all").evaluate(colours) == ["rgb(11, 110, 79)", "0px"]
    assert banner(page).evaluate("b => getComputedStyle(b).borderTopLeftRadius") == "0px"

    own = "<style>#cookieconsent{--cc-primary:#8a1c1c;--cc-radius:20px}</style>"
    open_banner(page, live_server, host_site, shop, lang="ru", head=own)
    assert action(page, "accept-all").evaluate(colours)[0] == "rgb(138, 28, 28)"
    assert banner(page).evaluate("b => getComputedStyle(b).borderTopLeftRadius") == "20px"
