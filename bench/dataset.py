"""A large, plausible consent log, written straight into the database in bulk.

A million events through the API would take longer than the whole benchmark may; the rows
are made in Python with the same shapes the API writes (and sealed for the ledger the same
way, when the ledger exists) and inserted in large batches: ``executemany`` on SQLite,
``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from . import servers

BATCH = 20_000
#: The generated log spans this many days before now.
DAYS = 360
PATHS = ["/", "/catalog", "/catalog/phones", "/cart", "/delivery", "/kk/", "/ru/akcii"]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Mobile Safari/537.36 YaBrowser/24.10",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
]


def _weighted(rng: random.Random, table: list[tuple[str, int]], k: int) -> list[str]:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights, k=k)


def rows(site, version, total: int, first: int = 0, last: int | None = None, *,
         days: int = DAYS, seed: int = 7, first_id: int = 1):
    """Events ``first`` to ``last`` of ``total`` spread over the last ``days`` days, in order.

    Yields lists of column dicts, ``BATCH`` at a time. The mix (more accepts than rejects,
    some withdrawals, mostly Russian and Kazakh) is what the dashboard aggregates. A log can
    be written in parts (first 0 to 100,000, then on to 1,000,000) and stay in time order.
    The rows get their ids, from ``first_id`` on: a withdrawal names, under its seal, the
    event of its consent it follows, as the API's rows do.
    """
    from cookieconsent.consents.decisions import strip_url

    last = total if last is None else last
    rng = random.Random(seed + first)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(days=days)
    step = (end - start) / max(total, 1)
    texts = {t.language: t.sha256 for t in version.texts}
    services = {c: [s.key for s in site.services if s.category == c] for c in
                ("essential", "functional", "analytics")}
    origin = site.origins[0]
    recent: list[str] = []
    #: consent id -> the id of its latest event, for the recent consents.
    latest: dict[str, int] = {}
    made = first
    while made < last:
        n = min(BATCH, last - made)
        types = _weighted(rng, [("given", 80), ("updated", 12), ("withdrawn", 8)], n)
        actions = _weighted(rng, [("accept_all", 55), ("reject_all", 30), ("custom", 15)], n)
        methods = _weighted(rng, [("banner", 85), ("preferences", 10), ("preference_page", 5)], n)
        languages = _weighted(rng, [("ru", 55), ("kk", 30), ("en", 15)], n)
        batch = []
        for i in range(n):
            created = start + step * (made + i)
            event_type = types[i]
            if event_type == "withdrawn":
                action, choices = "withdraw", {"functional": False, "analytics": False}
            else:
                action = actions[i]
                if action == "accept_all":
                    choices = {"functional": True, "analytics": True}
                elif action == "reject_all":
                    choices = {"functional": False, "analytics": False}
                else:
                    choices = {"functional": rng.random() < 0.6, "analytics": rng.random() < 0.4}
            choices = {"essential": True} | choices
            consent_id = (
                rng.choice(recent) if event_type == "withdrawn" and recent
                else f"{rng.getrandbits(128):032x}"
            )
            previous = rng.choice(recent) if event_type == "updated" and recent else None
            if event_type == "given":
                recent.append(consent_id)
                if len(recent) > 512:
                    latest.pop(recent.pop(0), None)
            event_id = first_id + made - first + i
            previous_event = latest.get(consent_id)
            latest[consent_id] = event_id
            language = languages[i]
            expires = created + timedelta(days=site.consent_lifetime_days)
            batch.append(
                {
                    "id": event_id,
                    "previous_event_id": previous_event,
                    "consent_id": consent_id,
                    "site_id": site.id,
                    "kind": "cookie",
                    "event_type": event_type,
                    "action": action,
                    "method": methods[i],
                    "created_at": created,
                    "choices": choices,
                    "services": [key for cat, keys in services.items() if choices[cat]
                                 for key in keys],
                    "revision": version.revision,
                    "policy_version_id": version.id,
                    "language": language,
                    "policy_sha256": texts.get(language),
                    "url": strip_url(origin + rng.choice(PATHS)),
                    "ip": f"{rng.randrange(2, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.0",
                    "user_agent": rng.choice(USER_AGENTS),
                    "gpc": rng.random() < 0.04,
                    "previous_consent_id": previous,
                    "form_id": None,
                    "subject_hashes": [],
                    "expires_at": expires if event_type != "withdrawn" else created,
                    "purge_after": expires + timedelta(days=site.proof_retention_days),
                    "erased_at": None,
                }
            )
        made += n
        yield batch


def _sealer(site_key: str):
    """A function that fills a row's integrity columns the way ``consents.append`` does.

    The ledger seals ORM events; it only reads and sets attributes, so a light namespace
    stands in for the event and a million rows need no ORM objects.
    """
    try:
        from cookieconsent.ledger import sealing
    except ImportError:
        return None
    from types import SimpleNamespace

    from cookieconsent.models import ConsentEvent

    blank = {c.key: None for c in ConsentEvent.__table__.columns if c.key != "id"}

    def seal(values: dict) -> dict:
        event = SimpleNamespace(**(blank | values))
        sealing.seal(event, site_key)
        return vars(event)

    return seal


def generate(database_url: str, total: int, first: int = 0, last: int | None = None, *,
             log=print) -> float:
    """Write events ``first`` to ``last`` of ``total`` for the benchmark site; return seconds."""
    from cookieconsent.extensions import db
    from cookieconsent.models import ConsentEvent, Site
    from cookieconsent.sites import policies

    app = servers.make_app(database_url)
    started = time.perf_counter()
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == servers.SITE_KEY))
        version = policies.in_force(site)
        seal = _sealer(site.key)
        table = ConsentEvent.__table__
        engine = db.engine
        done = 0
        last = total if last is None else last
        first_id = (db.session.scalar(select(func.max(ConsentEvent.id))) or 0) + 1
        for batch in rows(site, version, total, first, last, first_id=first_id):
            if seal is not None:
                for values in batch:
                    values.update(seal(values))
            if engine.dialect.name == "postgresql":
                _copy(engine, table, batch)
            else:
                with engine.begin() as conn:
                    conn.execute(table.insert(), batch)
            done += len(batch)
            if done % 200_000 < BATCH:
                log(f"  generated {first + done:,} of {total:,} events "
                    f"({time.perf_counter() - started:.0f} s)")
        if engine.dialect.name == "postgresql":
            # The ids were given: the sequence must go on after them, not collide with them.
            with engine.begin() as conn:
                conn.execute(text(
                    "SELECT setval(pg_get_serial_sequence('consent_event', 'id'),"
                    " (SELECT max(id) FROM consent_event))"
                ))
        db.session.remove()
        engine.dispose()
    return time.perf_counter() - started


def _copy(engine, table, batch: list[dict]) -> None:
    """COPY the rows in, with each value converted as SQLAlchemy would bind it."""
    columns = [c for c in table.columns if c.name in batch[0]]
    convert = []
    for column in columns:
        processor = column.type.bind_processor(engine.dialect)
        if column.type.__class__.__name__ == "JSON":
            convert.append(lambda v: None if v is None else json.dumps(v))
        else:
            convert.append(processor)
    names = ", ".join(f'"{c.name}"' for c in columns)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for values in batch:
                    copy.write_row([
                        fn(values[c.name]) if fn else values[c.name]
                        for c, fn in zip(columns, convert, strict=True)
                    ])
        raw.commit()
    finally:
        raw.close()


def transfer(source, target, first_id: int, last_id: int, log=print) -> float:
    """Copy events ``first_id < id <= last_id`` and the checkpoints over them, SQLite to PostgreSQL.

    Sealing a million rows again would cost minutes; the rows, seals and checkpoints are the
    same on both engines (same site and policy ids, same keyring), so the second engine loads
    the first one's log with the databases' own tools: ``sqlite3 -csv`` into ``COPY``.
    """
    import os
    import subprocess

    from cookieconsent.models import ConsentEvent, LedgerCheckpoint

    started = time.perf_counter()
    env = os.environ | {"PGOPTIONS": "-c timezone=UTC"}
    for table, where in (
        (ConsentEvent.__table__, f"id > {first_id} AND id <= {last_id}"),
        (LedgerCheckpoint.__table__, f"to_id > {first_id} AND to_id <= {last_id}"),
    ):
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        dump = subprocess.Popen(
            ["sqlite3", "-csv", str(source.path),
             f"SELECT {names} FROM {table.name} WHERE {where} ORDER BY id"],
            stdout=subprocess.PIPE,
        )
        load = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", target.dsn, "-c",
             f"COPY {table.name} ({names}) FROM STDIN WITH CSV"],
            stdin=dump.stdout, env=env, capture_output=True, text=True,
        )
        dump.stdout.close()
        if dump.wait() or load.returncode:
            raise RuntimeError(f"copying {table.name} failed: {load.stderr.strip()}")
        subprocess.run(
            ["psql", "-X", "-q", target.dsn, "-c",
             f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
             f"(SELECT coalesce(max(id), 1) FROM {table.name}))"],
            check=True, capture_output=True,
        )
    seconds = time.perf_counter() - started
    log(f"  copied events {first_id + 1:,} to {last_id:,} from SQLite in {seconds:.0f} s")
    return seconds
