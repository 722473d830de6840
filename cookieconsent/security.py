"""Response headers that keep pages, the API and the embed script from being misused.

Every response: ``nosniff``, a referrer policy that never leaks paths to other origins, and
HSTS when served over https (behind a proxy, set ``COOKIECONSENT_PROXY_COUNT`` so the scheme is
known). Server pages (admin, preferences, policy texts, errors) get a strict CSP with no
inline script or style and may not be framed. API answers get a CSP that lets nothing run and
are never cached when they carry a receipt. The embed script may be loaded by any page (that is
its job) but only as a script. CORS for the API stays in ``api/cors.py``: each site's origins.
A view that needs another policy sets its own header; these are only defaults.

The session cookie is opened for the console and the preference pages only: the API and the
embed are called from other sites' pages, where this host's cookie belongs to nothing the
caller does, and reading and signing it was a tenth of an API request's work.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
#: The demo shop is a host page: it may load Yandex.Metrika once the visitor agrees, exactly
#: the directives docs/embedding.md asks of a customer's site.
DEMO_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' https://mc.yandex.ru https://mc.yandex.com https://yastatic.net",
        "img-src 'self' data: https://mc.yandex.ru https://mc.yandex.com",
        "connect-src 'self' https://mc.yandex.ru https://mc.yandex.com",
        "frame-src 'self' https:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Add the security headers to every response; keep client addresses out of the logs."""
    from .accesslog import protect_logs

    app.after_request(harden)
    app.session_interface = PageSessions()
    protect_logs()


class PageSessions(SecureCookieSessionInterface):
    """The signed session cookie, on pages only; the API and the embed get none."""

    def open_session(self, app, request):
        if request.path.startswith(("/api/", "/embed/")):
            return self.make_null_session(app)
        return super().open_session(app, request)


def harden(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    path = request.path
    if path.startswith("/embed/") or path.startswith("/static/"):
        # Loaded by customers' pages on other origins, as scripts and styles only.
        headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
    elif path.startswith("/api/"):
        headers.setdefault("Content-Security-Policy", API_CSP)
        if request.method != "GET" or "/consents" in path or response.status_code >= 400:
            # Receipts and proofs belong to one visitor: no shared cache may keep them.
            headers.setdefault("Cache-Control", "no-store")
    elif response.mimetype == "text/html":
        csp = DEMO_CSP if request.endpoint == "demo.page" else PAGE_CSP
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if path.startswith("/admin"):
        headers.setdefault("Cache-Control", "no-store")
    return response
