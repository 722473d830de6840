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


def audit_samples(site_key: str) -> list[tuple[str, dict]]:
    """An entry of each kind the trail holds, with the details its callers write."""
    changed = {name: ["1", "2"] for name in (
        "consent_lifetime_days", "consent_lifetime_months", "proof_retention_days",
        "form_retention_days", "announce_days", "consent_mode_wait_ms", "metrika_counter_id")}
    switches = {name: ["False", "True"] for name in (
        "google_consent_mode", "ads_data_redaction", "url_passthrough", "gpc_refuses_analytics",
        "floating_button")}
    return [
        ("login", {}),
        ("operator.create", {"role": "viewer", "sites": [site_key]}),
        ("operator.update", {"role": "admin", "sites": [], "password": "changed"}),
        ("operator.update", {"active": False}),
        ("site.create", {"origins": ["https://shop.kz"]}),
        ("site.update", changed | switches | {
            "name": ["Дүкен", "Дала шайы"], "default_language": ["ru", "kk"],
            "origins": ["['https://shop.kz']", "['https://shop.kz', 'https://dala.kz']"],
            "apps": ["[]", "['kz.dala.shop']"], "languages": ["['ru']", "['kk', 'ru']"],
            "cookie_domain": [None, "dala.kz"], "cookie_name": [None, "dala_consent"],
            "metrika_options": ["{}", "{'clickmap': True}"],
            "consent_mode_signals": [None, "{'analytics': ['analytics_storage']}"]}),
        ("site.update", {"look": [None, {"layout": "bar"}]}),
        ("site.update", {"wording": ["kk", "ru"], "significant": True}),
        ("site.update", {"category_added": "marketing", "revision": 2}),
        ("site.update", {"category_changed": "functional"}),
        ("site.update", {"category_moved": "analytics"}),
        ("site.update", {"category_removed": "marketing", "revision": 3}),
        ("site.update", {"service_added": "Дала чат"}),
        ("site.update", {"service_changed": "Дала чат", "revision": 4}),
        ("site.update", {"service_removed": "Дала чат"}),
        ("site.update", {"services_from_scan": ["Дала чат"]}),
        ("site.update", {"app_added": ["kz.dala.shop"]}),
        ("site.update", {"app_removed": ["kz.dala.shop"]}),
        ("site.rotate_key", {"key_id": 2}),
        ("policy.draft", {"edited": True}),
        ("policy.draft", {"deleted": True}),
        ("policy.publish", {"revision": 2, "significant": False,
                            "effective_at": "2026-01-01T00:00:00+00:00"}),
        ("policy.publish", {"wording": 3}),
        ("policy.import", {"label": "2024-1", "in_force_from": "2024-01-01"}),
        ("export", {"format": "proof-json"}),
        ("export", {"from": "2026-01-01", "to": "2026-02-01", "rows": 6, "via": "cli"}),
        ("export", {"from": None, "to": None, "via": "api"}),
        ("export", {"start": "2026-01-01", "end": "2026-02-01", "event_type": "given",
                    "method": "banner", "phone": "(subject)", "email": "(subject)",
                    "account": "dala-42", "consent_id": "0" * 32}),
        ("export", {"site": site_key, "actor": "admin@shop.kz", "action": "policy.publish",
                    "from": "2026-01-01", "until_id": "9", "via": "cli"}),
        ("subject.access", {"consents": 1}),
        ("consent.withdraw", {}),
        ("consent.erase", {"events": 2}),
        ("token.create", {}),
        ("token.revoke", {}),
        ("retention.purge", {"cookie": 1, "form": 0, "status": "done"}),
        ("document.publish", {}),
        ("forms.update", {"forms": ["feedback"], "retention_days": 1095}),
        ("ledger.rotate_key", {"public_key": "Hq3V0mMx6sV0n0mS8w"}),
        ("webhook.create", {"events": ["consent.given", "consent.withdrawn"]}),
        ("webhook.delete", {}),
        ("webhook.rotate_secret", {}),
        ("webhook.replay", {"delivery": 1, "replay": 2}),
    ]
