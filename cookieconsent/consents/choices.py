"""A decision's choices, held against the categories of its site."""

from __future__ import annotations

from ..errors import APIError
from ..sites.categories import ESSENTIAL
from ..sites.snapshots import SiteSnapshot


def site_choices(site: SiteSnapshot, given: dict, action: str) -> dict[str, bool]:
    """Every category of ``site`` in banner order, granted or not: essential always, the
    others as ``given`` says (one left out is not granted). A key that is not one of the
    site's categories, or an ``action`` the choices contradict, is a 422 naming the field."""
    unknown = {
        f"choices.{key}": "Not a category of this site."
        for key in given
        if key not in site.categories
    }
    if unknown:
        raise APIError(422, "Invalid input.", unknown)
    choices = {key: key == ESSENTIAL or given.get(key) is True for key in site.categories}
    if action == "accept_all" and not all(choices[key] for key in site.shown):
        raise APIError(422, "Invalid input.", {"action": "accept_all grants every category."})
    if action == "reject_all" and granted(choices):
        raise APIError(
            422, "Invalid input.", {"action": "reject_all refuses every optional category."}
        )
    return choices


def granted(choices: dict) -> list[str]:
    """The optional categories ``choices`` grants, sorted: what a receipt names."""
    return sorted(key for key, on in choices.items() if on and key != ESSENTIAL)
