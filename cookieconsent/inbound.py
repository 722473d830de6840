"""What the server takes of a request: a body up to the route's limit, a path without NUL.

``request.max_content_length`` is the limit (``MAX_CONTENT_LENGTH`` for the console's forms,
less for the API, see ``api/blueprint.py``). Werkzeug enforces it on a body with a
Content-Length, but on a chunked one it stops reading at the limit and hands over what it
read, so a longer body would be cut instead of refused; and a malformed chunk would end in a
500. :class:`Request` reads every body through :class:`BoundedBody` instead: past the limit
it answers 413, a body cut short or malformed is a 400, and nothing beyond the limit is read.
No route takes files, so a multipart form is refused before it is parsed (Werkzeug would
spool its parts to disk).

A path part holding NUL matches no route (:class:`PathPart`): PostgreSQL refuses NUL in a
query, and no site key or consent id holds one.
"""

from __future__ import annotations

import io

from flask import Request as FlaskRequest
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.routing import UnicodeConverter
from werkzeug.utils import cached_property


class BoundedBody(io.RawIOBase):
    """``source`` read up to ``length`` bytes, or, without a length, up to ``limit``."""

    def __init__(self, source, length: int | None, limit: int | None):
        self._source = source
        self._length_known = length is not None
        # Without a length, one byte past the limit is what tells a longer body.
        self._left = length if length is not None else (limit + 1 if limit is not None else None)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left == 0:
            return 0
        want = len(buffer) if self._left is None else min(len(buffer), self._left)
        try:
            data = self._source.read(want)
        except Exception as error:  # the server's own: the client went away, a bad chunk
            raise ClientDisconnected() from error
        if not data and self._length_known:
            raise ClientDisconnected()  # fewer bytes than Content-Length promised
        if self._left is not None:
            self._left -= len(data)
            if self._left == 0 and not self._length_known:
                raise RequestEntityTooLarge()
        buffer[: len(data)] = data
        return len(data)


class Request(FlaskRequest):
    """Flask's request, its body read through :class:`BoundedBody`."""

    @cached_property
    def stream(self):
        length, limit = self.content_length, self.max_content_length
        if length is not None and limit is not None and length > limit:
            raise RequestEntityTooLarge()
        if length is None and not self.environ.get("wsgi.input_terminated"):
            # The server does not end the stream: reading it could wait for ever.
            return io.BytesIO()
        return BoundedBody(self.environ["wsgi.input"], length, limit)

    def _load_form_data(self) -> None:
        self.stream  # noqa: B018  (a Content-Length past the limit is a 413 first)
        if self.mimetype == "multipart/form-data":
            raise UnsupportedMediaType("No form here takes files.")
        super()._load_form_data()


class PathPart(UnicodeConverter):
    """The default converter of ``<key>`` and friends, refusing NUL."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def init_app(app) -> None:
    """Read bodies through :class:`Request`; match path parts with :class:`PathPart`.

    Before any blueprint is registered: a rule takes its converters when it is added.
    """
    app.request_class = Request
    app.url_map.converters["default"] = app.url_map.converters["string"] = PathPart
