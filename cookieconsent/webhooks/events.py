"""Putting an event in the queue of every endpoint that hears it.

Called inside the transaction that writes the event, so that the delivery commits (or rolls
back) with it: a withdrawal is never recorded without its webhook, nor the other way round.
Payloads name consents, forms and apps by id; they never carry a phone, an e-mail, an IP
address or a device id.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import ConsentEvent, WebhookDelivery, WebhookEndpoint
from ..models.types import utcnow


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def body(event_id: str, event_type: str, site_key: str, at: datetime, data: dict) -> str:
    payload = {
        "id": event_id,
        "type": event_type,
        "created_at": _iso(at),
        "site": site_key,
        "data": data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def emit(site, event_type: str, data: dict, at: datetime | None = None) -> list[WebhookDelivery]:
    """Queue ``event_type`` for each endpoint of ``site`` (a Site or its snapshot) that hears it."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.site_id == site.id)
    ).all()
    wanted = [e for e in endpoints if event_type in e.events]
    if not wanted:
        return []
    at = at or utcnow()
    event_id = uuid.uuid4().hex
    text = body(event_id, event_type, site.key, at, data)
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event_id,
            event_type=event_type,
            body=text,
            status="pending",
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        for endpoint in wanted
    ]
    db.session.add_all(deliveries)
    return deliveries


def consent_data(event: ConsentEvent) -> dict:
    """What a payload says of a consent: ids and kinds only."""
    data = {"consent_id": event.consent_id, "kind": event.kind}
    if event.form_id:
        data["form_id"] = event.form_id
    if event.app_id:
        data["app_id"] = event.app_id
    return data


def appended(site, event: ConsentEvent) -> None:
    """The webhook of an event just appended to the log, if it has one."""
    if event.event_type == "withdrawn":
        emit(
            site,
            "consent.withdrawn",
            consent_data(event) | {"method": event.method, "withdrawn_at": _iso(event.created_at)},
            event.created_at,
        )
    elif event.event_type in {"given", "updated"}:
        # A snapshot knows whether any endpoint asked: the banner's path spares the query.
        if "consent.recorded" not in getattr(site, "webhook_events", {"consent.recorded"}):
            return
        emit(
            site,
            "consent.recorded",
            consent_data(event)
            | {
                "event_type": event.event_type,
                "method": event.method,
                "granted": [name for name, on in event.choices.items() if on],
                "revision": event.revision,
                "previous_consent_id": event.previous_consent_id,
                "recorded_at": _iso(event.created_at),
            },
            event.created_at,
        )


def erased(site, event: ConsentEvent) -> None:
    emit(site, "subject.erased", consent_data(event) | {"erased_at": _iso(event.erased_at)})


def expired(site, consent_id: str, form_id: str | None, at: datetime) -> None:
    data = {"consent_id": consent_id, "kind": "form", "form_id": form_id, "expired_at": _iso(at)}
    emit(site, "form_consent.expired", data, at)
