"""Pages a visitor reaches from the banner: policy texts and their own decision."""

from flask import abort, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import PolicyVersion
from ..sites import get_site
from . import bp


@bp.get("/policies/<key>/<int:number>/<language>")
def policy_text(key, number, language):
    """The exact text of a published policy version, as visitors were shown it."""
    site = get_site(key)
    version = db.session.scalar(
        select(PolicyVersion).where(
            PolicyVersion.site_id == site.id,
            PolicyVersion.kind == "cookie",
            PolicyVersion.number == number,
            PolicyVersion.published_at.is_not(None),
        )
    )
    text = version.text_for(language) if version else None
    if text is None:
        abort(404)
    return render_template("policy.html", site=site, version=version, text=text)
