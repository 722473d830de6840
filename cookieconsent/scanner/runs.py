"""Running a scan: refusing URLs outside the site, one scan per site, storing and comparing.

The browser runs in a thread of its own, so a scan works the same from a shell, from the
console and from a process that already drives Playwright (its sync API allows one per thread).
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..accounts import audit
from ..extensions import db
from ..models import ScanLock, ScanReport, Service, Site
from ..models.types import utcnow
from ..sites.registry import KEY_PATTERN, normalize_origin
from . import report as reports
from .browser import CHROMIUM, CHROMIUM_ARGS, Limits, Visit, launch

#: A lock older than this belongs to a scan that died: the next scan may take it over.
STALE_LOCK = timedelta(hours=1)


class ScanRefused(ValueError):
    """A scan that may not run; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def start_urls(site: Site, urls: list[str] | None) -> list[str]:
    """The pages to start from: the given URLs, each inside the site's origins, or the origins."""
    if not site.origins:
        raise ScanRefused("site", f"site {site.key!r} has no origins to scan")
    if not urls:
        return [origin + "/" for origin in site.origins]
    for url in urls:
        try:
            origin = normalize_origin(url)
        except ValueError:
            raise ScanRefused("url", f"not an http(s) URL: {url!r}") from None
        if origin not in site.origins:
            raise ScanRefused(
                "url", f"{url} is outside the site's origins ({', '.join(site.origins)})"
            )
    return list(urls)


def acquire(site: Site, actor: str) -> None:
    """Take the site's scan lock, or refuse: another scan of it runs."""
    db.session.execute(
        delete(ScanLock).where(ScanLock.site_id == site.id,
                               ScanLock.started_at < utcnow() - STALE_LOCK)
    )
    db.session.add(ScanLock(site_id=site.id, actor=actor))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        holder = db.session.get(ScanLock, site.id)
        since = f" by {holder.actor} since {holder.started_at:%Y-%m-%d %H:%M} UTC" if holder else ""
        raise ScanRefused("site", f"a scan of {site.key} is already running{since}") from None


def release(site_id: int) -> None:
    db.session.rollback()
    db.session.execute(delete(ScanLock).where(ScanLock.site_id == site_id))
    db.session.commit()


def run(site: Site, *, actor: str, server_origin: str, urls: list[str] | None = None,
        limits: Limits | None = None, allow_third_party: bool = False) -> ScanReport:
    """Scan ``site`` in its three passes and store the report."""
    limits = limits or Limits()
    starts = start_urls(site, urls)
    playwright = launch()  # says what is missing before anything is locked
    site_id, origins, cookie = site.id, list(site.origins), site.consent_cookie
    acquire(site, actor)
    started = utcnow()
    try:
        # No transaction stays open while pages load: the banner's own POSTs write meanwhile.
        visit = Visit(None, origins, normalize_origin(server_origin), limits, allow_third_party,
                      cookie)
        passes = _in_thread(playwright, visit, starts)
        site = db.session.get(Site, site_id)
        built = reports.build(site, passes, visit, allow_third_party=allow_third_party)
        previous = latest(site)
        mark_new(built, previous.report if previous else None)
        built["previous_id"] = previous.id if previous else None
        row = ScanReport(
            site_id=site.id, started_at=started, finished_at=utcnow(), actor=actor,
            pages=sum(1 for p in passes[0].pages if p["status"] == "ok"),
            violations=len(reports.violations(built)), findings=len(built["findings"]),
            truncated=bool(built["truncated"]), report=built,
        )
        db.session.add(row)
        db.session.commit()
        return row
    finally:
        release(site_id)


def _in_thread(playwright, visit: Visit, starts: list[str]):
    outcome: dict = {}

    def work():
        try:
            with playwright as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    visit.browser = browser
                    outcome["passes"] = visit.run(starts)
                finally:
                    browser.close()
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=work, name="cookie-scan", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["passes"]


def latest(site: Site, before_id: int | None = None) -> ScanReport | None:
    query = select(ScanReport).where(ScanReport.site_id == site.id)
    if before_id is not None:
        query = query.where(ScanReport.id < before_id)
    return db.session.scalars(query.order_by(ScanReport.id.desc()).limit(1)).first()


def _identity(found: dict) -> tuple:
    return found["kind"], found["pass"], found["subject"]


def mark_new(report: dict, previous: dict | None) -> None:
    """Flag each finding the previous scan did not have (all of them on a first scan)."""
    known = {_identity(f) for f in (previous or {}).get("findings", [])}
    for found in report["findings"]:
        found["new"] = previous is not None and _identity(found) not in known


def apply(site: Site, chosen: list[dict]) -> list[Service]:
    """Declare the suggested services (or add their cookies to a service of the same key)."""
    changed = []
    for suggestion in chosen:
        key = suggestion["key"]
        if not KEY_PATTERN.match(key):
            raise ScanRefused("key", f"not a service key: {key!r}")
        service = next((s for s in site.services if s.key == key), None)
        if service is None:
            service = Service(key=key, name=suggestion["name"][:200],
                              category=suggestion["category"], provider=suggestion["provider"],
                              cookies=[], storage_keys=[])
            site.services.append(service)
        service.cookies = sorted(set(service.cookies or ()) | set(suggestion["cookies"]))
        service.storage_keys = sorted(
            set(service.storage_keys or ()) | set(suggestion["storage_keys"])
        )
        changed.append(service)
    db.session.flush()
    audit.record("site.update", site=site, target=site.key,
                 details={"services_from_scan": [s.key for s in changed]})
    return changed
