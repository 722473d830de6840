"""Shared set-up for the console and export tests: operators, logging in, bulk events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, ConsentEvent

PASSWORD = "correct horse battery"


def login(client, email: str, password: str = PASSWORD):
    return client.post("/admin/login", data={"email": email, "password": password})


def bulk_events(site, count: int, start: datetime | None = None, **overrides) -> list[dict]:
    """Insert ``count`` varied events quickly (one INSERT per 5,000) and return what was written."""
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    actions = ("accept_all", "reject_all", "custom")
    rows = []
    for i in range(count):
        action = actions[i % 3]
        analytics = action == "accept_all" or (action == "custom" and i % 2 == 0)
        rows.append(
            {
                "consent_id": uuid.uuid4().hex,
                "site_id": site.id,
                "kind": "cookie",
                "event_type": "given",
                "action": action,
                "method": ("banner", "preferences")[i % 2],
                "created_at": start + timedelta(minutes=i),
                "choices": {
                    "essential": True,
                    "functional": action != "reject_all",
                    "analytics": analytics,
                },
                "services": ["yandex-metrika"] if analytics else [],
                "revision": 1,
                "language": ("kk", "ru", "en")[i % 3],
                "url": f'https://shop.example.kz/p/{i}, "quoted"\nline',
                "ip": "10.0.0.0",
                "user_agent": "Mozilla/5.0 (X11; Linux) ünïcode",
                "gpc": i % 7 == 0,
                "subject_hashes": [],
            }
            | overrides
        )
    for first in range(0, count, 5000):
        db.session.execute(insert(ConsentEvent), rows[first : first + 5000])
    db.session.commit()
    return rows


def csv_cell(value) -> str:
    """A value of ``export.records()`` as the CSV export writes it (see ``export_csv``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        # The stored JSON text, which json.dumps wrote with its defaults.
        return json.dumps(value)
    return str(value)


def audit_actions():
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
