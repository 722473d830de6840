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
    "api": _l("Site's own code"),
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
    "marketing": _l("Marketing"),
    "personalisation": _l("Personalisation"),
    "notifications": _l("Notifications"),
    "personal_data": _l("Personal data"),
}
LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
ROLES = {"admin": _l("Administrator"), "viewer": _l("Viewer")}
PURGE_TRIGGERS = {"console": _l("Console"), "cli": _l("Command line")}
PURGE_STATUSES = {"running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}
AUDIT_ACTIONS = {
    "login": _l("Logged in"),
    "operator.create": _l("Console user created"),
    "operator.update": _l("Console user changed"),
    "site.create": _l("Site created"),
    "site.update": _l("Site changed"),
    "site.rotate_key": _l("Signing key rotated"),
    "policy.draft": _l("Policy draft saved"),
    "policy.publish": _l("Policy version published"),
    "policy.import": _l("Policy history imported"),
    "export": _l("Log exported"),
    "subject.access": _l("Subject's data exported"),
    "consent.withdraw": _l("Consent withdrawn"),
    "consent.erase": _l("Personal data erased"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "retention.purge": _l("Purge run"),
    "document.publish": _l("Consent document published"),
    "forms.update": _l("Forms changed"),
    "ledger.rotate_key": _l("Ledger key rotated"),
    "webhook.create": _l("Webhook added"),
    "webhook.delete": _l("Webhook removed"),
    "webhook.rotate_secret": _l("Webhook secret replaced"),
    "webhook.replay": _l("Webhook deliveries resent"),
}


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


def role_label(value) -> str:
    return _label(ROLES, value)


def purge_trigger_label(value) -> str:
    return _label(PURGE_TRIGGERS, value)


def purge_status_label(value) -> str:
    return _label(PURGE_STATUSES, value)


def audit_action_label(value) -> str:
    return _label(AUDIT_ACTIONS, value)


for _function in (
    action_label, method_label, event_label, category_label, language_label, role_label,
    purge_trigger_label, purge_status_label, audit_action_label,
):
    # Globals, not context: the chart and form macros are imported without context.
    bp.add_app_template_global(_function)
