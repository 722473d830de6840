"""A site's own banner words: saved per language in the console, hashed into each decision."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from banner_support import words_shown_sha256
from sqlalchemy import func, select

from cookieconsent.consents import proof
from cookieconsent.export import events as export
from cookieconsent.extensions import db
from cookieconsent.models import BannerTexts, ConsentEvent
from cookieconsent.sites import policies

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "proof.schema.json").read_text())
TITLE_KK = "Біз cookie файлдарын қолданамыз: қызмет көрсету сайты"
INJECTION = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


def save(client, site, significant="no", **fields):
    """Post the words form: ``kk__title="..."`` is the field ``kk.title``."""
    form = {name.replace("__", "."): text for name, text in fields.items()}
    return client.post(
        f"/admin/sites/{site.key}/wording", data=form | {"significant": significant}
    )


def texts(client, site, language="kk"):
    answer = client.get(f"/embed/{site.key}/texts/{language}.json")
    assert answer.status_code == 200
    return answer


def decide(client, site, consent_body, language="kk", **overrides):
    version = words_shown_sha256(client, site.key, language)[:10]
    return client.post(
        "/api/v1/consents",
        json=consent_body(language=language, texts=version) | overrides,
        headers={"Origin": "https://shop.example.kz"},
    )


def test_saved_words_replace_the_catalogs_in_their_language_only(admin_client, site):
    answer = save(admin_client, site, kk__title=TITLE_KK, kk__accept_all="Келісемін")
    assert answer.status_code == 302
    kk = texts(admin_client, site).get_json()
    assert kk["title"] == TITLE_KK and kk["accept_all"] == "Келісемін"
    ru = texts(admin_client, site, "ru").get_json()
    assert ru["title"] == "Мы используем файлы cookie"
    # The script names the new texts' version, so a visitor who kept the old ones fetches them.
    script = admin_client.get(f"/embed/{site.key}.js").get_data(as_text=True)
    digest = words_shown_sha256(admin_client, site.key, "kk")[:10]
    assert f'"kk":"{digest}"' in script


def test_an_empty_field_keeps_the_standard_words(admin_client, site):
    save(admin_client, site, kk__title=TITLE_KK)
    save(admin_client, site, kk__title="  ")
    assert texts(admin_client, site).get_json()["title"] == "Біз cookie файлдарын пайдаланамыз"
    assert site.wording == {}


@pytest.mark.parametrize(
    "field, text, limit",
    [("kk.accept_all", "Қ" * 41, 40), ("ru.title", "Т" * 81, 80), ("en.intro", "x" * 601, 600)],
)
def test_a_text_over_its_limit_is_refused_with_its_field_named(
    admin_client, site, field, text, limit
):
    answer = admin_client.post(
        f"/admin/sites/{site.key}/wording",
        data={field: text, "kk.title": TITLE_KK, "significant": "no"},
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    item = re.search(f'<li data-error-for="{re.escape(field)}">(.*?)</li>', page)[1]
    assert str(limit) in item and str(len(text)) in item
    db.session.expire_all()
    assert not site.wording  # the valid field beside it was not saved either
    assert texts(admin_client, site).get_json()["title"] != TITLE_KK


@pytest.mark.parametrize("field", ["kk.policy_url", "kk.form_agree", "de.title"])
def test_a_text_the_operator_may_not_set_is_refused(admin_client, site, field):
    answer = admin_client.post(f"/admin/sites/{site.key}/wording", data={field: "x"})
    assert answer.status_code == 422
    assert f'data-error-for="{field}"' in answer.get_data(as_text=True)
    db.session.expire_all()
    assert not site.wording


def test_markup_is_kept_as_text_and_never_rendered_in_the_console(admin_client, site):
    assert save(admin_client, site, kk__intro=INJECTION).status_code == 302
    assert texts(admin_client, site).get_json()["intro"] == INJECTION
    page = admin_client.get(f"/admin/sites/{site.key}/wording").get_data(as_text=True)
    assert "<script>alert(2)</script>" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_a_change_that_is_not_significant_asks_nobody_again(admin_client, site, consent_body):
    before = policies.current_revision(site)
    save(admin_client, site, kk__title=TITLE_KK)
    assert policies.current_revision(site) == before
    answer = decide(admin_client, site, consent_body, revision=before)
    assert answer.status_code == 201, answer.get_json()
    event = db.session.get(ConsentEvent, 1) or db.session.scalars(select(ConsentEvent)).one()
    assert event.texts_sha256 == words_shown_sha256(admin_client, site.key, "kk")


def test_a_significant_change_is_a_new_revision_that_asks_everyone_again(
    admin_client, site, consent_body
):
    in_force = policies.in_force(site)
    answer = save(admin_client, site, "yes", kk__title=TITLE_KK)
    assert answer.status_code == 302
    db.session.expire_all()
    now = policies.in_force(site)
    assert now.revision == in_force.revision + 1 and now.significant
    # The same policy words under the new number: only the banner's words changed.
    assert [t.sha256 for t in now.texts] == [t.sha256 for t in in_force.texts]
    config = admin_client.get(f"/embed/{site.key}.js").get_data(as_text=True)
    assert f'"revision":{now.revision}' in config and '"significant":true' in config
    stale = decide(admin_client, site, consent_body, revision=in_force.revision)
    assert stale.status_code == 409
    assert stale.get_json()["current_revision"] == now.revision


def test_the_decision_records_the_hash_of_the_words_shown_and_the_proof_shows_them(
    app, admin_client, site, consent_body
):
    save(admin_client, site, kk__title=TITLE_KK)
    served = words_shown_sha256(admin_client, site.key, "kk")
    assert decide(admin_client, site, consent_body).status_code == 201
    event = db.session.scalars(select(ConsentEvent)).one()
    assert event.texts_sha256 == served
    with app.test_request_context():
        document = proof.document(site, [event])
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    shown = document["events"][0]["texts"]
    assert shown["sha256"] == event.texts_sha256 and shown["matches"]
    assert shown["words"]["banner"]["title"] == TITLE_KK
    assert document["events"][0]["record"]["texts_sha256"] == event.texts_sha256
    page = admin_client.get(f"/admin/sites/{site.key}/consents/{event.consent_id}")
    assert event.texts_sha256 in page.get_data(as_text=True)
    assert TITLE_KK in page.get_data(as_text=True)
    exported = next(export.records(site, export.EventFilter()))
    assert exported["texts_sha256"] == event.texts_sha256


def test_words_changed_later_leave_earlier_proofs_with_their_own_words(
    app, admin_client, site, consent_body
):
    save(admin_client, site, kk__title=TITLE_KK)
    decide(admin_client, site, consent_body)
    save(admin_client, site, kk__title="Жаңа тақырып")
    decide(admin_client, site, consent_body)
    first, second = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert first.texts_sha256 != second.texts_sha256
    with app.test_request_context():
        words = [proof.document(site, [e])["events"][0]["texts"]["words"]["banner"]["title"]
                 for e in (first, second)]
    assert words == [TITLE_KK, "Жаңа тақырып"]


#: Versions the server never served, and values that are no version at all.
@pytest.mark.parametrize(
    "version", ["0123456789", "f" * 64, "short", "ZZZZZZZZZZ", 12345, "a" * 65]
)
def test_a_texts_version_the_server_never_served_is_refused(client, site, consent_body, version):
    texts(client, site)
    answer = client.post(
        "/api/v1/consents",
        json=consent_body(texts=version),
        headers={"Origin": "https://shop.example.kz"},
    )
    assert answer.status_code == 422
    assert "texts" in answer.get_json()["fields"]
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 0


def test_texts_of_another_language_do_not_count(client, site, consent_body):
    version = words_shown_sha256(client, site.key, "ru")[:10]
    answer = client.post(
        "/api/v1/consents",
        json=consent_body(language="kk", texts=version),
        headers={"Origin": "https://shop.example.kz"},
    )
    assert answer.status_code == 422


def test_rows_without_a_texts_hash_and_with_one_verify_and_a_changed_hash_is_named(
    admin_client, runner, site, consent_body, sql
):
    # A decision as earlier releases recorded it (no texts), then one with the words' hash.
    older = admin_client.post(
        "/api/v1/consents", json=consent_body(), headers={"Origin": "https://shop.example.kz"}
    )
    assert older.status_code == 201
    assert decide(admin_client, site, consent_body).status_code == 201
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    newer = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
    sql("UPDATE consent_event SET texts_sha256 = :h WHERE id = :id", h="0" * 64, id=newer.id)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"row {newer.id}:" in result.output


def test_the_words_are_kept_once_per_hash(client, site):
    for _ in range(3):
        texts(client, site)
        texts(client, site, "ru")
    kept = db.session.scalars(select(BannerTexts.language).order_by(BannerTexts.language)).all()
    assert kept == ["kk", "ru"]


# --- The preview ---------------------------------------------------------------------------


def frames(page: str) -> list[str]:
    return re.findall(r'<iframe src="([^"]+)"', page)


def test_the_preview_has_every_language_in_light_and_dark_on_a_phone_and_a_desktop(
    admin_client, site
):
    answer = admin_client.get(f"/admin/sites/{site.key}/preview")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    found = set(re.findall(r'data-preview="([a-z]+-[a-z]+-[a-z]+)"', page))
    assert found == {f"{lang}-{scheme}-{device}" for lang in ("kk", "ru", "en")
                     for scheme in ("light", "dark") for device in ("phone", "desktop")}
    assert 'width="360" height="640"' in page
    assert "frame-src 'self'" in answer.headers["Content-Security-Policy"]


def test_a_preview_shows_unsaved_words_and_saves_nothing(admin_client, site):
    answer = admin_client.post(
        f"/admin/sites/{site.key}/wording", data={"kk.title": TITLE_KK, "preview": "1"}
    )
    assert answer.status_code == 200
    db.session.expire_all()
    assert not site.wording
    kk_frame = next(src for src in frames(answer.get_data(as_text=True)) if "language=kk" in src)
    frame = admin_client.get(kk_frame.replace("&amp;", "&"))
    assert frame.status_code == 200
    script_src = re.search(r'<script src="([^"]+)"', frame.get_data(as_text=True))[1]
    policy = frame.headers["Content-Security-Policy"]
    # Only the preview's own address may be fetched from the frame: no decision can leave it.
    connect = re.search(r"connect-src ([^;]+)", policy)[1]
    assert connect.endswith(script_src.removesuffix("/embed/script.js") + "/")
    script = admin_client.get(script_src).get_data(as_text=True)
    assert '"preview":1' in script
    server = re.search(r'"server":"([^"]+)"', script)[1]
    words = admin_client.get(f"{server}/embed/{site.key}/texts/kk.json".split("localhost", 1)[-1])
    assert words.get_json()["title"] == TITLE_KK
    assert db.session.scalar(select(func.count()).select_from(BannerTexts)) == 0
    assert texts(admin_client, site).get_json()["title"] != TITLE_KK


def test_a_forged_or_foreign_preview_token_shows_nothing(client, site):
    assert client.get("/embed/preview/forged/embed/script.js").status_code == 404
    assert client.get(f"/embed/preview/forged/embed/{site.key}/texts/kk.json").status_code == 404


def test_a_viewer_may_look_at_the_preview_but_not_change_the_words(client, site, viewer):
    from admin_helpers import login

    login(client, "viewer@shop.kz")
    assert client.get(f"/admin/sites/{site.key}/preview").status_code == 200
    answer = client.post(f"/admin/sites/{site.key}/wording", data={"kk.title": "x"})
    assert answer.status_code == 403
    db.session.expire_all()
    assert not site.wording
