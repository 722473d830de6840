"""A data subject's requests: find, withdraw and erase their consents by phone or e-mail."""

from __future__ import annotations

from sqlalchemy import String, cast, or_, select

from ..extensions import db
from ..models import ConsentEvent, Site
from .decisions import latest_event, withdrawal
from .identity import subject_hashes
from .retention import erase


def find_by_subject(
    site: Site, phone: str | None = None, email: str | None = None
) -> list[ConsentEvent]:
    """Every event of ``site`` that holds one of the subject's hashes, oldest first."""
    hashes = subject_hashes(site, phone, email)
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
                ConsentEvent.kind == "form",
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
    site: Site, phone: str | None = None, email: str | None = None
) -> list[ConsentEvent]:
    """Withdraw every form consent of the subject still in force; return the new events."""
    withdrawn = (
        withdraw_by_operator(site, consent_id)
        for consent_id in consent_ids(find_by_subject(site, phone, email))
    )
    return [event for event in withdrawn if event is not None]


def erase_for_subject(
    site: Site, phone: str | None = None, email: str | None = None
) -> list[ConsentEvent]:
    """Erase the personal data of every event of the subject; return the erased events."""
    events = find_by_subject(site, phone, email)
    for event in events:
        erase(event)
    return events
