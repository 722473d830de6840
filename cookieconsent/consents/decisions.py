"""Recording decisions, withdrawing them, and checking receipts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..errors import APIError
from ..extensions import db
from ..ledger import checkpoints, history, sealing
from ..models import ConsentEvent, PolicyVersion, Site
from ..models.types import term_end, utcnow
from ..sites import snapshots, wording
from ..sites.registry import KEY_PATTERN, signing_secrets
from ..sites.snapshots import SiteSnapshot
from ..webhooks import events as webhooks
from . import receipts
from .choices import granted, site_choices
from .identity import InvalidSubject, device_hash, subject_hashes

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
    """Add one event of ``site`` to the log, sealed for the ledger. Events are only appended.

    An event that follows another of its consent (``previous_event_id``) is refused with 409,
    and the transaction rolled back, if another one followed that event first: a consent's
    history has one line, so two requests at once cannot both extend it from the same place.
    Every withdrawal, whichever way it came (the API, the preference page, the console, the
    CLI), passes here and queues its ``consent.withdrawn`` webhook in the same transaction.
    """
    sealing.seal(event, site.key)
    db.session.add(event)
    try:
        db.session.flush()
    except IntegrityError:
        if event.previous_event_id is None:
            raise
        db.session.rollback()
        raise APIError(
            409,
            "The consent changed meanwhile; read it again.",
            {"consent_id": "Another event of this consent was recorded at the same moment."},
        ) from None
    checkpoints.mark_appended()
    webhooks.appended(site, event)
    return event


def record_decision(site: SiteSnapshot, data: dict, *, ip: str | None, user_agent: str | None):
    """Store a banner decision in the session and return ``(event, receipt)``."""
    event, receipt = decide(site, data, ip=ip, user_agent=user_agent)
    return append(event, site), receipt


def decide(site: SiteSnapshot, data: dict, *, ip: str | None, user_agent: str | None):
    """A banner decision's event, not stored yet, and its receipt: all done before any write."""
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
    app_id, hashes = _app_fields(site, data)
    choices = site_choices(site, data["choices"], data["action"])
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
        policy_version_id=version.id,
        language=data["language"],
        policy_sha256=version.sha256_for(data["language"], site.default_language),
        texts_sha256=wording.shown(site.id, data["language"], data.get("texts")),
        url=strip_url(data["url"]),
        ip=ip,
        user_agent=clip_user_agent(user_agent),
        gpc=data["gpc"],
        previous_consent_id=previous_consent_id,
        app_id=app_id,
        subject_hashes=hashes,
        expires_at=expires_at,
        purge_after=expires_at + timedelta(days=site.proof_retention_days),
    )
    # Signed before the INSERT, which on SQLite takes the one write lock until the commit.
    return event, sign_event(site, event)


def _app_fields(site: SiteSnapshot, data: dict) -> tuple[str | None, list[str]]:
    """The app of a ``method: app`` decision, if registered, and its keyed subject hashes."""
    app_id = data.get("app")
    if app_id is None:
        return None, []
    if app_id not in site.apps:
        raise APIError(422, "Invalid input.", {"app": "Not an app registered for this site."})
    subject = data.get("subject") or {}
    try:
        hashes = subject_hashes(site, subject.get("phone"), subject.get("email"),
                                subject.get("account"))
    except InvalidSubject as error:
        raise APIError(422, "Invalid input.", {f"subject.{error.field}": error.message}) from None
    if data.get("device_id"):
        hashes.append(device_hash(site, data["device_id"]))
    return app_id, hashes


def sign_event(site: Site | SiteSnapshot, event: ConsentEvent) -> str:
    return receipts.sign(
        receipts.Receipt(
            kind=event.kind,
            consent_id=event.consent_id,
            site=site.key,
            issued_at=event.created_at,
            revision=event.revision,
            granted=granted(event.choices),
            form_id=event.form_id,
            policy_number=event.policy_version.number if event.kind == "form" else None,
            previous_consent_id=event.previous_consent_id,
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
            previous_event_id=given.id,
            app_id=given.app_id,
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
    if not KEY_PATTERN.fullmatch(key):
        # Not a key this server ever signed for (it may not even be storable text).
        raise receipts.InvalidReceipt("malformed")
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


#: A consent's events, oldest first: what :func:`verify` answers from. Built once and run
#: through Core: building the statement and loading ORM objects cost more than the query.
_HISTORY = (
    select(ConsentEvent.__table__)
    .where(
        ConsentEvent.site_id == bindparam("site_id"),
        ConsentEvent.consent_id == bindparam("consent_id"),
    )
    .order_by(ConsentEvent.id)
)


def verify(token: str, phone: str | None = None, email: str | None = None) -> dict:
    """What a receipt proves, as the verify API answers it.

    The answer comes from the stored events, never from the receipt: anyone who can read the
    database holds the site's signing secrets and can mint receipts. The receipt only names
    its consent and, by its time, its event; it is ``valid`` only if that event's seal and
    place in the history hold (else ``tampered``) and the receipt claims what the event
    holds (else ``mismatch``). With a ``phone`` or ``email``, a form receipt also answers
    whether it belongs to them.
    """
    try:
        receipt, site = check_receipt(token)
    except receipts.InvalidReceipt as error:
        return {"valid": False, "reason": error.reason}
    events = (
        db.session.connection()
        .execute(_HISTORY, {"site_id": site.id, "consent_id": receipt.consent_id})
        .all()
    )
    if not events:
        return {"valid": False, "reason": "unknown_consent"}
    ring = sealing.keyring()
    if history.out_of_place(events) or any(sealing.check(e, site.key, ring) for e in events):
        return {"valid": False, "reason": "tampered"}
    issued = next((e for e in events if _claims_of(e, receipt.kind) == _claims(receipt)), None)
    # The consent a receipt says it replaced is the event's (receipts from before they named
    # it name none): the banner takes a receipt sent back to it by that link.
    if issued is None or receipt.previous_consent_id not in (None, issued.previous_consent_id):
        return {"valid": False, "reason": "mismatch"}
    latest = events[-1]
    if latest.erased_at is not None and latest.event_type != "withdrawn":
        return {"valid": False, "reason": "erased"}
    answer = {
        "valid": True,
        "kind": issued.kind,
        "consent_id": issued.consent_id,
        "site": site.key,
        "revision": issued.revision,
        "choices": {"essential": True} | {k: bool(on) for k, on in issued.choices.items()},
        "issued_at": receipt.issued_at,
        "withdrawn": latest.event_type == "withdrawn",
    }
    if issued.kind == "form":
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
            "form_id": issued.form_id,
            "policy_version": receipt.policy_number,
            "policy_version_in_force": current,
        }
        del answer["choices"], answer["revision"]
        if phone or email:
            answer["subject_matches"] = _subject_matches(site, latest, phone, email)
    return answer


def _claims(receipt: receipts.Receipt) -> tuple:
    """What a receipt says of its event, in the terms :func:`_claims_of` reads from a row."""
    issued = int(receipt.issued_at.timestamp())
    if receipt.kind == "form":
        return ("form", issued, receipt.form_id, receipt.policy_number)
    return ("cookie", issued, receipt.revision, sorted(receipt.granted))


def _claims_of(event, kind: str) -> tuple | None:
    if event.kind != kind:
        return None
    issued = int(event.created_at.timestamp())
    if kind == "form":
        return ("form", issued, event.form_id, _policy_number(event.policy_version_id))
    return ("cookie", issued, event.revision, granted(event.choices))


def _policy_number(policy_version_id: int | None) -> int | None:
    return db.session.scalar(
        select(PolicyVersion.number).where(PolicyVersion.id == policy_version_id)
    )


def _subject_matches(site: SiteSnapshot, event, phone, email) -> bool | None:
    """Whether every identifier given is one the consent holds; None once it was erased."""
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
