"""The words of the preference page: categories, and what its script says to the visitor.

Short labels carry the context ``preference page`` so that they never clash with the
banner's catalog entries of the same English text.
"""

from __future__ import annotations

from babel.dates import get_month_names
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from ..i18n.locale import select_time_zone
from ..models import Site
from ..sites import categories


def _categories() -> dict[str, tuple[str, str]]:
    return {
        "essential": (
            pgettext("preference page", "Essential cookies"),
            _(
                "The site needs them to work: they keep your session, protect forms and "
                "remember this decision. They cannot be turned off."
            ),
        ),
        "functional": (
            pgettext("preference page", "Functional cookies"),
            _("They remember your settings and let embedded content, such as video players, work."),
        ),
        "analytics": (
            pgettext("preference page", "Analytics cookies"),
            _(
                "They count visits and show how the site is used, for example with "
                "Yandex.Metrika. They are set only with your consent."
            ),
        ),
    }


def category_texts(site: Site) -> list[dict]:
    """The categories the banner shows, in its order, named and explained, with their
    services (in the page's language): the operator's words, else this page's own for the
    first three, else the banner's."""
    page = _categories()
    language = str(get_locale() or site.default_language)[:2]
    found = []
    for category in categories.shown(site):
        title, description = categories.words(category, language)
        own = (category.texts or {}).get(language) or {}
        if category.key in page:
            title = own.get("title") or page[category.key][0]
            description = own.get("description") or page[category.key][1]
        found.append({
            "key": category.key,
            "locked": category.locked,
            "title": title,
            "description": description,
            "services": [s.in_language(language, site.default_language)
                         for s in site.services if s.category == category.key],
        })
    return found


def script_texts(shown: list[dict]) -> dict:
    """Everything ``static/preferences.js`` may say, in the page's language.

    ``{number}``, ``{date}``, ``{day}``, ``{month}`` and ``{year}`` are filled in by the
    script.
    """
    # Chromium's own Kazakh date data lacks month names, so the page formats dates itself
    # from CLDR's names (Babel), in the order the translators give.
    months = get_month_names("wide", context="format", locale=get_locale())
    return {
        # A list, not a dict, so the banner's order survives the JSON.
        "categories": [[c["key"], c["title"]] for c in shown],
        "months": [months[number] for number in range(1, 13)],
        "dateFormat": _("{month} {day}, {year}"),
        "timeZone": select_time_zone(),
        "status": pgettext("preference page", "Status"),
        "date": pgettext("preference page", "Date"),
        "version": pgettext("preference page", "Policy version"),
        "choices": pgettext("preference page", "Categories"),
        "consentId": pgettext("preference page", "Consent ID"),
        "allowed": pgettext("preference page", "allowed"),
        "refused": pgettext("preference page", "refused"),
        "versionOf": _(
            "Version %(number)s, in force from %(date)s", number="{number}", date="{date}"
        ),
        "states": {
            "given": _("Consent given"),
            "partly": _("Consent given for some categories"),
            "refused": _("Consent refused: only essential cookies"),
            "withdrawn": _("Consent withdrawn"),
            "expired": _("Consent expired"),
        },
        "loading": _("Loading your decision…"),
        "none": _(
            "No decision to show: open this page from the cookie settings on the site, or "
            "make a new decision below."
        ),
        "invalid": _(
            "The link does not carry a valid receipt, so your earlier decision cannot be "
            "shown. You can make a new decision below."
        ),
        "form": _(
            "This receipt belongs to a consent given in a form. You can download its proof "
            "or withdraw it."
        ),
        "outdated": _(
            "The cookie policy has changed since this decision. Please review your choices "
            "and save them again."
        ),
        "loadFailed": _("Could not load your decision: check your connection and reload the page."),
        "saved": _("Your choice is saved."),
        "withdrawn": _("Your consent is withdrawn."),
        "returning": _("Saved. Taking you back to the site…"),
        "failed": _("Could not save: check your connection and try again."),
        "policyChanged": _(
            "The site's cookie policy has just changed. Check your choices and save again."
        ),
        "downloadFailed": _("Could not download the proof. Try again."),
    }
