"""The Content-Security-Policy a host page needs for the banner: no 'unsafe-inline' or eval.

The banner draws itself in a shadow root with a constructed stylesheet (not subject to
style-src), so it needs only its own script source and a connection to the consent server.
Gated inline scripts keep working when they carry the page's nonce: the banner copies it.
"""

from __future__ import annotations

#: What Yandex.Metrika's tag needs once it is allowed to run.
METRIKA = {
    "script-src": ["https://mc.yandex.ru", "https://yastatic.net"],
    "connect-src": ["https://mc.yandex.ru", "wss://mc.yandex.ru"],
    "img-src": ["https://mc.yandex.ru"],
    "frame-src": ["https://mc.yandex.ru"],
}


def host_policy(
    server: str, nonce: str | None = None, *, metrika: bool = True, frames: tuple[str, ...] = ()
) -> str:
    """A strict policy for a page that embeds the banner from ``server``."""
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", server] + ([f"'nonce-{nonce}'"] if nonce else []),
        "connect-src": ["'self'", server],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "frame-src": ["'self'", *frames],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    }
    if metrika:
        for name, sources in METRIKA.items():
            directives[name] += sources
    return "; ".join(
        f"{name} {' '.join(dict.fromkeys(sources))}" for name, sources in directives.items()
    )
