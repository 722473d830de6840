"""cookieconsent: a self-hosted consent server.

The map of the package: each folder is one capability or one audience, and the arrow says what
it imports from the package besides the foundations. Imports only ever run downwards:
``tests/test_layout.py`` fails when a module imports one that imports it back.

Foundations (import only each other):
    config.py        settings from COOKIECONSENT_* environment variables
    extensions.py    db, migrate, babel, csrf: created here, bound in create_app
    models/          the stored records (SQLAlchemy), one idea per module
    database.py      engine set-up; sqlite_writers.py: SQLite writers take turns
    errors.py        the one JSON error shape
    network.py       client addresses, the public address, the proxy check
    accesslog.py     logs without addresses, e-mails, phones
    inbound.py       bodies read up to the route's limit, never further; paths without NUL
    strength.py      whether a secret or a password is a simple pattern
    ratelimit.py     limits per client network; security.py: response headers
    commandline.py   what every capability's ``flask`` commands share

Capabilities (logic and ``flask`` commands, the commands in the folder's ``cli.py``):
    ledger/     seals, checkpoints, audit, keyring, Merkle tree, offline proof checker,
                the audit trail's seals (trail.py)
                -> consents (``ledger proof`` prints a consent's proof document), accounts
    sites/      sites and their keys, policy versions, per-worker site snapshots
                -> embed/payload.py (``sites embed`` prints the tags it builds), catalogue
    consents/   decisions, receipts, subject identity and requests, proofs, retention
                -> sites, ledger, webhooks, accounts (audit of CLI withdrawals)
    forms/      form consents, the consent document and its wording -> consents, sites
    accounts/   console users, passwords, failed logins, export tokens, the audit log
                -> ledger/trail.py (each audit entry sealed and chained)
    webhooks/   telling a site's backend of withdrawals, erasures, expiries; the worker
                -> accounts (audit of CLI changes)
    export/     the consent log as CSV or JSON Lines -> accounts (audit of CLI exports)
    i18n/       the locale of a request, the ``translate`` commands
    catalogue/  the cookie knowledge (Open Cookie Database): which service, which category;
                services ready to declare, named in kk, ru and en
    scanner/    visits the site in Chromium, before and after a decision; stored reports
                -> catalogue, sites

Audiences (one blueprint each, built on the capabilities above):
    embed/        the script a site loads, its texts, the CSP helper -> sites, forms
    api/          the public JSON API and its schemas -> consents, forms, sites, export
    preferences/  the visitor's own pages -> consents, forms, sites, ledger
    admin/        the operator console -> every capability, embed (tags and preview)
    demo/         the demo site and its shop page -> forms, sites, embed, client, catalogue

For outsiders: client.py (a site backend's receipt checks) and proofcheck.py (the offline proof
checker's command, ``python -m cookieconsent.proofcheck``).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from . import inbound
from .extensions import babel, csrf, db, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=str(settings.DATA / "static"),
        static_url_path="/static",
    )
    inbound.init_app(app)
    app.config.from_mapping(settings.load(app.instance_path, test_config))
    app.json.sort_keys = False

    from . import database, network, ratelimit
    from .i18n import catalogs, locale
    from .ledger import sealing

    if app.config.get("PUBLIC_URL"):
        app.wsgi_app = network.PublicAddress(app.wsgi_app, app.config["PUBLIC_URL"])
    if app.config["PROXY_COUNT"]:
        # Outside PublicAddress: the client's address and scheme come from the proxies, the
        # host, once PUBLIC_URL is set, never does.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = network.ExpectProxies(
            ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count), count
        )
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", catalogs.directory(app.instance_path))

    db.init_app(app)
    database.init_app(app)
    sealing.init_app(app)
    migrate.init_app(app, db, directory=str(settings.DATA / "migrations"), render_as_batch=True)
    babel.init_app(
        app, locale_selector=locale.select_locale, timezone_selector=locale.select_time_zone
    )
    csrf.init_app(app)
    ratelimit.init_app(app)

    from . import admin, api, embed, errors, preferences, security
    from .demo import views as demo

    for blueprint in (api.bp, embed.bp, preferences.bp, admin.bp, demo.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)
    csrf.exempt(embed.bp)
    errors.register(app)
    security.init_app(app)
    locale.init_app(app)
    register_commands(app)
    return app


def register_commands(app: Flask) -> None:
    """Every ``flask`` command, each from the ``cli.py`` of the capability it commands."""
    from .accounts import cli as accounts
    from .catalogue import cli as catalogue
    from .consents import cli as consents
    from .demo import cli as demo
    from .export import cli as export
    from .forms import cli as forms
    from .i18n import cli as i18n
    from .ledger import cli as ledger
    from .scanner import cli as scanner
    from .sites import cli as sites
    from .webhooks import cli as webhooks

    modules = (sites, forms, consents, accounts, export, ledger, webhooks, catalogue, scanner,
               demo, i18n)
    for module in modules:
        for command in module.COMMANDS:
            app.cli.add_command(command)
