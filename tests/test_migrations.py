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
