"""The stored records. Each module holds one idea; importing this package registers all."""

from .consent import ConsentEvent
from .policy import PolicyText, PolicyVersion
from .site import CATEGORIES, Category, Service, Site, SiteKey

__all__ = [
    "CATEGORIES",
    "Category",
    "ConsentEvent",
    "PolicyText",
    "PolicyVersion",
    "Service",
    "Site",
    "SiteKey",
]
