"""Services ready to declare: a platform of the catalogue with its cookies, lifetimes and
texts in every language the project speaks.

The cookies, their lifetimes and the category come from the Open Cookie Database; the kk, ru
and en names, providers and purposes of the services common in Kazakhstan (and the services it
does not know, such as 2GIS and Kaspi.kz) come from ``services.json``, written for this
project. A lifetime such as "13 months" is written in each language with CLDR's unit names.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

from babel.units import format_unit
from flask_babel import force_locale, lazy_pgettext

from . import entries_for, platforms

SERVICES = Path(__file__).with_name("services.json")
LANGUAGES = ("kk", "ru", "en")
#: The categories a banner asks about; marketing and personalisation wait under analytics.
ASKED = ("essential", "functional", "analytics")

_LIFETIME = re.compile(r"^(\d+)\s*(second|sec|minute|min|hour|day|week|month|year)s?$", re.I)
_UNITS = {"sec": "second", "min": "minute"}
_SESSION = {"session", "sessions", "end of session (browser)", "browser session"}
SESSION = lazy_pgettext("cookie lifetime", "until the browser is closed")


@cache
def _own() -> dict[str, dict]:
    return json.loads(SERVICES.read_text("utf-8"))["services"]


def names() -> list[str]:
    """Every service the catalogue can fill in: the database's platforms and our own."""
    return sorted(set(platforms()) | set(_own()), key=str.casefold)


def search(query: str, language: str = "en", limit: int = 20) -> list[dict]:
    """Services whose name, in any language, contains ``query``: ``[{"platform", "name"}]``,
    named in ``language`` where this project names them."""
    needle = query.strip().casefold()
    if not needle:
        return []
    found = []
    for platform in names():
        spelled = {platform, *(_own().get(platform, {}).get("name") or {}).values()}
        if any(needle in name.casefold() for name in spelled):
            named = _own().get(platform, {}).get("name") or {}
            found.append({"platform": platform, "name": named.get(language, platform)})
    return found[:limit]


def described(platform: str) -> dict[str, dict]:
    """The name, provider and purpose of ``platform`` per language, as this project wrote
    them (empty for a service it has not described)."""
    own = _own().get(platform, {})
    texts: dict[str, dict] = {}
    for key in ("name", "provider", "purpose"):
        for lang, value in (own.get(key) or {}).items():
            texts.setdefault(lang, {})[key] = value
    return texts


def lifetimes(retention: str) -> dict[str, str]:
    """``"13 months"`` in kk, ru and en; an unusual duration ("1 year or longer") stays as
    written, in en only; what is no duration ("Unknown", "Varies") is left for the operator."""
    text = retention.strip()
    if text.casefold() in _SESSION:
        return {lang: _in(lang, SESSION) for lang in LANGUAGES}
    match = _LIFETIME.match(text)
    if match is None:
        return {"en": text} if is_duration(text, "en") else {}
    number, unit = int(match[1]), match[2].lower()
    unit = "duration-" + _UNITS.get(unit, unit)
    return {lang: format_unit(number, unit, length="long", locale=lang) for lang in LANGUAGES}


#: A count as CLDR writes it: "13", "1,825", "3 000" (a space, no-break or narrow, in kk, ru).
_COUNT = r"\d{1,3}(?:[,.\s\xa0\u202f]?\d{3})*"


@cache
def _durations(language: str) -> re.Pattern:
    """Any count of seconds to years as CLDR writes it in ``language`` (long, short or narrow),
    or the words for a cookie that ends with the browser session."""
    # Counts that meet every plural form of kk, ru and en (one, few, many, other).
    forms = {
        re.escape(format_unit(count, f"duration-{unit}", length=width, locale=language))
        .replace(str(count), _COUNT, 1)
        .replace(r"\ ", r"\s*").replace("\xa0", r"\s*").replace("\u202f", r"\s*")
        for unit in ("second", "minute", "hour", "day", "week", "month", "year")
        for width in ("long", "short", "narrow")
        for count in (1, 2, 5)
    }
    said = "|".join([*sorted(forms), re.escape(_in(language, SESSION))])
    return re.compile(f"(?:{said})(?!\\w)", re.I)


def is_duration(text: str, language: str) -> bool:
    """Whether ``text`` says how long a cookie lives, in ``language``: "13 месяцев", "1 жыл",
    "until the browser is closed", or one of them qualified ("1 year or longer")."""
    return _durations(language).match(text.strip()) is not None


def duration_examples(language: str) -> dict[str, str]:
    """Two lifetimes as ``language`` writes them, for a form that refused one."""
    return {"example": format_unit(13, "duration-month", length="long", locale=language),
            "session": _in(language, SESSION)}


def _in(language: str, text) -> str:
    with force_locale(language):
        return str(text)


def preset(platform: str) -> dict | None:
    """The service ``platform`` as the console's form takes it, or None when it is unknown:
    key, name, provider, category, cookies and ``texts`` per language."""
    entries = entries_for(platform)
    own = _own().get(platform, {})
    if not entries and not own:
        return None
    texts = {lang: described(platform).get(lang, {}) | {"cookies": {}} for lang in LANGUAGES}
    cookies = []
    for entry in entries:
        pattern = entry.name + "*" if entry.wildcard else entry.name
        if pattern in cookies:
            continue
        cookies.append(pattern)
        purposes = {"en": entry.description} | (own.get("cookies") or {}).get(pattern, {})
        lifetime = lifetimes(entry.retention)
        for lang in LANGUAGES:
            text = {"purpose": purposes.get(lang, ""), "lifetime": lifetime.get(lang, "")}
            if any(text.values()):
                texts[lang]["cookies"][pattern] = text
    asked = [e.category if e.category in ASKED else "analytics" for e in entries]
    category = own.get("category") or Counter(asked).most_common(1)[0][0]
    controller = next((e.controller for e in entries if e.controller), "")
    return {
        "key": own.get("key") or re.sub(r"[^a-z0-9]+", "-", platform.lower()).strip("-")[:64],
        "name": texts["en"].get("name", platform),
        "provider": texts["en"].get("provider", controller),
        "category": category,
        "cookies": cookies,
        "storage_keys": [],
        "texts": {lang: text for lang, text in texts.items() if len(text) > 1 or text["cookies"]},
    }
