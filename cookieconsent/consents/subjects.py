"""A data subject's requests: find, withdraw and erase their consents by phone, e-mail or
an app account."""

from __future__ import annotations

from sqlalchemy import String, cast, or_, select

from ..extensions import db
from ..models import ConsentEvent, Site
from ..webhooks import events as webhooks
from .decisions import latest_event, withdrawal
from .identity import subject_hashes
from .retention import erase


def find_by_subject(
    site: Site, phone: str | None = None, email: str | None = None, account: str | None = None
) -> list[ConsentEvent]:
    """Every event of ``site`` that holds one of the subject's hashes, oldest first: form
    consents and the decisions an app reported for its signed-in user."""
    hashes = subject_hashes(site, phone, email, account)
    if not hashes:
        return []
    # The hashes are 64 hex digits, so a match inside the JSON text cannot be a partial one;
    # this reads the same on SQLite and PostgreSQL.
    text = cast(ConsentEvent.subject_hashes, String)
    return list(
        db.session.scalars(
            select(ConsentEvent)
            .where(
                ConsentEvent.site_id == site.id,
                or_(*(text.like(f'%"{value}"%') for value in hashes)),
            )
            .order_by(ConsentEvent.created_at, ConsentEvent.id)
        )
    )


def consent_ids(events: list[ConsentEvent]) -> list[str]:
    """The distinct consent ids of ``events``, in order of first appearance."""
    return list(dict.fromkeys(event.consent_id for event in events))


def withdraw_by_operator(site: Site, consent_id: str) -> ConsentEvent | None:
    """Record a withdrawal made on the subject's request; None if nothing is in force."""
    latest = latest_event(site, consent_id)
    if latest is None or latest.event_type == "withdrawn" or latest.erased_at is not None:
        return None
    return withdrawal(site, latest, method="operator")


def withdraw_for_subject(
    site: Site,
    phone: str | None = None,
    email: str | None = None,
    account: str | None = None,
) -> list[ConsentEvent]:
    """Withdraw every consent of the subject still in force; return the new events."""
    withdrawn = (
        withdraw_by_operator(site, consent_id)
        for consent_id in consent_ids(find_by_subject(site, phone, email, account))
    )
    return [event for event in withdrawn if event is not None]


def erase_for_subject(
    site: Site, phone: str | None = None, email: str | None = None, account: str | None = None
) -> list[ConsentEvent]:
    """Erase the personal data of every event of the subject; return the erased events."""
    events = find_by_subject(site, phone, email, account)
    erase_events(site, events)
    return events


def erase_events(site: Site, events: list[ConsentEvent]) -> int:
    """Erase ``events`` and tell the site's backend, once per consent; how many were erased."""
    told: set[str] = set()
    erased = 0
    for event in events:
        if not erase(event):
            continue
        erased += 1
        if event.consent_id not in told:
            told.add(event.consent_id)
            webhooks.erased(site, event)
    return erased
