"""Sending the queue: claim what is due, post it signed, log the attempt, plan the next one.

Several workers may run (``flask webhooks deliver`` on each host). A worker claims a delivery
before it posts it, in a short transaction of its own: on PostgreSQL the due rows are read
``FOR UPDATE SKIP LOCKED``, so two workers never read the same row; on both engines the claim
is an UPDATE guarded by the attempt count the worker saw, so of two workers that read the same
row (SQLite) exactly one wins. The claim moves ``next_attempt_at`` past the request timeout:
if the worker dies mid-request, another one retries once that lease has passed.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..models.types import utcnow
from . import signing
from .endpoints import refused_address

#: A delivery no endpoint accepted within this long is marked failed.
GIVE_UP_AFTER = timedelta(days=1)
#: The longest wait between two attempts.
MAX_WAIT = timedelta(hours=1)
#: How much longer than the request timeout a claim lasts before another worker may retry.
LEASE_MARGIN = timedelta(seconds=30)
USER_AGENT = "cookieconsent-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def claim(limit: int = 20) -> list[tuple[int, int]]:
    """Take up to ``limit`` due deliveries for this worker: ``[(delivery id, attempt number)]``."""
    now = utcnow()
    lease_end = now + timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT"]) + LEASE_MARGIN
    due = (
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        due = due.with_for_update(skip_locked=True)
    rows = db.session.execute(due).all()
    if not postgres:
        # End the read: SQLite then takes its write lock for each guarded UPDATE below.
        db.session.rollback()
    claimed = [
        (delivery_id, seen + 1)
        for delivery_id, seen in rows
        if take(delivery_id, seen, now, lease_end)
    ]
    db.session.commit()
    return claimed


def take(delivery_id: int, seen_attempts: int, now, lease_end) -> bool:
    """Claim one delivery if nobody did since it was read with ``seen_attempts`` attempts."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.attempts == seen_attempts,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(attempts=seen_attempts + 1, next_attempt_at=lease_end)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address the URL check refused; it counts as a failure.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Message:
    """What one attempt sends, read before the request so no transaction stays open."""

    delivery_id: int
    url: str
    secret: str
    event_type: str
    event_id: str
    body: str

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> Message:
        endpoint = delivery.endpoint
        return cls(
            delivery.id, endpoint.url, endpoint.secret, delivery.event_type, delivery.event_id,
            delivery.body,
        )


def post(message: Message, attempt: int) -> Outcome:
    """Post ``message`` once, signed now; never raises."""
    started = time.monotonic()

    def outcome(status_code=None, error=None) -> Outcome:
        return Outcome(status_code, error and error[:500], int((time.monotonic() - started) * 1000))

    parts = urlsplit(message.url)
    # Checked again at each attempt: the name may resolve elsewhere since the URL was added.
    problem = refused_address(parts.hostname or "", parts.port)
    if problem:
        return outcome(error=f"not sent: {problem}")
    data = message.body.encode()
    request = urllib.request.Request(
        message.url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.HEADER: signing.header_value(message.secret, int(time.time()), data),
            "Cookieconsent-Event": message.event_type,
            "Cookieconsent-Event-Id": message.event_id,
            "Cookieconsent-Delivery": str(message.delivery_id),
            "Cookieconsent-Attempt": str(attempt),
        },
    )
    try:
        with _opener.open(request, timeout=current_app.config["WEBHOOK_TIMEOUT"]) as response:
            response.read(65536)
            return outcome(response.status)
    except urllib.error.HTTPError as error:
        return outcome(error.code, f"HTTP {error.code} {error.reason}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return outcome(error=f"{type(reason).__name__}: {reason}")


def wait_after(attempt: int) -> timedelta:
    """The wait before the attempt after ``attempt``: the first retry's, doubled each time."""
    first = current_app.config["WEBHOOK_RETRY_SECONDS"]
    return min(timedelta(seconds=first * 2 ** (attempt - 1)), MAX_WAIT)


def attempt(delivery_id: int, number: int) -> WebhookAttempt | None:
    """Make attempt ``number`` of a claimed delivery; log it and plan what comes next."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # its endpoint was removed meanwhile
        return None
    message = Message.of(delivery)
    started_at = utcnow()
    db.session.rollback()  # no transaction stays open during the request
    result = post(message, number)
    now = utcnow()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    logged = WebhookAttempt(
        delivery_id=delivery.id,
        number=number,
        started_at=started_at,
        duration_ms=result.duration_ms,
        status_code=result.status_code,
        error=result.error,
    )
    db.session.add(logged)
    if result.ok:
        delivery.status, delivery.finished_at = "delivered", now
    elif now - delivery.created_at >= GIVE_UP_AFTER:
        delivery.status, delivery.finished_at = "failed", now
    else:
        delivery.next_attempt_at = now + wait_after(number)
    db.session.commit()
    return logged


def deliver_due(limit: int = 20) -> list[WebhookAttempt]:
    """Claim and send what is due now; the attempts made."""
    made = []
    for delivery_id, number in claim(limit):
        logged = attempt(delivery_id, number)
        if logged is not None:
            made.append(logged)
    return made


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue ``delivery`` again, as a new delivery of the same event (same id and body)."""
    now = utcnow()
    again = WebhookDelivery(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=delivery.body,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        replay_of=delivery.id,
    )
    db.session.add(again)
    db.session.flush()
    return again


def recent(site_id: int, limit: int = 50) -> list[WebhookDelivery]:
    """The latest deliveries to the endpoints of a site, newest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .join(WebhookEndpoint)
            .where(WebhookEndpoint.site_id == site_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
