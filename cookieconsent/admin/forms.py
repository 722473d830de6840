"""The console's forms. Every POST form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..catalogue.services import duration_examples, is_duration
from ..config import LANGUAGES
from ..models.consent import EVENT_TYPES, METHODS
from ..models.site import DEFAULT_TIME_ZONE
from ..sites.categories import KEY as CATEGORY_KEY
from ..sites.consent_mode import MAX_WAIT_MS
from ..sites.registry import KEY_PATTERN
from . import labels

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices WTForms wants."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token travels."""


class SiteForm(FlaskForm):
    key = StringField(
        _l("Site key"),
        validators=[
            DataRequired(),
            Regexp(KEY_PATTERN, message=_l("Lowercase letters, digits and dashes.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    origins = TextAreaField(
        _l("Allowed origins"),
        description=_l("One per line, e.g. https://shop.kz"),
        validators=[DataRequired()],
    )
    apps = TextAreaField(
        _l("Allowed apps"),
        description=_l("Bundle ids or package names, one per line, e.g. kz.aina.shop"),
    )
    languages = MultiCheckboxField(
        _l("Languages"),
        choices=choices((lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES),
        validators=[DataRequired()],
    )
    default_language = SelectField(
        _l("Default language"), choices=choices((lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES)
    )
    consent_lifetime_days = IntegerField(
        _l("Consent lifetime, days"), default=365, validators=[NumberRange(1, 3650)]
    )
    consent_lifetime_months = IntegerField(
        _l("Consent lifetime, months"),
        description=_l("When given, consent ends on the same date that many months later."),
        validators=[Optional(), NumberRange(1, 120)],
    )
    time_zone = StringField(
        _l("Time zone"),
        default=DEFAULT_TIME_ZONE,
        description=_l(
            "The site's pages show times in it, e.g. Asia/Almaty; proofs also give UTC."
        ),
        validators=[
            Optional(),
            AnyOf(
                sorted(available_timezones()),
                message=_l("Not a time zone name such as Asia/Almaty."),
            ),
        ],
    )
    proof_retention_days = IntegerField(
        _l("Storage period of cookie proofs after expiry, days"),
        default=3 * 365,
        validators=[NumberRange(1, 36500)],
    )
    form_retention_days = IntegerField(
        _l("Storage period of form consents, days"),
        default=3 * 365,
        validators=[NumberRange(1, 36500)],
    )
    metrika_counter_id = IntegerField(
        _l("Yandex.Metrika counter"), validators=[Optional(), NumberRange(1, 2**31 - 1)]
    )
    metrika_webvisor = BooleanField(_l("Webvisor"))
    #: Its choices are the site's categories but essential (cookieconsent/admin/sites.py).
    metrika_webvisor_category = SelectField(
        _l("Webvisor needs consent to"),
        description=_l("Webvisor records the screen: it runs only when this category is allowed."),
        default="analytics",
    )
    metrika_clickmap = BooleanField(_l("Click map"), default=True)
    metrika_track_links = BooleanField(_l("Track outbound links"), default=True)
    metrika_accurate_bounce = BooleanField(_l("Accurate bounce rate"), default=True)
    google_consent_mode = BooleanField(_l("Google Consent Mode v2"))
    consent_mode_signals = TextAreaField(
        _l("Consent Mode signals by category"),
        description=_l(
            "One category a line, e.g. analytics: analytics_storage. "
            "A category not listed grants its default signals."
        ),
    )
    consent_mode_wait_ms = IntegerField(
        _l("Wait for an update (wait_for_update), ms"),
        default=0,
        validators=[Optional(), NumberRange(0, MAX_WAIT_MS)],
    )
    ads_data_redaction = BooleanField(
        _l("Redact ad data while ads are denied (ads_data_redaction)")
    )
    url_passthrough = BooleanField(_l("Pass ad click information in URLs (url_passthrough)"))
    gpc_refuses_analytics = BooleanField(_l("Treat Global Privacy Control as refusing analytics"))
    floating_button = BooleanField(_l("Floating cookie settings button"), default=True)
    cookie_domain = StringField(
        _l("Cookie domain (for subdomains)"), validators=[Optional(), Length(max=253)]
    )
    cookie_name = StringField(
        _l("Cookie name (default: cc_ and the site key)"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, dashes and underscores.")),
        ],
    )
    announce_days = IntegerField(
        _l("Announce a scheduled policy version, days ahead (0: never)"),
        default=7,
        validators=[NumberRange(0, 90)],
    )


class Duration:
    """A cookie's lifetime in ``language``, as CLDR counts time, or the session's words."""

    def __init__(self, language: str):
        self.language = language

    def __call__(self, form, field):
        if field.data.strip() and not is_duration(field.data, self.language):
            raise ValidationError(_l("Not a lifetime such as “%(example)s” or “%(session)s”.",
                                     **duration_examples(self.language)))


class CookieTextForm(Form):
    """One cookie of a service: what it is for and how long it lives, per language."""

    pattern = HiddenField()


for _lang in LANGUAGES:
    setattr(CookieTextForm, f"purpose_{_lang}", StringField(_l("Cookie purpose"), validators=[
        Optional(), Length(max=200)]))
    setattr(CookieTextForm, f"lifetime_{_lang}", StringField(_l("Storage period"), validators=[
        Optional(), Length(max=60), Duration(_lang)]))


class ServiceForm(FlaskForm):
    """A service: its storage, and what the visitor reads of it in each language. Adding and
    editing a service both fill it in."""

    key = StringField(
        _l("Service key"),
        validators=[
            DataRequired(),
            Regexp(KEY_PATTERN, message=_l("Lowercase letters, digits and dashes.")),
        ],
    )
    #: Its choices are the site's categories (cookieconsent/admin/categories.py).
    category = SelectField(_l("Category"))
    cookies = StringField(_l("Cookies"), description=_l("Comma-separated; _ym_* matches a prefix"))
    storage_keys = StringField(_l("localStorage keys"), description=_l("Comma-separated"))
    #: Each cookie's purpose and lifetime per language; a row of a cookie no longer listed in
    #: ``cookies`` is dropped.
    cookie_rows = FieldList(FormField(CookieTextForm))
    confirm = BooleanField(_l("I understand: every visitor will be asked again"))


for _lang in LANGUAGES:
    setattr(ServiceForm, f"name_{_lang}", StringField(_l("Name"), validators=[
        Optional(), Length(max=200)]))
    setattr(ServiceForm, f"provider_{_lang}", StringField(_l("Provider"), validators=[
        Optional(), Length(max=200)]))
    setattr(ServiceForm, f"purpose_{_lang}", StringField(_l("Purpose"), validators=[
        Optional(), Length(max=500)]))


class CategoryForm(FlaskForm):
    """A category's words per language; adding one also takes its key and a confirmation."""

    key = StringField(
        _l("Key"),
        description=_l("The name in data-category and in the API: functional, analytics, "
                       "marketing, personalisation, notifications, or your own."),
        validators=[Optional(), Regexp(CATEGORY_KEY.pattern + "$", message=_l(
            "A lowercase letter, then 1 to 31 lowercase letters, digits or _."))],
    )
    always_show = BooleanField(_l("Show even with no service and no element waiting for it"))
    confirm = BooleanField(_l("I understand: every visitor will be asked again"))


def category_language_fields(languages):
    """:class:`CategoryForm` with a title and a description per language of the site."""

    class Form(CategoryForm):
        pass

    for lang in languages:
        name = LANGUAGE_NAMES[lang]
        setattr(Form, f"title_{lang}", StringField(
            _l("Title (%(language)s)", language=name), validators=[Optional(), Length(max=80)]))
        setattr(Form, f"description_{lang}", TextAreaField(
            _l("Description (%(language)s)", language=name),
            validators=[Optional(), Length(max=400)]))
    return Form


class PolicyForm(FlaskForm):
    significant = BooleanField(_l("Significant: ask every visitor again"))


def policy_language_fields(form_class, languages):
    """Add a title, a text, a URL and a note of changes per language to ``form_class``."""

    class Form(form_class):
        pass

    for lang in languages:
        setattr(
            Form,
            f"title_{lang}",
            StringField(_l("Title"), validators=[Optional(), Length(max=300)]),
        )
        setattr(Form, f"body_{lang}", TextAreaField(_l("Text"), validators=[DataRequired()]))
        setattr(
            Form,
            f"url_{lang}",
            StringField(
                _l("Where the site publishes it (optional)"),
                validators=[Optional(), URL(require_tld=False), Length(max=2000)],
            ),
        )
        setattr(
            Form,
            f"changes_{lang}",
            TextAreaField(
                _l("What changed (shown to visitors)"), validators=[Optional(), Length(max=2000)]
            ),
        )
    return Form


class PublishForm(FlaskForm):
    effective_at = DateTimeLocalField(
        _l("In force from (UTC); empty means now"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )


class OperatorForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])
    role = SelectField(_l("Role"), choices=choices(labels.ROLES.items()))
    sites = MultiCheckboxField(_l("Sites (for a viewer)"), coerce=int)


class OperatorEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(labels.ROLES.items()))
    sites = MultiCheckboxField(_l("Sites (for a viewer)"), coerce=int)
    password = PasswordField(
        _l("New password (leave empty to keep)"), validators=[Optional(), Length(min=10, max=200)]
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])
    site = SelectField(_l("Site"), coerce=int)


class LogFilterForm(FlaskForm):
    """The log's filters, read from the query string (GET, so no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    consent_id = StringField(
        _l("Consent id"),
        validators=[Optional(), Regexp(r"^[0-9a-f]{32}$", message=_l("Not a consent id."))],
    )
    event_type = SelectField(
        _l("Event"),
        choices=choices([("", "—")] + [(e, labels.EVENTS[e]) for e in EVENT_TYPES]),
        validators=[Optional()],
    )
    method = SelectField(
        _l("Method"),
        choices=choices([("", "—")] + [(m, labels.METHODS[m]) for m in METHODS]),
        validators=[Optional()],
    )
    phone = StringField(_l("Subject's phone"), validators=[Optional(), Length(max=40)])
    account = StringField(_l("Subject's app account"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("Subject's e-mail"), validators=[Optional(), Length(max=254)])


class SubjectForm(FlaskForm):
    class Meta:
        csrf = False

    consent_id = StringField(
        _l("Consent id"),
        validators=[Optional(), Regexp(r"^[0-9a-f]{32}$", message=_l("Not a consent id."))],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Endpoint URL"),
        description=_l("https://… on the site's backend"),
        validators=[DataRequired(), Length(max=2000)],
    )
    recorded = BooleanField(_l("Also send consent.recorded (every decision)"))
