"""Logging in and out, and who may do what.

Every console page needs a logged-in operator. Viewers may read and export the sites
assigned to them; every request that could change something is refused for them here, in
one place, so a new write route cannot forget the check.
"""

from __future__ import annotations

import math
from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from .. import ratelimit
from ..accounts import audit, throttle, users
from ..config import LANGUAGES
from ..extensions import db
from ..i18n import locale
from ..models import Site
from . import sessions
from .blueprint import bp
from .forms import ActionForm, LoginForm

#: Endpoints reachable without logging in.
PUBLIC = {"admin.login"}
#: POSTs a viewer may still make: ending their own session, and downloading a proof (a POST
#: because the download is audited).
VIEWER_WRITES = {"admin.logout", "admin.proof_json"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def load_operator():
    """Find the operator of this session; send everyone else to the login page."""
    g.operator = sessions.current_operator()
    if request.endpoint in PUBLIC:
        return None
    if g.operator is None:
        return redirect(url_for("admin.login", next=request.full_path))
    if (
        request.method not in SAFE_METHODS
        and not g.operator.is_admin
        and request.endpoint not in VIEWER_WRITES
    ):
        abort(403)
    return None


@bp.after_request
def remember_locale(response):
    """Keep the language an operator picks (``?lang=``) with their account."""
    lang = request.args.get("lang")
    operator = g.get("operator")
    if operator is not None and lang in LANGUAGES and operator.locale != lang:
        operator.locale = lang
        db.session.commit()
    return response


@bp.after_request
def no_store(response):
    # Console pages show personal data; no shared cache may keep them.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.context_processor
def console_context():
    return {"operator": g.get("operator")}


def admin_required(view):
    """Refuse the page to viewers (403): it exists only to change things."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.operator.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def site_or_404(key: str) -> Site:
    """The site ``key`` if this operator may see it; 404 otherwise, so keys do not leak."""
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None or not users.may_see(g.operator, site):
        abort(404)
    locale.show_site_times(site)
    return site


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form."""
    if request.method == "POST":
        ratelimit.check("login", "LOGIN_RATE_LIMIT")
    if g.operator is not None:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        wait = throttle.seconds_to_wait(email)
        if wait:
            flash(
                _(
                    "Too many failed logins to this account: try again in %(minutes)s min.",
                    minutes=math.ceil(wait / 60),
                ),
                "error",
            )
            response = make_response(render_template("admin/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        operator = users.authenticate(email, form.password.data)
        if operator is None:
            db.session.rollback()
            throttle.failed(email)
            db.session.commit()
            flash(_("Wrong e-mail or password."), "error")
            return render_template("admin/login.html", form=form), 401
        throttle.succeeded(email)
        sessions.start(operator)
        audit.record("login", operator=operator)
        db.session.commit()
        response = redirect(_safe_next(request.args.get("next")))
        if operator.locale in LANGUAGES:
            response.set_cookie(
                locale.COOKIE,
                operator.locale,
                max_age=365 * 86400,
                samesite="Lax",
                httponly=True,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
        return response
    empty = users.operator_count() == 0
    return render_template("admin/login.html", form=form, empty=empty)


def _safe_next(target: str | None) -> str:
    # Only a path inside the console: an open redirect would help phishing.
    if target and target.startswith("/admin/") and not target.startswith("//"):
        return target
    return url_for("admin.index")


@bp.post("/logout")
def logout():
    """End the session, and every other session of this operator (other browsers, copies)."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    users.end_sessions(g.operator)
    db.session.commit()
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
def index():
    """The sites this operator may see."""
    from ..sites import policies

    sites = users.visible_sites(g.operator)
    revisions = {site.id: policies.current_revision(site) for site in sites}
    return render_template("admin/index.html", sites=sites, revisions=revisions)
