"""The banner's look per site: its colours, a dark palette for visitors whose browser prefers
a dark scheme (when the site turns it on), the corner radius, the layout and its position.

A site stores only what differs from :data:`DEFAULTS` (the values ``static/banner.css`` falls
back to), checked here and nowhere else: each pair of colours a visitor reads must reach the
WCAG 2.x contrast ratio for normal text (4.5:1), in both palettes. The server appends what
differs as a few CSS rules to the site's script, so the default look costs no byte.

The dark palette is off by default: a banner that turns dark on a light site looks like
someone else's, and the rules would cost every site's first visit bytes for the few that
want them.
"""

from __future__ import annotations

import math
import re

COLOURS = ("bg", "text", "primary", "primary_text", "secondary", "secondary_text", "link")
PALETTES = ("light", "dark")
LAYOUTS = ("box", "bar", "modal")
#: Where the layout goes; only the corner box has a choice, the others are always centred.
POSITIONS = ("center", "left", "right")
RADIUS_MAX = 32
SCALARS = ("dark_mode", "radius", "layout", "position")

DEFAULTS: dict = {
    "light": {
        "bg": "#ffffff",
        "text": "#1f2328",
        "primary": "#0a53be",
        "primary_text": "#ffffff",
        "secondary": "#ffffff",
        "secondary_text": "#0a53be",
        "link": "#0a53be",
    },
    "dark": {
        "bg": "#22272e",
        "text": "#e6edf3",
        "primary": "#4493f8",
        "primary_text": "#000000",
        "secondary": "#22272e",
        "secondary_text": "#79c0ff",
        "link": "#79c0ff",
    },
    "dark_mode": False,
    "radius": 12,
    "layout": "box",
    "position": "center",
}

#: (text, background) pairs a visitor has to read. A phone shows Customise as a link, in the
#: link colour on the background: that pair is checked already.
PAIRS = (
    ("text", "bg"),
    ("primary_text", "primary"),
    ("secondary_text", "secondary"),
    ("link", "bg"),
)
MIN_CONTRAST = 4.5

_HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})")

#: The rules each layout adds to banner.css's (the corner box in the centre, at the bottom).
_LAYOUT_CSS = {
    ("bar", "center"): ".bar{left:0;right:0;bottom:0;max-width:none;"
    "border-radius:var(--cc-radius) var(--cc-radius) 0 0}",
    ("box", "left"): ".bar{max-width:440px;margin-left:0}",
    ("box", "right"): ".bar{max-width:440px;margin-right:0}",
    ("modal", "center"): ".bar{top:16px;height:fit-content;max-width:560px;"
    "box-shadow:0 0 0 100vmax #0006}",
}


class LookError(ValueError):
    """A look that cannot be saved; ``field`` names the value at fault, and for a pair of
    colours too hard to read ``pair`` is ``(palette, text, background, ratio)``."""

    def __init__(self, field: str, message: str, pair: tuple | None = None):
        super().__init__(message)
        self.field = field
        self.pair = pair


def relative_luminance(colour: str) -> float:
    """The relative luminance of an sRGB ``#rrggbb`` colour, as WCAG 2.x defines it."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2.x contrast ratio of two colours, from 1 to 21."""
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)))
    return (b + 0.05) / (a + 0.05)


def shown(ratio: float) -> str:
    """A ratio to two decimals, as contrast checkers show it; one just below the minimum is
    cut, not rounded up to it (4.499 shows as 4.49, not 4.50)."""
    text = f"{ratio:.2f}"
    if ratio < MIN_CONTRAST <= float(text):
        text = f"{math.floor(ratio * 100) / 100:.2f}"
    return text


def colour(value: object, field: str) -> str:
    """``value`` as ``#rrggbb`` (``#rgb`` is widened); a :class:`LookError` otherwise."""
    text = str(value or "").strip().lower()
    if not _HEX.fullmatch(text):
        raise LookError(field, f"{field}: not a colour like #1f2328: {str(value)[:20]!r}")
    return text if len(text) == 7 else "#" + "".join(c * 2 for c in text[1:])


def resolve(stored: dict | None) -> dict:
    """The whole look of a site: what it stored over the defaults."""
    stored = stored or {}
    look = {key: value for key, value in DEFAULTS.items() if key not in PALETTES}
    look |= {key: stored[key] for key in SCALARS if key in stored}
    for palette in PALETTES:
        look[palette] = DEFAULTS[palette] | stored.get(palette, {})
    return look


def ratios(look: dict) -> list[tuple[str, str, str, float]]:
    """``(palette, text, background, ratio)`` of every pair that has to be readable."""
    return [
        (palette, fg, bg, contrast(look[palette][fg], look[palette][bg]))
        for palette in PALETTES
        for fg, bg in PAIRS
    ]


def clean(data: dict) -> dict:
    """What to store of a look entered in the console: only what differs from the defaults.

    A :class:`LookError` names the first value that is not a colour, radius, layout or
    position, or the first pair of colours below :data:`MIN_CONTRAST`, with its ratio.
    """
    look: dict = {"dark_mode": bool(data.get("dark_mode", DEFAULTS["dark_mode"]))}
    for palette in PALETTES:
        given = data.get(palette) or {}
        look[palette] = {
            name: colour(given.get(name, DEFAULTS[palette][name]), f"{palette}_{name}")
            for name in COLOURS
        }
    try:
        look["radius"] = int(data.get("radius", DEFAULTS["radius"]))
    except (TypeError, ValueError):
        look["radius"] = -1
    if not 0 <= look["radius"] <= RADIUS_MAX:
        raise LookError("radius", f"radius: a whole number of pixels from 0 to {RADIUS_MAX}")
    look["layout"] = data.get("layout", DEFAULTS["layout"])
    if look["layout"] not in LAYOUTS:
        raise LookError("layout", f"layout: one of {', '.join(LAYOUTS)}")
    position = data.get("position", DEFAULTS["position"])
    if position not in POSITIONS:
        raise LookError("position", f"position: one of {', '.join(POSITIONS)}")
    look["position"] = position if look["layout"] == "box" else "center"
    for palette, fg, bg, ratio in ratios(look):
        if ratio < MIN_CONTRAST:
            raise LookError(
                f"{palette}_{fg}",
                f"{palette}: {fg} on {bg} has a contrast of {shown(ratio)}:1, "
                f"below {MIN_CONTRAST}:1",
                (palette, fg, bg, ratio),
            )
    stored: dict = {}
    for key, value in look.items():
        if key in PALETTES:
            changed = {n: v for n, v in value.items() if DEFAULTS[key][n] != v}
            if changed:
                stored[key] = changed
        elif DEFAULTS[key] != value:
            stored[key] = value
    return stored


def css(stored: dict | None) -> str:
    """The CSS a site's look adds to banner.css: empty for the default look."""
    stored = stored or {}
    look = resolve(stored)
    rules = []

    def properties(values: dict) -> str:
        return ";".join(f"--cc-{name.replace('_', '-')}:{value}" for name, value in values.items())

    if "light" in stored:
        rules.append(f":host{{{properties(stored['light'])}}}")
    if look["dark_mode"]:
        # Every colour: what the light palette of this site set must not show through.
        rules.append(f"@media (prefers-color-scheme:dark){{:host{{{properties(look['dark'])}}}}}")
    if "radius" in stored:
        radius = stored["radius"]
        rules.append(f":host{{--cc-radius:{radius}px}}.b{{border-radius:{radius * 2 // 3}px}}")
    rules.append(_LAYOUT_CSS.get((look["layout"], look["position"]), ""))
    return "".join(rules)
