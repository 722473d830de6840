"""What the ledger costs: sealing each write, signing checkpoints, verifying the whole log.

Each figure is printed with a baseline measured in the same run on the same database:

* append: ``decisions.append`` (seal + insert) against a plain insert of the same event;
* checkpoint: ``checkpoints.checkpoint_all`` against reading the same rows through the ORM;
* verify: ``audit.verify`` against reading every row through the ORM.

    python -m bench.ledger_verify                  # 20,000 events, SQLite in a temp folder
    python -m bench.ledger_verify --events 100000 --database postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from cookieconsent.ledger import audit

BATCH = 200


def _event(site, version, now):
    from cookieconsent.models import ConsentEvent

    return ConsentEvent(
        consent_id=uuid.uuid4().hex,
        site_id=site.id,
        kind="cookie",
        event_type="given",
        action="custom",
        method="banner",
        created_at=now,
        choices={"essential": True, "functional": True, "analytics": False},
        services=[],
        revision=version.revision,
        policy_version_id=version.id,
        language="ru",
        policy_sha256=version.texts[0].sha256,
        url="https://shop.example.kz/catalog",
        ip="203.0.113.0",
        user_agent="Mozilla/5.0 (bench)",
        gpc=False,
        expires_at=now + timedelta(days=365),
        purge_after=now + timedelta(days=3 * 365),
    )


def _write(n, site, version, sealed: bool) -> float:
    from cookieconsent.consents import decisions
    from cookieconsent.extensions import db
    from cookieconsent.models.types import utcnow

    start = time.perf_counter()
    for i in range(n):
        event = _event(site, version, utcnow())
        if sealed:
            decisions.append(event, site)
        else:
            db.session.add(event)
            db.session.flush()
        if i % BATCH == BATCH - 1:
            db.session.commit()
    db.session.commit()
    return time.perf_counter() - start


def _read_all() -> float:
    from sqlalchemy import select

    from cookieconsent.extensions import db
    from cookieconsent.models import ConsentEvent

    # The same reads as the verifier makes, checking nothing.
    start = time.perf_counter()
    query = select(ConsentEvent.__table__).order_by(ConsentEvent.id)
    for _row in db.session.execute(query.execution_options(yield_per=2000)):
        pass
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"

    from cookieconsent import create_app
    from cookieconsent.extensions import db
    from cookieconsent.ledger import checkpoints
    from cookieconsent.sites import policies, registry

    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "b" * 40,
            "SQLALCHEMY_DATABASE_URI": url,
            "LEDGER_KEYS": str(folder / "keys.json"),
            "LEDGER_CHECKPOINT_SECONDS": None,
            "RATELIMIT_ENABLED": False,
        }
    )
    n = args.events
    with app.app_context():
        db.create_all()
        site = registry.create_site("bench", "Bench", ["https://shop.example.kz"])
        texts = {lang: {"title": "Policy", "body": f"Cookies ({lang})."} for lang in site.languages}
        version = policies.publish(policies.draft(site, texts, significant=True))
        db.session.commit()

        plain = _write(n, site, version, sealed=False)
        db.session.execute(db.text("DELETE FROM consent_event"))
        db.session.commit()
        sealed = _write(n, site, version, sealed=True)
        read_once = _read_all()
        start = time.perf_counter()
        made = checkpoints.checkpoint_all()
        checkpointing = time.perf_counter() - start
        read = min(read_once, _read_all())
        start = time.perf_counter()
        report = audit.verify()
        verifying = time.perf_counter() - start
        assert report.ok, report.problems[:5]
        db.engine.dispose()

    engine = url.split(":", 1)[0]
    print(f"ledger benchmark, {n:,} events on {engine}")
    print(
        f"  append   {sealed / n * 1e6:8.0f} µs/event sealed, {plain / n * 1e6:6.0f} plain"
        f"  -> x{sealed / plain:.2f}"
    )
    print(
        f"  checkpoint {checkpointing:6.2f} s for {len(made)} checkpoints,"
        f" read {read:.2f} s  -> x{checkpointing / read:.2f}"
    )
    print(
        f"  verify   {verifying:8.2f} s ({n / verifying:,.0f} events/s),"
        f" read {read:.2f} s  -> x{verifying / read:.2f}"
    )


if __name__ == "__main__":
    main()
