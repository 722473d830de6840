"""Human names, in the console's language, for the values stored in the log."""

from __future__ import annotations

import ast
import json

from flask_babel import gettext as _
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

#: Where an export or a change was made from, when not the console.
VIA = {"cli": _l("Command line"), "api": _l("API token")}
#: The keys of ``AuditEntry.details`` that this code writes (an older key is shown as stored).
AUDIT_DETAILS = {
    # console users
    "role": _l("Role"),
    "sites": _l("Sites"),
    "password": _l("Password"),
    "active": _l("Can sign in"),
    # site settings: before and after
    "name": _l("Name"),
    "default_language": _l("Default language"),
    "consent_lifetime_days": _l("Consent lifetime, days"),
    "consent_lifetime_months": _l("Consent lifetime, months"),
    "proof_retention_days": _l("Storage period of cookie proofs after expiry, days"),
    "form_retention_days": _l("Storage period of form consents, days"),
    "google_consent_mode": _l("Google Consent Mode v2"),
    "ads_data_redaction": _l("Redact ad data while ads are denied (ads_data_redaction)"),
    "url_passthrough": _l("Pass ad click information in URLs (url_passthrough)"),
    "gpc_refuses_analytics": _l("Treat Global Privacy Control as refusing analytics"),
    "floating_button": _l("Floating cookie settings button"),
    "announce_days": _l("Announce a scheduled policy version, days ahead (0: never)"),
    "origins": _l("Allowed origins"),
    "apps": _l("Allowed apps"),
    "languages": _l("Languages"),
    "cookie_domain": _l("Cookie domain (for subdomains)"),
    "cookie_name": _l("Cookie name (default: cc_ and the site key)"),
    "metrika_counter_id": _l("Yandex.Metrika counter"),
    "metrika_options": _l("Yandex.Metrika options"),
    "consent_mode_signals": _l("Consent Mode signals by category"),
    "consent_mode_wait_ms": _l("Wait for an update (wait_for_update), ms"),
    "look": _l("Look"),
    "wording": _l("Wording"),
    "app_added": _l("Apps allowed"),
    "app_removed": _l("Apps no longer allowed"),
    "key_id": _l("New signing key"),
    # categories and services
    "category_added": _l("Category added"),
    "category_changed": _l("Category changed"),
    "category_moved": _l("Category moved"),
    "category_removed": _l("Category removed"),
    "service_added": _l("Service added"),
    "service_changed": _l("Service changed"),
    "service_removed": _l("Service removed"),
    "services_from_scan": _l("Services from the scan"),
    # policies and the consent document
    "revision": _l("Revision"),
    "significant": _l("Significant"),
    "effective_at": _l("In force from"),
    "edited": _l("Edited"),
    "deleted": _l("Deleted"),
    "label": _l("The site's label"),
    "in_force_from": _l("In force from"),
    "forms": _l("Forms"),
    "retention_days": _l("Storage period of form consents, days"),
    # exports and their filters
    "format": _l("Format"),
    "via": _l("Made with"),
    "rows": _l("Rows"),
    "from": _l("From"),
    "to": _l("To"),
    "start": _l("From"),
    "end": _l("To"),
    "consent_id": _l("Consent id"),
    "event_type": _l("Event"),
    "method": _l("Method"),
    "phone": _l("Subject's phone"),
    "email": _l("Subject's e-mail"),
    "account": _l("Subject's app account"),
    "site": _l("Site"),
    "actor": _l("Who"),
    "action": _l("Action"),
    "until_id": _l("Up to entry"),
    # subjects, purges, webhooks, the ledger
    "consents": _l("Consents"),
    "events": _l("Events"),
    "cookie": _l("Cookie proofs erased"),
    "form": _l("Form consents erased"),
    "status": _l("Status"),
    "delivery": _l("Delivery"),
    "replay": _l("Sent again as delivery"),
    "public_key": _l("Public checkpoint key"),
}
#: The keys a site's change stores as its value before and after (the look too).
_CHANGES = frozenset((
    "name", "default_language", "consent_lifetime_days", "consent_lifetime_months",
    "proof_retention_days", "form_retention_days", "google_consent_mode", "ads_data_redaction",
    "url_passthrough", "gpc_refuses_analytics", "floating_button", "announce_days", "origins",
    "apps", "languages", "cookie_domain", "cookie_name", "metrika_counter_id", "metrika_options",
    "consent_mode_signals", "consent_mode_wait_ms", "look",
))
#: Stored values of ours that a key's value may be, named in the page's language.
_AUDIT_VALUES = {"changed": _l("changed"), "proof-json": _l("Offline proof (JSON)"),
                 "(subject)": _l("(the subject)")}


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


_AUDIT_NAMED = {
    "role": role_label, "default_language": language_label, "languages": language_label,
    "wording": language_label, "status": purge_status_label, "method": method_label,
    "event_type": event_label, "action": audit_action_label,
    "via": lambda value: _label(VIA, value),
    **dict.fromkeys(("category_added", "category_changed", "category_moved",
                     "category_removed"), category_label),
}


def _audit_value(key: str, value) -> str:
    # Site settings were stored as text, so a switch's "True" is a boolean too.
    if isinstance(value, bool) or value in ("True", "False"):
        return _("yes") if value in (True, "True") else _("no")
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_audit_value(key, item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if key in _AUDIT_NAMED and isinstance(value, str):
        return _AUDIT_NAMED[key](value)
    return _label(_AUDIT_VALUES, value) if isinstance(value, str) else str(value)


def _stored(value):
    # The console stored a changed setting as text: "['kk', 'ru']" is the list it was.
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def audit_details(action: str, details: dict) -> list[tuple[str, str]]:
    """An entry's details as (label, value) in the console's language; typed values as typed."""
    shown = []
    for key, value in (details or {}).items():
        if action == "site.update" and key in _CHANGES and isinstance(value, list) \
                and len(value) == 2:
            before, after = (_audit_value(key, _stored(v)) for v in value)
            text = f"{before} → {after}"
        else:
            text = _audit_value(key, value)
        shown.append((_label(AUDIT_DETAILS, key), text))
    return shown

for _function in (
    action_label, method_label, event_label, category_label, language_label, role_label,
    purge_trigger_label, purge_status_label, audit_action_label, audit_details,
):
    # Globals, not context: the chart and form macros are imported without context.
    bp.add_app_template_global(_function)
