"""The banner's texts: msgids of the server's catalogs, compiled per language for the script.

One source of truth: the banner reads the same ``translations/`` catalogs as the server pages.
Its entries carry the context ``banner`` (msgctxt), so a page that uses the same English words
keeps its own entry. Other parts of the script (the feedback-form guard) add their own keys to
:data:`TEXTS`; any lazy string works there. A visitor downloads only the texts of what the page
shows: those of the preferences dialog (:data:`DIALOG`) come with the dialog, those of the form
guard (:data:`FORMS`) only to a site with guarded forms. Each category the banner shows adds
its title under its key (and, with the dialog, its description under ``KEY_about``:
cookieconsent/sites/categories.py), so no category may take the key of a text here
(:func:`is_banner_word`).
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

#: Shown only in the preferences dialog: sent with it, the first time a visitor opens it.
DIALOG = frozenset({
    "save", "close", "prefs_intro", "always_on", "no_services", "my_record",
    "withdraw",
})
#: Shown only by the form guard.
FORMS = frozenset(key for key in TEXTS if key.startswith("form_"))

#: Keys :func:`cookieconsent.embed.payload.site_texts` and ``dialog_texts`` add beside
#: :data:`TEXTS`.
COMPUTED = ("cookies", "policy_url", "policy_version", "changes", "services")


def is_banner_word(key: str) -> bool:
    """Whether a category named ``key`` would take the place of one of the banner's texts."""
    return key in TEXTS or key in COMPUTED or key.endswith("_about")


def texts_for(language: str, keys=TEXTS) -> dict:
    """The banner texts named by ``keys`` (all of them by default) in ``language``."""
    with force_locale(language):
        return {key: str(TEXTS[key]) for key in keys}


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


def upcoming_texts(language: str, effective_at: datetime, changes: str) -> dict:
    """The notice of a scheduled policy version: its date, what changes, and a button."""
    with force_locale(language):
        date = format_date(effective_at, format="long", locale=language)
        return {
            "upcoming": pgettext("banner", "From %(date)s our cookie policy changes.", date=date)
            + (" " + changes if changes else ""),
            "ok": pgettext("banner", "OK"),
        }
