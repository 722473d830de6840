"""The audit trail: every operator action, who did it and when."""

from __future__ import annotations

import getpass

from flask import g, has_request_context

from ..extensions import db
from ..ledger import trail
from ..models import AuditEntry, Operator, Site
from ..models.types import utcnow

#: The actions the trail records, so the console can name and filter them.
ACTIONS = (
    "login",
    "operator.create",
    "operator.update",
    "site.create",
    "site.update",
    "site.rotate_key",
    "policy.draft",
    "policy.publish",
    "policy.import",
    "export",
    "subject.access",
    "consent.withdraw",
    "consent.erase",
    "token.create",
    "token.revoke",
    "retention.purge",
    "document.publish",
    "forms.update",
    "ledger.rotate_key",
    "webhook.create",
    "webhook.delete",
    "webhook.rotate_secret",
    "webhook.replay",
)


def record(
    action: str,
    *,
    site: Site | None = None,
    target: str | None = None,
    details: dict | None = None,
    actor: str | None = None,
    operator: Operator | None = None,
) -> AuditEntry:
    """Add an entry; the actor defaults to the operator of this request, else the shell's user."""
    if operator is None and has_request_context():
        operator = g.get("operator")
    if actor is None:
        actor = operator.email if operator is not None else cli_actor()
    entry = AuditEntry(
        created_at=utcnow(),
        operator_id=operator.id if operator is not None else None,
        actor=actor,
        action=action,
        site_key=site.key if site is not None else None,
        target=target,
        details=details or {},
    )
    trail.take_turn()
    db.session.add(entry)
    db.session.flush()
    trail.seal(entry)
    return entry


def cli_actor() -> str:
    """Who ran a ``flask`` command: ``cli:`` and the operating system's user name."""
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:  # no user name in the environment nor in the password database
        return "cli:unknown"
