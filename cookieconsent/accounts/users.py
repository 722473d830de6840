"""Operator accounts and API tokens: creating, checking, revoking."""

from __future__ import annotations

import functools
import hashlib
import secrets
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ApiToken, Operator, Site
from ..models.operator import ROLES
from ..models.types import utcnow
from ..strength import is_simple_pattern

MIN_PASSWORD = 10
#: Passwords people choose first; see the file's header for where they come from.
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt")
TOKEN_PREFIX = "cc_"
# Checked when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_operator(
    email: str, password: str, role: str = "viewer", sites: list[Site] | None = None
) -> Operator:
    """Add an operator; the password is stored only as a salted scrypt hash."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise ValueError("an operator logs in with an e-mail address")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    if find_operator(email) is not None:
        raise ValueError(f"operator {email} exists")
    operator = Operator(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        sites=list(sites or []),
    )
    db.session.add(operator)
    db.session.flush()
    return operator


def check_password(password: str) -> None:
    """Refuse a password that is short or among the first an attacker tries (ValueError)."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    if is_simple_pattern(password):
        raise ValueError(
            "a password may not be a few characters repeated or a run like 12345 or qwerty"
        )
    if password.lower() in _common_passwords():
        raise ValueError("this password is on the list of the most common ones; choose another")


@functools.cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def set_password(operator: Operator, password: str) -> None:
    """Give ``operator`` a new password; every session they have ends."""
    check_password(password)
    operator.password_hash = generate_password_hash(password)
    end_sessions(operator)
    db.session.flush()


def end_sessions(operator: Operator) -> None:
    """End every console session of ``operator``: each one is checked on every request."""
    operator.session_generation = (operator.session_generation or 0) + 1


def find_operator(email: str) -> Operator | None:
    return db.session.scalar(select(Operator).where(Operator.email == normalize_email(email)))


def authenticate(email: str, password: str) -> Operator | None:
    """The active operator with these credentials, or None."""
    operator = find_operator(email)
    if operator is None or not operator.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(operator.password_hash, password):
        return None
    operator.last_login_at = utcnow()
    db.session.flush()
    return operator


def operator_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Operator)) or 0


def visible_sites(operator: Operator) -> list[Site]:
    """Admins see every site; viewers see the ones assigned to them."""
    if operator.is_admin:
        return list(db.session.scalars(select(Site).order_by(Site.key)))
    return list(operator.sites)


def may_see(operator: Operator, site: Site) -> bool:
    return operator.is_admin or site in operator.sites


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    name: str, site: Site | None = None, created_by: Operator | None = None
) -> tuple[ApiToken, str]:
    """Make an export token; returns the record and the token, which is never shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a token needs a name of at most 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        name=name,
        token_hash=_hash_token(token),
        prefix=token[:10],
        site=site,
        created_by=created_by,
    )
    db.session.add(record)
    db.session.flush()
    return record, token


def check_token(token: str) -> ApiToken | None:
    """The active token record for ``token``, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if record is None or not record.active:
        return None
    return record


def revoke_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.flush()


def token_may_export(record: ApiToken, site: Site) -> bool:
    return record.site_id is None or record.site_id == site.id
