"""The banner's look of a site: colours, dark palette, corner radius, layout, position."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts import audit
from ..extensions import db
from ..sites import look
from .auth import admin_required, site_or_404
from .blueprint import bp
from .forms import ActionForm

COLOUR_LABELS = {
    "bg": _l("Background"),
    "text": _l("Text"),
    "primary": _l("Buttons"),
    "primary_text": _l("Button text"),
    "secondary": _l("Secondary button"),
    "secondary_text": _l("Secondary button text"),
    "link": _l("Links and Customise"),
}
PALETTE_LABELS = {"light": _l("Colours"), "dark": _l("Dark palette")}
LAYOUT_LABELS = {
    "box": _l("Box at the bottom"),
    "bar": _l("Bar along the bottom edge"),
    "modal": _l("Window in the middle of the screen"),
}
POSITION_LABELS = {"center": _l("Centre"), "left": _l("Left"), "right": _l("Right")}


def _entered(form) -> dict:
    """The look as the page's form sent it, in the shape :func:`look.clean` takes."""
    data: dict = {
        palette: {name: form.get(f"{palette}_{name}", "") for name in look.COLOURS}
        for palette in look.PALETTES
    }
    data["dark_mode"] = form.get("dark_mode") == "on"
    for name in ("radius", "layout", "position"):
        data[name] = form.get(name, "")
    return data


def _refusal(error: look.LookError) -> str:
    if error.pair is None:
        return _("Not saved: %(problem)s", problem=str(error))
    palette, text, background, ratio = error.pair
    return _(
        "Not saved: %(palette)s: %(text)s on %(background)s has a contrast of %(ratio)s:1; "
        "it needs at least 4.5:1.",
        palette=PALETTE_LABELS[palette],
        text=COLOUR_LABELS[text],
        background=COLOUR_LABELS[background],
        ratio=look.shown(ratio),
    )


@bp.route("/sites/<key>/look", methods=["GET", "POST"])
@admin_required
def site_look(key):
    """The banner's look: refused, with the pair and its ratio named, if hard to read."""
    site = site_or_404(key)
    form = ActionForm()
    shown, status, error = look.resolve(site.look), 200, None
    if request.method == "POST" and form.validate_on_submit():
        entered = _entered(request.form)
        try:
            stored = look.clean(entered)
        except look.LookError as refused:
            error, status = refused, 422
            flash(_refusal(refused), "error")
            shown = entered
        else:
            if stored != site.look:
                audit.record(
                    "site.update",
                    site=site,
                    target=site.key,
                    details={"look": [site.look, stored]},
                )
                site.look = stored
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("admin.site_look", key=site.key))
    return render_template(
        "admin/site_look.html",
        site=site,
        form=form,
        look=shown,
        ratios=_ratios(shown),
        error=error,
        colours=COLOUR_LABELS,
        palettes=PALETTE_LABELS,
        layouts=LAYOUT_LABELS,
        positions=POSITION_LABELS,
        minimum=look.MIN_CONTRAST,
    ), status


def _ratios(shown: dict) -> list:
    """The contrast of each pair, for the table; none while a colour is not one."""
    try:
        return [
            (palette, fg, bg, look.shown(ratio), ratio >= look.MIN_CONTRAST)
            for palette, fg, bg, ratio in look.ratios(
                {p: {n: look.colour(shown[p][n], n) for n in look.COLOURS} for p in look.PALETTES}
            )
        ]
    except look.LookError:
        return []
