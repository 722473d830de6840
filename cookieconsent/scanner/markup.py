"""What a page's HTML says: its inline scripts (and their ``type``), its form fields, and the
categories its gated scripts and frames (``data-category``) wait for."""

from __future__ import annotations

from html.parser import HTMLParser


class _Scripts(HTMLParser):
    """The inline scripts of a page, with their ``type``, and its form fields' classes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline: list[tuple[str | None, str]] = []
        self.fields: list[dict] = []
        self.gated: set[str] = set()
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "iframe"} and attrs.get("data-category"):
            self.gated.add(attrs["data-category"])
        if tag == "script" and not attrs.get("src"):
            self._open = {"type": attrs.get("type"), "text": []}
        elif tag in {"input", "textarea", "select"}:
            if (attrs.get("type") or "").lower() not in {"hidden", "submit", "button", "reset"}:
                self.fields.append({"name": attrs.get("name") or attrs.get("id") or tag,
                                    "classes": (attrs.get("class") or "").split()})

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.inline.append((self._open["type"], "".join(self._open["text"])))
            self._open = None


def page_markup(html: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return parser
