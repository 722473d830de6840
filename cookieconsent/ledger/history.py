"""Each event's place in its consent's history (seal format 2).

A row sealed in format 2 names, under its seal, the event of the same consent it follows
(``previous_event_id``, None for the first). Its seal alone cannot tell whether that is still
the event just before it: the ids can be swapped, or the event before it deleted, without
touching a sealed field. So the ledger also compares the named event with the one that
really comes before it in id order; a row where the two differ is *out of place*. Rows sealed
in format 1 (earlier releases) name nothing and are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from ..models import ConsentEvent

#: The format new rows are sealed in.
CHAINED = 2
#: Stands for "no previous event" in SQL comparisons: ids start at 1.
NONE = 0


def out_of_place_query(*criteria):
    """``(id, consent_id)`` of each format-2 row not right after the event it names."""
    events = ConsentEvent.__table__
    before = events.alias("before")
    previous = (
        select(func.max(before.c.id))
        .where(
            before.c.site_id == events.c.site_id,
            before.c.consent_id == events.c.consent_id,
            before.c.id < events.c.id,
        )
        .scalar_subquery()
    )
    return (
        select(events.c.id, events.c.consent_id)
        .where(
            events.c.seal_version >= CHAINED,
            func.coalesce(events.c.previous_event_id, NONE) != func.coalesce(previous, NONE),
            *criteria,
        )
        .order_by(events.c.id)
    )


def out_of_place(rows: Iterable) -> list[int]:
    """The ids of the rows, all of one consent and in id order, that are out of place."""
    wrong, before = [], None
    for row in rows:
        if (row.seal_version or 1) >= CHAINED and row.previous_event_id != before:
            wrong.append(row.id)
        before = row.id
    return wrong


def message(consent_id: str) -> str:
    return (
        f"out of place in consent {consent_id}: the event it follows was moved or removed"
        " (its history was reordered or cut)"
    )
