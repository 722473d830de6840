"""The banner's look: the contrast check, what a site stores, the CSS it adds, the console."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry
from cookieconsent.sites import look

BANNER_CSS = Path(__file__).resolve().parent.parent / "static" / "banner.css"


@pytest.mark.parametrize(
    ("foreground", "background", "ratio"),
    [
        ("#777777", "#ffffff", "4.48"),  # the grey that just fails AA
        ("#767676", "#ffffff", "4.54"),  # the lightest grey that passes
        ("#000000", "#ffffff", "21.00"),
        ("#ffffff", "#000000", "21.00"),
        ("#0a53be", "#0a53be", "1.00"),
        ("#0a53be", "#ffffff", "7.01"),
    ],
)
def test_contrast_ratio_matches_the_known_values(foreground, background, ratio):
    assert look.shown(look.contrast(foreground, background)) == ratio


def test_a_ratio_just_below_the_minimum_is_not_shown_as_enough():
    assert look.shown(4.4999) == "4.49"


def test_the_default_look_is_stored_as_nothing_and_adds_no_css():
    assert look.clean(look.resolve({})) == {}
    assert look.css({}) == ""


def test_the_defaults_are_the_ones_banner_css_falls_back_to():
    css = BANNER_CSS.read_text()
    fallbacks = dict(re.findall(r"var\(--cc-([a-z-]+),(#[0-9a-f]+|\d+px)\)", css))
    light = {name.replace("_", "-"): value for name, value in look.DEFAULTS["light"].items()}
    assert {
        name: look.colour(value, name) for name, value in fallbacks.items() if name != "radius"
    } == light
    assert fallbacks["radius"] == f"{look.DEFAULTS['radius']}px"


def test_only_what_differs_is_stored_and_becomes_css():
    stored = look.clean(
        {
            "light": {"primary": "#0B6E4F", "bg": "#fff"},
            "radius": 4,
            "layout": "box",
            "position": "left",
        }
    )
    assert stored == {"light": {"primary": "#0b6e4f"}, "radius": 4, "position": "left"}
    css = look.css(stored)
    assert ":host{--cc-primary:#0b6e4f}" in css
    assert "--cc-radius:4px" in css and "margin-left:0" in css
    assert "prefers-color-scheme" not in css


def test_the_dark_palette_comes_whole_and_only_when_turned_on():
    css = look.css(look.clean({"dark_mode": True}))
    dark = css.split("@media (prefers-color-scheme:dark)", 1)[1]
    assert all(f"--cc-{name.replace('_', '-')}:" in dark for name in look.COLOURS)


def test_position_applies_to_the_box_only():
    assert look.clean({"layout": "modal", "position": "left"}) == {"layout": "modal"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"light": {"bg": "white"}}, "light_bg"),
        ({"dark": {"link": "#12345"}}, "dark_link"),
        ({"light": {"text": "#fff;}:host{x"}}, "light_text"),
        ({"radius": "12px"}, "radius"),
        ({"radius": 33}, "radius"),
        ({"radius": -1}, "radius"),
        ({"layout": "fullscreen"}, "layout"),
        ({"position": "top"}, "position"),
        ({"light": {"link": "#777777"}}, "light_link"),
        ({"light": {"primary": "#7aa7e6"}}, "light_primary_text"),
        ({"dark": {"bg": "#ffffff"}}, "dark_text"),
    ],
)
def test_a_bad_look_is_refused_naming_the_field(data, field):
    with pytest.raises(look.LookError) as refused:
        look.clean(data)
    assert refused.value.field == field
    assert field.split("_", 1)[-1].split("_")[0] in str(refused.value)


# --- The console page


def test_the_console_refuses_low_contrast_naming_the_pair_and_ratio_and_saves_nothing(
    admin_client, site
):
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    form = _form(light_link="#777777", radius="4", layout="bar")
    answer = admin_client.post(f"/admin/sites/{site.key}/look", data=form)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    # The console speaks Russian to this operator.
    assert "Не сохранено: Цвета: контраст «Ссылки и „Настроить“» на «Фон» — 4.48:1" in page
    # What was entered stays in the form, to be corrected.
    assert 'value="#777777"' in page
    db.session.expire_all()
    assert site.look == {}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    script = admin_client.get(f"/embed/{site.key}.js").get_data(as_text=True)
    assert "--cc-radius:4px" not in script and ".bar{left:0" not in script


def test_the_console_saves_a_look_and_the_site_script_carries_it(admin_client, site):
    page = admin_client.get(f"/admin/sites/{site.key}/look").get_data(as_text=True)
    assert "7.01:1" in page  # the default blue on white, in the contrast table
    answer = admin_client.post(
        f"/admin/sites/{site.key}/look",
        data=_form(light_primary="#0b6e4f", dark_mode="on", layout="box", position="right"),
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert site.look == {"light": {"primary": "#0b6e4f"}, "dark_mode": True, "position": "right"}
    script = admin_client.get(f"/embed/{site.key}.js").get_data(as_text=True)
    assert "--cc-primary:#0b6e4f" in script and "prefers-color-scheme:dark" in script
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "site.update" and "look" in entry.details


def test_a_viewer_cannot_change_the_look(client, site, viewer):
    from admin_helpers import login

    login(client, viewer.email)
    assert client.post(f"/admin/sites/{site.key}/look", data=_form()).status_code == 403


def _form(**overrides) -> dict:
    data = {f"{p}_{n}": v for p in look.PALETTES for n, v in look.DEFAULTS[p].items()}
    data |= {"radius": "12", "layout": "box", "position": "center"}
    return data | overrides
