"""Decisions that arrive together are stored together: one transaction, one commit, one fsync.

Every banner decision is a new row that depends on no other (its seal and receipt are made
before it is written), and what a commit costs (SQLite's fsync and its one write lock taken
in turn by every process; PostgreSQL's round trips and its WAL flush) is the same for one row
or ten. So the threads of a process that want to store a decision queue up: the first one in
writes every row queued so far in one transaction of its own connection (a lone row as one
statement in autocommit: as atomic, and PostgreSQL is spared two round trips), and while it
waits for that commit the next ones queue behind it; when it is done it hands the lead to
the first thread still waiting, which writes the rows queued meanwhile.

Durability is what it was: a thread returns (and its request is answered 201) only after
the commit that holds its row returned, and a failed commit fails every request in it. A
row the database refuses (a constraint) takes down only its own request: the others of its
batch are written again one by one. A batch is never larger than what one process's
threads have in hand at once, so waiting adds at most one commit to a request.
"""

from __future__ import annotations

import threading

from flask import current_app
from sqlalchemy.exc import DataError, IntegrityError

from ..extensions import db
from ..ledger import checkpoints, sealing
from ..models import ConsentEvent
from ..sites.snapshots import SiteSnapshot
from . import decisions


class _Ticket:
    """One request's rows, and how their commit went."""

    def __init__(self, events: list[ConsentEvent]):
        self.events = events
        self.woken = threading.Event()
        self.leads = False
        self.stored = False
        self.error: BaseException | None = None


class _Committer:
    def __init__(self):
        self.lock = threading.Lock()
        self.queue: list[_Ticket] = []
        self.leading = False

    def store(self, events: list[ConsentEvent]) -> None:
        ticket = _Ticket(events)
        with self.lock:
            self.queue.append(ticket)
            ticket.leads = not self.leading
            self.leading = True
        while not ticket.leads:
            ticket.woken.wait()
            ticket.woken.clear()
        if not (ticket.stored or ticket.error):
            self._lead()
        if ticket.error is not None:
            raise ticket.error

    def _lead(self) -> None:
        with self.lock:
            batch, self.queue = self.queue, []
        try:
            _write(batch)
        except BaseException as error:  # noqa: BLE001 - handed to every request of the batch
            for ticket in batch:
                if not ticket.stored:
                    ticket.error = ticket.error or error
        finally:
            with self.lock:
                if self.queue:
                    self.queue[0].leads = True
                    self.queue[0].woken.set()
                else:
                    self.leading = False
            for ticket in batch:
                ticket.leads = True
                ticket.woken.set()
        # After the answers are free to go: a checkpoint must not hold the batch's requests.
        checkpoints.maybe_checkpoint()


def _write(batch: list[_Ticket]) -> None:
    try:
        _commit([event for ticket in batch for event in ticket.events])
    except (IntegrityError, DataError):
        if len(batch) == 1:
            raise
        for ticket in batch:  # one refused row must not cost the others their consent
            try:
                _commit(ticket.events)
            except (IntegrityError, DataError) as error:
                ticket.error = error
            else:
                ticket.stored = True
        return
    for ticket in batch:
        ticket.stored = True


#: The columns a new decision fills in; the id is the database's to give.
_COLUMNS = tuple(column.key for column in ConsentEvent.__table__.columns if column.key != "id")
_INSERT = ConsentEvent.__table__.insert()


def _commit(events: list[ConsentEvent]) -> None:
    # A plain INSERT, not the ORM: nothing reads the objects again, and the unit of work
    # (identity map, flush order, expiry) cost more than the commit itself.
    rows = [{name: getattr(event, name) for name in _COLUMNS} for event in events]
    if len(rows) == 1:
        # One statement is atomic on its own: run without a transaction, which spares
        # PostgreSQL the BEGIN and COMMIT round trips.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(_INSERT, rows)
    else:
        with db.engine.begin() as connection:
            connection.execute(_INSERT, rows)


def store_decision(event: ConsentEvent, site: SiteSnapshot) -> None:
    """Commit a decision made by :func:`decisions.decide`; return once it is durable."""
    if "consent.recorded" in site.webhook_events:
        # Its webhook is queued in the event's own transaction.
        decisions.append(event, site)
        db.session.commit()
    else:
        sealing.seal(event, site.key)  # before the write lock, like everything else
        store([event])


def store(events: list[ConsentEvent]) -> None:
    """Write ``events`` (sealed, none of them in a session) and return once committed."""
    committer = current_app.extensions.get("cookieconsent.group_commit")
    if committer is None:
        committer = current_app.extensions.setdefault("cookieconsent.group_commit", _Committer())
    committer.store(events)
