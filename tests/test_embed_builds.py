"""The embed script is built once per release and once per change of its site, never by a timer.

A "new worker" is a new Python process started on the same instance folder; "another process"
is a second app on the same database, changing the site through the same code the console and
the CLI use.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest

from cookieconsent import create_app
from cookieconsent.embed import payload, views
from cookieconsent.extensions import db
from cookieconsent.models import Service
from cookieconsent.models.types import utcnow
from cookieconsent.sites import policies, registry, snapshots

#: A gunicorn worker's first request, counting how often it minifies the banner.
WORKER = textwrap.dedent(
    """
    import hashlib, json, sys
    from cookieconsent import create_app
    from cookieconsent.embed import payload

    calls = []
    minify = payload.minify
    payload.minify = lambda source: calls.append(1) or minify(source)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "ENV": "testing",
                      "SECRET_KEY": "x" * 40, "SERVER_NAME": None})
    app.instance_path = sys.argv[2]
    body = app.test_client().get("/embed/shop.js").data
    print(json.dumps({"minified": len(calls), "sha256": hashlib.sha256(body).hexdigest()}))
    """
)


def first_request_of_a_new_worker(database_url: str, instance) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, str(instance)],
        capture_output=True, text=True, check=True, timeout=120,
    )
    return json.loads(done.stdout.splitlines()[-1])


def script_config(client) -> dict:
    """The config object the script is called with: ``…})({config},"css");``."""
    body = client.get("/embed/shop.js").get_data(as_text=True)
    return json.JSONDecoder().raw_decode(body, body.rindex("})({") + 3)[0]


def test_a_new_worker_serves_its_first_banner_from_the_shared_build(
    database_url, site, tmp_path
):
    instance = tmp_path / "instance"
    first = first_request_of_a_new_worker(database_url, instance)
    assert first["minified"] == 1  # the first worker of a release builds it...
    assert list((instance / "build").glob("embed-*.json"))  # ...for every worker after it
    later = first_request_of_a_new_worker(database_url, instance)
    assert later == {"minified": 0, "sha256": first["sha256"]}


@pytest.fixture
def builds(monkeypatch):
    """How many times the script and the texts were built."""
    counts = {"script": 0, "texts": 0}
    build, texts = views.build, views._texts

    def count(what, make):
        def counted(*args):
            counts[what] += 1
            return make(*args)

        return counted

    monkeypatch.setattr(views, "build", count("script", build))
    monkeypatch.setattr(views, "_texts", count("texts", texts))
    return counts


class TestNoTimer:
    @pytest.fixture
    def app_config(self, app_config):
        # The old cache ran out after SITE_CACHE_SECONDS: at 0 it would rebuild every time.
        return app_config | {"SITE_CACHE_SECONDS": 0}

    def test_an_unchanged_site_is_not_rebuilt(self, client, site, builds):
        first = client.get("/embed/shop.js")
        texts = client.get("/embed/shop/texts/ru.json")
        for _ in range(3):
            assert client.get("/embed/shop.js").data == first.data
            assert client.get("/embed/shop/texts/ru.json").data == texts.data
        assert builds == {"script": 1, "texts": 1}

    def test_a_change_in_another_process_is_served_from_the_next_request(
        self, app, app_config, client, site, builds
    ):
        assert script_config(client)["days"] == 365
        other = create_app(app_config)
        with other.app_context():
            changed = registry.get_site("shop")
            changed.consent_lifetime_days = 90
            db.session.commit()
        db.session.expire_all()  # the test's session, which its requests share, read the site
        assert script_config(client)["days"] == 90
        with other.app_context():
            db.session.add(Service(site_id=site.id, key="chat", name="Chat",
                                   category="functional", cookies=["chat_id"]))
            db.session.commit()
        db.session.expire_all()
        assert script_config(client)["services"][-1] == ["functional", ["chat_id"], []]
        assert builds["script"] == 3


def test_a_policy_published_elsewhere_reaches_the_texts(app, app_config, client, site):
    before = client.get("/embed/shop/texts/en.json").get_json()
    other = create_app(app_config)
    with other.app_context():
        texts = {lang: {"title": "P", "body": f"v2 ({lang})"} for lang in site.languages}
        version = policies.draft(registry.get_site("shop"), texts, significant=False)
        version.changes = {"en": "Now with a chat."}
        policies.publish(version)
        db.session.commit()
    after = client.get("/embed/shop/texts/en.json").get_json()
    assert before["changes"] == "" and after["changes"] == "Now with a chat."


def test_a_policy_that_takes_effect_later_is_served_once_in_force(client, site, monkeypatch):
    texts = {lang: {"title": "P", "body": f"new ({lang})"} for lang in site.languages}
    later = policies.draft(site, texts, significant=True)
    policies.publish(later, utcnow() + timedelta(hours=1))
    db.session.commit()
    assert script_config(client)["revision"] == 1
    # Two hours on: nothing in the site changed, but the version in force did.
    in_two_hours = utcnow() + timedelta(hours=2)
    for module in (payload, snapshots, policies):
        monkeypatch.setattr(module, "utcnow", lambda: in_two_hours)
    assert script_config(client)["revision"] == 2
