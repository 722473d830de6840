"""Console sessions: what the signed session cookie holds, and when it stops being worth
anything.

The cookie carries the operator's id, the operator's session generation at login, and when the
session began and was last used. A session ends when the generation stored with the operator
has moved on (logout, new password, new role or sites, switched off: ``users.end_sessions``),
after ``SESSION_IDLE_MINUTES`` unused, and ``SESSION_MAX_HOURS`` after its login. All three
are checked on every request, so a copied cookie is worth no more than the session it came
from.
"""

from __future__ import annotations

import time

from flask import current_app, g, session

from ..extensions import db
from ..models import Operator

#: The clock sessions are measured by; tests move it instead of sleeping.
clock = time.time
#: Refresh the time last used at most this often, so that not every page sets a cookie.
TOUCH_SECONDS = 60


def start(operator: Operator) -> None:
    """A fresh session for ``operator``, so that an id planted before login is worth nothing."""
    session.clear()
    # The CSRF token went with the old session; forget the copy cached for this request.
    g.pop("csrf_token", None)
    now = int(clock())
    session["operator_id"] = operator.id
    session["generation"] = operator.session_generation or 0
    session["started"] = session["seen"] = now


def current_operator() -> Operator | None:
    """The operator of this request's session, if the session is still good; else None,
    and the session is emptied."""
    operator_id = session.get("operator_id")
    if operator_id is None:
        return None
    operator = db.session.get(Operator, operator_id)
    now = clock()
    config = current_app.config
    if (
        operator is None
        or not operator.active
        or session.get("generation") != (operator.session_generation or 0)
        or now - session.get("started", 0) > config["SESSION_MAX_SECONDS"]
        or now - session.get("seen", 0) > config["SESSION_IDLE_SECONDS"]
    ):
        session.clear()
        return None
    if now - session["seen"] >= TOUCH_SECONDS:
        session["seen"] = int(now)
    return operator
