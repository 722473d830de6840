"""Erasing personal data: on a subject's request, and by the retention purge.

Erasure empties exactly the columns in :data:`models.consent.ERASABLE` and stamps
``erased_at``. The row itself stays: it is the proof that a consent existed (which version,
when, for which form) and the ledger keeps verifying it, but nothing in it points to a person
any more.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, and_, or_, select, update

from ..accounts import audit
from ..extensions import db
from ..models import ConsentEvent, Site
from ..models.consent import ERASABLE
from ..models.retention import PurgeRun
from ..models.types import utcnow
from ..webhooks import events as webhooks

#: Rows erased per transaction, so a large purge never holds locks for long.
BATCH = 500


def _empty_values() -> dict:
    """What each erasable column holds once erased: NULL, or an empty list where NOT NULL."""
    values = {}
    for name in ERASABLE:
        column = ConsentEvent.__table__.c[name]
        values[name] = None if column.nullable else ([] if isinstance(column.type, JSON) else "")
    return values


def erase(event: ConsentEvent, now: datetime | None = None) -> bool:
    """Empty the personal data of ``event``; False if it was already erased."""
    if event.erased_at is not None:
        return False
    for name, value in _empty_values().items():
        setattr(event, name, value)
    event.erased_at = now or utcnow()
    db.session.flush()
    return True


def due(site: Site, kind: str, now: datetime):
    """The condition that selects the events of ``site`` whose retention ended at ``now``."""
    own = and_(
        ConsentEvent.site_id == site.id,
        ConsentEvent.kind == kind,
        ConsentEvent.erased_at.is_(None),
    )
    if kind == "cookie":
        return and_(own, ConsentEvent.purge_after <= now)
    # A form consent goes as a whole (its withdrawal too) once the site's retention period,
    # as set today, has passed since it was given; a shortened period applies at once.
    given_before = now - timedelta(days=site.form_retention_days)
    expired = (
        select(ConsentEvent.consent_id)
        .where(
            ConsentEvent.site_id == site.id,
            ConsentEvent.kind == "form",
            ConsentEvent.event_type == "given",
            ConsentEvent.created_at <= given_before,
        )
        .scalar_subquery()
    )
    return and_(own, or_(ConsentEvent.purge_after <= now, ConsentEvent.consent_id.in_(expired)))


def purge(now: datetime | None = None, *, trigger: str = "cli", batch: int = BATCH) -> PurgeRun:
    """Erase every event whose retention ended by ``now``, and record the run.

    Safe from cron and safe when two runs overlap: each batch is an UPDATE guarded by
    ``erased_at IS NULL``, so a row is erased (and counted) by exactly one run, and running it
    again erases nothing more. Commits per batch; the returned run is committed too.
    """
    now = now or utcnow()
    run = PurgeRun(cutoff=now, trigger=trigger, started_at=utcnow(), by_site={})
    db.session.add(run)
    db.session.commit()
    counts: dict[str, dict[str, int]] = {}
    try:
        for site in db.session.scalars(select(Site).order_by(Site.id)).all():
            for kind in ("cookie", "form"):
                erased = _erase_all(site, due(site, kind, now), now, batch)
                if erased:
                    counts.setdefault(site.key, {"cookie": 0, "form": 0})[kind] = erased
    except Exception as error:
        db.session.rollback()
        _finish(run, counts, "failed", f"{type(error).__name__}: {error}"[:500])
        raise
    _finish(run, counts, "done")
    return run


def _erase_all(site: Site, condition, now: datetime, batch: int) -> int:
    total = 0
    values = _empty_values() | {"erased_at": now}
    while True:
        ids = db.session.scalars(
            select(ConsentEvent.id).where(condition).order_by(ConsentEvent.id).limit(batch)
        ).all()
        if not ids:
            return total
        erased = db.session.execute(
            update(ConsentEvent)
            .where(ConsentEvent.id.in_(ids), ConsentEvent.erased_at.is_(None))
            .values(**values)
            .returning(ConsentEvent.kind, ConsentEvent.event_type, ConsentEvent.consent_id,
                       ConsentEvent.form_id)
            .execution_options(synchronize_session=False)
        ).all()
        # Only the rows this run erased come back, so an overlapping run tells nobody twice;
        # the webhook commits with the erasure.
        for row in erased:
            if row.kind == "form" and row.event_type == "given":
                webhooks.expired(site, row.consent_id, row.form_id, now)
        db.session.commit()
        total += len(erased)


def _finish(run: PurgeRun, counts: dict, status: str, error: str | None = None) -> None:
    run.by_site = counts
    run.erased_cookie = sum(c["cookie"] for c in counts.values())
    run.erased_form = sum(c["form"] for c in counts.values())
    run.status = status
    run.error = error
    run.finished_at = utcnow()
    # Here, not in each caller, so that a run that failed is in the audit trail too.
    audit.record(
        "retention.purge",
        target=f"run {run.id}",
        details={"cookie": run.erased_cookie, "form": run.erased_form, "status": status},
    )
    db.session.commit()


def recent_runs(limit: int = 20) -> list[PurgeRun]:
    """The latest purge runs, newest first (for the console and the CLI)."""
    return list(
        db.session.scalars(select(PurgeRun).order_by(PurgeRun.id.desc()).limit(limit))
    )
