"""A policy version published to take effect later: pinned tags in time, and an announcement."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta

import pytest
from banner_support import action, consent_cookie, wait_for_events

from cookieconsent.embed import payload, views
from cookieconsent.extensions import db
from cookieconsent.models.types import utcnow
from cookieconsent.sites import policies, snapshots

CHANGES = {"kk": "Онлайн-чат қосылды.", "ru": "Добавлен онлайн-чат.", "en": "Now with a chat."}


@pytest.fixture
def clock(monkeypatch):
    """``clock(delta)``: the server's clock that far ahead of now (the browser's stays)."""
    start = utcnow()

    def move(delta: timedelta) -> None:
        for module in (payload, views, snapshots, policies):
            monkeypatch.setattr(module, "utcnow", lambda: start + delta)

    return move


def schedule(site, days: float = 7):
    """A significant version with its changes, published now to take effect in ``days``."""
    texts = {lang: {"title": f"Policy {lang} v2", "body": f"Policy v2 ({lang})."}
             for lang in site.languages}
    version = policies.draft(site, texts, significant=True, changes=CHANGES)
    policies.publish(version, utcnow() + timedelta(days=days))
    db.session.commit()
    return version


def pinned_tags(runner) -> list[str]:
    result = runner.invoke(args=["sites", "embed", "shop", "--base-url", "http://localhost"])
    assert result.exit_code == 0, result.output
    found = re.findall(r'src="http://localhost(/embed/shop/[0-9a-f]{16}\.js)" '
                       r'integrity="(sha384-[^"]+)"', result.output)
    return found


def config_of(body: bytes) -> dict:
    text = body.decode()
    return json.JSONDecoder().raw_decode(text, text.rindex("})({") + 3)[0]


def test_both_pinned_tags_answer_until_the_date_then_only_the_new_one(
    client, runner, site, clock
):
    [(old, _)] = pinned_tags(runner)
    schedule(site)
    [(current, _), (upcoming, integrity)] = pinned_tags(runner)
    assert upcoming not in (old, current)

    assert client.get(old).status_code == 200
    assert client.get(current).status_code == 200
    early = client.get(upcoming)
    assert early.status_code == 200
    assert config_of(early.data)["revision"] == 2  # the version of that date, byte for byte
    # What a browser checks before it runs the script.
    assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(early.data).digest()).decode()

    clock(timedelta(days=7, minutes=1))
    assert client.get(old).status_code == 404
    assert client.get(current).status_code == 404
    assert client.get(upcoming).data == client.get("/embed/shop.js").data


def test_the_new_pinned_script_finds_its_own_texts_before_the_date(client, runner, site):
    schedule(site)
    upcoming = pinned_tags(runner)[-1][0]
    wanted = config_of(client.get(upcoming).data)["texts"]["en"]
    texts = client.get(f"/embed/shop/texts/en.json?v={wanted}").get_json()
    assert texts["policy_version"].startswith("version 2 of ")
    assert "immutable" in client.get(f"/embed/shop/texts/en.json?v={wanted}").headers[
        "Cache-Control"]
    assert client.get("/embed/shop/texts/en.json").get_json()["policy_version"].startswith(
        "version 1 of ")


def test_the_console_shows_the_tag_of_the_date(admin_client, site):
    schedule(site)
    page = admin_client.get("/admin/sites/shop").get_data(as_text=True)
    tag = re.search(r'<textarea id="embed-upcoming"[^>]*>([^<]+)</textarea>', page).group(1)
    assert "/embed/shop/" in tag and "integrity=" in tag


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_returning_visitors_are_told_within_the_announcement_period_only(
    client, site, clock, language
):
    schedule(site, days=10)
    assert "next" not in config_of(client.get("/embed/shop.js").data)
    clock(timedelta(days=3, minutes=1))  # 7 days (the default period) before the date
    config = config_of(client.get("/embed/shop.js").data)
    assert config["next"] == {"n": 2} and config["revision"] == 1
    texts = client.get(f"/embed/shop/texts/{language}.json").get_json()
    assert texts["upcoming"].endswith(CHANGES[language])
    assert texts["ok"]


def test_no_announcement_when_the_period_is_zero(client, site):
    site.announce_days = 0
    db.session.commit()
    schedule(site, days=1)
    assert "next" not in config_of(client.get("/embed/shop.js").data)
    assert "upcoming" not in client.get("/embed/shop/texts/ru.json").get_json()


def notice(page):
    return page.locator('#cookieconsent .bar[role="status"]')


def asking(page):
    return page.locator('#cookieconsent .bar[role="dialog"]')


@pytest.mark.browser
def test_the_notice_shows_once_and_the_visitor_is_asked_again_on_the_date(
    page, open_shop, shop, clock
):
    open_shop()
    action(page, "accept-all").click()
    assert consent_cookie(page)
    schedule(shop)

    open_shop()
    notice(page).wait_for()
    assert CHANGES["ru"] in notice(page).inner_text()
    assert not asking(page).is_visible()
    notice(page).locator('[data-consent-action="ok"]').click()
    assert not notice(page).is_visible()
    assert page.evaluate("cookieconsent.granted('analytics')") is True

    open_shop()
    page.wait_for_timeout(500)
    assert not notice(page).is_visible() and not asking(page).is_visible()
    assert len(wait_for_events(shop.id, 1)) == 1  # told, not asked: nothing was recorded

    clock(timedelta(days=7, minutes=1))
    open_shop()
    asking(page).wait_for()
    assert page.evaluate("cookieconsent.granted('analytics')") is False
