"""Google Consent Mode v2: which signals each of a site's categories grants.

A site keeps ``{category_key: [signal, …]}`` in ``consent_mode_signals``. A category it does
not list there grants what :data:`DEFAULT_SIGNALS` says for its key, so a category added later
(``marketing``) maps to the ad signals without the operator doing anything, and a site without
it keeps them denied. The banner grants a signal when any granted category maps to it.
"""

from __future__ import annotations

import re

from ..models import Site

#: The seven signals of Consent Mode v2, in Google's order.
SIGNALS = (
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
)
#: What a category grants when the site has not said otherwise.
DEFAULT_SIGNALS = {
    "marketing": ["ad_storage", "ad_user_data", "ad_personalization"],
    "analytics": ["analytics_storage"],
    "functional": ["functionality_storage", "personalization_storage"],
}
#: Google lets its tags wait at most this long for an update after the default.
MAX_WAIT_MS = 10_000
_LINE = re.compile(r"^\s*([a-z0-9_-]+)\s*:(.*)$")


def signals_by_category(site: Site) -> dict[str, list[str]]:
    """The signals each of the site's categories grants, the site's own choice first."""
    chosen = site.consent_mode_signals or {}
    return {c.key: list(chosen.get(c.key, DEFAULT_SIGNALS.get(c.key, []))) for c in site.categories}


def parse(text: str, categories: list[str]) -> dict[str, list[str]]:
    """``analytics: analytics_storage`` lines as a mapping.

    A ValueError carries what is wrong (``"line"``, ``"category"`` or ``"signal"``) and the
    offending text, for the caller to say in the reader's language.
    """
    mapping: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError("line", line.strip())
        key, names = match[1], [n.strip() for n in match[2].split(",") if n.strip()]
        if key not in categories:
            raise ValueError("category", key)
        unknown = [n for n in names if n not in SIGNALS]
        if unknown:
            raise ValueError("signal", unknown[0])
        mapping[key] = sorted(set(names), key=SIGNALS.index)
    return mapping


def format_lines(mapping: dict[str, list[str]]) -> str:
    """The mapping as the console shows it, one category a line."""
    return "\n".join(f"{key}: {', '.join(names)}" for key, names in mapping.items())


def banner_config(site: Site) -> dict:
    """What the banner needs to send Consent Mode: short keys, only what is set.

    ``d`` is the default (every signal denied but ``security_storage``), ``m`` what each
    category grants, as the banner lays it over the default, ``w`` what the default command
    adds (``wait_for_update``), ``s`` the flags of one ``gtag('set', {…})``.
    """
    config: dict = {
        "d": {name: "denied" for name in SIGNALS} | {"security_storage": "granted"},
        "m": {
            key: dict.fromkeys(names, "granted")
            for key, names in signals_by_category(site).items()
            if names
        },
    }
    if site.consent_mode_wait_ms:
        config["w"] = {"wait_for_update": site.consent_mode_wait_ms}
    flags = {"ads_data_redaction": site.ads_data_redaction, "url_passthrough": site.url_passthrough}
    if any(flags.values()):
        config["s"] = {name: True for name, on in flags.items() if on}
    return config
