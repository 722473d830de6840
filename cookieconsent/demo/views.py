"""The demo shop's page and its own backend for the feedback form.

The form's backend does what a customer's backend does with :mod:`cookieconsent.client`:
refuse a submission without a valid ``consent_receipt`` for the form ``feedback``, then handle
the message.
"""

import secrets

from flask import Blueprint, abort, g, make_response, render_template, request, url_for
from sqlalchemy import select

from ..client import preference_link, require_form_receipt
from ..extensions import csrf, db
from ..models import Site
from ..sites.registry import get_site, signing_secrets
from .seed import DEMO_KEY

bp = Blueprint("demo", __name__)


@bp.get("/demo")
def page():
    """A shop page that embeds the banner exactly as a customer's site would."""
    site = db.session.scalar(select(Site).where(Site.key == DEMO_KEY))
    if site is None:
        abort(404, "Run `flask --app wsgi demo` to create the demo site.")
    from ..embed.csp import host_policy

    # The host page's own strict policy, as docs/embedding.md advises sites: a nonce for the gated
    # Metrika snippet, no 'unsafe-inline' anywhere.
    nonce = secrets.token_urlsafe(16)
    response = make_response(render_template("demo.html", site=site, nonce=nonce))
    response.headers["Content-Security-Policy"] = host_policy(
        request.host_url.rstrip("/"), nonce, frames=("https://www.youtube-nocookie.com",)
    )
    return response


def _demo_keys() -> list[str]:
    # The demo runs on the consent server, so it reads the keys directly; a real site keeps
    # them in its own configuration (``flask forms receipt-keys SITE``).
    return signing_secrets(get_site(DEMO_KEY))


@bp.post("/demo/feedback")
@csrf.exempt  # the consent receipt, not a session, is what this form must carry
@require_form_receipt("feedback", site=DEMO_KEY, keys=_demo_keys)
def feedback():
    """Accept the demo feedback form; the decorator has checked its receipt."""
    # As a site's thank-you page should: the visitor can see and withdraw what they gave.
    back = url_for("demo.page", _external=True)
    link = preference_link(request.host_url, DEMO_KEY, request.form["consent_receipt"], back)
    return render_template("demo_feedback.html", receipt=g.consent_receipt, consent_link=link)
