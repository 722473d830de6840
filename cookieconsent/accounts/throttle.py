"""Failed logins per account, counted in the database so that every worker sees the same.

The limit (``LOGIN_ACCOUNT_LIMIT``, e.g. "5 per 15 minutes") is a window that opens with the
first failure: once it holds that many failures, the address may not log in until the window
ends, from any client. The per-network limit in ratelimit.py stops one client trying many
accounts; this one stops many clients trying one account.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginFailures
from ..models.types import utcnow
from ..ratelimit import Limit
from .users import normalize_email


def _limit() -> Limit:
    limiter = current_app.extensions["cookieconsent.ratelimit"]
    return limiter.limit(current_app.config, "LOGIN_ACCOUNT_LIMIT")


def _key(email: str) -> str:
    # Keyed, so that the table does not hold the addresses people typed.
    secret = current_app.config["SECRET_KEY"].encode()
    message = b"login:" + normalize_email(email).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def seconds_to_wait(email: str) -> int:
    """0 if ``email`` may try to log in now; else the seconds until its window ends."""
    row = db.session.get(LoginFailures, _key(email))
    limit = _limit()
    if row is None or row.count < limit.count:
        return 0
    left = (row.since + timedelta(seconds=limit.seconds) - utcnow()).total_seconds()
    return max(0, math.ceil(left))


def failed(email: str) -> None:
    """Count one failed login to ``email`` (committed by the caller)."""
    key, now, limit = _key(email), utcnow(), _limit()
    window_start = now - timedelta(seconds=limit.seconds)
    # Forget windows that ended: the table holds only the accounts under attack right now.
    db.session.execute(
        delete(LoginFailures).where(LoginFailures.since <= window_start, LoginFailures.key != key)
    )
    row = db.session.get(LoginFailures, key)
    if row is not None and row.since <= window_start:
        row.count, row.since = 1, now
    elif row is not None:
        _count_one_more(key)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(LoginFailures(key=key, count=1, since=now))
        except IntegrityError:
            # Another worker counted the first failure a moment ago: count this one on top.
            _count_one_more(key)
    db.session.flush()


def _count_one_more(key: str) -> None:
    # In SQL, so that two workers counting at once both count.
    db.session.execute(
        update(LoginFailures)
        .where(LoginFailures.key == key)
        .values(count=LoginFailures.count + 1)
        .execution_options(synchronize_session=False)
    )


def succeeded(email: str) -> None:
    """A right password starts the count afresh."""
    db.session.execute(delete(LoginFailures).where(LoginFailures.key == _key(email)))
