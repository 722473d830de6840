"""Recording decisions, withdrawing them, and checking receipts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import bindparam, select

from ..errors import APIError
from ..extensions import db
from ..ledger import sealing
from ..models import ConsentEvent, PolicyVersion, Site
from ..models.types import term_end, utcnow
from ..sites import snapshots
from ..sites.registry import signing_secrets
from ..sites.snapshots import SiteSnapshot
from . import receipts

USER_AGENT_LENGTH = 512


def strip_url(url: str | None) -> str | None:
    """Keep scheme, host and path: queries and fragments may carry personal data."""
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:2000]


def clip_user_agent(user_agent: str | None) -> str | None:
    return user_agent[:USER_AGENT_LENGTH] if user_agent else None


def append(event: ConsentEvent, site: Site | SiteSnapshot) -> ConsentEvent:
    """Add one event of ``site`` to the log, sealed for the ledger. Events are only appended."""
    sealing.seal(event, site.key)
    db.session.add(event)
    db.session.flush()
    sealing.mark_appended()
    return event


def record_decision(site: SiteSnapshot, data: dict, *, ip: str | None, user_agent: str | None):
    """Store a banner decision and return ``(event, receipt)``."""
    version = site.policy_in_force()
    revision = version.revision if version else 0
    if data["revision"] > revision:
        # The visitor may have seen a policy that another process published a moment ago.
        site = snapshots.get(site.key, fresh=True)
        version = site.policy_in_force()
        revision = version.revision if version else 0
    if version is None:
        # A consent with no policy to read was not informed: nothing is recorded.
        raise APIError(
            409,
            "The site has no cookie policy in force yet: no consent can be recorded.",
            {"site": "Publish a cookie policy first."},
            reason="no_policy",
        )
    if data["revision"] != revision:
        raise APIError(
            409,
            "The policy changed; ask the visitor again.",
            {"revision": f"Current revision is {revision}."},
            current_revision=revision,
        )
    previous_consent_id = _previous_consent(site, data)
    choices = {"essential": True} | {
        key: bool(data["choices"][key]) for key in ("functional", "analytics")
    }
    now = utcnow()
    expires_at = term_end(
        now, months=site.consent_lifetime_months, days=site.consent_lifetime_days
    )
    event = ConsentEvent(
        consent_id=uuid.uuid4().hex,
        site_id=site.id,
        kind="cookie",
        event_type="updated" if previous_consent_id else "given",
        action=data["action"],
        method=data["method"],
        created_at=now,
        choices=choices,
        services=[s.key for s in site.services if choices.get(s.category)],
        revision=revision,
        policy_version_id=version.id if version else None,
        language=data["language"],
        policy_sha256=version.sha256_for(data["language"], site.default_language)
        if version
        else None,
        url=strip_url(data["url"]),
        ip=ip,
        user_agent=clip_user_agent(user_agent),
        gpc=data["gpc"],
        previous_consent_id=previous_consent_id,
        expires_at=expires_at,
        purge_after=expires_at + timedelta(days=site.proof_retention_days),
    )
    # Signed before the INSERT: on SQLite the INSERT takes the database's one write lock,
    # held until the commit, so nothing else should happen in between.
    receipt = sign_event(site, event)
    return append(event, site), receipt


def sign_event(site: Site | SiteSnapshot, event: ConsentEvent) -> str:
    granted = [k for k in ("functional", "analytics") if event.choices.get(k)]
    return receipts.sign(
        receipts.Receipt(
            kind=event.kind,
            consent_id=event.consent_id,
            site=site.key,
            issued_at=event.created_at,
            revision=event.revision,
            granted=granted,
            form_id=event.form_id,
            policy_number=event.policy_version.number if event.kind == "form" else None,
        ),
        signing_secrets(site),
    )


def withdraw(consent_id: str, data: dict, *, ip: str | None, user_agent: str | None):
    """Record that the visitor took back their consent; return ``(event, receipt)``."""
    receipt, site = check_receipt(data["receipt"])
    if receipt.consent_id != consent_id:
        raise APIError(422, "Invalid input.", {"receipt": "Belongs to another consent."})
    given = latest_event(site, consent_id)
    if given is None:
        raise APIError(404, "Unknown consent.", {"consent_id": "No such consent."})
    if given.event_type == "withdrawn":
        raise APIError(409, "Already withdrawn.", {"consent_id": "Consent was withdrawn."})
    event = withdrawal(
        site,
        given,
        method="form" if given.kind == "form" else data["method"],
        url=strip_url(data.get("url")) or given.url,
        ip=ip,
        user_agent=user_agent,
    )
    return event, sign_event(site, event)


def withdrawal(
    site: Site | SiteSnapshot,
    given: ConsentEvent,
    *,
    method: str,
    url: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> ConsentEvent:
    """Append the event that takes back ``given``'s consent: only essential cookies stay on."""
    now = utcnow()
    cookie = given.kind == "cookie"
    return append(
        ConsentEvent(
            consent_id=given.consent_id,
            site_id=site.id,
            kind=given.kind,
            event_type="withdrawn",
            action="withdraw",
            method=method,
            created_at=now,
            choices={key: cookie and key == "essential" for key in given.choices},
            services=[s.key for s in site.services if s.category == "essential"] if cookie else [],
            revision=given.revision,
            policy_version_id=given.policy_version_id,
            language=given.language,
            policy_sha256=given.policy_sha256,
            url=url,
            ip=ip,
            user_agent=clip_user_agent(user_agent),
            gpc=given.gpc,
            form_id=given.form_id,
            # Kept so that the withdrawal is found, and purged, with the consent.
            subject_hashes=list(given.subject_hashes or []),
            expires_at=now,
            purge_after=given.purge_after,
        ),
        site,
    )


def check_receipt(token: str) -> tuple[receipts.Receipt, SiteSnapshot]:
    """Verify ``token`` under its site's keys, or raise :class:`receipts.InvalidReceipt`."""
    key = receipts.peek_site(token)
    try:
        site = snapshots.get(key)
        try:
            return receipts.verify(token, signing_secrets(site)), site
        except receipts.InvalidReceipt as error:
            if error.reason != "bad_signature":
                raise
        # Perhaps signed by a key that another process made a moment ago.
        site = snapshots.get(key, fresh=True)
    except APIError:
        raise receipts.InvalidReceipt("unknown_site") from None
    return receipts.verify(token, signing_secrets(site)), site


def latest_event(site: Site | SiteSnapshot, consent_id: str) -> ConsentEvent | None:
    return db.session.scalar(
        select(ConsentEvent)
        .where(ConsentEvent.site_id == site.id, ConsentEvent.consent_id == consent_id)
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    )


#: What :func:`verify` needs of a consent's latest event. Built once and run through Core:
#: building the statement and loading an ORM object cost more than the query itself.
_LATEST_STATE = (
    select(ConsentEvent.event_type, ConsentEvent.erased_at, ConsentEvent.subject_hashes)
    .where(
        ConsentEvent.site_id == bindparam("site_id"),
        ConsentEvent.consent_id == bindparam("consent_id"),
    )
    .order_by(ConsentEvent.id.desc())
    .limit(1)
)


def verify(token: str, phone: str | None = None, email: str | None = None) -> dict:
    """What a receipt proves, as the verify API answers it.

    With a ``phone`` or ``email``, a form receipt also answers whether it belongs to them.
    """
    try:
        receipt, site = check_receipt(token)
    except receipts.InvalidReceipt as error:
        return {"valid": False, "reason": error.reason}
    latest = (
        db.session.connection()
        .execute(_LATEST_STATE, {"site_id": site.id, "consent_id": receipt.consent_id})
        .first()
    )
    if latest is None or latest.erased_at is not None and latest.event_type != "withdrawn":
        return {"valid": False, "reason": "unknown_consent" if latest is None else "erased"}
    answer = {
        "valid": True,
        "kind": receipt.kind,
        "consent_id": receipt.consent_id,
        "site": receipt.site,
        "revision": receipt.revision,
        "choices": {"essential": True}
        | {k: k in receipt.granted for k in ("functional", "analytics")},
        "issued_at": receipt.issued_at,
        "withdrawn": latest.event_type == "withdrawn",
    }
    if receipt.kind == "form":
        current = db.session.scalar(
            select(PolicyVersion.number)
            .where(
                PolicyVersion.site_id == site.id,
                PolicyVersion.kind == "personal_data",
                PolicyVersion.published_at.is_not(None),
                PolicyVersion.effective_at <= utcnow(),
            )
            .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.number.desc())
            .limit(1)
        )
        answer |= {
            "form_id": receipt.form_id,
            "policy_version": receipt.policy_number,
            "policy_version_in_force": current,
        }
        del answer["choices"], answer["revision"]
        if phone or email:
            answer["subject_matches"] = _subject_matches(site, latest, phone, email)
    return answer


def _subject_matches(site: SiteSnapshot, event, phone, email) -> bool | None:
    """Whether every identifier given is one the consent holds; None once it was erased."""
    from .identity import InvalidSubject, subject_hashes

    try:
        hashes = subject_hashes(site, phone, email)
    except InvalidSubject as error:
        raise APIError(422, "Invalid input.", {error.field: error.message}) from None
    if event.erased_at is not None:
        return None
    return all(value in event.subject_hashes for value in hashes)


def _previous_consent(site: SiteSnapshot, data: dict) -> str | None:
    """The consent a decision replaces, proven by its receipt; None for a first decision."""
    token, claimed = data.get("previous_receipt"), data.get("previous_consent_id")
    if token is None:
        if claimed:
            raise APIError(
                422,
                "Invalid input.",
                {"previous_receipt": "Required with previous_consent_id: that consent's receipt."},
            )
        return None
    try:
        receipt, signed_for = check_receipt(token)
    except receipts.InvalidReceipt as error:
        raise APIError(422, "Invalid receipt.", {"previous_receipt": error.reason}) from None
    if signed_for.key != site.key or receipt.kind != "cookie":
        raise APIError(
            422, "Invalid input.", {"previous_receipt": "Not a cookie consent of this site."}
        )
    if claimed and claimed != receipt.consent_id:
        raise APIError(
            422, "Invalid input.", {"previous_consent_id": "Not the consent of previous_receipt."}
        )
    return receipt.consent_id
