"""Human names, in the console's language, for the values stored in the log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .blueprint import bp

ACTIONS = {
    "accept_all": _l("Accepted all"),
    "reject_all": _l("Rejected all"),
    "custom": _l("Chose categories"),
    "withdraw": _l("Withdrew"),
    "agree": _l("Agreed (form)"),
}
METHODS = {
    "banner": _l("Banner"),
    "preferences": _l("Preferences dialog"),
    "preference_page": _l("Preference page"),
    "form": _l("Feedback form"),
    "operator": _l("Operator"),
    "app": _l("Mobile app"),
}
EVENTS = {
    "given": _l("Given"),
    "updated": _l("Updated"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}
CATEGORIES = {
    "essential": _l("Essential"),
    "functional": _l("Functional"),
    "analytics": _l("Analytics"),
}
LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def _label(table: dict, value) -> str:
    return str(table.get(value, value)) if value is not None else "—"


def action_label(value) -> str:
    return _label(ACTIONS, value)


def method_label(value) -> str:
    return _label(METHODS, value)


def event_label(value) -> str:
    return _label(EVENTS, value)


def category_label(value) -> str:
    return _label(CATEGORIES, value)


def language_label(value) -> str:
    return _label(LANGUAGES, value)


for _function in (action_label, method_label, event_label, category_label, language_label):
    # Globals, not context: the chart and form macros are imported without context.
    bp.add_app_template_global(_function)
