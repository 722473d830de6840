"""The findings in the reader's language (msgids in ``translations/*/messages.po``)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PASSES = {
    "before": _l("Before any decision"),
    "reject": _l("After “Reject all”"),
    "accept": _l("After “Accept all”"),
}
SEVERITIES = {"violation": _l("Violation"), "warning": _l("Warning"), "notice": _l("Notice")}
STATUSES = {
    "own": _l("the banner's own"),
    "declared": _l("declared on the site"),
    "known": _l("known"),
    "unknown": _l("unknown"),
}


def label(table: dict, value) -> str:
    return str(table.get(value, value)) if value is not None else "—"


def describe(finding: dict) -> str:
    """One sentence for the operator: what was found and why it matters."""
    p = finding.get("params", {})
    subject = finding.get("subject") or ""
    service = p.get("service") or _("an unknown service")
    words = {
        "tracking_before_consent": lambda: _(
            "%(name)s (%(service)s, %(category)s) is stored without the visitor's consent.",
            name=subject, service=service, category=p.get("category")),
        "tracker_request_before_consent": lambda: _(
            "The page contacts %(host)s (%(service)s) without the visitor's consent.",
            host=subject, service=service),
        "third_party_request": lambda: _(
            "The page contacts another host, %(host)s, without the visitor's consent.",
            host=subject),
        "undeclared": lambda: _(
            "%(name)s is set but no service of the site declares it.", name=subject),
        "declared_never_seen": lambda: _(
            "%(name)s is declared by %(service)s but the scan never saw it.",
            name=subject, service=service),
        "metrika_not_gated": lambda: _(
            "Yandex.Metrika's snippet runs without waiting for consent: mark it "
            "type=\"text/plain\" data-category=\"analytics\" or let the banner load Metrika."),
        "webvisor_form_fields": lambda: _(
            "Webvisor records what visitors type in %(count)s form fields (%(fields)s): add the "
            "class ym-disable-keys to them.", count=p.get("count", 0), fields=subject),
        "page_failed": lambda: _("The page did not load: %(detail)s", detail=p.get("detail")),
        "page_http_error": lambda: _("The page answered HTTP %(detail)s.", detail=p.get("detail")),
        "page_outside_origins": lambda: _(
            "The page led outside the site's origins (%(url)s); it was not scanned.", url=subject),
        "link_outside_origins": lambda: _(
            "A link leads outside the site's origins and was not followed: %(url)s", url=subject),
        "banner_missing": lambda: _(
            "The banner's buttons were not found, so this pass could not decide."),
        "scan_time_limit": lambda: _(
            "The scan reached its time limit (%(seconds)s s); some pages were not visited.",
            seconds=p.get("seconds")),
    }
    word = words.get(finding["kind"])
    return word() if word else finding["kind"]


def source(finding: dict) -> str:
    """Where it came from: a script's URL, a response's, or a plain "unknown"."""
    return finding.get("source") or _("unknown")
