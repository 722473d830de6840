"""Chromium visits the site three times in clean contexts and notes what each page left behind.

Only the site's own origins (and the consent server, which serves the banner) are loaded:
every other request a page makes is recorded and, unless ``allow_third_party``, aborted
before it leaves the browser, so the scanner itself never sends traffic to other hosts.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit
from urllib.robotparser import RobotFileParser

from ..sites.registry import normalize_origin

PASSES = ("before", "reject", "accept")
#: The banner's buttons for each pass (``static/banner.js``).
BANNER_BUTTONS = {"reject": "reject-all", "accept": "accept-all"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER_AGENT_TOKEN = "cookieconsent-scanner"

#: Wraps ``document.cookie`` and ``Storage.setItem`` so that each write names the script that
#: made it: the first http(s) frame of a stack trace (the page's own URL for an inline script).
RECORDER = """(() => {
  const note = (kind, name) => {
    let stack = "";
    try { throw new Error(); } catch (e) { stack = String(e.stack || ""); }
    try { window.__cookieconsentScanNote(kind, String(name), stack, location.href); } catch (e) {}
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    get() { return cookie.get.call(this); },
    set(value) {
      note("cookie", String(value));
      cookie.set.call(this, value);
    },
  });
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    let kind = "sessionStorage";
    try { if (this === window.localStorage) kind = "localStorage"; } catch (e) {}
    note(kind, key);
    return setItem.call(this, key, value);
  };
})();"""
_STACK_URL = re.compile(r"(https?://[^\s()]+?):\d+:\d+")
_DELETION = re.compile(r";\s*(max-age\s*=\s*(0|-)|expires\s*=\s*thu, 01 jan 1970)", re.I)
_MAX_AGE = re.compile(r";\s*max-age\s*=\s*(\d+)", re.I)


class ScannerUnavailable(RuntimeError):
    """Playwright or Chromium is missing on this machine."""


@dataclass
class Limits:
    pages: int = 10
    depth: int = 3
    page_seconds: float = 15.0
    scan_seconds: float = 300.0


@dataclass
class Pass:
    """What one pass saw: pages visited, storage found, requests to other hosts."""

    name: str
    pages: list[dict] = field(default_factory=list)
    cookies: dict[str, dict] = field(default_factory=dict)
    storage: dict[tuple[str, str], dict] = field(default_factory=dict)
    requests: dict[str, dict] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)
    banner: str | None = None  # "clicked", "missing" (None before a decision)


def launch():
    """Playwright driving Debian's Chromium, or :class:`ScannerUnavailable` saying what to do."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScannerUnavailable(
            "the scanner needs Playwright: pip install 'cookieconsent[scanner]'"
        ) from None
    import os

    if not os.path.exists(CHROMIUM):
        raise ScannerUnavailable(f"the scanner needs Chromium at {CHROMIUM} (apt install chromium)")
    return sync_playwright()


class Visit:
    """One scan: the site's origins, the consent server's, and the limits it keeps to."""

    def __init__(self, browser, origins, server_origin, limits, allow_third_party=False,
                 consent_cookie="cookieconsent"):
        self.browser = browser
        #: The banner's cookie on the site: once it is there, the decision is recorded.
        self.consent_cookie = consent_cookie
        self.origins = set(origins)
        self.loadable = self.origins | {server_origin}
        self.limits = limits
        self.allow_third_party = allow_third_party
        self.deadline = time.monotonic() + limits.scan_seconds
        self.timed_out = False
        self.skipped: list[dict] = []  # robots.txt, outside the origins, over the page cap
        self._robots: dict[str, RobotFileParser | None] = {}

    def out_of_time(self) -> bool:
        if time.monotonic() >= self.deadline:
            self.timed_out = True
        return self.timed_out

    def run(self, start_urls: list[str]) -> list[Pass]:
        first = self.crawl(start_urls)
        visited = [p["url"] for p in first.pages if p["status"] == "ok"]
        return [first] + [self.replay(name, visited) for name in PASSES[1:]]

    # --- the three passes ----------------------------------------------------------------

    def crawl(self, start_urls: list[str]) -> Pass:
        """Before any decision: follow same-origin links breadth first, to the page cap."""
        result = Pass("before")
        context, _tab = self._context(result)
        queue = [(url, 0) for url in start_urls]
        seen = set(start_urls)
        try:
            while queue and len(result.pages) < self.limits.pages and not self.out_of_time():
                url, depth = queue.pop(0)
                links = self._visit(result._state["tab"], url, result)
                if depth >= self.limits.depth:
                    continue
                for link in links:
                    if link in seen:
                        continue
                    seen.add(link)
                    if self._origin(link) not in self.origins:
                        self.skipped.append({"url": link, "reason": "outside_origins"})
                    elif not self._robots_allow(context, link):
                        self.skipped.append({"url": link, "reason": "robots"})
                    else:
                        queue.append((link, depth + 1))
            self.skipped.extend({"url": url, "reason": "page_cap"} for url, _d in queue)
        finally:
            context.close()
        return result

    def replay(self, name: str, urls: list[str]) -> Pass:
        """After a decision: the first page, the banner's button, then every page again."""
        result = Pass(name)
        context, _tab = self._context(result)
        try:
            for index, url in enumerate(urls):
                if self.out_of_time():
                    break
                decide = BANNER_BUTTONS[name] if index == 0 else None
                self._visit(result._state["tab"], url, result, decide=decide)
        finally:
            context.close()
        return result

    # --- one page --------------------------------------------------------------------------

    def _context(self, result: Pass):
        context = self.browser.new_context(locale="ru-RU", service_workers="block")
        context.set_default_timeout(self.limits.page_seconds * 1000)
        state = {"page": None, "http": {}, "script": {}, "responses": [], "writes": []}
        result._state = state

        def note(kind, written, stack, location):
            script = next((m for m in _STACK_URL.findall(stack)), None)
            name, lifetime = written, None
            if kind == "cookie":
                name = written.split("=", 1)[0].strip()
                if _DELETION.search(written):
                    return  # a deletion (the banner cleaning up after a refusal)
                max_age = _MAX_AGE.search(written)
                lifetime = round(int(max_age.group(1)) / 86400, 1) if max_age else None
            state["script"].setdefault((kind, name), script)
            state["writes"].append((kind, name, script, lifetime))

        context.expose_function("__cookieconsentScanNote", note)
        context.add_init_script(RECORDER)
        context.route("**/*", lambda route: self._route(route, result))
        self._new_tab(context, state)
        return context, state["tab"]

    @staticmethod
    def _new_tab(context, state) -> None:
        page = context.new_page()
        # Read later, in _collect: a handler that waits on the browser could block its events.
        page.on("response", lambda response: state["responses"].append(response))
        state["tab"] = page

    def _route(self, route, result: Pass):
        request = route.request
        url = request.url
        if not url.startswith(("http://", "https://")):
            return route.continue_()
        origin = self._origin(url)
        if origin in self.loadable:
            return route.continue_()
        state = result._state
        if request.is_navigation_request() and request.frame.parent_frame is None:
            # The page itself went elsewhere (a link, a redirect by script): not ours to load.
            result.pages.append({"url": url, "status": "outside_origins",
                                 "error": "a navigation to a URL outside the site's origins"})
            return route.abort("blockedbyclient")
        parts = urlsplit(url)
        entry = result.requests.setdefault(parts.netloc, {
            "host": parts.hostname or "", "netloc": parts.netloc, "count": 0,
            "first_page": state["page"], "example": url[:300], "type": request.resource_type,
            "blocked": not self.allow_third_party,
        })
        entry["count"] += 1
        if self.allow_third_party:
            return route.continue_()
        return route.abort("blockedbyclient")

    @staticmethod
    def _set_cookie_headers(state) -> None:
        """Which response first set each cookie by HTTP ``Set-Cookie``."""
        responses, state["responses"] = state["responses"], []
        for response in responses:
            try:
                headers = response.headers_array()
            except Exception:  # the page went away meanwhile: nothing to learn from it
                continue
            for header in headers:
                if header["name"].lower() == "set-cookie":
                    name = header["value"].split("=", 1)[0].strip()
                    state["http"].setdefault(name, response.url)

    def _visit(self, page, url: str, result: Pass, decide: str | None = None) -> list[str]:
        """Load ``url``, let it settle, record what is new; the same-origin links it has."""
        from playwright.sync_api import Error as PlaywrightError

        state = result._state
        state["page"] = url
        record = {"url": url, "status": "ok"}
        started = time.monotonic()
        try:
            response = page.goto(url, wait_until="load")
            self._settle(page)
            if self._origin(page.url) not in self.origins:
                record.update(status="outside_origins", final_url=page.url)
            elif response is not None and response.status >= 400:
                record.update(status="http_error", http_status=response.status)
            if response is not None and record["status"] == "ok":
                result.html[url] = response.text()[:500_000]
            if decide and record["status"] == "ok":
                result.banner = self._decide(page, decide)
                self._settle(page)
        except PlaywrightError as error:
            record.update(status="failed", error=str(error).splitlines()[0][:300])
            # A tab still loading would interrupt the next page: the next one gets a new tab.
            context = page.context
            page.close()
            self._new_tab(context, state)
        record["seconds"] = round(time.monotonic() - started, 3)
        result.pages.append(record)
        if record["status"] != "ok":
            return []
        self._collect(page, url, result)
        try:
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        except PlaywrightError:
            return []
        found = []
        for link in links:
            link = urldefrag(link)[0]
            if link.startswith(("http://", "https://")) and link not in found:
                found.append(link)
        return found

    def _settle(self, page) -> None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            page.wait_for_load_state("networkidle", timeout=self.limits.page_seconds * 500)
        except PlaywrightError:
            pass  # a page that keeps polling is recorded as it is by now

    def _decide(self, page, action: str) -> str:
        from playwright.sync_api import Error as PlaywrightError

        button = page.locator(f'#cookieconsent [data-consent-action="{action}"]').first
        try:
            button.click(timeout=5000)
            page.wait_for_function(
                "name => document.cookie.split('; ').some(c => c.startsWith(name + '='))",
                arg=self.consent_cookie, timeout=5000,
            )
        except PlaywrightError:
            return "missing"
        return "clicked"

    def _collect(self, page, url: str, result: Pass) -> None:
        state = result._state
        self._set_cookie_headers(state)
        now = time.time()
        for cookie in page.context.cookies():
            name = cookie["name"]
            if name in result.cookies:
                continue
            expires = cookie.get("expires", -1)
            http = state["http"].get(name)
            script = state["script"].get(("cookie", name))
            result.cookies[name] = {
                "name": name,
                "domain": cookie["domain"],
                "path": cookie["path"],
                "lifetime_days": None if expires is None or expires < 0
                else round((expires - now) / 86400, 1),
                "party": "first" if self._first_party(cookie["domain"]) else "third",
                "set_by": "http" if http else "script" if script else "unknown",
                "source": http or script,
                "page": url,
            }
        try:
            keys = page.evaluate(
                "() => [['localStorage', Object.keys(localStorage)],"
                " ['sessionStorage', Object.keys(sessionStorage)]]"
            )
        except Exception:  # storage refused (opaque origin): nothing to record
            keys = []
        for kind, names in keys:
            for name in names:
                result.storage.setdefault((kind, name), {
                    "kind": kind, "name": name, "page": url,
                    "source": state["script"].get((kind, name)),
                })
        # Written by a script and gone by now (the banner deletes what was refused): it was
        # stored all the same, and a tag that wrote it has already run.
        writes, state["writes"] = state["writes"], []
        host = urlsplit(url).hostname or ""
        for kind, name, script, lifetime in writes:
            if kind == "cookie" and name and name not in result.cookies:
                result.cookies[name] = {
                    "name": name, "domain": host, "path": "/", "lifetime_days": lifetime,
                    "party": "first", "set_by": "script", "source": script, "page": url,
                    "removed": True,
                }
            elif kind != "cookie" and (kind, name) not in result.storage:
                result.storage[(kind, name)] = {"kind": kind, "name": name, "page": url,
                                                "source": script, "removed": True}

    def _first_party(self, domain: str) -> bool:
        domain = domain.lstrip(".").lower()
        for origin in self.origins:
            host = urlsplit(origin).hostname or ""
            if host == domain or host.endswith("." + domain):
                return True
        return False

    def _robots_allow(self, context, url: str) -> bool:
        origin = self._origin(url)
        if origin not in self._robots:
            parser = None
            try:
                response = context.request.get(origin + "/robots.txt",
                                               timeout=self.limits.page_seconds * 1000)
                if response.ok:
                    parser = RobotFileParser()
                    parser.parse(response.text().splitlines())
            except Exception:  # no robots.txt that can be read: nothing forbidden
                parser = None
            self._robots[origin] = parser
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(USER_AGENT_TOKEN, url)

    @staticmethod
    def _origin(url: str) -> str | None:
        try:
            return normalize_origin(url)
        except ValueError:
            return None
