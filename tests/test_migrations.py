"""The Alembic revisions build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from cookieconsent import create_app
from cookieconsent.extensions import db


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    """A database of its own, so that migrations start from nothing."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    name = f"cc_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database_url, tmp_path):
    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_a_site_with_webvisor_on_keeps_it_under_analytics_after_the_upgrade(
    empty_database_url,
):
    from cookieconsent.models import Site
    from cookieconsent.sites import registry

    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        site = registry.create_site("shop", "Shop", ["https://shop.kz"])
        registry.add_metrika(site, 12345678, webvisor="analytics")
        db.session.commit()
        # Before this revision Webvisor was an option only: the downgrade leaves just that.
        downgrade(revision="5b8e2f1c7a43")  # the revision before Webvisor became a service
        with db.engine.connect() as conn:
            assert conn.execute(text("select key from service")).scalars().all() == [
                "yandex-metrika"]
        upgrade()
        db.session.expire_all()
        site = db.session.get(Site, site.id)
        assert registry.webvisor_category(site) == "analytics"
        assert site.consent_mode_signals is None and site.consent_mode_wait_ms == 0
        assert not site.ads_data_redaction and not site.url_passthrough
        db.session.remove()
        db.engine.dispose()


def test_categories_migration_keeps_sites_as_they_were_and_asks_nobody_again(
    empty_database_url, tmp_path
):
    from sqlalchemy import select

    from cookieconsent.embed.payload import site_payload
    from cookieconsent.models import Category, Site
    from cookieconsent.sites import policies, registry

    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "LEDGER_KEYS": str(tmp_path / "ledger_keys.json"), "SERVER_NAME": None})
    client = app.test_client()
    with app.app_context():
        upgrade()
        site = registry.create_site("shop", "Shop", ["https://shop.kz"])
        policies.publish(policies.draft(site, {lang: {"title": "P", "body": f"Policy {lang}"}
                                               for lang in site.languages}, significant=True))
        db.session.commit()
        given = client.post("/api/v1/consents", json={
            "site": "shop", "revision": 1, "choices": {"functional": True, "analytics": False},
            "language": "ru", "method": "banner", "action": "custom"}).get_json()
        db.session.remove()
        # Back to the previous head: the database as the release before this one left it.
        downgrade(revision="5b8e2f0a3c71")
        db.session.remove()
        upgrade()
        site = db.session.scalar(select(Site).where(Site.key == "shop"))
        rows = db.session.scalars(select(Category).order_by(Category.position)).all()
        assert [(c.key, c.position, c.always_show, c.texts) for c in rows] == [
            ("essential", 0, True, {}), ("functional", 1, True, {}), ("analytics", 2, True, {})]
        assert site.category_changes == 0
        with app.test_request_context():
            config = site_payload(site)
        assert config["categories"] == ["essential", "functional", "analytics"]
        # The returning visitor's receipt still names the revision in force: no banner again.
        assert config["revision"] == 1 == json_payload(given["receipt"])["r"]
        verified = client.post("/api/v1/receipts/verify", json={"receipt": given["receipt"]})
        assert verified.get_json()["valid"] is True
        db.session.remove()
        db.engine.dispose()


def json_payload(receipt: str) -> dict:
    import base64
    import json

    head = receipt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
