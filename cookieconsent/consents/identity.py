"""Data subjects: their phone, e-mail or app account, known only as keyed hashes.

A form consent never stores a contact in clear. Each identifier is normalised (so that
``8 701 234 56 78`` and ``+7 (701) 234-56-78`` are the same person) and hashed with HMAC-SHA256
under a key made of the site's own ``subject_secret`` and a key kept outside the database: the
operator can find a subject's consents when the subject asks, but a copy of the database alone
reveals no phone number or address, not even by trying every number.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from ..ledger import sealing
from ..models import Site

#: Separators people type inside phone numbers.
_PHONE_NOISE = re.compile(r"[\s().\-\u00a0]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidSubject(ValueError):
    """A phone or e-mail that cannot be normalised; ``field`` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def normalize_phone(value: str) -> str:
    """The E.164 form of a phone number, Kazakhstan's national forms included.

    ``8 7xx xxx xx xx``, ``+7 7xx ...``, ``7xx xxx xx xx`` (ten digits) and ``00``-prefixed
    international numbers are accepted; anything else raises :class:`InvalidSubject`.
    """
    raw = _PHONE_NOISE.sub("", value or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    digits = raw.removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidSubject("phone", "Only digits, spaces, brackets, dashes and a leading +.")
    if raw.startswith("+"):
        if digits.startswith("7"):
            return _country_seven(digits[1:])
        if not 8 <= len(digits) <= 15 or digits[0] == "0":
            raise InvalidSubject("phone", "Not an international number.")
        return "+" + digits
    # Without a "+", the number is written as dialled inside Kazakhstan.
    if len(digits) == 11 and digits[0] in "78":
        return _country_seven(digits[1:])
    if len(digits) == 10:
        return _country_seven(digits)
    raise InvalidSubject("phone", "Not a phone number of Kazakhstan or in +country form.")


def _country_seven(national: str) -> str:
    # Country code 7 (Kazakhstan and Russia): exactly ten national digits; area codes of
    # both countries start with 3-9.
    if len(national) != 10 or national[0] in "012":
        raise InvalidSubject("phone", "A +7 number has ten digits after the country code.")
    return "+7" + national


def normalize_email(value: str) -> str:
    """An e-mail address trimmed and lower-cased, its domain in ASCII (IDNA) form."""
    address = (value or "").strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidSubject("email", "Not an e-mail address.")
    local, _, domain = address.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidSubject("email", "Not an e-mail domain.") from None
    return f"{local}@{domain}"


def normalize_account(value: str) -> str:
    """An app's account id, as the site's backend knows it: trimmed, otherwise exact."""
    account = (value or "").strip()
    if not account or len(account) > 200 or not account.isprintable():
        raise InvalidSubject("account", "Not an account id.")
    return account


def site_key(site: Site) -> bytes:
    """The key of a site's subject hashes: its own secret, keyed by one kept off the database.

    Phone numbers are few enough to try them all, so a key stored next to the hashes would not
    protect them: whoever copied the database could hash every number. The site's secret is
    therefore mixed with a key derived from the ledger keyring (a file outside the database,
    see :mod:`cookieconsent.ledger.keys`); its oldest key is used, because rotation retires
    keys but never drops them, and a subject must stay findable after a rotation.
    """
    pepper = sealing.keyring().keys()[0].derive("subjects")
    return hmac.new(pepper, site.subject_secret.encode(), hashlib.sha256).digest()


def hash_identifier(site: Site, kind: str, normalised: str) -> str:
    """HMAC-SHA256 of ``kind:value`` under the site's subject key, in hex."""
    message = f"{kind}:{normalised}".encode()
    return hmac.new(site_key(site), message, hashlib.sha256).hexdigest()


def subject_hashes(
    site: Site, phone: str | None = None, email: str | None = None, account: str | None = None
) -> list[str]:
    """The keyed hashes of a subject's phone, e-mail and app account (any may be missing)."""
    hashes = []
    if phone:
        hashes.append(hash_identifier(site, "phone", normalize_phone(phone)))
    if email:
        hashes.append(hash_identifier(site, "email", normalize_email(email)))
    if account:
        hashes.append(hash_identifier(site, "account", normalize_account(account)))
    return hashes


def device_hash(site: Site, device_id: str) -> str:
    """The keyed hash of an app install's device id: the install can be found, not tracked."""
    return hash_identifier(site, "device", device_id.strip())
