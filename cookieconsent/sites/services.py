"""A site's services changed in place: what a change means for visitors' earlier consent.

A visitor decided on the categories and on what each of them holds. Moving a service to
another category, or giving it a cookie or a localStorage key it did not have, puts storage
under a decision that never covered it: like adding a category, that raises the site's
revision (``Site.category_changes``) and every visitor is asked again. Its words (name,
provider, purposes, lifetimes) and dropping storage ask no one again.
"""

from __future__ import annotations

from ..extensions import db
from ..models import Service, Site


def asks_again(
    service: Service, category: str, cookies: list[str], storage_keys: list[str]
) -> bool:
    """Whether this change of ``service`` needs every visitor's consent again."""
    return (
        category != service.category
        or not set(cookies) <= set(service.cookies or ())
        or not set(storage_keys) <= set(service.storage_keys or ())
    )


def update(site: Site, service: Service, **values) -> bool:
    """Give ``service`` the ``values`` (its columns); returns whether visitors are asked again."""
    again = asks_again(service, values["category"], values["cookies"], values["storage_keys"])
    for name, value in values.items():
        setattr(service, name, value)
    if again:
        site.category_changes += 1
    db.session.flush()
    return again
