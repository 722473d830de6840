"""The personal-data consent document that a feedback form's checkbox refers to.

An operator describes the consent in structured fields (who processes which data, why, for how
long, whether it goes to third parties, abroad or into public sources: what Art. 8 of the Law
"On Personal Data and Their Protection" asks a consent to state). This module checks the fields
and renders the legal text from them in kk, ru and en. The text is frozen into a
``PolicyVersion`` of kind ``personal_data`` and hashed, so it does not depend on the
translation catalogs: a later change of a catalog must never change a published consent.
"""

from __future__ import annotations

from babel.lists import format_list
from babel.units import format_unit
from flask import url_for
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ..config import LANGUAGES
from ..extensions import db
from ..models import PolicyVersion, Site
from ..models.types import utcnow
from ..sites import policies
from .wording import DATA_ITEMS, NUMBER_NAMES, PURPOSES, STATES, TEMPLATES, WORDING_VERSION

KIND = "personal_data"

class Localized(fields.Field):
    """A text in kk, ru and en: ``{"kk": ..., "ru": ..., "en": ...}``, or one string for all."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = dict.fromkeys(LANGUAGES, value)
        if not isinstance(value, dict) or set(value) - set(LANGUAGES):
            raise ValidationError("Expected a text or an object with kk, ru and en texts.")
        texts = {}
        for lang, text in value.items():
            if not isinstance(text, str) or not text.strip() or len(text) > 500:
                raise ValidationError(f"The {lang} text must be 1-500 characters.")
            texts[lang] = text.strip()
        return texts


class Item(fields.Field):
    """A key of a known vocabulary (``"phone"``) or a text of the operator's own."""

    def __init__(self, vocabulary: dict, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = vocabulary

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value in self.vocabulary:
            return value
        if isinstance(value, dict):
            return Localized()._deserialize(value, attr, data)
        raise ValidationError(f"Expected one of {', '.join(self.vocabulary)}, or kk/ru/en texts.")


#: The operator's number: both are 12 digits, the last a check digit (the same for both).
NUMBERS = ("bin", "iin")
_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit_holds(number: str) -> bool:
    """Whether a 12-digit BIN or IIN ends in its check digit.

    The first 11 digits weighted 1..11, modulo 11; a remainder of 10 is weighted again with
    3..11, 1, 2; a second 10 is never issued.
    """
    digits = [int(d) for d in number]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if remainder != 10:
            return remainder == digits[11]
    return False


def operator_number(operator: dict) -> tuple[str, str]:
    """Which number names the operator (``bin`` or ``iin``), and the number."""
    kind = "iin" if operator.get("iin") else "bin"
    return kind, operator[kind]


class OperatorSchema(Schema):
    class Meta:
        unknown = RAISE

    name = Localized(required=True)
    #: A legal entity's BIN, or the IIN of a sole trader (ИП, ЖК) or of a natural person.
    bin = fields.String(validate=validate.Regexp(r"^\d{12}$", error="A BIN has 12 digits."))
    iin = fields.String(validate=validate.Regexp(r"^\d{12}$", error="An IIN has 12 digits."))
    address = Localized(load_default=None)
    contact = fields.String(load_default=None, validate=validate.Length(min=3, max=200))

    @validates_schema
    def one_number(self, data, **kwargs):
        given = [kind for kind in NUMBERS if kind in data]
        if len(given) != 1:
            message = "Give the BIN of a legal entity or the IIN of a person, one of them."
            raise ValidationError(message, "iin" if given else "bin")


class ThirdPartySchema(Schema):
    class Meta:
        unknown = RAISE

    name = Localized(required=True)
    purpose = Localized(load_default=None)


class ConsentDocumentSchema(Schema):
    """The structured content of a personal-data consent (``PolicyVersion.details``)."""

    class Meta:
        unknown = RAISE

    operator = fields.Nested(OperatorSchema, required=True)
    data = fields.List(Item(DATA_ITEMS), required=True, validate=validate.Length(min=1, max=30))
    purposes = fields.List(Item(PURPOSES), required=True, validate=validate.Length(min=1, max=20))
    term_months = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1200))
    third_parties = fields.List(fields.Nested(ThirdPartySchema), load_default=list)
    #: ISO 3166 codes of the states the data goes to; empty: it stays in Kazakhstan. Only
    #: states whose official names the wording holds: a legal text names a state officially.
    cross_border = fields.List(
        fields.String(
            validate=validate.OneOf(
                sorted(STATES), error="An ISO 3166 code of a state the wording names: {choices}."
            )
        ),
        load_default=list,
    )
    published = fields.Boolean(load_default=False)
    #: The wording the texts were rendered with; set by :func:`draft`, whatever is given.
    wording = fields.Integer(load_default=None)

    def __init__(self, *, published_before: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.published_before = published_before

    @validates_schema(skip_on_field_errors=True)
    def number_checks(self, data, **kwargs):
        # Details published under an older wording keep their number, so that the console's
        # offer to publish them again in today's wording cannot fail on a check it did not
        # make. Only that renewal says so: a "wording" in the input changes nothing.
        if self.published_before:
            return
        kind, number = operator_number(data["operator"])
        if not check_digit_holds(number):
            raise ValidationError({"operator": {kind: [
                f"Not a valid {kind.upper()}: its last digit does not check."]}})


def validate_details(details: dict, *, published_before: bool = False) -> dict:
    """The checked, normalised details; raises marshmallow's ``ValidationError``.

    ``published_before``: the details of a document already published, drafted again.
    """
    return ConsentDocumentSchema(published_before=published_before).load(details)


# --- Rendering -----------------------------------------------------------------------------

def _term(months: int, language: str) -> str:
    if months % 12 == 0:
        return format_unit(months // 12, "duration-year", length="long", locale=language)
    text = format_unit(months, "duration-month", length="long", locale=language)
    # CLDR has no Kazakh month unit; Kazakh does not inflect a noun after a numeral.
    return f"{months} ай" if "duration" in text else text


def _pick(item, vocabulary: dict, language: str) -> str:
    return (vocabulary[item] if isinstance(item, str) else item)[language]


def render(site: Site, details: dict, language: str) -> dict:
    """The title and body of the consent in ``language``, from checked ``details``."""
    t = TEMPLATES[language]
    operator = details["operator"]
    kind, number = operator_number(operator)
    who = t["operator"].format(name=operator["name"][language],
                               number_name=NUMBER_NAMES[language][kind], number=number)
    if operator.get("address"):
        who += "; " + t["address"].format(address=operator["address"][language])
    if operator.get("contact"):
        who += "; " + t["contact"].format(contact=operator["contact"])
    parties = [
        t["third_purpose"].format(name=p["name"][language], purpose=p["purpose"][language])
        if p.get("purpose")
        else p["name"][language]
        for p in details["third_parties"]
    ]
    states = [STATES[code][language] for code in details["cross_border"]]
    contact = operator.get("contact")
    clauses = [
        who + ".",
        t["subject"],
        t["data"].format(
            items=format_list([_pick(i, DATA_ITEMS, language) for i in details["data"]],
                              locale=language)
        ),
        t["purposes"].format(
            items="; ".join(_pick(p, PURPOSES, language) for p in details["purposes"])
        ),
        t["term"].format(term=_term(details["term_months"], language)),
        t["third_some"].format(items="; ".join(parties)) if parties else t["third_none"],
        # Semicolons: an official name may itself hold "and".
        t["border_some"].format(items="; ".join(states))
        if states
        else t["border_none"],
        t["public_yes"] if details["published"] else t["public_no"],
        t["withdraw"].format(
            contact=t["withdraw_contact"].format(contact=contact) if contact else ""
        ),
    ]
    body = "\n\n".join(
        [t["intro"].format(site=site.name)]
        + [f"{number}. {clause}" for number, clause in enumerate(clauses, 1)]
    )
    return {"title": t["title"], "body": body}


# --- Versions ------------------------------------------------------------------------------


def draft(
    site: Site, details: dict, label: str | None = None, *, published_before: bool = False
) -> PolicyVersion:
    """An unpublished consent document rendered in every language of ``site``."""
    details = validate_details(details, published_before=published_before)
    details |= {"wording": WORDING_VERSION}
    missing = sorted(
        {
            lang
            for lang in site.languages
            for text in _localized_values(details)
            if lang not in text
        }
    )
    if missing:
        raise ValidationError(f"Texts missing in {', '.join(missing)}.", "details")
    texts = {lang: render(site, details, lang) for lang in site.languages}
    return policies.draft(site, texts, kind=KIND, details=details, label=label)


def publish(site: Site, details: dict, effective_at=None) -> PolicyVersion:
    """Draft and publish a consent document; it can never change afterwards."""
    return policies.publish(draft(site, details), effective_at)


def _localized_values(details: dict):
    operator = details["operator"]
    yield operator["name"]
    if operator.get("address"):
        yield operator["address"]
    for item in details["data"] + details["purposes"]:
        if isinstance(item, dict):
            yield item
    for party in details["third_parties"]:
        yield party["name"]
        if party.get("purpose"):
            yield party["purpose"]


def wording_of(version: PolicyVersion) -> int:
    """The wording ``version`` was rendered with; 1 for documents older than the number."""
    return (version.details or {}).get("wording") or 1


def redraft_needed(site: Site) -> bool:
    """Whether today's wording would change the text of the document in force.

    A newer wording need not change every document (wording 3 changed only the IIN's), and
    publishing the same text again would ask nothing new of anyone.
    """
    version = in_force(site)
    if version is None or wording_of(version) >= WORDING_VERSION:
        return False
    try:
        details = validate_details(version.details, published_before=True)
    except ValidationError:
        return True  # details today's wording cannot take as they are: let the operator see
    return any(
        render(site, details, text.language) != {"title": text.title, "body": text.body}
        for text in version.texts
    )


def publish_with_current_wording(site: Site) -> PolicyVersion:
    """Publish the document in force again, same details, today's wording; the old one stays.

    Published versions never change: the new wording reaches visitors as a new version.
    """
    version = in_force(site)
    return policies.publish(draft(site, version.details, published_before=True))


def in_force(site: Site) -> PolicyVersion | None:
    """The consent document a form shows now, or None before the first is published."""
    return policies.in_force(site, KIND)


def published_version(site: Site, number: int) -> PolicyVersion | None:
    """Version ``number`` of the site's consent document, if published and in effect."""
    return db.session.scalar(
        select(PolicyVersion).where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.kind == KIND,
            PolicyVersion.number == number,
            PolicyVersion.published_at.is_not(None),
            PolicyVersion.effective_at <= utcnow(),
        )
    )


def document_url(site: Site, version: PolicyVersion, language: str) -> str:
    """Where a visitor reads ``version`` in ``language`` on the consent server."""
    return url_for(
        "preferences.consent_document",
        key=site.key,
        number=version.number,
        language=language,
        _external=True,
    )


def form_config(site: Site) -> dict | None:
    """What the embed script needs to guard the site's forms; None without a document.

    ``url`` ends with a slash: the script appends the page's language.
    """
    version = in_force(site)
    if version is None or not site.forms:
        return None
    url = document_url(site, version, site.default_language)
    return {"ids": list(site.forms), "version": version.number, "url": url.rsplit("/", 1)[0] + "/"}
