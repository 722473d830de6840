"""Downloading the filtered log from the console, streamed."""

from __future__ import annotations

from flask import Response, abort, request, stream_with_context

from ..accounts import audit
from ..export import formats
from ..extensions import db
from .auth import site_or_404
from .blueprint import bp
from .forms import LogFilterForm
from .log import event_filter


def streamed(site, flt, fmt: str) -> Response:
    """A download response whose body is produced row batch by row batch."""
    response = Response(
        stream_with_context(formats.stream(site, flt, fmt)), mimetype=formats.FORMATS[fmt]
    )
    response.headers["Content-Disposition"] = formats.attachment(site, fmt)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/sites/<key>/export.<fmt>")
def export_log(key, fmt):
    """The filtered log as CSV or JSON Lines."""
    site = site_or_404(key)
    if fmt not in formats.FORMATS:
        abort(404)
    form = LogFilterForm(request.args)
    flt = event_filter(site, form)
    if flt is None:
        abort(400)
    audit.record("export", site=site, target=fmt, details=_described(request.args))
    # Commit before streaming: the body is written after this view returns.
    db.session.commit()
    return streamed(site, flt, fmt)


def _described(args) -> dict:
    # The subject's phone or e-mail never goes into the trail in clear.
    return {k: ("(subject)" if k in {"phone", "email"} else v) for k, v in args.items() if v}
