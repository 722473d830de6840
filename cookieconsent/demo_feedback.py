"""The demo shop's own backend for its feedback form: how a site checks the receipt.

It does what a customer's backend does with :mod:`cookieconsent.client`: refuse a submission
without a valid ``consent_receipt`` for the form ``feedback``, then handle the message.
"""

from flask import g, render_template

from .client import require_form_receipt
from .demo import DEMO_KEY, bp
from .extensions import csrf
from .sites import get_site, signing_secrets


def _demo_keys() -> list[str]:
    # The demo runs on the consent server, so it reads the keys directly; a real site keeps
    # them in its own configuration (``flask forms receipt-keys SITE``).
    return signing_secrets(get_site(DEMO_KEY))


@bp.post("/demo/feedback")
@csrf.exempt  # the consent receipt, not a session, is what this form must carry
@require_form_receipt("feedback", site=DEMO_KEY, keys=_demo_keys)
def feedback():
    """Accept the demo feedback form; the decorator has checked its receipt."""
    return render_template("demo_feedback.html", receipt=g.consent_receipt)
