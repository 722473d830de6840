"""The embed script as served: config, caching, languages, the pinned variant, the CLI."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from datetime import UTC, datetime

import pytest

from cookieconsent.embed import texts
from cookieconsent.extensions import db
from cookieconsent.sites import policies, registry

ORIGIN = "https://shop.example.kz"


def config_of(response) -> dict:
    """The config object the script is called with: ``…})({config},"css");``."""
    body = response.get_data(as_text=True)
    start = body.rindex("})({") + 3
    return json.JSONDecoder().raw_decode(body, start)[0]


@pytest.fixture
def metrika_site(make_site):
    return make_site(metrika=12345678)


def test_the_script_carries_the_site_config_and_is_cacheable(client, metrika_site):
    response = client.get("/embed/shop.js", headers={"Accept-Language": "kk"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in response.headers["Cache-Control"]
    assert "Accept-Encoding" in response.vary
    config = config_of(response)
    assert config["site"] == "shop" and config["revision"] == 1
    assert config["server"] == "http://localhost"
    assert config["categories"] == ["essential", "functional", "analytics"]
    assert config["metrika"] == {
        "id": 12345678,
        "options": {"clickmap": True, "trackLinks": True, "accurateTrackBounce": True,
                    "webvisor": False},
    }
    [[category, cookies, storage]] = config["services"]  # the words come with the texts
    assert category == "analytics" and cookies[0] == "_ym_*" and storage == ["_ym*"]
    assert config["floating"] is True and config["gcm"] is False and config["domain"] == ""


def test_revalidation_is_answered_with_304(client, metrika_site):
    first = client.get("/embed/shop.js")
    again = client.get("/embed/shop.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    new_texts = {lang: {"title": "P", "body": f"new ({lang})"} for lang in ("kk", "ru", "en")}
    policies.publish(policies.draft(metrika_site, new_texts, significant=True))
    db.session.commit()
    changed = client.get("/embed/shop.js", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and config_of(changed)["revision"] == 2


def test_the_script_is_sent_gzipped_within_the_budget(client, metrika_site):
    plain = client.get("/embed/shop.js")
    packed = client.get("/embed/shop.js", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert len(packed.data) <= 8 * 1024


def test_the_script_is_the_same_for_every_visitor_and_names_its_texts(client, metrika_site):
    kk = client.get("/embed/shop.js", headers={"Accept-Language": "kk"})
    en = client.get("/embed/shop.js", headers={"Accept-Language": "en"})
    assert kk.data == en.data and "Accept-Language" not in kk.vary
    versions = config_of(kk)["texts"]
    assert set(versions) == {"kk", "ru", "en"}
    assert all(re.fullmatch(r"[0-9a-f]{10}", v) for v in versions.values())
    assert len(set(versions.values())) == 3


def test_texts_are_fetched_in_one_language_and_cached_by_version(client, metrika_site):
    version = config_of(client.get("/embed/shop.js"))["texts"]["kk"]
    response = client.get(f"/embed/shop/texts/kk.json?v={version}")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert "immutable" in response.headers["Cache-Control"]
    assert "immutable" not in client.get("/embed/shop/texts/kk.json?v=old").headers[
        "Cache-Control"]
    words = response.get_json()
    assert words["accept_all"] == "Барлығын қабылдау"
    assert words["reject_all"] == "Барлығынан бас тарту"
    assert words["policy_url"].endswith("/kk")
    missing = client.get("/embed/shop/texts/de.json")
    assert missing.status_code == 404 and "language" in missing.get_json()["fields"]


def test_an_unknown_site_is_a_404_naming_the_site(client, metrika_site):
    response = client.get("/embed/nope.js")
    assert response.status_code == 404
    assert "site" in response.get_json()["fields"]


def test_webvisor_stays_off_unless_the_operator_turns_it_on(client, make_site):
    site = make_site()
    registry.add_metrika(site, 999, webvisor=True)
    db.session.commit()
    assert config_of(client.get("/embed/shop.js"))["metrika"]["options"]["webvisor"] is True


def test_site_settings_reach_the_script(client, make_site):
    site = make_site()
    site.floating_button = False
    site.cookie_domain = "example.kz"
    site.gpc_refuses_analytics = True
    site.google_consent_mode = True
    site.consent_lifetime_days = 180
    db.session.commit()
    config = config_of(client.get("/embed/shop.js"))
    assert (config["floating"], config["domain"], config["gpc_refuses"], config["gcm"],
            config["days"]) == (False, "example.kz", True, True, 180)
    assert "metrika" not in config


def pinned_path(client, runner, base_url="http://localhost") -> tuple[str, str]:
    result = runner.invoke(args=["sites", "embed", "shop", "--base-url", base_url])
    assert result.exit_code == 0, result.output
    tag = result.output.strip().splitlines()[-1]
    url = re.search(r'src="([^"]+)"', tag).group(1)
    integrity = re.search(r'integrity="([^"]+)"', tag).group(1)
    assert 'crossorigin="anonymous"' in tag
    return url.removeprefix(base_url), integrity


def test_the_cli_prints_both_tags(runner, metrika_site):
    result = runner.invoke(args=["sites", "embed", "shop", "--base-url", "https://cmp.example.kz"])
    assert result.exit_code == 0
    assert '<script src="https://cmp.example.kz/embed/shop.js" defer></script>' in result.output
    assert re.search(r'src="https://cmp.example.kz/embed/shop/[0-9a-f]{16}\.js" '
                     r'integrity="sha384-[A-Za-z0-9+/=]+"', result.output)
    assert runner.invoke(args=["sites", "embed", "nope"]).exit_code != 0


def test_the_pinned_variant_matches_its_integrity_hash(client, runner, metrika_site):
    path, integrity = pinned_path(client, runner)
    response = client.get(path)
    assert response.status_code == 200
    digest = base64.b64encode(hashlib.sha384(response.data).digest()).decode()
    assert integrity == f"sha384-{digest}"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.data == client.get("/embed/shop.js").data


def test_a_stale_pinned_version_is_refused_by_name(client, runner, metrika_site):
    path, _ = pinned_path(client, runner)
    new_texts = {lang: {"title": "P", "body": f"new ({lang})"} for lang in ("kk", "ru", "en")}
    policies.publish(policies.draft(metrika_site, new_texts, significant=True))
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 404 and "version" in response.get_json()["fields"]
    assert client.get("/embed/shop/0123456789abcdef.js").status_code == 404


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        ("ru", {1: "1 файл cookie", 2: "2 файла cookie", 5: "5 файлов cookie",
                21: "21 файл cookie"}),
        ("kk", {1: "1 cookie файлы", 5: "5 cookie файлы"}),
        ("en", {1: "1 cookie", 2: "2 cookies"}),
    ],
)
def test_cookie_counts_use_each_language_plural_rules(app, lang, counts):
    with app.test_request_context():
        words = texts.count_texts(lang, set(counts))["cookies"]
    assert words == {str(n): text for n, text in counts.items()}


@pytest.mark.parametrize(
    ("lang", "label"),
    [
        ("ru", "редакция №\u00a03 от 12 марта 2026\u202fг."),
        ("kk", "2026\u202fж. 12 наурыз күнгі №\u00a03 редакция"),
        ("en", "version 3 of March 12, 2026"),
    ],
)
def test_the_policy_version_is_dated_in_each_language(app, lang, label):
    with app.test_request_context():
        # CLDR puts a narrow no-break space before the abbreviation of "year".
        assert texts.policy_label(lang, 3, datetime(2026, 3, 12, tzinfo=UTC)) == label


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_banner_text_is_translated(app, lang):
    with app.test_request_context():
        english = texts.texts_for("en")
        words = texts.texts_for(lang)
    untranslated = [key for key in texts.TEXTS if words[key] == english[key]]
    assert untranslated == []


def test_a_first_visit_downloads_at_most_8_kb_gzipped(client, app):
    """Script (with the form guard) plus one language's texts, for the demo shop."""
    from cookieconsent.demo import seed

    seed.seed()
    db.session.commit()
    gz = {"Accept-Encoding": "gzip"}
    script = client.get("/embed/demo.js", headers=gz)
    assert script.headers["Content-Encoding"] == "gzip"
    # Local names are mangled: the minifier understood every file.
    assert "function need(" not in gzip.decompress(script.data).decode()
    versions = config_of(client.get("/embed/demo.js"))["texts"]
    for lang, version in versions.items():
        words = client.get(f"/embed/demo/texts/{lang}.json?v={version}", headers=gz)
        assert len(script.data) + len(words.data) <= 8 * 1024, lang
