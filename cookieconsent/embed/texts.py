"""The banner's texts: msgids of the server's catalogs, compiled per language for the script.

One source of truth: the banner reads the same ``translations/`` catalogs as the server pages.
Its entries carry the context ``banner`` (msgctxt), so a page that uses the same English words
keeps its own entry. Other parts of the script (the feedback-form guard) add their own keys to
:data:`TEXTS`; any lazy string works there.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from flask_babel import force_locale, lazy_pgettext, npgettext, pgettext

TEXTS: dict = {
    "title": lazy_pgettext("banner", "We use cookies"),
    "intro": lazy_pgettext(
        "banner",
        "Essential cookies keep the site working. With your consent we also use functional "
        "cookies to remember your settings and analytics cookies to count visits. You can "
        "change your choice at any time.",
    ),
    "changed": lazy_pgettext("banner", "Our cookie policy has changed. Please review your choice."),
    "accept_all": lazy_pgettext("banner", "Accept all"),
    "reject_all": lazy_pgettext("banner", "Reject all"),
    "customize": lazy_pgettext("banner", "Customize"),
    "save": lazy_pgettext("banner", "Save choices"),
    "close": lazy_pgettext("banner", "Close"),
    "settings": lazy_pgettext("banner", "Cookie settings"),
    "prefs_intro": lazy_pgettext(
        "banner", "Choose which cookies the site may use. Essential cookies cannot be turned off."
    ),
    "essential": lazy_pgettext("banner", "Essential cookies"),
    "essential_about": lazy_pgettext(
        "banner", "Needed for the site to work: your session, cart and this choice."
    ),
    "functional": lazy_pgettext("banner", "Functional cookies"),
    "functional_about": lazy_pgettext(
        "banner", "Remember your settings and show embedded content such as video."
    ),
    "analytics": lazy_pgettext("banner", "Analytics cookies"),
    "analytics_about": lazy_pgettext(
        "banner", "Help us understand how the site is used, in aggregate."
    ),
    "always_on": lazy_pgettext("banner", "Always on"),
    "no_services": lazy_pgettext("banner", "No services in this category."),
    "policy": lazy_pgettext("banner", "Cookie policy"),
    "my_record": lazy_pgettext("banner", "My consent record"),
    "withdraw": lazy_pgettext("banner", "Withdraw consent"),
    "blocked": lazy_pgettext("banner", "This content needs your consent: %(category)s."),
    "allow": lazy_pgettext("banner", "Allow and show"),
    "gpc": lazy_pgettext(
        "banner",
        "Your browser sends a Global Privacy Control signal, so analytics cookies stay off "
        "unless you turn them on.",
    ),
    # The feedback-form guard (static/forms.js).
    "form_agree": lazy_pgettext(
        "forms", "I agree to the collection and processing of personal data"
    ),
    "form_document": lazy_pgettext("forms", "Consent text"),
    "form_required": lazy_pgettext(
        "forms", "Tick the box to consent to the collection and processing of personal data."
    ),
    "form_failed": lazy_pgettext(
        "forms", "Consent was not recorded and the form was not sent. Try again."
    ),
    "form_check": lazy_pgettext("forms", "Check this field."),
}


def texts_for(language: str) -> dict:
    """Every banner text in ``language``, from the compiled catalogs."""
    with force_locale(language):
        return {key: str(text) for key, text in TEXTS.items()}


def count_texts(language: str, numbers: set[int]) -> dict:
    """``{"cookies": {"1": "1 cookie", ...}}`` for the numbers the site's services need.

    Plural forms come from the catalogs (CLDR rules: Russian has three, Kazakh and English two).
    """
    with force_locale(language):
        return {
            "cookies": {
                str(n): npgettext("banner", "%(num)d cookie", "%(num)d cookies", n)
                for n in sorted(numbers)
            }
        }


def policy_label(language: str, number: int, effective_at: datetime) -> str:
    """The policy label with the date in the language's CLDR form: "version 3 of March 12, 2026"."""
    with force_locale(language):
        date = format_date(effective_at, format="long", locale=language)
        return pgettext("banner", "version %(number)s of %(date)s", number=number, date=date)
