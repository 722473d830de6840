"""cookieconsent: a self-hosted consent server."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from .extensions import babel, csrf, db, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(settings.ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(settings.load(app.instance_path, test_config))
    app.json.sort_keys = False

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from . import database, i18n, ledger

    db.init_app(app)
    database.init_app(app)
    ledger.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    from . import ratelimit

    ratelimit.init_app(app)

    from . import admin, api, demo, embed, errors, preferences, security

    for blueprint in (api.bp, embed.bp, preferences.bp, admin.bp, demo.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)
    csrf.exempt(embed.bp)
    errors.register(app)
    security.init_app(app)
    i18n.init_app(app)

    from . import cli

    cli.init_app(app)
    return app
