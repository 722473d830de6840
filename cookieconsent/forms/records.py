"""Recording the consent a visitor gives by ticking a form's personal-data box."""

from __future__ import annotations

import uuid
from datetime import timedelta

from ..consents import decisions, identity
from ..errors import APIError
from ..models import ConsentEvent, Site
from ..models.types import add_months, utcnow
from . import documents


def record(site: Site, data: dict, *, ip: str | None, user_agent: str | None):
    """Store a form consent and return ``(event, receipt)``.

    ``data`` is what ``FormConsentRequestSchema`` loaded. Only keyed hashes of the subject's
    phone and e-mail are kept; the values themselves go no further than this function.
    """
    if data["form"] not in (site.forms or []):
        raise APIError(422, "Invalid input.", {"form": f"The site has no form {data['form']!r}."})
    version = documents.published_version(site, data["document_version"])
    if version is None:
        raise APIError(
            422,
            "Invalid input.",
            {"document_version": "No such published consent document for this site."},
        )
    current = documents.in_force(site)
    if current is not None and current.number != version.number:
        # The visitor read a superseded text: their consent to it is not the one the site asks.
        raise APIError(
            409,
            "A newer consent document is in force.",
            {"document_version": f"Version {current.number} is in force."},
            in_force=current.number,
        )
    text = version.text_for(data["language"])
    if text is None:
        raise APIError(
            422, "Invalid input.", {"language": "The consent document has no text in it."}
        )
    subject = data.get("subject") or {}
    try:
        hashes = identity.subject_hashes(site, subject.get("phone"), subject.get("email"))
    except identity.InvalidSubject as error:
        raise APIError(422, "Invalid input.", {f"subject.{error.field}": error.message}) from None
    now = utcnow()
    months = (version.details or {}).get("term_months")
    event = decisions.append(
        ConsentEvent(
            consent_id=uuid.uuid4().hex,
            site_id=site.id,
            kind="form",
            event_type="given",
            action="agree",
            method="form",
            created_at=now,
            choices={"personal_data": True},
            services=[],
            revision=version.revision,
            policy_version_id=version.id,
            language=data["language"],
            policy_sha256=text.sha256,
            url=decisions.strip_url(data.get("url")),
            ip=ip,
            user_agent=decisions.clip_user_agent(user_agent),
            gpc=False,
            form_id=data["form"],
            subject_hashes=hashes,
            # The document states the term in months, so it ends on the calendar date.
            expires_at=add_months(now, months) if months else None,
            purge_after=now + timedelta(days=site.form_retention_days),
        ),
        site,
    )
    return event, decisions.sign_event(site, event)
