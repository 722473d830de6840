"""The stored records. Each module holds one idea; importing this package registers all."""

from .consent import ConsentEvent
from .ledger import LedgerCheckpoint
from .operator import ApiToken, AuditEntry, DailyFigure, LoginFailures, Operator
from .policy import PolicyText, PolicyVersion
from .retention import PurgeRun
from .scan import ScanLock, ScanReport
from .site import CATEGORIES, Category, Service, Site, SiteKey
from .webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .wording import BannerTexts

__all__ = [
    "ApiToken",
    "BannerTexts",
    "AuditEntry",
    "DailyFigure",
    "LoginFailures",
    "Operator",
    "CATEGORIES",
    "Category",
    "ConsentEvent",
    "LedgerCheckpoint",
    "PolicyText",
    "PolicyVersion",
    "PurgeRun",
    "ScanLock",
    "ScanReport",
    "Service",
    "Site",
    "SiteKey",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
