"""Checking a form's consent receipt from a site's own Python backend.

A form guarded by the embed script reaches the site's backend with a hidden field
``consent_receipt``. The backend checks it in one of two ways:

* **offline**, with the site's receipt keys (``flask --app wsgi forms receipt-keys SITE``):
  no network, but it cannot see a withdrawal or match the subject;
* **online**, through ``POST /api/v1/receipts/verify`` on the consent server: it also tells a
  withdrawn consent and whether the receipt belongs to the phone or e-mail in the form.

``require_form_receipt`` wraps a Flask view so that a submission without a valid receipt is
refused (400 when the field is missing, 403 when the receipt is not valid for this form).

``verify_webhook`` checks a webhook delivery's signature (see ``docs/trust.md``).

``set_consent_cookie`` keeps a visitor's cookie decision in a cookie set by the site's own
response, which Safari does not cut short as it does one written by the banner.
"""

from __future__ import annotations

import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps

from .consents import receipts
from .models.site import consent_cookie_name
from .webhooks import signing

FIELD = "consent_receipt"


class ReceiptError(ValueError):
    """The receipt does not prove a consent for this form; ``reason`` says why."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class FormReceipt:
    """What a valid form receipt proves."""

    consent_id: str
    site: str
    form_id: str
    document_version: int
    issued_at: datetime
    #: None when checked offline: only the consent server knows about withdrawals.
    withdrawn: bool | None = None
    #: None unless checked online with the subject's phone or e-mail.
    subject_matches: bool | None = None
    #: The consent document's version in force now; None when checked offline.
    document_in_force: int | None = None


def _check_claims(
    found: FormReceipt, site: str | None, form: str | None, max_age, min_version: int | None
) -> FormReceipt:
    # A receipt proves consent to the version it names for its whole term; a new submission,
    # though, needs consent to the text in force (or to ``min_version``, as the site chooses).
    required = min_version if min_version is not None else found.document_in_force
    if required is not None and found.document_version < required:
        raise ReceiptError("superseded_document")
    if site is not None and found.site != site:
        raise ReceiptError("wrong_site")
    if form is not None and found.form_id != form:
        raise ReceiptError("wrong_form")
    if max_age is not None:
        age = max_age if isinstance(max_age, timedelta) else timedelta(seconds=max_age)
        if datetime.now(UTC) - found.issued_at > age:
            raise ReceiptError("too_old")
    return found


def verify_offline(
    token: str,
    keys: str | Iterable[str],
    *,
    site: str | None = None,
    form: str | None = None,
    max_age: timedelta | float | None = None,
    min_version: int | None = None,
) -> FormReceipt:
    """Check ``token`` with the site's receipt keys (any order); raise :class:`ReceiptError`.

    Offline, only the site knows which consent document is in force: pass its number as
    ``min_version`` to refuse receipts for older versions.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    if not token:
        raise ReceiptError("missing", 400)
    try:
        receipt = receipts.verify(token, keys)
    except receipts.InvalidReceipt as error:
        raise ReceiptError(error.reason) from None
    if receipt.kind != "form":
        raise ReceiptError("not_a_form_receipt")
    found = FormReceipt(
        consent_id=receipt.consent_id,
        site=receipt.site,
        form_id=receipt.form_id,
        document_version=receipt.policy_number,
        issued_at=receipt.issued_at,
    )
    return _check_claims(found, site, form, max_age, min_version)


def verify_online(
    token: str,
    server: str,
    *,
    site: str | None = None,
    form: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    max_age: timedelta | float | None = None,
    allow_withdrawn: bool = False,
    timeout: float = 5.0,
    min_version: int | None = None,
) -> FormReceipt:
    """Check ``token`` with the consent server at ``server``; raise :class:`ReceiptError`.

    A withdrawn consent, one that belongs to another phone or e-mail, or one given to a
    consent document older than the one in force (or than ``min_version``) is refused.
    An unreachable server raises ``ReceiptError("unavailable", 503)``.
    """
    if not token:
        raise ReceiptError("missing", 400)
    body = {"receipt": token} | {k: v for k, v in (("phone", phone), ("email", email)) if v}
    request = urllib.request.Request(
        server.rstrip("/") + "/api/v1/receipts/verify",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 422:
            fields = json.load(error).get("fields", {})
            # The subject given by the form is malformed: the receipt cannot be theirs.
            raise ReceiptError("invalid_" + next(iter(fields), "input")) from None
        raise ReceiptError("unavailable", 503) from None
    except (OSError, ValueError):
        raise ReceiptError("unavailable", 503) from None
    if not answer.get("valid"):
        raise ReceiptError(answer.get("reason", "invalid"))
    if answer.get("kind") != "form":
        raise ReceiptError("not_a_form_receipt")
    found = FormReceipt(
        consent_id=answer["consent_id"],
        site=answer["site"],
        form_id=answer["form_id"],
        document_version=answer["policy_version"],
        issued_at=datetime.fromisoformat(answer["issued_at"]),
        withdrawn=answer["withdrawn"],
        subject_matches=answer.get("subject_matches"),
        document_in_force=answer.get("policy_version_in_force"),
    )
    if found.withdrawn and not allow_withdrawn:
        raise ReceiptError("withdrawn")
    if found.subject_matches is False:
        raise ReceiptError("subject_mismatch")
    return _check_claims(found, site, form, max_age, min_version)


def preference_link(server: str, site: str, receipt: str, return_url: str | None = None) -> str:
    """The visitor's own page for the consent ``receipt`` proves: view it, withdraw it.

    Link it from the site's thank-you page. The receipt travels in the URL fragment, which
    browsers never send to a server, so it stays out of every log.
    """
    fragment = "receipt=" + urllib.parse.quote(receipt, safe="")
    if return_url:
        fragment += "&return=" + urllib.parse.quote(return_url, safe="")
    return f"{server.rstrip('/')}/preferences/{urllib.parse.quote(site, safe='')}#{fragment}"


def require_form_receipt(
    form: str | None = None,
    *,
    site: str | None = None,
    keys: str | Iterable[str] | Callable[[], Iterable[str]] | None = None,
    server: str | None = None,
    subject_fields: dict[str, str] | None = None,
    field: str = FIELD,
    max_age: timedelta | float | None = None,
    min_version: int | None = None,
):
    """Refuse a request to the decorated Flask view without a valid form receipt.

    Checks online when ``server`` is given (or ``app.config["CONSENT_SERVER"]``), otherwise
    offline with ``keys`` (or ``app.config["CONSENT_RECEIPT_KEYS"]``). ``subject_fields``
    maps ``"phone"``/``"email"`` to the form's field names, so that an online check also
    proves the receipt belongs to the person in the form. A receipt for a consent document
    older than the one in force is refused (online; offline, or to accept older ones, give
    ``min_version``). The checked receipt is put in ``flask.g.consent_receipt``.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from flask import abort, current_app, g, request

            values = request.form if request.form else (request.get_json(silent=True) or {})
            token = values.get(field) if hasattr(values, "get") else None
            if not isinstance(token, str) or not token:
                abort(400, f"The form carries no {field}: consent was not given.")
            url = server or current_app.config.get("CONSENT_SERVER")
            try:
                if url:
                    subject = {
                        kind: values.get(name) or None
                        for kind, name in (subject_fields or {}).items()
                    }
                    g.consent_receipt = verify_online(
                        token, url, site=site, form=form, max_age=max_age,
                        min_version=min_version, **subject
                    )
                else:
                    secrets = keys or current_app.config.get("CONSENT_RECEIPT_KEYS")
                    if callable(secrets):
                        secrets = secrets()
                    if not secrets:
                        raise RuntimeError("require_form_receipt needs keys or a server")
                    g.consent_receipt = verify_offline(
                        token, secrets, site=site, form=form, max_age=max_age,
                        min_version=min_version,
                    )
            except ReceiptError as error:
                abort(error.status, f"The consent receipt is not valid: {error.reason}.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def set_consent_cookie(
    response,
    receipt: str,
    *,
    site: str,
    max_age: timedelta | int,
    name: str | None = None,
    domain: str | None = None,
    secure: bool = True,
) -> None:
    """Set the banner's cookie for ``receipt`` on a Flask ``response`` of the site's own origin.

    A cookie set by an HTTP response lasts its ``max_age`` in every browser; Safari deletes one
    written by script after 7 days. The banner reads it, so it is not HttpOnly, and keeps it as
    it is. ``name`` and ``domain`` are the site's settings in the console (default
    ``cc_<site>`` on the page's host). Give ``max_age`` as what is left of the consent's term.
    """
    response.set_cookie(
        consent_cookie_name(site, name), receipt, max_age=max_age, path="/", domain=domain,
        secure=secure, httponly=False, samesite="Lax",
    )


def verify_webhook(
    body: bytes | str,
    header: str | None,
    secret: str,
    tolerance: float = 300,
    now: float | None = None,
) -> dict:
    """The event a webhook delivery carries, once its signature holds; else :class:`ReceiptError`.

    ``body`` is the request's raw body (``request.get_data()``), ``header`` its
    ``Cookieconsent-Signature`` and ``secret`` the endpoint's secret from the console.
    A delivery signed more than ``tolerance`` seconds away from ``now`` is refused
    (``stale``), so a captured request cannot be replayed later; drop event ids you have seen
    to refuse one replayed within the tolerance.
    """
    data = body.encode() if isinstance(body, str) else bytes(body)
    try:
        timestamp, signatures = signing.parse_header(header or "")
    except ValueError:
        raise ReceiptError("malformed_signature", 400) from None
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance:
        raise ReceiptError("stale")
    expected = signing.signature(secret, timestamp, data)
    # compare_digest on every candidate: the time taken tells nothing of the expected value.
    if not any([hmac.compare_digest(expected, candidate) for candidate in signatures]):
        raise ReceiptError("bad_signature")
    return json.loads(data)
