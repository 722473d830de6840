"""From what the browser saw to a report: each cookie classified, each problem a finding.

A finding is data (``kind``, ``severity``, ``pass``, ``page``, ``subject``, ``source`` and the
``params`` its wording needs): ``scanner.wording`` words it in the reader's language, so a
report stored once reads in kk, ru and en.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from .. import catalogue
from ..models import Service, Site
from .browser import Pass
from .markup import page_markup

#: Our own banner's storage keys (``cookieconsent:<site>:<lang>``), and its cookie of earlier
#: releases; its cookie now is the site's (``cc_<site>``).
OWN_PREFIX = "cookieconsent"
#: The longest each list of a stored report may grow; the report says what was cut.
CAPS = {"cookies": 500, "storage": 500, "requests": 300, "findings": 500, "pages": 300,
        "skipped": 200}
#: Passes in which nothing but essential storage may appear.
UNDECIDED = ("before", "reject")
VIOLATION, WARNING, NOTICE = "violation", "warning", "notice"
METRIKA_TAG = "mc.yandex.ru/metrika"
_WEBVISOR_ON = re.compile(r"webvisor\s*:\s*(true|1)\b", re.IGNORECASE)
DISABLE_KEYS = "ym-disable-keys"


def classify(
    name: str, services: list[Service], storage: bool = False, own_cookie: str = OWN_PREFIX
) -> dict:
    """``own``, ``declared`` (a service of the site), ``known`` (the catalogue) or ``unknown``."""
    entry = catalogue.lookup(name)
    known = {"platform": entry.platform, "category": entry.category} if entry else {}
    if name.startswith(OWN_PREFIX) or (name == own_cookie and not storage):
        return {"status": "own", "service": "cookieconsent", "category": "essential"}
    for service in services:
        patterns = service.storage_keys if storage else service.cookies
        if any(_matches(pattern, name) for pattern in patterns or ()):
            return {"status": "declared", "service": service.key,
                    "category": service.category} | {"catalogue": known or None}
    if entry:
        return {"status": "known", "service": entry.platform, "category": entry.category}
    return {"status": "unknown", "service": None, "category": None}


def _matches(pattern: str, name: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else fnmatchcase(name, pattern)


def build(site: Site, passes: list[Pass], visit, *, allow_third_party: bool) -> dict:
    """The report of one scan, its lists capped to :data:`CAPS`."""
    services = list(site.services)
    cookies, storage, requests, findings = [], [], [], []
    for result in passes:
        for cookie in result.cookies.values():
            cookies.append({"pass": result.name, **cookie,
                            "classification": classify(cookie["name"], services,
                                                       own_cookie=site.consent_cookie)})
        for item in result.storage.values():
            storage.append({"pass": result.name, **item,
                            "classification": classify(item["name"], services, storage=True)})
        for request in result.requests.values():
            entry = catalogue.tracker_host(request["host"])
            tracker = {"platform": entry.platform, "category": entry.category} if entry else None
            requests.append({"pass": result.name, **request, "tracker": tracker})

    findings += _tracking_before_consent(cookies, storage, requests)
    findings += _undeclared(cookies, storage)
    findings += _declared_never_seen(services, cookies, storage)
    findings += _markup(site, passes[0])
    findings += _pages(passes, visit)

    report = {
        "site": site.key,
        "origins": list(site.origins),
        "allow_third_party": allow_third_party,
        "passes": [{"name": p.name, "banner": p.banner, "pages": p.pages} for p in passes],
        "cookies": cookies,
        "storage": storage,
        "requests": requests,
        "findings": findings,
        "suggestions": suggestions(site, cookies + storage),
        # The banner shows a category with no service if the pages gate elements by it.
        "gated": sorted(
            {key for html in passes[0].html.values() for key in page_markup(html).gated}
        ),
        "skipped": visit.skipped,
        # Services declare cookie names but no lifetimes, so "kept longer than declared"
        # cannot be judged; the report says so rather than staying silent.
        "notes": ["lifetime_not_declared"],
        "truncated": {},
    }
    return cap(report)


def cap(report: dict) -> dict:
    for name, limit in CAPS.items():
        if name == "pages":
            for item in report["passes"]:
                if len(item["pages"]) > limit:
                    report["truncated"][f"pages:{item['name']}"] = len(item["pages"])
                    item["pages"] = item["pages"][:limit]
        elif len(report[name]) > limit:
            report["truncated"][name] = len(report[name])
            report[name] = report[name][:limit]
    return report


def violations(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] == VIOLATION]


def finding(kind, severity, *, pass_=None, page=None, subject=None, source=None, **params):
    return {"kind": kind, "severity": severity, "pass": pass_, "page": page,
            "subject": subject, "source": source, "params": params}


def _tracking_before_consent(cookies, storage, requests) -> list[dict]:
    found = []
    for item in cookies + storage:
        kind = item.get("kind", "cookie")
        label = item["classification"]
        if item["pass"] in UNDECIDED and label["category"] not in (None, "essential"):
            found.append(finding(
                "tracking_before_consent", VIOLATION, pass_=item["pass"], page=item["page"],
                subject=item["name"], source=item.get("source"), storage=kind,
                service=label["service"], category=label["category"],
            ))
    for request in requests:
        if request["pass"] not in UNDECIDED:
            continue
        if request["tracker"]:
            found.append(finding(
                "tracker_request_before_consent", VIOLATION, pass_=request["pass"],
                page=request["first_page"], subject=request["host"], source=request["example"],
                service=request["tracker"]["platform"], category=request["tracker"]["category"],
            ))
        else:
            found.append(finding(
                "third_party_request", WARNING, pass_=request["pass"],
                page=request["first_page"], subject=request["netloc"], source=request["example"],
            ))
    return found


def _undeclared(cookies, storage) -> list[dict]:
    found, reported = [], set()
    for item in cookies + storage:
        kind = item.get("kind", "cookie")
        label = item["classification"]
        if label["status"] in ("own", "declared") or (kind, item["name"]) in reported:
            continue
        reported.add((kind, item["name"]))
        found.append(finding(
            "undeclared", WARNING, pass_=item["pass"], page=item["page"], subject=item["name"],
            source=item.get("source"), storage=kind, service=label["service"],
            category=label["category"],
        ))
    return found


def _declared_never_seen(services, cookies, storage) -> list[dict]:
    found = []
    for service in services:
        for storage_kind, patterns, seen in (
            ("cookie", service.cookies, cookies), ("localStorage", service.storage_keys, storage)
        ):
            for pattern in patterns or ():
                if not any(_matches(pattern, item["name"]) for item in seen):
                    found.append(finding("declared_never_seen", NOTICE, subject=pattern,
                                         storage=storage_kind, service=service.key))
    return found


def _markup(site: Site, before: Pass) -> list[dict]:
    """Metrika's snippet outside the gating, and Webvisor recording what visitors type."""
    found = []
    webvisor_by_site = bool((site.metrika_options or {}).get("webvisor"))
    for url, html in before.html.items():
        markup = page_markup(html)
        ungated = [text for kind, text in markup.inline
                   if METRIKA_TAG in text and (kind or "").lower() != "text/plain"]
        if ungated:
            found.append(finding("metrika_not_gated", VIOLATION, pass_="before", page=url,
                                 subject=METRIKA_TAG))
        webvisor = webvisor_by_site or any(
            METRIKA_TAG in text and _WEBVISOR_ON.search(text) for _kind, text in markup.inline
        )
        open_fields = [f["name"] for f in markup.fields if DISABLE_KEYS not in f["classes"]]
        if webvisor and open_fields:
            found.append(finding("webvisor_form_fields", VIOLATION, pass_="before", page=url,
                                 subject=", ".join(open_fields[:10]), count=len(open_fields)))
    return found


def _pages(passes: list[Pass], visit) -> list[dict]:
    found = []
    for result in passes:
        for page in result.pages:
            if page["status"] != "ok":
                found.append(finding(
                    f"page_{page['status']}", WARNING, pass_=result.name, page=page["url"],
                    subject=page.get("final_url") or page["url"],
                    detail=page.get("error") or page.get("http_status"),
                ))
        if result.banner == "missing":
            found.append(finding("banner_missing", WARNING, pass_=result.name,
                                 page=result.pages[0]["url"] if result.pages else None))
    for skipped in visit.skipped:
        if skipped["reason"] == "outside_origins":
            found.append(finding("link_outside_origins", NOTICE, subject=skipped["url"]))
    if visit.timed_out:
        found.append(finding("scan_time_limit", WARNING, seconds=visit.limits.scan_seconds))
    return found


def suggestions(site: Site, items: list[dict]) -> list[dict]:
    """Services to declare, one per catalogue platform whose storage the site does not declare.

    A service goes under its catalogue category when the site has that category, else under
    analytics, which waits for consent too.
    """
    categories = {c.key for c in site.categories}
    grouped: dict[str, dict] = {}
    for item in items:
        label = item["classification"]
        if label["status"] != "known":
            continue
        entry = catalogue.lookup(item["name"])
        suggestion = grouped.setdefault(entry.platform, {
            "key": service_key(entry.platform),
            "name": entry.platform,
            "provider": entry.controller or None,
            "catalogue_category": entry.category,
            "category": entry.category if entry.category in categories else "analytics",
            "cookies": [],
            "storage_keys": [],
        })
        pattern = entry.name + "*" if entry.wildcard else item["name"]
        target = suggestion["storage_keys"] if "kind" in item else suggestion["cookies"]
        if pattern not in target:
            target.append(pattern)
    return list(grouped.values())


def service_key(platform: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", platform.lower()).strip("-")[:64] or "service"
